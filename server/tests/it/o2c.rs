//! The integration API through HTTP: events, idempotency, resources, documents and errors
//! (tokens and the cross-tenant matrix are in `security.rs`). Runs on PostgreSQL + S3 and on
//! SQLite + a folder.

use crate::common::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn timeline_types(o: &Value) -> Vec<String> {
    o["timeline"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn every_event_type_applies_and_the_order_timeline_is_in_order() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let batch = json!([
        ev("e1", "order.accepted", "2026-03-01T09:00:00Z", order_payload("T-1", "C-1001")),
        ev("e2", "order.credit_hold", "2026-03-01T09:05:00Z", json!({"order_number": "T-1", "reason": "over limit"})),
        ev("e3", "order.released", "2026-03-01T10:00:00Z", json!({"order_number": "T-1"})),
        ev("e4", "order.backordered", "2026-03-01T11:00:00Z", json!({"order_number": "T-1", "reason": "line 2 short"})),
        ev("e5", "order.allocated", "2026-03-02T08:00:00Z", json!({"order_number": "T-1"})),
        ev("e6", "pick.released", "2026-03-02T09:00:00Z", json!({"order_number": "T-1"})),
        ev("e7", "shipment.dispatched", "2026-03-02T15:00:00Z", json!({"number": "T-1-S1", "order_number": "T-1", "carrier": "UPS", "tracking_number": "1Z1", "tracking_url": "https://www.ups.com/track?tracknum=1Z1", "lines": [{"line": 1, "quantity": 10}, {"line": 2, "quantity": 1}]})),
        ev("e8", "shipment.dispatched", "2026-03-03T15:00:00Z", json!({"number": "T-1-S2", "order_number": "T-1", "carrier": "UPS", "lines": [{"line": 2, "quantity": 3}]})),
        ev("e9", "shipment.delivered", "2026-03-04T10:00:00Z", json!({"shipment_number": "T-1-S1", "order_number": "T-1", "signed_by": "J. Doe"})),
        ev("e10", "shipment.delivered", "2026-03-04T12:00:00Z", json!({"shipment_number": "T-1-S2", "order_number": "T-1"})),
        ev("e11", "invoice.posted", "2026-03-05T08:00:00Z", json!({"number": "I-1", "order_number": "T-1", "customer": "C-1001", "currency": "USD", "issued_on": "2026-03-05", "tax_minor": 390,
            "lines": [{"line": 1, "order_line": 1, "sku": "BRG-1", "quantity": 10, "unit_price_minor": 250}, {"line": 2, "order_line": 2, "sku": "HOSE-2", "quantity": 4, "unit_price_minor": 1000}]})),
        ev("e12", "invoice.delivered", "2026-03-05T08:01:00Z", json!({"invoice_number": "I-1", "channel": "email"})),
        ev("e13", "invoice.viewed", "2026-03-05T09:00:00Z", json!({"invoice_number": "I-1"})),
        ev("e14", "invoice.disputed", "2026-03-06T09:00:00Z", json!({"invoice_number": "I-1", "reason": "price"})),
        ev("e15", "dispute.resolved", "2026-03-07T09:00:00Z", json!({"invoice_number": "I-1", "reason": "price confirmed"})),
        ev("e16", "reminder.sent", "2026-03-20T09:00:00Z", json!({"invoice_number": "I-1"})),
        ev("e17", "payment.received", "2026-03-25T09:00:00Z", json!({"number": "P-1", "customer": "C-1001", "currency": "USD", "amount_minor": 7000, "received_on": "2026-03-25"})),
        ev("e18", "payment.applied", "2026-03-25T10:00:00Z", json!({"payment_number": "P-1", "invoice_number": "I-1", "amount_minor": 6890})),
        ev("e19", "exception.opened", "2026-03-25T11:00:00Z", json!({"reference": "X-1", "kind": "unapplied_cash", "detail": "110 left", "order_number": "T-1"})),
        ev("e20", "exception.escalated", "2026-03-26T11:00:00Z", json!({"reference": "X-1", "order_number": "T-1"})),
        ev("e21", "exception.resolved", "2026-03-27T11:00:00Z", json!({"reference": "X-1", "order_number": "T-1"})),
    ]);
    let r = app.post(ACME, &t, "/api/v1/events", &batch).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["accepted"], 21, "{v}");
    assert!(v["results"].as_array().unwrap().iter().all(|r| r["status"] == "applied"), "{v}");
    let o = order(&app, &t, "T-1").await;
    assert_eq!(o["status"], "paid");
    assert_eq!(o["total_minor"], 6500);
    assert_eq!(o["lines"][1]["quantity_shipped"], 4);
    assert_eq!(o["lines"][1]["quantity_invoiced"], 4);
    assert_eq!(o["shipments"].as_array().unwrap().len(), 2);
    assert_eq!(o["shipments"][0]["status"], "delivered");
    assert_eq!(o["shipments"][0]["tracking_url"], "https://www.ups.com/track?tracknum=1Z1");
    assert_eq!(o["invoices"][0]["status"], "paid");
    assert_eq!(o["invoices"][0]["due_on"], "2026-04-04", "NET30 from the customer's terms");
    assert_eq!(o["payments"][0]["amount_minor"], 6890);
    let types = timeline_types(&o);
    assert_eq!(types.first().unwrap(), "order.accepted");
    // payment.received belongs to the customer, not the order; its application is on the order.
    // The backorder rule's exception and each shipment's invoice.ready (billing in mirror
    // mode) are published on the order's timeline too.
    assert_eq!(types.len(), 23, "{types:?}");
    assert_eq!(types.iter().filter(|t| *t == "invoice.ready").count(), 2, "{types:?}");
    assert_eq!(types.iter().filter(|t| *t == "exception.opened").count(), 2, "the backorder rule's and the ERP's: {types:?}");
    assert!(!types.contains(&"payment.received".to_owned()) && types.contains(&"payment.applied".to_owned()));
    let times: Vec<&str> = o["timeline"].as_array().unwrap().iter().map(|e| e["occurred_at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    let p: Value = app.get(ACME, &t, "/api/v1/payments/P-1").await.json().await.unwrap();
    assert_eq!(p["unapplied_minor"], 110);
    let x: Value = app.get(ACME, &t, "/api/v1/exceptions?status=resolved").await.json().await.unwrap();
    assert!(x["items"].as_array().unwrap().iter().any(|e| e["reference"] == "X-1" && e["escalated"] == true));
}

#[tokio::test]
async fn a_duplicate_event_has_no_second_effect() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let e = ev("dup-1", "order.accepted", "2026-03-01T09:00:00Z", order_payload("D-1", "C-1001"));
    let v: Value = app.post(ACME, &t, "/api/v1/events", &e).await.json().await.unwrap();
    assert_eq!(v["results"][0]["result"], "accepted");
    let pay = ev("dup-2", "payment.received", "2026-03-02T09:00:00Z", json!({"number": "DP-1", "customer": "C-1001", "currency": "USD", "amount_minor": 500, "received_on": "2026-03-02"}));
    app.post(ACME, &t, "/api/v1/events", &pay).await;
    // Twice again, and twice inside one batch.
    let v: Value = app.post(ACME, &t, "/api/v1/events", &json!([e, pay, pay])).await.json().await.unwrap();
    assert_eq!(v["duplicates"], 3, "{v}");
    let o = order(&app, &t, "D-1").await;
    assert_eq!(timeline_types(&o), vec!["order.accepted"]);
    let p: Value = app.get(ACME, &t, "/api/v1/payments/DP-1").await.json().await.unwrap();
    assert_eq!(p["amount_minor"], 500);
    // Alone again: a duplicate too (the single-event path rolls the repeat back whole).
    for repeat in [&e, &pay] {
        let v: Value = app.post(ACME, &t, "/api/v1/events", repeat).await.json().await.unwrap();
        assert_eq!(v["results"][0]["result"], "duplicate", "{v}");
    }
    assert_eq!(timeline_types(&order(&app, &t, "D-1").await), vec!["order.accepted"]);
}

#[tokio::test]
async fn the_same_new_event_sent_twice_at_once_is_accepted_once() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    for round in 0..5 {
        let e = ev(&format!("race-{round}"), "order.accepted", "2026-03-01T09:00:00Z", order_payload(&format!("RACE-{round}"), "C-1001"));
        let (a, b) = tokio::join!(app.post(ACME, &t, "/api/v1/events", &e), app.post(ACME, &t, "/api/v1/events", &e));
        assert_eq!((a.status(), b.status()), (reqwest::StatusCode::OK, reqwest::StatusCode::OK));
        let (a, b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
        let mut results = [a["results"][0]["result"].as_str().unwrap().to_owned(), b["results"][0]["result"].as_str().unwrap().to_owned()];
        results.sort();
        assert_eq!(results, ["accepted", "duplicate"], "{a} {b}");
        assert_eq!(timeline_types(&order(&app, &t, &format!("RACE-{round}")).await), vec!["order.accepted"]);
    }
}

#[tokio::test]
async fn late_and_out_of_order_events_never_move_an_order_backwards() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    app.post(ACME, &t, "/api/v1/events", &ev("o1", "order.accepted", "2026-03-01T09:00:00Z", order_payload("OO-1", "C-1001"))).await;
    // The delivery arrives before its dispatch.
    let delivered = ev("o3", "shipment.delivered", "2026-03-03T10:00:00Z", json!({"shipment_number": "OO-1-S1", "order_number": "OO-1"}));
    let v: Value = app.post(ACME, &t, "/api/v1/events", &delivered).await.json().await.unwrap();
    assert_eq!(v["results"][0]["status"], "applied");
    assert_eq!(order(&app, &t, "OO-1").await["status"], "delivered");
    let dispatched = ev("o2", "shipment.dispatched", "2026-03-02T10:00:00Z", json!({"number": "OO-1-S1", "order_number": "OO-1", "carrier": "FedEx", "tracking_number": "F1", "lines": [{"line": 1, "quantity": 10}, {"line": 2, "quantity": 4}]}));
    app.post(ACME, &t, "/api/v1/events", &dispatched).await;
    // A late allocation from before both.
    app.post(ACME, &t, "/api/v1/events", &ev("o0", "order.allocated", "2026-03-01T12:00:00Z", json!({"order_number": "OO-1"}))).await;
    let o = order(&app, &t, "OO-1").await;
    assert_eq!(o["status"], "delivered", "{o}");
    assert_eq!(o["shipments"][0]["status"], "delivered");
    assert_eq!(o["shipments"][0]["carrier"], "FedEx");
    assert_eq!(o["lines"][0]["quantity_shipped"], 10);
    // invoice.ready is Throughline's own: the dispatch made the shipment billable (mirror mode).
    assert_eq!(timeline_types(&o), vec!["order.accepted", "order.allocated", "shipment.dispatched", "invoice.ready", "shipment.delivered"]);
}

#[tokio::test]
async fn an_event_about_something_unknown_is_parked_then_applied_or_raised_as_an_exception() {
    let app = spawn_app_with(|c| c.parked_event_minutes = 60).await;
    let t = app.acme_token().await;
    let inv = ev("p1", "invoice.posted", "2026-03-05T08:00:00Z", json!({"number": "PI-1", "order_number": "PK-1", "customer": "C-1001", "currency": "USD", "issued_on": "2026-03-05",
        "lines": [{"line": 1, "order_line": 1, "sku": "BRG-1", "quantity": 10, "unit_price_minor": 250}, {"line": 2, "order_line": 2, "sku": "HOSE-2", "quantity": 4, "unit_price_minor": 1000}]}));
    let pay = ev("p2", "payment.applied", "2026-03-06T08:00:00Z", json!({"payment_number": "PP-1", "invoice_number": "PI-1", "amount_minor": 100}));
    let v: Value = app.post(ACME, &t, "/api/v1/events", &json!([inv, pay])).await.json().await.unwrap();
    assert_eq!(v["results"][0]["status"], "parked");
    assert_eq!(v["results"][0]["waiting_for"], "order:PK-1");
    assert_eq!(v["results"][1]["waiting_for"], "payment:PP-1");
    assert_eq!(app.get(ACME, &t, "/api/v1/invoices/PI-1").await.status(), 404);
    // Not yet at the configured time (on the clock the test drives): nothing raised.
    let integration = async || -> Vec<Value> {
        let x: Value = app.get(ACME, &t, "/api/v1/exceptions?status=open").await.json().await.unwrap();
        x["items"].as_array().unwrap().iter().filter(|e| e["kind"] == "integration").cloned().collect()
    };
    let now = chrono::Utc::now();
    server::workers::run_due(&app.db, &app.config, now + chrono::Duration::minutes(59)).await.unwrap();
    assert!(integration().await.is_empty());
    // Still waiting past it: visible integration exceptions, raised once only.
    let later = now + chrono::Duration::minutes(61);
    let ran = server::workers::run_due(&app.db, &app.config, later).await.unwrap();
    assert!(ran.done > 0 && ran.dead == 0, "{ran:?}");
    server::workers::run_due(&app.db, &app.config, later + chrono::Duration::minutes(1)).await.unwrap();
    let items = integration().await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items.iter().any(|e| e["kind"] == "integration" && e["detail"].as_str().unwrap().contains("order:PK-1")), "{items:?}");
    // The order arrives: the invoice applies, and its exception resolves.
    app.post(ACME, &t, "/api/v1/events", &ev("p0", "order.accepted", "2026-03-01T09:00:00Z", order_payload("PK-1", "C-1001"))).await;
    let o = order(&app, &t, "PK-1").await;
    assert_eq!(o["status"], "invoiced");
    assert_eq!(o["invoices"][0]["number"], "PI-1");
    let x: Value = app.get(ACME, &t, "/api/v1/exceptions?status=open").await.json().await.unwrap();
    assert!(!x["items"].as_array().unwrap().iter().any(|e| e["detail"].as_str().unwrap().contains("order:PK-1")), "{x}");
    // The payment too, once the payment is received.
    app.post(ACME, &t, "/api/v1/events", &ev("p3", "payment.received", "2026-03-06T07:00:00Z", json!({"number": "PP-1", "customer": "C-1001", "currency": "USD", "amount_minor": 100, "received_on": "2026-03-06"}))).await;
    let i: Value = app.get(ACME, &t, "/api/v1/invoices/PI-1").await.json().await.unwrap();
    assert_eq!(i["paid_minor"], 100);
    assert_eq!(i["status"], "overdue", "partly paid and past its due date");
}

#[tokio::test]
async fn a_batch_with_good_and_bad_events_applies_the_good_and_names_what_is_wrong() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let mut neg = order_payload("B-2", "C-1001");
    neg["lines"][0]["quantity"] = json!(-3);
    let mut cur = order_payload("B-3", "C-1001");
    cur["currency"] = json!("XXY");
    let batch = json!([
        ev("b1", "order.accepted", "2026-03-01T09:00:00Z", order_payload("B-1", "C-1001")),
        ev("b2", "order.accepted", "2026-03-01T09:00:00Z", neg),
        ev("b3", "order.accepted", "2026-03-01T09:00:00Z", cur),
        {"event_id": "b4", "type": "order.released", "occurred_at": "yesterday", "source": "x", "payload": {"order_number": "B-1"}},
        ev("b5", "order.teleported", "2026-03-01T09:00:00Z", json!({})),
        ev("b6", "shipment.dispatched", "2026-03-02T09:00:00Z", json!({"number": "B-1-S1", "order_number": "B-1", "lines": [{"line": 9, "quantity": 1}]})),
        ev("b7", "order.released", "2026-03-01T10:00:00Z", json!({"order_number": "B-1", "colour": "red"})),
        ev("b8", "order.released", "2026-03-01T10:00:00Z", json!({"order_number": "B-1"})),
    ]);
    let v: Value = app.post(ACME, &t, "/api/v1/events", &batch).await.json().await.unwrap();
    let res = v["results"].as_array().unwrap();
    let result = |i: usize| res[i]["result"].as_str().unwrap().to_owned();
    let field = |i: usize| res[i]["errors"][0]["field"].as_str().unwrap().to_owned();
    assert_eq!(result(0), "accepted");
    assert_eq!((result(1), field(1)), ("rejected".into(), "payload.lines[0].quantity".into()));
    assert_eq!((result(2), field(2)), ("rejected".into(), "payload.currency".into()));
    assert_eq!((result(3), field(3)), ("rejected".into(), "occurred_at".into()));
    assert_eq!((result(4), field(4)), ("rejected".into(), "type".into()));
    assert_eq!(result(5), "rejected");
    assert!(res[5]["errors"][0]["reason"].as_str().unwrap().contains("order B-1 has no line 9"), "{v}");
    assert!(res[6]["errors"][0]["reason"].as_str().unwrap().contains("unknown field `colour`"), "{v}");
    assert_eq!(result(7), "accepted");
    assert_eq!(v["accepted"], 2);
    assert_eq!(v["rejected"], 6);
    // Nothing of the rejected events was written.
    for n in ["B-2", "B-3"] {
        assert_eq!(app.get(ACME, &t, &format!("/api/v1/orders/{n}")).await.status(), 404);
    }
    let o = order(&app, &t, "B-1").await;
    assert_eq!(o["status"], "released");
    assert!(o["shipments"].as_array().unwrap().is_empty());
    assert_eq!(o["lines"][0]["quantity_shipped"], 0);
}

#[tokio::test]
async fn bad_requests_get_a_problem_document_never_a_500() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let c = app.browser();
    let url = app.url(ACME, "/api/v1/events");
    let r = c.post(&url).bearer_auth(&t).header("content-type", "application/json").body("{not json").send().await.unwrap();
    assert!(problem(r, 400).await["detail"].as_str().unwrap().contains("not valid JSON"));
    let r = c.post(&url).bearer_auth(&t).header("content-type", "text/plain").body("{}").send().await.unwrap();
    problem(r, 415).await;
    let single_bad = ev("s1", "order.accepted", "2026-03-01T09:00:00Z", json!({"number": "S-1", "customer": "C-1001", "currency": "USD", "lines": [{"line": 1, "sku": "A", "quantity": "ten", "unit_price_minor": 1}]}));
    let v = problem(app.post(ACME, &t, "/api/v1/events", &single_bad).await, 422).await;
    assert_eq!(v["errors"][0]["field"], "payload.lines[0].quantity");
    let big: Vec<Value> = (0..1001).map(|i| ev(&format!("big{i}"), "order.released", "2026-03-01T09:00:00Z", json!({"order_number": "none"}))).collect();
    problem(app.post(ACME, &t, "/api/v1/events", &json!(big)).await, 413).await;
    problem(app.post(ACME, &t, "/api/v1/events", &json!([])).await, 422).await;
    problem(app.post(ACME, &t, "/api/v1/events", &json!(42)).await, 422).await;
    let v = problem(app.post(ACME, &t, "/api/v1/customers", &json!({"external_id": "N-1", "name": "New", "currency": "ZZZ", "payment_terms": "whenever"})).await, 422).await;
    let fields: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"currency") && fields.contains(&"payment_terms"), "{v}");
    problem(app.post(ACME, &t, "/api/v1/customers", &json!({"external_id": "N-1", "name": "New", "fax": "none"})).await, 422).await;
    let v = problem(app.post(ACME, &t, "/api/v1/orders", &order_payload("N-1", "NO-SUCH")).await, 422).await;
    assert!(v["detail"].as_str().unwrap().contains("customer NO-SUCH is not known"), "{v}");
    problem(app.get(ACME, &t, "/api/v1/orders?status=flying").await, 422).await;
    problem(app.get(ACME, &t, "/api/v1/orders?limit=many").await, 400).await;
    problem(app.get(ACME, &t, "/api/v1/orders?after=garbage").await, 422).await;
    problem(app.get(ACME, &t, "/api/v1/orders?from=2026-02-01&to=2026-01-01").await, 422).await;
    problem(app.get(ACME, &t, "/api/v1/orders/NOPE").await, 404).await;
    problem(app.get(ACME, &t, "/api/v1/no-such-thing").await, 404).await;
    problem(app.get(ACME, &t, "/api/v1/events").await, 405).await;
    let huge = "x".repeat(server::api::BODY_LIMIT + 10);
    let r = c.post(&url).bearer_auth(&t).header("content-type", "application/json").body(huge).send().await.unwrap();
    problem(r, 413).await;
    let r = c.post(app.url(ACME, "/api/v1/payments")).bearer_auth(&t).json(&json!({"number": "P-9", "customer": "C-1001", "currency": "USD", "amount_minor": 100, "received_on": "2026-03-01",
        "allocations": [{"invoice_number": "NOPE", "amount_minor": 100}]})).send().await.unwrap();
    let v = problem(r, 422).await;
    assert_eq!(v["errors"][0]["field"], "allocations[0].invoice_number", "{v}");
    assert_eq!(app.get(ACME, &t, "/api/v1/payments/P-9").await.status(), 404, "the payment was not half-written");
}

fn request_hash(path: &str, body: &Value) -> String {
    let mut h = Sha256::new();
    h.update(b"POST");
    h.update(path.as_bytes());
    h.update([0]);
    h.update(serde_json::to_vec(body).unwrap());
    hex::encode(h.finalize())
}

#[tokio::test]
async fn idempotency_keys_replay_refuse_a_different_body_and_report_in_flight() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let body = json!({"external_id": "IK-1", "name": "Idem Co", "payment_terms": "NET45"});
    let first = app.post_keyed(ACME, &t, "/api/v1/customers", &body, "key-1").await;
    assert_eq!(first.status(), 201);
    let first_body: Value = first.json().await.unwrap();
    let again = app.post_keyed(ACME, &t, "/api/v1/customers", &body, "key-1").await;
    assert_eq!(again.status(), 201, "the stored first answer, not a 200 update");
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first_body);
    let other = json!({"external_id": "IK-1", "name": "Changed"});
    problem(app.post_keyed(ACME, &t, "/api/v1/customers", &other, "key-1").await, 422).await;
    let c: Value = app.get(ACME, &t, "/api/v1/customers/IK-1").await.json().await.unwrap();
    assert_eq!(c["name"], "Idem Co", "the refused request changed nothing");
    // Keys are per client: another client may use the same key.
    let acme = app.tenant(ACME).await;
    let (_, s2) = domain::api_clients::create(&app.db, &acme, "wms", &["read".into(), "write".into()], "").await.unwrap();
    let t2 = app.token_for(ACME, "wms", &s2).await;
    assert_eq!(app.post_keyed(ACME, &t2, "/api/v1/customers", &other, "key-1").await.status(), 200);
    // A first request still running: the same key answers 409.
    let body3 = json!({"external_id": "IK-3", "name": "Slow"});
    let client_id = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let txn = app.db.tenant_txn(&acme.slug).await.unwrap();
        let c = domain::entity::api_client::Entity::find().filter(domain::entity::api_client::Column::Name.eq("acme-erp")).one(&txn).await.unwrap().unwrap();
        use sea_orm::ActiveModelTrait;
        domain::entity::idempotency_key::ActiveModel {
            id: sea_orm::Set(uuid::Uuid::new_v4()),
            client_id: sea_orm::Set(c.id),
            key: sea_orm::Set("key-3".into()),
            request_hash: sea_orm::Set(request_hash("/api/v1/customers", &body3)),
            state: sea_orm::Set("in_flight".into()),
            response_status: sea_orm::Set(None),
            response_body: sea_orm::Set(None),
            created_at: sea_orm::Set(chrono::Utc::now()),
        }
        .insert(&txn)
        .await
        .unwrap();
        txn.commit().await.unwrap();
        c.id
    };
    assert!(!client_id.is_nil());
    problem(app.post_keyed(ACME, &t, "/api/v1/customers", &body3, "key-3").await, 409).await;
    assert_eq!(app.get(ACME, &t, "/api/v1/customers/IK-3").await.status(), 404);
}

#[tokio::test]
async fn resources_are_created_and_read_back_through_the_api() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let r = app.post(ACME, &t, "/api/v1/customers", &json!({"external_id": "R-1", "name": "Resource Co", "payment_terms": "NET15", "credit_limit_minor": 5000000, "segment": "key_account",
        "bill_to": {"line1": "1 Main St", "city": "Dayton", "region": "OH", "postal_code": "45402", "country": "US"}})).await;
    assert_eq!(r.status(), 201);
    let r = app.post(ACME, &t, "/api/v1/customers", &json!({"external_id": "R-1", "name": "Resource Company"})).await;
    assert_eq!(r.status(), 200);
    let c: Value = r.json().await.unwrap();
    assert_eq!((c["name"].as_str(), c["payment_terms"].as_str(), c["bill_to"]["city"].as_str()), (Some("Resource Company"), Some("NET15"), Some("Dayton")));
    let r = app.post(ACME, &t, "/api/v1/orders", &order_payload("R-SO-1", "R-1")).await;
    assert_eq!(r.status(), 201);
    let o: Value = r.json().await.unwrap();
    assert_eq!(o["channel"], "edi");
    assert_eq!(o["timeline"][0]["source"], "api:acme-erp");
    problem(app.post(ACME, &t, "/api/v1/orders", &order_payload("R-SO-1", "R-1")).await, 409).await;
    let r = app.post(ACME, &t, "/api/v1/shipments", &json!({"number": "R-S-1", "order_number": "R-SO-1", "carrier": "UPS", "lines": [{"line": 1, "quantity": 4}]})).await;
    assert_eq!(r.status(), 201);
    assert_eq!(order(&app, &t, "R-SO-1").await["status"], "partially_shipped");
    let r = app.post(ACME, &t, "/api/v1/shipments/R-S-1/delivery", &json!({"signed_by": "Pat"})).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "delivered");
    let r = app.post(ACME, &t, "/api/v1/invoices", &json!({"number": "R-I-1", "order_number": "R-SO-1", "customer": "R-1", "currency": "USD", "issued_on": "2026-03-01",
        "lines": [{"line": 1, "order_line": 1, "sku": "BRG-1", "quantity": 4, "unit_price_minor": 250}]})).await;
    assert_eq!(r.status(), 201);
    let i: Value = r.json().await.unwrap();
    assert_eq!((i["total_minor"].as_i64(), i["due_on"].as_str()), (Some(1000), Some("2026-03-16")));
    assert_eq!(i["status"], "overdue", "open and past its due date");
    let r = app.post(ACME, &t, "/api/v1/payments", &json!({"number": "R-P-1", "customer": "R-1", "currency": "USD", "amount_minor": 1000, "received_on": "2026-03-10",
        "allocations": [{"invoice_number": "R-I-1", "amount_minor": 1000}]})).await;
    assert_eq!(r.status(), 201);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["unapplied_minor"], 0);
    let i: Value = app.get(ACME, &t, "/api/v1/invoices/R-I-1").await.json().await.unwrap();
    assert_eq!(i["status"], "paid");
    let s: Value = app.get(ACME, &t, "/api/v1/shipments/R-S-1").await.json().await.unwrap();
    assert_eq!(s["order_number"], "R-SO-1");
}

#[tokio::test]
async fn the_order_list_filters_and_pages_by_keyset_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(c) => format!("/api/v1/orders?limit=7&after={c}"),
            None => "/api/v1/orders?limit=7".into(),
        };
        let v: Value = app.get(ACME, &t, &path).await.json().await.unwrap();
        for o in v["items"].as_array().unwrap() {
            seen.push((o["ordered_at"].as_str().unwrap().to_owned(), o["number"].as_str().unwrap().to_owned(), o["status"].as_str().unwrap().to_owned(), o["customer"].as_str().unwrap().to_owned(), o["po_number"].as_str().unwrap().to_owned()));
        }
        match v["next_cursor"].as_str() {
            Some(c) => after = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), app.config.demo_orders, "every demo order exactly once");
    let mut numbers: Vec<&String> = seen.iter().map(|s| &s.1).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), seen.len());
    assert!(seen.windows(2).all(|w| w[0].0 >= w[1].0), "newest first");
    let (_, _, status, customer, po) = seen[3].clone();
    let v: Value = app.get(ACME, &t, &format!("/api/v1/orders?status={status}&limit=200")).await.json().await.unwrap();
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), seen.iter().filter(|s| s.2 == status).count());
    assert!(items.iter().all(|o| o["status"] == status.as_str()));
    let v: Value = app.get(ACME, &t, &format!("/api/v1/orders?customer={customer}&limit=200")).await.json().await.unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), seen.iter().filter(|s| s.3 == customer).count());
    let v: Value = app.get(ACME, &t, &format!("/api/v1/orders?po_number={po}")).await.json().await.unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    let day = &seen[0].0[..10];
    let v: Value = app.get(ACME, &t, &format!("/api/v1/orders?from={day}&to={day}&limit=200")).await.json().await.unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), seen.iter().filter(|s| &s.0[..10] == day).count());
}

#[tokio::test]
async fn a_pod_is_uploaded_for_a_shipment_and_downloaded_only_by_its_tenant() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    app.post(ACME, &t, "/api/v1/events", &json!([
        ev("d1", "order.accepted", "2026-03-01T09:00:00Z", order_payload("DOC-1", "C-1001")),
        ev("d2", "shipment.dispatched", "2026-03-02T09:00:00Z", json!({"number": "DOC-1-S1", "order_number": "DOC-1", "lines": [{"line": 1, "quantity": 10}]})),
    ])).await;
    let pdf = b"%PDF-1.4\nsigned POD\n%%EOF\n".to_vec();
    let form = reqwest::multipart::Form::new()
        .text("kind", "pod")
        .part("file", reqwest::multipart::Part::bytes(pdf.clone()).file_name("pod.pdf").mime_str("application/pdf").unwrap());
    let r = app.browser().post(app.url(ACME, "/api/v1/shipments/DOC-1-S1/documents")).bearer_auth(&t).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["size"], pdf.len());
    assert_eq!(d["sha256"].as_str().unwrap(), hex::encode(Sha256::digest(&pdf)));
    let id = d["id"].as_str().unwrap().to_owned();
    let o = order(&app, &t, "DOC-1").await;
    assert_eq!(o["shipments"][0]["documents"][0]["id"], id.as_str());
    let r = app.get(ACME, &t, &format!("/api/v1/documents/{id}")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    // Bluegrass cannot fetch it with its own token on its own host.
    let bg = app.bg_token().await;
    problem(app.get(BG, &bg, &format!("/api/v1/documents/{id}")).await, 404).await;
    // Refused uploads: unknown shipment, wrong type, no file.
    let form = || reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(b"%PDF-1.4 x".to_vec()).file_name("a.pdf").mime_str("application/pdf").unwrap());
    problem(app.browser().post(app.url(ACME, "/api/v1/shipments/NOPE/documents")).bearer_auth(&t).multipart(form()).send().await.unwrap(), 404).await;
    let exe = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(b"MZ".to_vec()).file_name("a.exe").mime_str("application/x-msdownload").unwrap());
    problem(app.browser().post(app.url(ACME, "/api/v1/shipments/DOC-1-S1/documents")).bearer_auth(&t).multipart(exe).send().await.unwrap(), 422).await;
    let empty = reqwest::multipart::Form::new().text("kind", "pod");
    problem(app.browser().post(app.url(ACME, "/api/v1/shipments/DOC-1-S1/documents")).bearer_auth(&t).multipart(empty).send().await.unwrap(), 422).await;
}

#[tokio::test]
async fn the_demo_data_shows_every_order_state_with_pods_and_open_paid_and_overdue_invoices() {
    let app = spawn_app_with(|c| c.demo_orders = 300).await;
    let t = app.acme_token().await;
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(c) => format!("/api/v1/orders?limit=200&after={c}"),
            None => "/api/v1/orders?limit=200".into(),
        };
        let v: Value = app.get(ACME, &t, &path).await.json().await.unwrap();
        all.extend(v["items"].as_array().unwrap().iter().cloned());
        match v["next_cursor"].as_str() {
            Some(c) => after = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(all.len(), 300);
    for s in ["accepted", "credit_hold", "backordered", "pick_released", "partially_shipped", "shipped", "delivered", "invoiced", "paid"] {
        assert!(all.iter().any(|o| o["status"] == s), "no demo order is {s}");
    }
    let customers: std::collections::HashSet<&str> = all.iter().map(|o| o["customer"].as_str().unwrap()).collect();
    assert!(customers.len() >= 24, "a few dozen customers: {}", customers.len());
    let mut invoice_states = std::collections::HashSet::new();
    let mut pods = 0;
    for o in all.iter().filter(|o| matches!(o["status"].as_str(), Some("invoiced" | "paid" | "delivered"))).take(60) {
        let d = order(&app, &t, o["number"].as_str().unwrap()).await;
        for i in d["invoices"].as_array().unwrap() {
            invoice_states.insert(i["status"].as_str().unwrap().to_owned());
        }
        pods += d["documents"].as_array().unwrap().len();
    }
    assert!(invoice_states.contains("paid") && invoice_states.contains("overdue"), "{invoice_states:?}");
    assert!(pods > 0, "some deliveries have a POD");
}

#[tokio::test]
async fn the_openapi_document_and_the_reference_page_describe_every_endpoint() {
    let app = spawn_app().await;
    let r = app.browser().get(app.url(ACME, "/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().unwrap();
    for p in ["/api/v1/oauth/token", "/api/v1/events", "/api/v1/orders", "/api/v1/orders/{number}", "/api/v1/shipments/{number}/documents", "/api/v1/edi", "/api/v1/payments", "/api/v1/customers"] {
        assert!(paths.contains_key(p), "{p} is documented");
    }
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    for s in ["EventIn", "OrderIn", "OrderDetail", "Problem", "FieldError", "ShipmentIn", "InvoiceIn", "PackIn", "PackItemIn", "PackView"] {
        assert!(doc["components"]["schemas"].get(s).is_some(), "schema {s}");
    }
    let html = app.browser().get(app.url(ACME, "/api/v1/reference")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("/api/v1/events") && html.contains("schema-OrderIn") && !html.contains("<script"), "no CDN, no script");
    let pack = &doc["components"]["schemas"]["PackIn"];
    assert!(pack["properties"]["sscc"]["description"].as_str().unwrap_or_default().contains("SSCC-18"), "pack fields are described: {pack}");
    assert!(!doc["components"]["schemas"]["ShipmentIn"]["required"].as_array().unwrap().iter().any(|f| f == "packs"), "packs are optional");
}

#[tokio::test]
async fn a_parked_event_whose_object_arrived_in_a_crossing_transaction_is_released_by_the_sweep() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let v: Value = app.post(ACME, &t, "/api/v1/events", &ev("c1", "order.released", "2026-03-02T09:00:00Z", json!({"order_number": "CX-1"}))).await.json().await.unwrap();
    assert_eq!(v["results"][0]["status"], "parked");
    // The order is created by a transaction that did not see the parked event (apply without
    // the release step stands in for that crossing).
    let acme = app.tenant(ACME).await;
    let txn = app.db.tenant_txn(&acme.slug).await.unwrap();
    let accepted: domain::events::EventIn = serde_json::from_value(ev("c0", "order.accepted", "2026-03-01T09:00:00Z", order_payload("CX-1", "C-1001"))).unwrap();
    domain::events::apply(&txn, &accepted).await.map_err(|e| format!("{e:?}")).unwrap();
    txn.commit().await.unwrap();
    assert_eq!(order(&app, &t, "CX-1").await["status"], "accepted");
    server::workers::run_due(&app.db, &app.config, chrono::Utc::now()).await.unwrap();
    let o = order(&app, &t, "CX-1").await;
    assert_eq!(o["status"], "released");
    assert_eq!(timeline_types(&o), vec!["order.released"], "the released event is on the timeline");
}

#[tokio::test]
async fn a_parked_event_that_fails_partway_when_released_leaves_nothing_of_itself_behind() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    // Posting this invoice writes it, then refuses its second line (the order has no line 9).
    let inv = ev("sp1", "invoice.posted", "2026-03-05T08:00:00Z", json!({"number": "SP-I-1", "order_number": "SP-1", "customer": "C-1001", "currency": "USD", "issued_on": "2026-03-05",
        "lines": [{"line": 1, "order_line": 1, "sku": "BRG-1", "quantity": 10, "unit_price_minor": 250}, {"line": 2, "order_line": 9, "sku": "X", "quantity": 1, "unit_price_minor": 100}]}));
    let v: Value = app.post(ACME, &t, "/api/v1/events", &inv).await.json().await.unwrap();
    assert_eq!(v["results"][0]["waiting_for"], "order:SP-1", "{v}");
    let v: Value = app.post(ACME, &t, "/api/v1/events", &ev("sp0", "order.accepted", "2026-03-01T09:00:00Z", order_payload("SP-1", "C-1001"))).await.json().await.unwrap();
    assert_eq!(v["results"][0]["status"], "applied", "the order itself applies: {v}");
    assert_eq!(app.get(ACME, &t, "/api/v1/invoices/SP-I-1").await.status(), 404, "the failed invoice was not half-written");
    let o = order(&app, &t, "SP-1").await;
    assert_eq!((o["status"].as_str(), o["lines"][0]["quantity_invoiced"].as_i64()), (Some("accepted"), Some(0)), "{o}");
    let x: Value = app.get(ACME, &t, "/api/v1/exceptions?status=open").await.json().await.unwrap();
    let failed = x["items"].as_array().unwrap().iter().find(|e| e["reference"] == "failed:erp:sp1").unwrap_or_else(|| panic!("an integration exception: {x}"));
    assert!(failed["detail"].as_str().unwrap().contains("order SP-1 has no line 9"), "{failed}");
}

#[tokio::test]
async fn the_earliest_report_of_a_delivery_counts_whatever_order_the_reports_arrive_in() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let delivered = |id: &str, order: &str, at: &str| ev(id, "shipment.delivered", at, json!({"shipment_number": format!("{order}-S1"), "order_number": order}));
    for (order_number, first, second) in [("DL-1", "2026-03-03T10:00:00Z", "2026-03-03T12:00:00Z"), ("DL-2", "2026-03-03T12:00:00Z", "2026-03-03T10:00:00Z")] {
        app.post(ACME, &t, "/api/v1/events", &ev(&format!("{order_number}-a"), "order.accepted", "2026-03-01T09:00:00Z", order_payload(order_number, "C-1001"))).await;
        let lines = json!([{"line": 1, "quantity": 10}, {"line": 2, "quantity": 4}]);
        let d = ev(&format!("{order_number}-d"), "shipment.dispatched", "2026-03-02T09:00:00Z", json!({"number": format!("{order_number}-S1"), "order_number": order_number, "lines": lines}));
        app.post(ACME, &t, "/api/v1/events", &d).await;
        // The carrier and the warehouse both report the delivery, in either order.
        let v: Value = app.post(ACME, &t, "/api/v1/events", &json!([delivered(&format!("{order_number}-1"), order_number, first), delivered(&format!("{order_number}-2"), order_number, second)])).await.json().await.unwrap();
        assert_eq!(v["accepted"], 2, "{v}");
        let o = order(&app, &t, order_number).await;
        assert_eq!(o["status"], "delivered", "{order_number}");
        assert_eq!(o["shipments"][0]["delivered_at"], "2026-03-03T10:00:00Z", "{order_number}: {o}");
    }
    // An invoice from between the two reports moves both orders alike.
    for order_number in ["DL-1", "DL-2"] {
        let inv = ev(&format!("{order_number}-i"), "invoice.posted", "2026-03-03T11:00:00Z", json!({"number": format!("{order_number}-I"), "order_number": order_number, "customer": "C-1001", "currency": "USD", "issued_on": "2026-03-03",
            "lines": [{"line": 1, "order_line": 1, "sku": "BRG-1", "quantity": 10, "unit_price_minor": 250}, {"line": 2, "order_line": 2, "sku": "HOSE-2", "quantity": 4, "unit_price_minor": 1000}]}));
        app.post(ACME, &t, "/api/v1/events", &inv).await;
        assert_eq!(order(&app, &t, order_number).await["status"], "invoiced", "{order_number}");
    }
}

#[tokio::test]
async fn a_repeated_acceptance_amends_the_header_and_keeps_one_set_of_lines() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let mut first = order_payload("AM-1", "C-1001");
    first["po_number"] = json!("PO-FIRST");
    let mut second = first.clone();
    second["po_number"] = json!("PO-SECOND");
    for (id, payload) in [("am-1", first), ("am-2", second)] {
        let r = app.post(ACME, &t, "/api/v1/events", &ev(id, "order.accepted", "2026-03-01T09:00:00Z", payload)).await;
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["accepted"], 1, "{id}: {v}");
    }
    let o = order(&app, &t, "AM-1").await;
    assert_eq!(o["po_number"], "PO-SECOND");
    assert_eq!(o["lines"].as_array().unwrap().len(), 2, "the lines of the first acceptance, once: {o}");
}
