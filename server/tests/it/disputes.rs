//! Disputes through the API: routing by reason to a queue with its SLA, the message thread,
//! credit memos that shrink the open amount (and pay the invoice when they cover it),
//! rejections with a reason, refusals that name the field, segregation of duties, and the
//! cross-tenant matrix.

use chrono::{DateTime, Utc};
use crate::common::*;
use domain::workflow::disputes::{self, Refused, Resolution};
use domain::workflow::Acting;
use sea_orm::prelude::*;
use serde_json::{Value, json};

/// Posts invoice `number` for C-1001: line 1 is 10 × 2.50, line 2 is 4 × 10.00 (65.00).
async fn invoice_posted(app: &TestApp, t: &str, number: &str) {
    invoice_for(app, t, number, "C-1001").await;
}

async fn invoice_for(app: &TestApp, t: &str, number: &str, customer: &str) {
    let payload = json!({"number": number, "customer": customer, "currency": "USD", "issued_on": "2099-03-01",
        "lines": [{"line": 1, "sku": "BRG-1", "description": "Bearing", "quantity": 10, "unit_price_minor": 250},
                  {"line": 2, "sku": "HOSE-2", "description": "Hose", "quantity": 4, "unit_price_minor": 1000}]});
    let v: Value = app.post(ACME, t, "/api/v1/events", &ev(&format!("inv-{number}"), "invoice.posted", "2026-03-01T09:00:00Z", payload)).await.json().await.unwrap();
    assert_eq!(v["results"][0]["result"], "accepted", "{v}");
}

fn dispute(invoice: &str, reason: &str, lines: Value) -> Value {
    json!({"invoice_number": invoice, "reason": reason, "description": "not what we agreed", "lines": lines})
}

/// Opens a dispute that must be accepted; answers its view.
async fn opened(app: &TestApp, t: &str, body: Value) -> Value {
    let r = app.post(ACME, t, "/api/v1/disputes", &body).await;
    assert_eq!(r.status(), 201, "{body}");
    r.json().await.unwrap()
}

async fn get(app: &TestApp, t: &str, path: &str) -> Value {
    let r = app.get(ACME, t, path).await;
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

async fn resolve(app: &TestApp, t: &str, number: &str, body: Value) -> reqwest::Response {
    app.post(ACME, t, &format!("/api/v1/disputes/{number}/resolve"), &body).await
}

/// The field a 422 names first.
async fn field(r: reqwest::Response) -> String {
    problem(r, 422).await["errors"][0]["field"].as_str().unwrap_or_default().to_owned()
}

/// A customer's credit exposure now.
async fn exposure(app: &TestApp, customer: &str) -> i64 {
    let txn = app.db.tenant_txn(&app.tenant(ACME).await.slug).await.unwrap();
    let c = domain::entity::customer::Entity::find().filter(domain::entity::customer::Column::ExternalId.eq(customer)).one(&txn).await.unwrap().unwrap();
    let e = domain::workflow::credit::exposure_of(&txn, c.id).await.unwrap();
    txn.commit().await.unwrap();
    e
}

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap_or_else(|| panic!("a time: {v}")).parse().unwrap()
}

#[tokio::test]
async fn a_dispute_is_routed_by_its_reason_to_a_queue_with_that_categorys_sla_and_disputes_the_invoice() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let cases = [("pricing", "ar", 72), ("damaged", "customer_service", 72), ("not_received", "customer_service", 72), ("other", "ar", 120)];
    for (i, (reason, queue, hours)) in cases.into_iter().enumerate() {
        let inv = format!("DQ-{i}");
        invoice_posted(&app, &t, &inv).await;
        let d = opened(&app, &t, dispute(&inv, reason, json!([{"line": 2, "quantity": 1}]))).await;
        let number = d["number"].as_str().unwrap().to_owned();
        assert!(number.starts_with("D-") && number.len() == 8, "{number}");
        assert_eq!((d["status"].as_str(), d["reason"].as_str(), d["queue"].as_str()), (Some("open"), Some(reason), Some(queue)), "{d}");
        assert_eq!((d["disputed_amount_minor"].as_i64(), d["opened_by"].as_str()), (Some(1_000), Some("API client acme-erp")));
        assert_eq!(d["lines"], json!([{"line": 2, "sku": "HOSE-2", "description": "Hose", "quantity": 1, "amount_minor": 1000}]));
        let answer_in = at(&d["sla_due_at"]) - at(&d["opened_at"]);
        assert!((answer_in - chrono::Duration::hours(hours)).num_seconds().abs() <= 1, "{reason}: answer due {answer_in} after opening");
        assert_eq!(get(&app, &t, &format!("/api/v1/invoices/{inv}")).await["status"], "disputed");
        let x = get(&app, &t, &format!("/api/v1/exceptions/dispute:{number}")).await;
        let x = &x["exception"];
        assert_eq!((x["kind"].as_str(), x["queue"].as_str()), (Some(format!("dispute_{reason}").as_str()), Some(queue)));
        assert_eq!((x["amount_minor"].as_i64(), x["invoice_number"].as_str(), x["customer"].as_str()), (Some(1_000), Some(inv.as_str()), Some("C-1001")));
        assert_eq!(x["sla_due_at"], d["sla_due_at"]);
    }
    let page = get(&app, &t, "/api/v1/disputes?status=open&customer=C-1001").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 4, "{page}");
    let acme = app.tenant(ACME).await.slug;
    let txn = app.db.tenant_txn(&acme).await.unwrap();
    let entries = domain::audit::list(&txn, &domain::audit::AuditFilter { entity_id: Some("D-000001".into()), ..Default::default() }, None, 10).await.unwrap();
    assert_eq!(entries.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["dispute.opened"]);
    txn.commit().await.unwrap();
}

#[tokio::test]
async fn the_customer_the_staff_and_the_erp_write_in_a_disputes_thread() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    invoice_posted(&app, &t, "DM-1").await;
    let d = opened(&app, &t, json!({"invoice_number": "DM-1", "reason": "damaged", "description": "two hoses split", "lines": [{"line": 2, "quantity": 2}], "opened_by_email": "buyer@initech.test"})).await;
    let n = d["number"].as_str().unwrap();
    assert_eq!(d["opened_by"], "user Bill Buyer");
    let doc = domain::new_id();
    let msg = |body: &str, email: Option<&str>| json!({"body": body, "author_email": email});
    let r = app.post(ACME, &t, &format!("/api/v1/disputes/{n}/messages"), &msg("photos follow", Some("buyer@initech.test"))).await;
    assert_eq!(r.status(), 201);
    app.post(ACME, &t, &format!("/api/v1/disputes/{n}/messages"), &msg("we are checking with the carrier", Some("service@acme.test"))).await;
    app.post(ACME, &t, &format!("/api/v1/disputes/{n}/messages"), &msg("carrier claim filed", None)).await;
    // Evidence is a stored document: here a proof of delivery the demo data holds.
    let acme = app.tenant(ACME).await.slug;
    let txn = app.db.tenant_txn(&acme).await.unwrap();
    let pod = domain::entity::document::Entity::find().one(&txn).await.unwrap().expect("a demo document").id;
    txn.commit().await.unwrap();
    let r = app.post(ACME, &t, &format!("/api/v1/disputes/{n}/messages"), &json!({"body": "the signed POD shows the damage", "attachments": [pod], "author_email": "service@acme.test"})).await;
    assert_eq!(r.status(), 201);
    let d = get(&app, &t, &format!("/api/v1/disputes/{n}")).await;
    assert_eq!(d["messages"][3]["attachments"], json!([pod]), "{d}");
    let thread: Vec<(&str, &str)> = d["messages"].as_array().unwrap().iter().map(|m| (m["author_kind"].as_str().unwrap(), m["author"].as_str().unwrap())).collect();
    assert_eq!(thread, [("customer", "user Bill Buyer"), ("staff", "user Sam Service"), ("api", "API client acme-erp"), ("staff", "user Sam Service")]);
    let r = app.post(ACME, &t, &format!("/api/v1/disputes/{n}/messages"), &json!({"body": "see attached", "attachments": [doc]})).await;
    assert_eq!(field(r).await, "attachments[0]", "an unknown document");
    assert_eq!(field(app.post(ACME, &t, &format!("/api/v1/disputes/{n}/messages"), &msg("  ", None)).await).await, "body");
    assert_eq!(field(app.post(ACME, &t, &format!("/api/v1/disputes/{n}/messages"), &msg("hi", Some("nobody@acme.test"))).await).await, "author_email");
    problem(app.post(ACME, &t, "/api/v1/disputes/D-999999/messages", &msg("hello", None)).await, 404).await;
    let x = get(&app, &t, &format!("/api/v1/exceptions/dispute:{n}")).await;
    let steps = x["history"].as_array().unwrap().iter().filter(|h| h["action"] == "messaged").count();
    assert_eq!(steps, 4, "the queue sees the thread: {x}");
}

#[tokio::test]
async fn a_credit_memo_shrinks_the_open_amount_and_pays_the_invoice_once_it_covers_it() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    // A customer with a credit limit, whose exposure is tracked.
    let r = app.post(ACME, &t, "/api/v1/customers", &json!({"external_id": "C-DC", "name": "Tracked Customer", "credit_limit_minor": 1_000_000})).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    invoice_for(&app, &t, "DC-1", "C-DC").await;
    assert_eq!(exposure(&app, "C-DC").await, 6_500);
    let d = opened(&app, &t, dispute("DC-1", "pricing", json!([{"line": 2, "quantity": 2}]))).await;
    let n = d["number"].as_str().unwrap().to_owned();
    assert_eq!(field(resolve(&app, &t, &n, json!({"outcome": "credit", "amount_minor": 2_001})).await).await, "amount_minor", "more than disputed");
    let r = resolve(&app, &t, &n, json!({"outcome": "credit", "amount_minor": 1_500, "note": "price list error"})).await;
    assert_eq!(r.status(), 200);
    let d: Value = r.json().await.unwrap();
    assert_eq!((d["status"].as_str(), d["resolution_note"].as_str()), (Some("resolved_credited"), Some("price list error")));
    let memo = &d["credit_memo"];
    assert_eq!((memo["number"].as_str(), memo["amount_minor"].as_i64(), memo["currency"].as_str()), (Some("CM-000001"), Some(1_500), Some("USD")), "{d}");
    let i = get(&app, &t, "/api/v1/invoices/DC-1").await;
    // A credit settles part of the invoice as a payment would.
    assert_eq!((i["status"].as_str(), i["credited_minor"].as_i64(), i["open_minor"].as_i64()), (Some("partially_paid"), Some(1_500), Some(5_000)), "{i}");
    assert_eq!(exposure(&app, "C-DC").await, 5_000, "the credit left the customer's receivables");
    let x = get(&app, &t, &format!("/api/v1/exceptions/dispute:{n}")).await;
    assert_eq!((x["exception"]["status"].as_str(), x["exception"]["resolution_code"].as_str()), (Some("resolved"), Some("credited")));
    problem(resolve(&app, &t, &n, json!({"outcome": "reject", "reason": "changed our mind"})).await, 409).await;
    let page = get(&app, &t, "/api/v1/disputes?status=resolved_credited").await;
    assert_eq!(page["items"][0]["credited_minor"], 1_500, "{page}");

    // The whole invoice in dispute and credited: nothing is owed, so it is paid.
    invoice_posted(&app, &t, "DC-2").await;
    let d = opened(&app, &t, dispute("DC-2", "duplicate_billing", json!([{"line": 1, "amount_minor": 2_500}, {"line": 2, "amount_minor": 4_000}]))).await;
    let n2 = d["number"].as_str().unwrap();
    assert_eq!(resolve(&app, &t, n2, json!({"outcome": "credit", "amount_minor": 6_500})).await.status(), 200);
    let i = get(&app, &t, "/api/v1/invoices/DC-2").await;
    assert_eq!((i["status"].as_str(), i["open_minor"].as_i64()), (Some("paid"), Some(0)), "{i}");
    assert_eq!(field(app.post(ACME, &t, "/api/v1/disputes", &dispute("DC-2", "pricing", json!([{"line": 1, "amount_minor": 1}]))).await).await, "invoice_number", "a paid invoice");

    // An order's only invoice credited in full: the order is paid, and the timeline says why.
    let accepted: Value = app.post(ACME, &t, "/api/v1/events", &ev("dc-o", "order.accepted", "2026-03-01T08:00:00Z", order_payload("DC-O", "C-1001"))).await.json().await.unwrap();
    assert_eq!(accepted["results"][0]["result"], "accepted", "{accepted}");
    let inv = json!({"number": "DC-3", "order_number": "DC-O", "customer": "C-1001", "currency": "USD", "issued_on": "2099-03-01",
        "lines": [{"line": 1, "order_line": 1, "sku": "BRG-1", "quantity": 10, "unit_price_minor": 250}, {"line": 2, "order_line": 2, "sku": "HOSE-2", "quantity": 4, "unit_price_minor": 1000}]});
    app.post(ACME, &t, "/api/v1/events", &ev("dc-3", "invoice.posted", "2026-03-02T08:00:00Z", inv)).await;
    let d = opened(&app, &t, dispute("DC-3", "not_received", json!([{"line": 1, "quantity": 10}, {"line": 2, "quantity": 4}]))).await;
    assert_eq!(resolve(&app, &t, d["number"].as_str().unwrap(), json!({"outcome": "credit", "amount_minor": 6_500})).await.status(), 200);
    let o = order(&app, &t, "DC-O").await;
    assert_eq!(o["status"], "paid", "{o}");
    let types: Vec<&str> = o["timeline"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert!(["dispute.opened", "creditmemo.created", "dispute.resolved"].iter().all(|k| types.contains(k)), "{types:?}");
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_returns_the_invoice_to_open() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    invoice_posted(&app, &t, "DR-1").await;
    let n = opened(&app, &t, dispute("DR-1", "quantity_short", json!([{"line": 1, "quantity": 3}]))).await["number"].as_str().unwrap().to_owned();
    assert_eq!(field(resolve(&app, &t, &n, json!({"outcome": "reject"})).await).await, "reason");
    assert_eq!(field(resolve(&app, &t, &n, json!({"outcome": "refund"})).await).await, "outcome");
    let r = resolve(&app, &t, &n, json!({"outcome": "reject", "reason": "the POD shows all 10 delivered"})).await;
    assert_eq!(r.status(), 200);
    let d: Value = r.json().await.unwrap();
    assert_eq!((d["status"].as_str(), d["resolution_note"].as_str(), d["credit_memo"].as_null()), (Some("rejected"), Some("the POD shows all 10 delivered"), Some(())));
    assert_eq!(get(&app, &t, "/api/v1/invoices/DR-1").await["status"], "open");
    let x = get(&app, &t, &format!("/api/v1/exceptions/dispute:{n}")).await;
    assert_eq!(x["exception"]["resolution_code"], "rejected");
}

#[tokio::test]
async fn a_dispute_that_cannot_be_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    invoice_posted(&app, &t, "DF-1").await;
    let post = |body: Value| {
        let (app, t) = (&app, t.clone());
        async move { app.post(ACME, &t, "/api/v1/disputes", &body).await }
    };
    assert_eq!(field(post(dispute("DF-1", "pricing", json!([{"line": 7, "amount_minor": 100}]))).await).await, "lines[0].line");
    assert_eq!(field(post(dispute("DF-1", "pricing", json!([{"line": 1, "amount_minor": 2_501}]))).await).await, "lines[0].amount_minor");
    assert_eq!(field(post(dispute("DF-1", "quantity_short", json!([{"line": 2, "quantity": 5}]))).await).await, "lines[0].quantity");
    assert_eq!(field(post(dispute("DF-1", "expensive", json!([{"line": 1, "amount_minor": 100}]))).await).await, "reason");
    assert_eq!(field(post(dispute("DF-9", "pricing", json!([{"line": 1, "amount_minor": 100}]))).await).await, "invoice_number");
    assert_eq!(field(post(json!({"invoice_number": "DF-1", "reason": "pricing", "description": "x", "lines": [{"line": 1, "amount_minor": 1}], "opened_by_email": "nobody@acme.test"})).await).await, "opened_by_email");
    assert_eq!(field(post(json!({"invoice_number": "DF-1", "reason": "pricing", "lines": [], "color": 1})).await).await, "color");
    // The same money is not disputed twice: 40.00 of 65.00 is in dispute, 25.01 more is refused.
    opened(&app, &t, dispute("DF-1", "pricing", json!([{"line": 2, "amount_minor": 4_000}]))).await;
    assert_eq!(field(post(dispute("DF-1", "pricing", json!([{"line": 1, "amount_minor": 2_500}, {"line": 2, "amount_minor": 1}]))).await).await, "lines");
    problem(resolve(&app, &t, "D-424242", json!({"outcome": "reject", "reason": "no"})).await, 404).await;
    problem(app.get(ACME, &t, "/api/v1/disputes?status=closed").await, 422).await;
    problem(app.get(ACME, &t, "/api/v1/disputes/D-424242").await, 404).await;
}

/// A staff member of acme acting as themselves, with their role.
async fn user(app: &TestApp, email: &str) -> Acting {
    let txn = app.db.tenant_txn(&app.tenant(ACME).await.slug).await.unwrap();
    let u = domain::entity::user::Entity::find().filter(domain::entity::user::Column::Email.eq(email)).one(&txn).await.unwrap().unwrap();
    txn.commit().await.unwrap();
    Acting { actor: domain::audit::Actor::User { id: u.id, name: u.name }, role: domain::types::Role::parse(&u.role).unwrap() }
}

#[tokio::test]
async fn whoever_raised_a_dispute_above_the_approval_threshold_cannot_credit_it() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let acme = app.tenant(ACME).await.slug;
    let txn = app.db.tenant_txn(&acme).await.unwrap();
    let admin = domain::audit::Actor::User { id: uuid::Uuid::nil(), name: "Ada Admin".into() };
    domain::workflow::rules::save(&txn, "approvals", true, json!({"threshold_minor": 1_000}), &admin).await.unwrap();
    txn.commit().await.unwrap();
    invoice_posted(&app, &t, "DS-1").await;
    let body = json!({"invoice_number": "DS-1", "reason": "pricing", "description": "quoted 8.00 a hose", "lines": [{"line": 2, "amount_minor": 2_000}], "opened_by_email": "clerk@acme.test"});
    let n = opened(&app, &t, body).await["number"].as_str().unwrap().to_owned();
    let credit = json!({"outcome": "credit", "amount_minor": 2_000, "resolved_by_email": "clerk@acme.test"});
    let p = problem(resolve(&app, &t, &n, credit).await, 403).await;
    assert!(p["detail"].as_str().unwrap().contains("segregation of duties"), "{p}");

    // The same rule at the domain level: the clerk who raised it is refused, another person is not.
    let how = Resolution::Credit { amount_minor: 2_000, note: Some("price agreed".into()) };
    let (clerk, other) = (user(&app, "clerk@acme.test").await, user(&app, "admin@acme.test").await);
    let txn = app.db.tenant_txn(&acme).await.unwrap();
    match disputes::resolve(&txn, &n, &how, &clerk, Utc::now()).await {
        Err(Refused::App(e)) => assert_eq!(e.status(), 403, "{e}"),
        other => panic!("the raiser credited it: {other:?}"),
    }
    drop(txn);
    let txn = app.db.tenant_txn(&acme).await.unwrap();
    let d = disputes::resolve(&txn, &n, &how, &other, Utc::now()).await.unwrap_or_else(|e| panic!("{e:?}"));
    txn.commit().await.unwrap();
    assert_eq!((d.status.as_str(), d.credit_memo.map(|m| m.created_by)), ("resolved_credited", Some("user Ada Admin".to_owned())));
}

#[tokio::test]
async fn another_tenant_neither_sees_nor_resolves_a_dispute() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    invoice_posted(&app, &t, "DX-1").await;
    let n = opened(&app, &t, dispute("DX-1", "tax", json!([{"line": 1, "amount_minor": 100}]))).await["number"].as_str().unwrap().to_owned();
    let bg = app.bg_token().await;
    assert_eq!(app.get(BG, &bg, &format!("/api/v1/disputes/{n}")).await.status(), 404);
    assert_eq!(app.post(BG, &bg, &format!("/api/v1/disputes/{n}/resolve"), &json!({"outcome": "reject", "reason": "not ours"})).await.status(), 404);
    assert_eq!(app.post(BG, &bg, &format!("/api/v1/disputes/{n}/messages"), &json!({"body": "hello"})).await.status(), 404);
    assert_eq!(app.get(ACME, &bg, &format!("/api/v1/disputes/{n}")).await.status(), 401, "a bluegrass token on acme's host");
    let v: Value = app.get(BG, &bg, "/api/v1/disputes").await.json().await.unwrap();
    assert!(!v["items"].as_array().unwrap().iter().any(|d| d["invoice_number"] == "DX-1"), "{v}");
    assert_eq!(get(&app, &t, &format!("/api/v1/disputes/{n}")).await["status"], "open", "untouched");
}

#[tokio::test]
async fn the_openapi_document_describes_the_dispute_endpoints() {
    let app = spawn_app().await;
    let doc: Value = app.browser().get(app.url(ACME, "/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    for p in ["/api/v1/disputes", "/api/v1/disputes/{number}", "/api/v1/disputes/{number}/messages", "/api/v1/disputes/{number}/resolve"] {
        assert!(doc["paths"].get(p).is_some(), "{p} is documented");
    }
    for s in ["DisputeCreate", "DisputeView", "DisputePage", "DisputeResolve", "DisputeMessageCreate", "DisputeLineIn"] {
        assert!(doc["components"]["schemas"].get(s).is_some(), "schema {s}");
    }
    assert!(doc["components"]["schemas"]["DisputeView"]["properties"]["sla_due_at"]["description"].as_str().unwrap_or_default().contains("expect an answer"));
}

#[tokio::test]
async fn resolving_a_disputes_exception_from_the_queue_resolves_the_dispute_too() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    invoice_posted(&app, &t, "DQ-1").await;
    invoice_posted(&app, &t, "DQ-2").await;
    let credited = opened(&app, &t, dispute("DQ-1", "pricing", json!([{"line": 1, "amount_minor": 500}]))).await;
    let rejected = opened(&app, &t, dispute("DQ-2", "damaged", json!([{"line": 2, "amount_minor": 1_000}]))).await;
    let key = |d: &Value| format!("dispute:{}", d["number"].as_str().unwrap());
    let act = |key: String, body: Value| {
        let (app, t) = (&app, t.clone());
        async move { app.post(ACME, &t, &format!("/api/v1/exceptions/{key}/resolve"), &body).await }
    };
    assert_eq!(act(key(&credited), json!({"code": "fixed"})).await.status(), 422, "a dispute ends credited or rejected");
    assert_eq!(act(key(&credited), json!({"code": "credited"})).await.status(), 200);
    let d = get(&app, &t, &format!("/api/v1/disputes/{}", credited["number"].as_str().unwrap())).await;
    assert_eq!(d["status"], "resolved_credited", "{d}");
    assert_eq!(get(&app, &t, "/api/v1/invoices/DQ-1").await["open_minor"], 6_000, "credited the disputed 5.00");
    assert_eq!(act(key(&rejected), json!({"code": "rejected"})).await.status(), 422, "a rejection needs a reason");
    assert_eq!(act(key(&rejected), json!({"code": "rejected", "note": "damage not reported on delivery"})).await.status(), 200);
    let d = get(&app, &t, &format!("/api/v1/disputes/{}", rejected["number"].as_str().unwrap())).await;
    assert_eq!(d["status"], "rejected", "{d}");
}
