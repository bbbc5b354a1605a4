//! The workflow rules as event sequences through the API: credit holds released and
//! rejected, the ERP deciding credit, backorders, SLA breaches escalating on the clock the
//! test drives, the exception API's refusals, the audit trail, and the cross-tenant matrix.

use chrono::{Duration, Utc};
use crate::common::*;
use serde_json::{Value, json};

async fn customer_with_limit(app: &TestApp, t: &str, id: &str, limit: i64) {
    let r = app.post(ACME, t, "/api/v1/customers", &json!({"external_id": id, "name": format!("Limited {id}"), "credit_limit_minor": limit})).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
}

async fn accept(app: &TestApp, t: &str, id: &str, number: &str, customer: &str) -> Value {
    let v: Value = app.post(ACME, t, "/api/v1/events", &ev(id, "order.accepted", "2026-03-01T09:00:00Z", order_payload(number, customer))).await.json().await.unwrap();
    assert_eq!(v["results"][0]["result"], "accepted", "{v}");
    v
}

async fn exceptions(app: &TestApp, t: &str, query: &str) -> Vec<Value> {
    let v: Value = app.get(ACME, t, &format!("/api/v1/exceptions{query}")).await.json().await.unwrap();
    v["items"].as_array().unwrap_or_else(|| panic!("{v}")).clone()
}

async fn act(app: &TestApp, t: &str, key: &str, action: &str, body: Value) -> reqwest::Response {
    app.post(ACME, t, &format!("/api/v1/exceptions/{key}/{action}"), &body).await
}

#[tokio::test]
async fn an_order_over_the_credit_limit_is_held_and_a_clerk_releases_it_while_orders_under_it_pass_untouched() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    customer_with_limit(&app, &t, "C-CR1", 10_000).await;
    accept(&app, &t, "cr-1", "CR-1", "C-CR1").await; // 65.00 of 100.00
    assert_eq!(order(&app, &t, "CR-1").await["status"], "accepted", "under the limit: touchless");
    assert!(exceptions(&app, &t, "?kind=credit_hold").await.is_empty());
    let v = accept(&app, &t, "cr-2", "CR-2", "C-CR1").await; // 130.00 of 100.00
    assert!(v["results"][0]["status"] == "applied");
    let o = order(&app, &t, "CR-2").await;
    assert_eq!(o["status"], "credit_hold", "{o}");
    let held = exceptions(&app, &t, "?queue=credit").await;
    assert_eq!(held.len(), 1, "{held:?}");
    let x = &held[0];
    assert_eq!((x["kind"].as_str(), x["severity"].as_str(), x["status"].as_str()), (Some("credit_hold"), Some("high"), Some("open")));
    assert_eq!(x["raised_by"], "rule credit_check v0");
    assert_eq!(x["order_number"], "CR-2");
    assert_eq!(x["customer"], "C-CR1");
    assert_eq!(x["amount_minor"], 3_000, "the excess over the limit");
    assert!(x["detail"].as_str().unwrap().contains("over the credit limit of USD 100.00"), "{x}");
    let due: chrono::DateTime<Utc> = x["sla_due_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(due, "2026-03-01T13:00:00Z".parse::<chrono::DateTime<Utc>>().unwrap(), "4 hours after the order");

    // Resolving a hold takes its own codes; rejecting needs a reason.
    let key = x["reference"].as_str().unwrap().to_owned();
    problem(act(&app, &t, &key, "resolve", json!({"code": "fixed"})).await, 422).await;
    problem(act(&app, &t, &key, "resolve", json!({"code": "rejected"})).await, 422).await;
    let r = act(&app, &t, &key, "claim", json!({"assignee": "clerk@acme.test"})).await;
    assert_eq!(r.status(), 200);
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["exception"]["status"], "claimed");
    let r = act(&app, &t, &key, "resolve", json!({"code": "released", "note": "customer paid by wire"})).await;
    assert_eq!(r.status(), 200);
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["exception"]["status"], "resolved");
    let actions: Vec<&str> = d["history"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["opened", "reassigned", "resolved"]);
    let o = order(&app, &t, "CR-2").await;
    assert_eq!(o["status"], "released", "the order continues");
    let types: Vec<&str> = o["timeline"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert!(types.contains(&"order.credit_hold") && types.contains(&"order.released") && types.contains(&"exception.resolved"), "{types:?}");
    problem(act(&app, &t, &key, "escalate", json!({})).await, 409).await;

    // Each step is in the audit trail, which verifies.
    let acme = app.tenant(ACME).await.slug;
    let txn = app.db.tenant_txn(&acme).await.unwrap();
    let entries = domain::audit::list(&txn, &domain::audit::AuditFilter { entity_id: Some(key.clone()), ..Default::default() }, None, 50).await.unwrap();
    let logged: Vec<&str> = entries.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(logged, ["exception.opened", "exception.reassigned", "exception.resolved"]);
    assert_eq!(entries.last().unwrap().actor_label(), "rule credit_check v0");
    assert!(domain::audit::verify(&txn).await.unwrap().is_intact());
    txn.commit().await.unwrap();
}

#[tokio::test]
async fn a_rejected_credit_hold_cancels_the_order_and_frees_the_credit() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    customer_with_limit(&app, &t, "C-CR2", 10_000).await;
    accept(&app, &t, "rj-1", "RJ-1", "C-CR2").await;
    accept(&app, &t, "rj-2", "RJ-2", "C-CR2").await;
    let r = act(&app, &t, "credit-hold:RJ-2", "resolve", json!({"code": "rejected", "note": "account 90 days past due"})).await;
    assert_eq!(r.status(), 200);
    let o = order(&app, &t, "RJ-2").await;
    assert_eq!(o["status"], "cancelled");
    // The rejected order left the exposure: another 65.00 fits again.
    accept(&app, &t, "rj-3", "RJ-3", "C-CR2").await;
    assert_eq!(order(&app, &t, "RJ-3").await["status"], "credit_hold", "65 + 65 is over 100");
    let r = act(&app, &t, "credit-hold:RJ-3", "resolve", json!({"code": "rejected", "note": "still past due"})).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn where_the_erp_decides_credit_its_credit_hold_opens_the_exception_and_the_check_stays_quiet() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let acme = app.tenant(ACME).await.slug;
    let txn = app.db.tenant_txn(&acme).await.unwrap();
    let who = domain::audit::Actor::User { id: uuid::Uuid::nil(), name: "Admin".into() };
    let v = domain::workflow::rules::save(&txn, "credit_check", true, json!({"decider": "erp"}), &who).await.unwrap();
    assert_eq!(v, 1);
    txn.commit().await.unwrap();
    customer_with_limit(&app, &t, "C-CR3", 100).await;
    accept(&app, &t, "erp-1", "ERP-1", "C-CR3").await;
    assert_eq!(order(&app, &t, "ERP-1").await["status"], "accepted", "Throughline does not decide");
    app.post(ACME, &t, "/api/v1/events", &ev("erp-2", "order.credit_hold", "2026-03-01T10:00:00Z", json!({"order_number": "ERP-1", "reason": "over limit in SAP"}))).await;
    let held = exceptions(&app, &t, "?kind=credit_hold").await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert!(held[0]["detail"].as_str().unwrap().contains("over limit in SAP"));
}

#[tokio::test]
async fn a_backorder_opens_a_customer_service_exception() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    accept(&app, &t, "bo-0", "BO-1", "C-1001").await;
    app.post(ACME, &t, "/api/v1/events", &ev("bo-1", "order.backordered", "2026-03-01T10:00:00Z", json!({"order_number": "BO-1", "reason": "HOSE-2 out of stock"}))).await;
    let items: Vec<Value> = exceptions(&app, &t, "?queue=customer_service&kind=backorder").await.into_iter().filter(|x| x["order_number"] == "BO-1").collect();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["raised_by"], "rule backorder v0");
    assert!(items[0]["detail"].as_str().unwrap().contains("HOSE-2 out of stock"));
}

#[tokio::test]
async fn a_breached_sla_escalates_to_the_admin_queue_once_on_the_clock_the_test_drives() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    customer_with_limit(&app, &t, "C-CR4", 1).await;
    let now = Utc::now();
    let at = now.to_rfc3339();
    app.post(ACME, &t, "/api/v1/events", &ev("sla-1", "order.accepted", &at, order_payload("SLA-1", "C-CR4"))).await;
    server::workers::run_due(&app.db, &app.config, now + Duration::hours(3)).await.unwrap();
    let x = &exceptions(&app, &t, "?kind=credit_hold").await[0];
    assert_eq!((x["status"].as_str(), x["queue"].as_str(), x["sla_state"].as_str()), (Some("open"), Some("credit"), Some("ok")));
    let ran = server::workers::run_due(&app.db, &app.config, now + Duration::hours(5)).await.unwrap();
    assert_eq!(ran.dead, 0);
    let x = &exceptions(&app, &t, "?kind=credit_hold").await[0];
    assert_eq!((x["status"].as_str(), x["queue"].as_str(), x["severity"].as_str()), (Some("escalated"), Some("admin"), Some("critical")), "{x}");
    server::workers::run_due(&app.db, &app.config, now + Duration::hours(6)).await.unwrap();
    let d: Value = app.get(ACME, &t, &format!("/api/v1/exceptions/{}", x["reference"].as_str().unwrap())).await.json().await.unwrap();
    let escalations = d["history"].as_array().unwrap().iter().filter(|h| h["action"] == "escalated").count();
    assert_eq!(escalations, 1, "escalated once: {d}");
    assert_eq!(d["history"][1]["actor"], "system");
    assert_eq!(exceptions(&app, &t, "?sla=breached&queue=admin").await.len(), 1);
}

#[tokio::test]
async fn the_exception_api_names_what_is_wrong_and_keeps_to_its_tenant() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    customer_with_limit(&app, &t, "C-CR5", 1).await;
    accept(&app, &t, "x-1", "X-1", "C-CR5").await;
    problem(app.get(ACME, &t, "/api/v1/exceptions?queue=nowhere").await, 422).await;
    problem(app.get(ACME, &t, "/api/v1/exceptions?sla=late").await, 422).await;
    problem(act(&app, &t, "credit-hold:X-1", "dance", json!({})).await, 404).await;
    problem(act(&app, &t, "credit-hold:X-1", "claim", json!({})).await, 422).await;
    problem(act(&app, &t, "credit-hold:X-1", "claim", json!({"assignee": "service@acme.test"})).await, 422).await;
    problem(act(&app, &t, "credit-hold:X-1", "claim", json!({"assignee": "nobody@acme.test"})).await, 422).await;
    problem(act(&app, &t, "credit-hold:X-1", "comment", json!({"note": ""})).await, 422).await;
    problem(act(&app, &t, "credit-hold:X-1", "resolve", json!({"code": "released", "extra": 1})).await, 422).await;
    problem(act(&app, &t, "no-such-ref", "escalate", json!({})).await, 404).await;
    // Cross-tenant matrix: bluegrass's client neither sees nor acts on acme's exception.
    let bg = app.bg_token().await;
    let id = exceptions(&app, &t, "").await.iter().find(|x| x["reference"] == "credit-hold:X-1").unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(app.get(BG, &bg, &format!("/api/v1/exceptions/{id}")).await.status(), 404);
    assert_eq!(app.post(BG, &bg, &format!("/api/v1/exceptions/{id}/escalate"), &json!({})).await.status(), 404);
    assert_eq!(app.get(ACME, &bg, &format!("/api/v1/exceptions/{id}")).await.status(), 401, "a bluegrass token on acme's host");
    let v: Value = app.get(BG, &bg, "/api/v1/exceptions?status=all").await.json().await.unwrap();
    assert!(!v["items"].as_array().unwrap().iter().any(|x| x["id"] == id.as_str()));
    let d: Value = app.get(ACME, &t, &format!("/api/v1/exceptions/{id}")).await.json().await.unwrap();
    assert_eq!(d["exception"]["status"], "open", "untouched");
}
