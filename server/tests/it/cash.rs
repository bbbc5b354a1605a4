//! Cash application on `payment.received` through the API: by remittance, by exact amount,
//! unapplied cash, short payments, credit balances, and the ERP confirming an allocation.

use crate::common::*;
use serde_json::{Value, json};

async fn events(app: &TestApp, t: &str, evs: Vec<Value>) -> Value {
    let v: Value = app.post(ACME, t, "/api/v1/events", &Value::Array(evs)).await.json().await.unwrap();
    assert!(v["results"].as_array().unwrap().iter().all(|r| r["result"] == "accepted"), "{v}");
    v
}

/// A customer of its own with two open invoices: 65.00 (CA-1) and 40.00 (CA-2).
async fn two_invoices(app: &TestApp, t: &str) {
    let r = app.post(ACME, t, "/api/v1/customers", &json!({"external_id": "C-CA", "name": "Cash Customer"})).await;
    assert!(r.status().is_success());
    let inv = |n: &str, price: i64| json!({"number": n, "customer": "C-CA", "currency": "USD", "issued_on": "2026-03-01", "lines": [{"line": 1, "sku": "X", "quantity": 1, "unit_price_minor": price}]});
    events(app, t, vec![ev("ci1", "invoice.posted", "2026-03-01T09:00:00Z", inv("CA-1", 6_500)), ev("ci2", "invoice.posted", "2026-03-01T09:00:00Z", inv("CA-2", 4_000))]).await;
}

fn payment(id: &str, number: &str, amount: i64, remittance: Value) -> Value {
    ev(id, "payment.received", "2026-03-10T09:00:00Z", json!({"number": number, "customer": "C-CA", "currency": "USD", "amount_minor": amount, "received_on": "2026-03-10", "remittance": remittance}))
}

async fn invoice(app: &TestApp, t: &str, n: &str) -> Value {
    app.get(ACME, t, &format!("/api/v1/invoices/{n}")).await.json().await.unwrap()
}

async fn exceptions(app: &TestApp, t: &str, kind: &str) -> Vec<Value> {
    let v: Value = app.get(ACME, t, &format!("/api/v1/exceptions?kind={kind}&customer=C-CA&status=all")).await.json().await.unwrap();
    v["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_payment_without_remittance_applies_to_the_one_invoice_of_its_exact_amount() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    two_invoices(&app, &t).await;
    let v = events(&app, &t, vec![payment("cp1", "CP-1", 4_000, json!([]))]).await;
    assert_eq!(invoice(&app, &t, "CA-2").await["status"], "paid");
    let a = invoice(&app, &t, "CA-1").await;
    assert_eq!((a["paid_minor"].as_i64(), a["status"] != "paid"), (Some(0), true), "{a}");
    // The ERP's own application of the same amount confirms it, and changes nothing.
    let v2 = events(&app, &t, vec![ev("cp1e", "payment.applied", "2026-03-10T10:00:00Z", json!({"payment_number": "CP-1", "invoice_number": "CA-2", "amount_minor": 4_000}))]).await;
    assert_eq!(v2["results"][0]["status"], "applied", "{v} {v2}");
    let p: Value = app.get(ACME, &t, "/api/v1/payments/CP-1").await.json().await.unwrap();
    assert_eq!(p["unapplied_minor"], 0);
    assert_eq!(p["allocations"].as_array().unwrap().len(), 1);
    assert!(exceptions(&app, &t, "unapplied_cash").await.is_empty());
}

#[tokio::test]
async fn an_unmatched_payment_is_unapplied_cash_until_someone_applies_it() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    two_invoices(&app, &t).await;
    events(&app, &t, vec![payment("cp2", "CP-2", 5_000, json!([]))]).await;
    let x = exceptions(&app, &t, "unapplied_cash").await;
    assert_eq!(x.len(), 1, "{x:?}");
    assert_eq!((x[0]["queue"].as_str(), x[0]["amount_minor"].as_i64()), (Some("ar"), Some(5_000)));
    assert_eq!(x[0]["raised_by"], "rule cash_application v0");
    events(&app, &t, vec![ev("cp2a", "payment.applied", "2026-03-11T09:00:00Z", json!({"payment_number": "CP-2", "invoice_number": "CA-1", "amount_minor": 5_000}))]).await;
    let x = exceptions(&app, &t, "unapplied_cash").await;
    assert_eq!(x[0]["status"], "resolved", "fully applied by hand: {x:?}");
}

#[tokio::test]
async fn a_remittance_allocates_flags_short_payments_and_keeps_overpayments_as_credit() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    two_invoices(&app, &t).await;
    // 60.00 for CA-1 (65.00 open: short by 5.00) and 40.00 for CA-2, plus 10.00 more.
    events(&app, &t, vec![payment("cp3", "CP-3", 11_000, json!([{"invoice_number": "CA-1", "amount_minor": 6_000}, {"invoice_number": "CA-2", "amount_minor": 4_000}]))]).await;
    let (a, b) = (invoice(&app, &t, "CA-1").await, invoice(&app, &t, "CA-2").await);
    assert_eq!((a["status"] != "paid", a["paid_minor"].as_i64()), (true, Some(6_000)), "{a}");
    assert_eq!(b["status"], "paid");
    let short = exceptions(&app, &t, "short_pay").await;
    assert_eq!(short.len(), 1);
    assert_eq!((short[0]["amount_minor"].as_i64(), short[0]["invoice_number"].as_str()), (Some(500), Some("CA-1")));
    let p: Value = app.get(ACME, &t, "/api/v1/payments/CP-3").await.json().await.unwrap();
    assert_eq!(p["unapplied_minor"], 1_000, "a credit balance");
    assert!(exceptions(&app, &t, "unapplied_cash").await.is_empty());
    // A remittance naming an invoice that is not open is unapplied cash, naming it.
    events(&app, &t, vec![payment("cp4", "CP-4", 1_000, json!([{"invoice_number": "CA-2", "amount_minor": 1_000}]))]).await;
    let x = exceptions(&app, &t, "unapplied_cash").await;
    assert_eq!(x.len(), 1);
    assert!(x[0]["detail"].as_str().unwrap().contains("CA-2"), "{x:?}");
    // Bad remittance lines are refused naming the field.
    let r = app.post(ACME, &t, "/api/v1/events", &payment("cp5", "CP-5", 1_000, json!([{"invoice_number": "CA-1", "amount_minor": 0}]))).await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["results"][0]["errors"][0]["field"], "payload.remittance[0].amount_minor", "{v}");
}
