//! The customer portal through HTTP: pages, downloads and forms of a customer user, and the
//! authorisation matrix — another customer's orders, invoices, disputes and documents of the
//! same tenant are 404 by URL and by server-function call, another tenant's are unreachable,
//! and a document URL works only in the session that may read it.

use crate::common::*;
use domain::entity::event;
use domain::types::Role;
use sea_orm::prelude::*;
use serde_json::{Value, json};

const OTHER: &str = "buyer@other.test";

/// A small valid PDF (what the portal accepts as evidence).
fn pdf_bytes(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {text}\n%%EOF\n").into_bytes()
}

/// Order `number` for `customer`, shipped in full with a POD, and invoice `INV-<number>`.
async fn fixture(app: &TestApp, t: &str, number: &str, customer: &str) -> String {
    let shipment = format!("{number}-S1");
    let evs = json!([
        ev(&format!("{number}-o"), "order.accepted", "2026-03-01T09:00:00Z", order_payload(number, customer)),
        ev(&format!("{number}-d"), "shipment.dispatched", "2026-03-02T15:00:00Z", json!({"number": shipment, "order_number": number, "carrier": "UPS",
            "tracking_number": "1Z9", "tracking_url": "https://www.ups.com/track?tracknum=1Z9", "lines": [{"line": 1, "quantity": 10}, {"line": 2, "quantity": 4}]})),
        ev(&format!("{number}-i"), "invoice.posted", "2026-03-03T09:00:00Z", json!({"number": format!("INV-{number}"), "order_number": number, "customer": customer, "currency": "USD", "issued_on": "2026-03-03",
            "lines": [{"line": 1, "sku": "BRG-1", "description": "Bearing", "quantity": 10, "unit_price_minor": 250}, {"line": 2, "sku": "HOSE-2", "description": "Hose", "quantity": 4, "unit_price_minor": 1000}]})),
    ]);
    let v: Value = app.post(ACME, t, "/api/v1/events", &evs).await.json().await.unwrap();
    assert!(v["results"].as_array().unwrap().iter().all(|r| r["result"] == "accepted"), "{v}");
    let form = reqwest::multipart::Form::new().text("kind", "pod").part("file", reqwest::multipart::Part::bytes(pdf_bytes(number)).file_name("pod.pdf").mime_str("application/pdf").unwrap());
    let r = app.browser().post(app.url(ACME, &format!("/api/v1/shipments/{shipment}/documents"))).bearer_auth(t).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let d: Value = r.json().await.unwrap();
    d["id"].as_str().unwrap().to_owned()
}

/// A second customer of acme with a portal user of its own.
async fn other_customer(app: &TestApp) {
    let acme = app.tenant(ACME).await;
    let id = domain::seed::create_customer(&app.db, &acme, "C-2002", "Other Co").await.unwrap();
    let hash = domain::password::hash(PW.into()).await;
    domain::seed::create_tenant_user(&app.db, &acme, OTHER, "Olga Other", Role::Customer, Some(id), &hash).await.unwrap();
}

/// Posts a multipart form with the session's CSRF token (read from `page_path`).
async fn post_multipart(app: &TestApp, b: &reqwest::Client, page_path: &str, path: &str, fields: &[(&str, &str)], files: Vec<(&str, &str, Vec<u8>)>) -> reqwest::Response {
    let (_, html) = page(app, b, ACME, page_path).await;
    let mut form = reqwest::multipart::Form::new().text("csrf", extract_csrf(&html));
    for (k, v) in fields {
        form = form.text((*k).to_owned(), (*v).to_owned());
    }
    for (field, name, bytes) in files {
        form = form.part(field.to_owned(), reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
    }
    b.post(app.url(ACME, path)).multipart(form).send().await.unwrap()
}

async fn viewed_events(app: &TestApp, invoice: &str) -> usize {
    let txn = app.db.tenant_txn(&app.tenant(ACME).await.slug).await.unwrap();
    let n = event::Entity::find().filter(event::Column::Kind.eq("invoice.viewed")).all(&txn).await.unwrap();
    txn.commit().await.unwrap();
    n.iter().filter(|e| e.payload.contains(invoice)).count()
}

#[tokio::test]
async fn a_customer_finds_an_order_by_po_downloads_its_pod_and_reads_its_invoice() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let pod = fixture(&app, &t, "P-1", "C-1001").await;
    let b = signed_in(&app, ACME, "buyer@initech.test").await;

    let (status, home) = page(&app, &b, ACME, "/portal").await;
    assert_eq!(status, 200);
    for want in ["Open invoices", "Total due", "Recent activity", "Acme Order Hub", "Initech Manufacturing"] {
        assert!(home.contains(want), "home shows {want}");
    }
    let (_, list) = page(&app, &b, ACME, "/portal/orders?q=PO-P-1").await;
    assert!(list.contains("/portal/orders/P-1"), "the order is found by its PO");
    assert_eq!(list.matches("data-testid=\"order-row\"").count(), 1);
    let (status, order) = page(&app, &b, ACME, "/portal/orders/P-1").await;
    assert_eq!(status, 200);
    assert!(order.contains(&format!("/portal/documents/{pod}")), "the POD is offered");
    assert!(order.contains("https://www.ups.com/track?tracknum=1Z9"), "the tracking link");
    assert!(order.contains("/portal/invoices/INV-P-1"));

    let r = b.get(app.url(ACME, &format!("/portal/documents/{pod}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(r.headers()["content-security-policy"], "sandbox");
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf_bytes("P-1").as_slice());

    let (status, inv) = page(&app, &b, ACME, "/portal/invoices/INV-P-1").await;
    assert_eq!(status, 200);
    for want in ["USD 65.00", "Dispute this invoice", "/portal/invoices/INV-P-1/pdf", "BRG-1"] {
        assert!(inv.contains(want), "the invoice page shows {want}");
    }
    let r = b.get(app.url(ACME, "/portal/invoices/INV-P-1/pdf")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("INV-P-1.pdf"));
    let text = pdf_extract::extract_text_from_mem(&r.bytes().await.unwrap()).unwrap();
    for want in ["INV-P-1", "Acme Industrial Supply", "USD 65.00", "Lockbox 4410", "PO-P-1"] {
        assert!(text.contains(want), "the PDF names {want}: {text}");
    }
    let (_, invoices) = page(&app, &b, ACME, "/portal/invoices").await;
    assert!(invoices.contains("What you owe, by age") && invoices.contains("INV-P-1"));
    let r = b.get(app.url(ACME, "/portal/statement.pdf")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = pdf_extract::extract_text_from_mem(&r.bytes().await.unwrap()).unwrap();
    assert!(text.contains("STATEMENT") && text.contains("INV-P-1"), "{text}");
    let csv = b.get(app.url(ACME, "/portal/orders.csv")).send().await.unwrap().text().await.unwrap();
    assert!(csv.starts_with("order,") && csv.contains("P-1,"), "{csv}");
    assert!(csv.lines().skip(1).all(|l| l.contains("C-1001")), "only the customer's own orders: {csv}");
    let csv = b.get(app.url(ACME, "/portal/invoices.csv?q=INV-P")).send().await.unwrap().text().await.unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
}

#[tokio::test]
async fn opening_an_invoice_records_invoice_viewed_once_per_user() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    fixture(&app, &t, "V-1", "C-1001").await;
    let b = signed_in(&app, ACME, "buyer@initech.test").await;
    for _ in 0..3 {
        assert_eq!(page(&app, &b, ACME, "/portal/invoices/INV-V-1").await.0, 200);
    }
    assert_eq!(viewed_events(&app, "INV-V-1").await, 1);
    let inv: Value = app.get(ACME, &t, "/api/v1/invoices/INV-V-1").await.json().await.unwrap();
    assert!(inv["viewed_at"].is_string(), "{inv}");
    // A second user of the same customer is a second view.
    let acme = app.tenant(ACME).await;
    let initech = {
        let txn = app.db.tenant_txn(&acme.slug).await.unwrap();
        let c = domain::entity::customer::Entity::find().filter(domain::entity::customer::Column::ExternalId.eq("C-1001")).one(&txn).await.unwrap().unwrap();
        txn.commit().await.unwrap();
        c.id
    };
    let hash = domain::password::hash(PW.into()).await;
    domain::seed::create_tenant_user(&app.db, &acme, "ap@initech.test", "Ann Payable", Role::Customer, Some(initech), &hash).await.unwrap();
    let b2 = signed_in(&app, ACME, "ap@initech.test").await;
    assert_eq!(page(&app, &b2, ACME, "/portal/invoices/INV-V-1").await.0, 200);
    assert_eq!(viewed_events(&app, "INV-V-1").await, 2);
}

#[tokio::test]
async fn a_customer_cannot_reach_another_customers_rows_by_url_or_server_function() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    other_customer(&app).await;
    let pod = fixture(&app, &t, "X-1", "C-2002").await;
    let d: Value = app.post(ACME, &t, "/api/v1/disputes", &json!({"invoice_number": "INV-X-1", "reason": "pricing", "description": "x", "lines": [{"line": 1, "quantity": 1}]})).await.json().await.unwrap();
    let dispute = d["number"].as_str().unwrap().to_owned();
    let b = signed_in(&app, ACME, "buyer@initech.test").await;
    for path in ["/portal/orders/X-1", "/portal/invoices/INV-X-1", &format!("/portal/disputes/{dispute}"), "/portal/invoices/INV-X-1/dispute"] {
        let (status, html) = page(&app, &b, ACME, path).await;
        assert_eq!(status, 404, "{path}");
        assert!(!html.contains("Other Co") && !html.contains("PO-X-1"), "{path} reveals nothing");
    }
    for path in [format!("/portal/documents/{pod}"), "/portal/invoices/INV-X-1/pdf".into()] {
        assert_eq!(b.get(app.url(ACME, &path)).send().await.unwrap().status(), 404, "{path}");
    }
    let (_, list) = page(&app, &b, ACME, "/portal/orders?q=X-1").await;
    assert!(!list.contains("/portal/orders/X-1"));
    let csv = b.get(app.url(ACME, "/portal/invoices.csv")).send().await.unwrap().text().await.unwrap();
    assert!(!csv.contains("INV-X-1"));
    // Server functions called directly answer "none" for another customer's rows.
    for (f, arg) in [("portal_order", "X-1"), ("portal_invoice", "INV-X-1"), ("portal_dispute", dispute.as_str())] {
        let r = b.post(app.url(ACME, &format!("/sfn/{f}"))).form(&[("number", arg)]).send().await.unwrap();
        assert_eq!(r.status(), 200, "{f}");
        assert_eq!(r.text().await.unwrap(), "null", "{f} answers nothing");
    }
    // The other customer sees them, and no view was recorded by the wrong person.
    let o = signed_in(&app, ACME, OTHER).await;
    assert_eq!(page(&app, &o, ACME, "/portal/invoices/INV-X-1").await.0, 200);
    assert_eq!(o.get(app.url(ACME, &format!("/portal/documents/{pod}"))).send().await.unwrap().status(), 200);
    assert_eq!(viewed_events(&app, "INV-X-1").await, 1);
    // A message into another customer's dispute is refused without a trace.
    let r = post_multipart(&app, &b, "/portal/disputes", &format!("/portal/disputes/{dispute}/messages"), &[("body", "hello")], vec![]).await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_document_url_works_only_in_a_session_that_may_read_it() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let pod = fixture(&app, &t, "S-1", "C-1001").await;
    let path = format!("/portal/documents/{pod}");
    // No session: sign in first.
    let r = app.browser().get(app.url(ACME, &path)).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/login".into()));
    // Another tenant's session on its own host knows no such document, and the acme
    // session cookie means nothing on bluegrass.
    let globex = signed_in(&app, BLUEGRASS, "buyer@globex.test").await;
    assert_eq!(globex.get(app.url(BLUEGRASS, &path)).send().await.unwrap().status(), 404);
    let acme_cookie = app.signed_in_cookie(ACME, "buyer@initech.test").await;
    let r = app.raw_client().get(app.url(BLUEGRASS, &path)).header("cookie", &acme_cookie).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/login".into()));
    // After sign-out the same cookie no longer reads it.
    let r = app.raw_client().get(app.url(ACME, &path)).header("cookie", &acme_cookie).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let (_, html) = {
        let r = app.raw_client().get(app.url(ACME, "/portal")).header("cookie", &acme_cookie).send().await.unwrap();
        (r.status(), r.text().await.unwrap())
    };
    let r = app.raw_client().post(app.url(ACME, "/logout")).header("cookie", &acme_cookie).form(&[("csrf", extract_csrf(&html))]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let r = app.raw_client().get(app.url(ACME, &path)).header("cookie", &acme_cookie).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/login".into()));
    // Staff of the tenant read it in the workspace, not through the portal.
    let clerk = signed_in(&app, ACME, "clerk@acme.test").await;
    assert_eq!(clerk.get(app.url(ACME, &format!("/workspace/documents/{pod}"))).send().await.unwrap().status(), 200);
    assert_eq!(clerk.get(app.url(ACME, &path)).send().await.unwrap().status(), 303);
}

#[tokio::test]
async fn a_dispute_with_evidence_is_answered_and_credited_and_the_customer_sees_it() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    fixture(&app, &t, "D-1", "C-1001").await;
    let b = signed_in(&app, ACME, "buyer@initech.test").await;
    let form = "/portal/invoices/INV-D-1/dispute";
    assert_eq!(page(&app, &b, ACME, form).await.0, 200);
    // A scan of 3 MB (above axum's default body limit, within the upload limit) and a photo
    // whose name tries to climb out of its folder.
    let mut scan = pdf_bytes("scan");
    scan.resize(3 * 1024 * 1024, b' ');
    let files = vec![("evidence", "../../photo.pdf", pdf_bytes("evidence")), ("evidence", "scan.pdf", scan)];
    let r = post_multipart(&app, &b, form, form, &[("line", "2"), ("quantity_2", "1"), ("reason", "pricing"), ("description", "One hose was billed at the wrong price.")], files).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let to = location(&r);
    assert!(to.starts_with("/portal/disputes/D-"), "{to}");
    let (_, html) = page(&app, &b, ACME, &to).await;
    for want in ["Open — being reviewed", "Answer expected by", "One hose was billed at the wrong price.", "photo.pdf", "scan.pdf", "USD 10.00"] {
        assert!(html.contains(want), "the dispute page shows {want}");
    }
    assert!(!html.contains("../"), "the file name lost its path");
    let number = to.trim_start_matches("/portal/disputes/").to_owned();
    // The clerk finds it through its exception, replies and credits it.
    let clerk = signed_in(&app, ACME, "clerk@acme.test").await;
    let x_page = format!("/workspace/exceptions/dispute:{number}");
    let (status, x) = page(&app, &clerk, ACME, &x_page).await;
    assert_eq!(status, 200);
    assert!(x.contains("One hose was billed at the wrong price.") && x.contains("resolve-dispute"), "the staff side of the dispute");
    let r = post_multipart(&app, &clerk, &x_page, &format!("/workspace/disputes/{number}/messages"), &[("body", "Sorry — crediting the hose.")], vec![]).await;
    assert_eq!(r.status(), 303);
    let (_, x) = page(&app, &clerk, ACME, &x_page).await;
    let r = post_form(&app, &clerk, ACME, &format!("/workspace/disputes/{number}/resolve"), &[("csrf", &extract_csrf(&x)), ("outcome", "credit"), ("amount", "10.00"), ("note", "Price corrected")]).await;
    assert_eq!(r.status(), 303);
    let (_, x) = page(&app, &clerk, ACME, &location(&r)).await;
    assert!(x.contains("credit memo CM-"), "{}", x.split("data-testid=\"notice\"").nth(1).unwrap_or("no notice"));
    // The buyer sees the reply, the resolution and the reduced open amount.
    let (_, html) = page(&app, &b, ACME, &to).await;
    for want in ["Sorry — crediting the hose.", "Resolved with a credit", "Price corrected", "CM-"] {
        assert!(html.contains(want), "the buyer sees {want}");
    }
    let (_, inv) = page(&app, &b, ACME, "/portal/invoices/INV-D-1").await;
    assert!(inv.contains("USD 55.00"), "the open amount is 65.00 - 10.00");
}

#[tokio::test]
async fn bad_uploads_are_refused_with_a_reason_and_leave_nothing_behind() {
    let app = spawn_app_with(|c| c.upload_limit = 1024 * 1024).await;
    let t = app.acme_token().await;
    fixture(&app, &t, "U-1", "C-1001").await;
    let acme = app.tenant(ACME).await.slug;
    let before = app.storage.keys(&acme).await.unwrap();
    let b = signed_in(&app, ACME, "buyer@initech.test").await;
    let form = "/portal/invoices/INV-U-1/dispute";
    let fields = [("line", "1"), ("quantity", ""), ("quantity_1", "1"), ("reason", "pricing"), ("description", "price")];
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("big.pdf", { let mut v = pdf_bytes("big"); v.resize(1024 * 1024 + 1, b' '); v }, "larger than 1 MB"),
        ("invoice.pdf", b"GIF89a not a pdf".to_vec(), "not a PDF, PNG, JPEG or TIFF file"),
        ("empty.pdf", vec![], "is empty"),
    ];
    for (name, bytes, why) in cases {
        let r = post_multipart(&app, &b, form, form, &fields, vec![("evidence", name, bytes)]).await;
        assert_eq!(r.status(), 303, "{name}");
        let back = location(&r);
        assert!(back.contains("refused=1"), "{name}: {back}");
        let (_, html) = page(&app, &b, ACME, &back).await;
        assert!(html.contains(why), "{name}: the form says why ({why})");
    }
    // A good file with a refused dispute (no line chosen) is not kept either.
    let r = post_multipart(&app, &b, form, form, &[("reason", "pricing"), ("description", "x")], vec![("evidence", "ok.pdf", pdf_bytes("ok"))]).await;
    assert!(location(&r).contains("refused=1"));
    let r = post_multipart(&app, &b, form, form, &[("line", "1"), ("quantity_1", "999"), ("reason", "pricing"), ("description", "x")], vec![("evidence", "ok.pdf", pdf_bytes("ok"))]).await;
    assert!(location(&r).contains("refused=1"), "a quantity above the billed one is refused");
    assert_eq!(app.storage.keys(&acme).await.unwrap(), before, "nothing stored");
    let inv: Value = app.get(ACME, &t, "/api/v1/invoices/INV-U-1").await.json().await.unwrap();
    assert_ne!(inv["status"], "disputed", "no dispute was opened");
}

#[tokio::test]
async fn staff_upload_a_pod_on_the_order_page_and_the_customer_sees_it() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    fixture(&app, &t, "W-1", "C-1001").await;
    let clerk = signed_in(&app, ACME, "clerk@acme.test").await;
    let order = "/workspace/orders/W-1";
    let r = post_multipart(&app, &clerk, order, "/workspace/shipments/W-1-S1/documents", &[("kind", "pod")], vec![("file", "signed.pdf", pdf_bytes("signed"))]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, order.into()));
    let r = post_multipart(&app, &clerk, order, "/workspace/shipments/W-1-S1/documents", &[("kind", "pod")], vec![("file", "fake.pdf", b"MZ".to_vec())]).await;
    assert!(location(&r).contains("refused=1"));
    let b = signed_in(&app, ACME, "buyer@initech.test").await;
    let (_, html) = page(&app, &b, ACME, "/portal/orders/W-1").await;
    assert!(html.contains("signed.pdf") && !html.contains("fake.pdf"));
    // A customer cannot upload on the staff route: the workspace sends them home.
    let keys = app.storage.keys(&app.tenant(ACME).await.slug).await.unwrap();
    let r = post_multipart(&app, &b, "/portal", "/workspace/shipments/W-1-S1/documents", &[("kind", "pod")], vec![("file", "x.pdf", pdf_bytes("x"))]).await;
    assert_eq!(location(&r), "/portal");
    assert_eq!(app.storage.keys(&app.tenant(ACME).await.slug).await.unwrap(), keys);
}

/// The portal's rows of the cross-tenant matrix: bluegrass's customer user, on bluegrass's
/// host, asks for acme's order, invoice, PDF, dispute and document ids: 404 every time, and a
/// dispute form naming acme's invoice opens nothing anywhere.
#[tokio::test]
async fn the_cross_tenant_matrix_of_the_portal_answers_404_never_data() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let pod = fixture(&app, &t, "XT-P", "C-1001").await;
    let d: Value = app.post(ACME, &t, "/api/v1/disputes", &json!({"invoice_number": "INV-XT-P", "reason": "pricing", "description": "x", "lines": [{"line": 1, "quantity": 1}]})).await.json().await.unwrap();
    let dispute = d["number"].as_str().unwrap().to_owned();
    let globex = signed_in(&app, BLUEGRASS, "buyer@globex.test").await;
    let paths = ["/portal/orders/XT-P".to_owned(), "/portal/invoices/INV-XT-P".into(), "/portal/invoices/INV-XT-P/pdf".into(), "/portal/invoices/INV-XT-P/dispute".into(), format!("/portal/disputes/{dispute}"), format!("/portal/documents/{pod}")];
    for path in &paths {
        let r = globex.get(app.url(BLUEGRASS, path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        assert!(!r.text().await.unwrap().contains("Initech"), "{path} reveals nothing");
        // The globex session means nothing on acme's host.
        let r = globex.get(app.url(ACME, path)).send().await.unwrap();
        assert_eq!((r.status().as_u16(), location(&r)), (303, "/login".into()), "{path} on acme");
    }
    let (_, html) = page(&app, &globex, BLUEGRASS, "/portal").await;
    let form = reqwest::multipart::Form::new().text("csrf", extract_csrf(&html)).text("line", "1").text("quantity_1", "1").text("reason", "pricing").text("description", "x");
    let r = globex.post(app.url(BLUEGRASS, "/portal/invoices/INV-XT-P/dispute")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let v: Value = app.get(ACME, &t, "/api/v1/disputes?limit=50").await.json().await.unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "only the dispute acme's API opened");
}
