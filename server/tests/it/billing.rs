//! Shipment-to-invoice, missing proof of delivery and shipment delays as event sequences
//! through the API, on the clock the test drives.

use chrono::{Duration, Utc};
use crate::common::*;
use serde_json::{Value, json};

async fn set_rule(app: &TestApp, rule: &str, config: Value) {
    let acme = app.tenant(ACME).await.slug;
    let txn = app.db.tenant_txn(&acme).await.unwrap();
    let who = domain::audit::Actor::User { id: uuid::Uuid::nil(), name: "Ada Admin".into() };
    domain::workflow::rules::save(&txn, rule, true, config, &who).await.unwrap();
    txn.commit().await.unwrap();
}

async fn events(app: &TestApp, t: &str, evs: Vec<Value>) -> Value {
    let v: Value = app.post(ACME, t, "/api/v1/events", &Value::Array(evs)).await.json().await.unwrap();
    assert!(v["results"].as_array().unwrap().iter().all(|r| r["result"] == "accepted"), "{v}");
    v
}

async fn customer(app: &TestApp, t: &str, body: Value) {
    let r = app.post(ACME, t, "/api/v1/customers", &body).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
}

fn dispatch(id: &str, order: &str, shipment: &str, at: &str, lines: Value) -> Value {
    ev(id, "shipment.dispatched", at, json!({"number": shipment, "order_number": order, "carrier": "UPS", "lines": lines}))
}

fn types(o: &Value) -> Vec<String> {
    o["timeline"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap().to_owned()).collect()
}

async fn exceptions_of(app: &TestApp, t: &str, kind: &str) -> Vec<Value> {
    let v: Value = app.get(ACME, t, &format!("/api/v1/exceptions?kind={kind}&status=all")).await.json().await.unwrap();
    v["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn in_generate_mode_each_dispatch_posts_a_partial_invoice_with_tax_and_terms() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    set_rule(&app, "billing", json!({"mode": "generate", "tax_rate_bp": 825})).await;
    customer(&app, &t, json!({"external_id": "C-B1", "name": "Billing One", "payment_terms": "NET45"})).await;
    events(&app, &t, vec![
        ev("g0", "order.accepted", "2026-03-01T09:00:00Z", order_payload("G-1", "C-B1")),
        dispatch("g1", "G-1", "G-1-S1", "2026-03-02T10:00:00Z", json!([{"line": 1, "quantity": 10}])),
        dispatch("g2", "G-1", "G-1-S2", "2026-03-03T10:00:00Z", json!([{"line": 2, "quantity": 4}])),
    ]).await;
    let o = order(&app, &t, "G-1").await;
    let invoices = o["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 2, "{o}");
    let first: Value = app.get(ACME, &t, "/api/v1/invoices/G-1-S1-INV").await.json().await.unwrap();
    assert_eq!(first["subtotal_minor"], 2_500);
    assert_eq!(first["tax_minor"], 206, "8.25 % of 25.00, rounded half up");
    assert_eq!(first["total_minor"], 2_706);
    assert_eq!(first["due_on"], "2026-04-16", "NET45 from 2 March");
    assert_eq!(o["lines"][0]["quantity_invoiced"], 10);
    assert_eq!(o["status"], "invoiced");
    assert_eq!(types(&o).iter().filter(|t| *t == "invoice.posted").count(), 2);
    // Every invoice records its shipment-to-invoice latency.
    let acme = app.tenant(ACME).await.slug;
    let txn = app.db.tenant_txn(&acme).await.unwrap();
    use sea_orm::EntityTrait;
    use sea_orm::{ColumnTrait, QueryFilter};
    use domain::entity::shipment;
    let ids: Vec<uuid::Uuid> = shipment::Entity::find().filter(shipment::Column::Number.is_in(["G-1-S1", "G-1-S2"])).all(&*txn).await.unwrap().into_iter().map(|s| s.id).collect();
    use domain::workflow::entity::invoice_ready;
    let ready = invoice_ready::Entity::find().filter(invoice_ready::Column::ShipmentId.is_in(ids)).all(&*txn).await.unwrap();
    assert_eq!(ready.len(), 2);
    assert!(ready.iter().all(|r| r.invoice_id.is_some() && r.latency_secs == Some(0)), "{ready:?}");
    txn.commit().await.unwrap();
}

#[tokio::test]
async fn in_mirror_mode_the_erp_is_told_and_a_late_invoice_opens_invoice_delay() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let now = Utc::now();
    let at = |h: i64| (now + Duration::hours(h)).to_rfc3339();
    events(&app, &t, vec![
        ev("m0", "order.accepted", &at(0), order_payload("M-1", "C-1001")),
        dispatch("m1", "M-1", "M-1-S1", &at(1), json!([{"line": 1, "quantity": 10}])),
        dispatch("m2", "M-1", "M-1-S2", &at(1), json!([{"line": 2, "quantity": 4}])),
    ]).await;
    let o = order(&app, &t, "M-1").await;
    assert_eq!(types(&o).iter().filter(|t| *t == "invoice.ready").count(), 2, "{:?}", types(&o));
    assert!(o["invoices"].as_array().unwrap().is_empty(), "the ERP posts invoices");
    // The ERP invoices the first shipment in time, not the second.
    events(&app, &t, vec![ev("m3", "invoice.posted", &at(3), json!({"number": "M-INV-1", "order_number": "M-1", "customer": "C-1001", "currency": "USD", "issued_on": "2026-03-02",
        "lines": [{"line": 1, "order_line": 1, "sku": "BRG-1", "quantity": 10, "unit_price_minor": 250}]}))]).await;
    server::workers::run_due(&app.db, &app.config, now + Duration::hours(24)).await.unwrap();
    let of_m1 = |v: Vec<Value>| v.into_iter().filter(|x| x["order_number"] == "M-1").collect::<Vec<_>>();
    assert!(of_m1(exceptions_of(&app, &t, "invoice_delay").await).is_empty(), "within the 24 h SLA");
    server::workers::run_due(&app.db, &app.config, now + Duration::hours(26)).await.unwrap();
    let late = of_m1(exceptions_of(&app, &t, "invoice_delay").await);
    assert_eq!(late.len(), 1, "{late:?}");
    assert_eq!(late[0]["reference"], "invoice-delay:M-1-S2");
    assert_eq!(late[0]["queue"], "ar");
    assert_eq!(late[0]["raised_by"], "rule billing v0");
}

#[tokio::test]
async fn a_customer_on_invoicing_hold_gets_an_exception_and_a_pod_customer_bills_when_the_pod_is_filed() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    set_rule(&app, "billing", json!({"mode": "generate"})).await;
    customer(&app, &t, json!({"external_id": "C-H1", "name": "Held", "invoicing_hold": true})).await;
    customer(&app, &t, json!({"external_id": "C-P1", "name": "Pod Billed", "billing_rule": "pod"})).await;
    events(&app, &t, vec![
        ev("h0", "order.accepted", "2026-03-01T09:00:00Z", order_payload("H-1", "C-H1")),
        dispatch("h1", "H-1", "H-1-S1", "2026-03-02T10:00:00Z", json!([{"line": 1, "quantity": 10}, {"line": 2, "quantity": 4}])),
        ev("p0", "order.accepted", "2026-03-01T09:00:00Z", order_payload("P-1", "C-P1")),
        dispatch("p1", "P-1", "P-1-S1", "2026-03-02T10:00:00Z", json!([{"line": 1, "quantity": 10}, {"line": 2, "quantity": 4}])),
        ev("p2", "shipment.delivered", "2026-03-03T10:00:00Z", json!({"shipment_number": "P-1-S1", "order_number": "P-1"})),
    ]).await;
    assert!(order(&app, &t, "H-1").await["invoices"].as_array().unwrap().is_empty());
    let held = exceptions_of(&app, &t, "invoicing_hold").await;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["customer"], "C-H1");
    assert!(order(&app, &t, "P-1").await["invoices"].as_array().unwrap().is_empty(), "billed on POD, not on dispatch or delivery");
    // No POD a day after delivery: missing_pod.
    let later = chrono::DateTime::parse_from_rfc3339("2026-03-04T11:00:00Z").unwrap().with_timezone(&Utc);
    server::workers::run_due(&app.db, &app.config, later).await.unwrap();
    let missing = exceptions_of(&app, &t, "missing_pod").await;
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0]["status"], "open");
    let form = reqwest::multipart::Form::new().text("kind", "pod").part("file", reqwest::multipart::Part::bytes(b"%PDF-1.4 pod".to_vec()).file_name("pod.pdf").mime_str("application/pdf").unwrap());
    let r = app.browser().post(app.url(ACME, "/api/v1/shipments/P-1-S1/documents")).bearer_auth(&t).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let o = order(&app, &t, "P-1").await;
    assert_eq!(o["invoices"].as_array().unwrap().len(), 1, "the POD made it billable");
    let missing = exceptions_of(&app, &t, "missing_pod").await;
    assert_eq!((missing[0]["status"].as_str(), missing[0]["resolution_code"].as_str()), (Some("resolved"), Some("fixed")));
}

#[tokio::test]
async fn an_order_past_its_promised_date_without_a_dispatch_opens_shipment_delay_once() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let mut late = order_payload("D-1", "C-1001");
    late["promised_date"] = json!("2026-03-05");
    let mut shipped = order_payload("D-2", "C-1001");
    shipped["promised_date"] = json!("2026-03-05");
    events(&app, &t, vec![
        ev("d1", "order.accepted", "2026-03-01T09:00:00Z", late),
        ev("d2", "order.accepted", "2026-03-01T09:00:00Z", shipped),
        dispatch("d3", "D-2", "D-2-S1", "2026-03-04T10:00:00Z", json!([{"line": 1, "quantity": 10}])),
    ]).await;
    let day = |d: &str| chrono::DateTime::parse_from_rfc3339(d).unwrap().with_timezone(&Utc);
    server::workers::run_due(&app.db, &app.config, day("2026-03-05T12:00:00Z")).await.unwrap();
    let mine = |v: Vec<Value>| v.into_iter().filter(|x| x["order_number"] == "D-1" || x["order_number"] == "D-2").collect::<Vec<_>>();
    assert!(mine(exceptions_of(&app, &t, "shipment_delay").await).is_empty(), "not late on the promised day");
    server::workers::run_due(&app.db, &app.config, day("2026-03-06T01:00:00Z")).await.unwrap();
    server::workers::run_due(&app.db, &app.config, day("2026-03-06T02:00:00Z")).await.unwrap();
    let delays = mine(exceptions_of(&app, &t, "shipment_delay").await);
    assert_eq!(delays.len(), 1, "{delays:?}");
    assert_eq!(delays[0]["order_number"], "D-1");
}
