//! Data export: a partner admin asks for an archive of one of its tenants; the job builds it
//! and the console downloads one .zip with every business table as JSON lines and CSV, the
//! stored documents and a manifest, without password hashes or signing secrets and without a
//! byte of another tenant. The request is audited under the partner user's name. Another
//! partner, a tenant's own admin and a signed-out visitor reach nothing (cross-partner rows).
use crate::common::*;
use chrono::Utc;
use serde_json::{Value, json};
use std::io::Read;

const PAGE: &str = "/partner/tenants/acme/exports";

/// A shipment with a proof of delivery stored for it; returns the document's bytes.
async fn stored_document(app: &TestApp) -> Vec<u8> {
    let t = app.acme_token().await;
    let evs = json!([
        ev("exp-o", "order.accepted", "2026-03-01T09:00:00Z", order_payload("SO-EXPORT-1", "C-1001")),
        ev("exp-d", "shipment.dispatched", "2026-03-02T15:00:00Z", json!({"number": "SH-EXPORT-1", "order_number": "SO-EXPORT-1", "carrier": "UPS", "tracking_number": "1Z9", "lines": [{"line": 1, "quantity": 1}]})),
    ]);
    let v: Value = app.post(ACME, &t, "/api/v1/events", &evs).await.json().await.unwrap();
    assert!(v["results"].as_array().unwrap().iter().all(|r| r["result"] == "accepted"), "{v}");
    let pdf = b"%PDF-1.4 proof of delivery for SO-EXPORT-1".to_vec();
    let form = reqwest::multipart::Form::new().text("kind", "pod").part("file", reqwest::multipart::Part::bytes(pdf.clone()).file_name("pod.pdf").mime_str("application/pdf").unwrap());
    let r = app.browser().post(app.url(ACME, "/api/v1/shipments/SH-EXPORT-1/documents")).bearer_auth(&t).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 201);
    pdf
}

/// The download link on the exports page.
fn download_href(html: &str) -> Option<String> {
    let at = html.find("/partner/tenants/acme/exports/")?;
    Some(html[at..at + html[at..].find('"')?].to_owned())
}

fn entry(zip: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str) -> String {
    let mut s = String::new();
    zip.by_name(name).unwrap_or_else(|_| panic!("{name} in the archive")).read_to_string(&mut s).unwrap();
    s
}

#[tokio::test]
async fn a_partner_exports_a_tenant_as_one_archive_of_records_and_documents() {
    let app = spawn_app_with(|c| c.webhook_allow = domain::webhooks::guard::Allow::parse("127.0.0.1").unwrap()).await;
    let pod = stored_document(&app).await;
    let hook = json!({"url": "http://127.0.0.1:9/in", "event_types": ["invoice.posted"], "description": "ERP hook"});
    let r = app.post(ACME, &app.acme_token().await, "/api/v1/webhooks/endpoints", &hook).await;
    assert_eq!(r.status(), 201);
    let secret = r.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned();
    let c = json!({"external_id": "C-ONLY-BG", "name": "Only In Bluegrass Ltd"});
    assert!(app.post(BLUEGRASS, &app.bg_token().await, "/api/v1/customers", &c).await.status().is_success());
    let (partner, csrf) = console(&app, "partner@northwind.test", PW).await;
    let r = post_form(&app, &partner, "localhost", PAGE, &[("csrf", &csrf)]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, PAGE.into()));
    let (status, html) = page(&app, &partner, "localhost", PAGE).await;
    assert_eq!(status, 200);
    assert!(html.contains("An export of Acme Industrial Supply is being built") && html.contains("Being built") && html.contains("Nora Partner"), "{html}");
    assert!(download_href(&html).is_none(), "no download before it is built");

    server::workers::run_due(&app.db, &app.config, Utc::now()).await.unwrap();
    let (_, html) = page(&app, &partner, "localhost", PAGE).await;
    assert!(html.contains("Ready"), "{html}");
    let href = download_href(&html).expect("a download link");
    let r = partner.get(app.url("localhost", &href)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"acme-export-"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(r.bytes().await.unwrap().to_vec())).expect("a zip archive");

    let manifest: Value = serde_json::from_str(&entry(&mut zip, "manifest.json")).unwrap();
    assert_eq!(manifest["tenant"], "acme");
    let rows = |table: &str| manifest["tables"].as_array().unwrap().iter().find(|t| t["table"] == table).unwrap_or_else(|| panic!("{table} in {manifest}"))["rows"].as_u64().unwrap();
    for table in ["customers", "orders", "order_lines", "shipments", "invoices", "users", "events", "documents", "audit_log"] {
        let jsonl = entry(&mut zip, &format!("{table}.jsonl"));
        assert_eq!(jsonl.lines().count() as u64, rows(table), "{table}.jsonl has every row");
        let csv = entry(&mut zip, &format!("{table}.csv"));
        assert_eq!(csv::Reader::from_reader(csv.as_bytes()).records().count() as u64, rows(table), "{table}.csv has every row");
    }
    assert!(rows("orders") >= 1 && rows("shipments") >= 1 && rows("documents") >= 1, "{manifest}");
    assert_eq!(manifest["documents"].as_u64(), Some(rows("documents")), "every stored document is in the archive");
    assert_eq!(manifest["documents_missing"], json!([]));
    let orders = entry(&mut zip, "orders.jsonl");
    let order: Value = serde_json::from_str(orders.lines().find(|l| l.contains("SO-EXPORT-1")).expect("the order")).unwrap();
    assert_eq!(order["number"], "SO-EXPORT-1");
    let customers = entry(&mut zip, "customers.jsonl") + &entry(&mut zip, "customers.csv");
    assert!(customers.contains("C-1001") && !customers.contains("Only In Bluegrass"), "acme's customers only");
    let users = entry(&mut zip, "users.jsonl") + &entry(&mut zip, "users.csv");
    assert!(users.contains("admin@acme.test") && !users.contains("password_hash") && !users.contains("$argon2"), "no password hashes: {users}");
    assert!(entry(&mut zip, "users.csv").starts_with("id,email,name,role,customer_id,disabled,created_at,updated_at"), "the CSV header names the columns");
    let webhooks = entry(&mut zip, "webhook_endpoints.jsonl") + &entry(&mut zip, "webhook_endpoints.csv");
    assert!(webhooks.contains("ERP hook") && !webhooks.contains(&secret) && !webhooks.contains("whsec_") && !webhooks.contains("secret"), "no signing secrets: {webhooks}");
    let docs: Vec<String> = (0..zip.len()).map(|i| zip.by_index(i).unwrap().name().to_owned()).filter(|n| n.starts_with("documents/")).collect();
    assert_eq!(docs.len() as u64, rows("documents"));
    let found = docs.iter().any(|n| {
        let mut bytes = Vec::new();
        zip.by_name(n).unwrap().read_to_end(&mut bytes).unwrap();
        n.ends_with("-pod.pdf") && bytes == pod
    });
    assert!(found, "the POD just stored, byte for byte: {docs:?}");

    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    let csv = admin.get(app.url(ACME, "/workspace/admin/audit.csv")).send().await.unwrap().text().await.unwrap();
    for action in ["tenant.export_requested", "tenant.export_downloaded"] {
        let row = csv.lines().find(|l| l.contains(action)).unwrap_or_else(|| panic!("{action} audited"));
        assert!(row.contains("Nora Partner (Partner admin, Northwind Partners)"), "{row}");
    }
}

#[tokio::test]
async fn cross_partner_matrix_data_exports() {
    let app = spawn_app().await;
    other_partner(&app).await;
    let (partner, csrf) = console(&app, "partner@northwind.test", PW).await;
    assert_eq!(post_form(&app, &partner, "localhost", PAGE, &[("csrf", &csrf)]).await.status(), 303);
    let (_, html) = page(&app, &partner, "localhost", PAGE).await;
    assert!(html.contains("Being built"), "{html}");
    // Not ready yet: its id is not a download.
    let acme = app.tenant(ACME).await;
    let txn = app.db.tenant_txn(&acme.slug).await.unwrap();
    let id = domain::data_export::recent(&txn, 1).await.unwrap()[0].id;
    txn.commit().await.unwrap();
    let href = format!("{PAGE}/{id}");
    assert_eq!(partner.get(app.url("localhost", &href)).send().await.unwrap().status(), 404, "queued");
    server::workers::run_due(&app.db, &app.config, Utc::now()).await.unwrap();
    assert_eq!(partner.get(app.url("localhost", &href)).send().await.unwrap().status(), 200, "ready");

    let (olga, olga_csrf) = console(&app, "boss@other.test", "other-partner-pw").await;
    assert_eq!(post_form(&app, &olga, "localhost", PAGE, &[("csrf", &olga_csrf)]).await.status(), 404);
    let (status, body) = page(&app, &olga, "localhost", PAGE).await;
    assert!(status == 404 && !body.contains("Nora Partner"), "{body}");
    assert_eq!(olga.get(app.url("localhost", &href)).send().await.unwrap().status(), 404, "another partner's archive");
    assert_eq!(olga.get(app.url("localhost", &format!("/partner/tenants/zenith/exports/{id}"))).send().await.unwrap().status(), 404, "acme's id under her own tenant");
    assert_eq!(post_form(&app, &partner, "localhost", PAGE, &[("csrf", "forged")]).await.status(), 403, "CSRF");
    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    let r = admin.get(app.url(ACME, &href)).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/workspace".into()), "a tenant admin is sent home");
    let r = app.raw_client().get(app.url("localhost", &href)).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/login".into()), "signed out");
    assert_eq!(partner.get(app.url("localhost", &format!("{PAGE}/not-an-id"))).send().await.unwrap().status(), 404);
}
