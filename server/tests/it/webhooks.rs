//! Webhooks out through the API and a real receiver on loopback: endpoints managed and
//! refused (SSRF), signatures that the `standardwebhooks` crate verifies (rotation included),
//! the retry schedule on a controlled clock to the dead letter and a replay, auto-disable
//! after 5 days of failures, a hanging receiver that does not hold up another, and the
//! cross-tenant matrix.
use crate::common::*;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{Duration, Utc};
use domain::webhooks::guard::Allow;
use serde_json::{Value, json};
use server::webhooks::{Sender, deliver_due};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

/// What a receiver got: its path, headers and body.
#[derive(Clone, Debug)]
struct Got {
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Got>>>,
    /// The status `/flip` answers with (500 until changed).
    flip: Arc<AtomicU16>,
}

impl Receiver {
    fn got(&self, path: &str) -> Vec<Got> {
        self.got.lock().unwrap().iter().filter(|g| g.path == path).cloned().collect()
    }
}

async fn receive(State(r): State<Receiver>, Path(path): Path<String>, headers: HeaderMap, body: axum::body::Bytes) -> StatusCode {
    if path == "hang" {
        tokio::time::sleep(std::time::Duration::from_secs(30)).await;
    }
    r.got.lock().unwrap().push(Got { path: path.clone(), headers, body: body.to_vec() });
    match path.as_str() {
        "fail" => StatusCode::INTERNAL_SERVER_ERROR,
        "flip" => StatusCode::from_u16(r.flip.load(Ordering::SeqCst)).unwrap(),
        _ => StatusCode::NO_CONTENT,
    }
}

/// A receiver on loopback; returns it and its base URL.
async fn receiver() -> (Receiver, String) {
    let r = Receiver::default();
    r.flip.store(500, Ordering::SeqCst);
    let app = axum::Router::new().route("/{path}", axum::routing::post(receive)).with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (r, format!("http://127.0.0.1:{}", addr.port()))
}

async fn loopback_app() -> TestApp {
    spawn_app_with(|c| c.webhook_allow = Allow::parse("127.0.0.1").unwrap()).await
}

async fn put(app: &TestApp, host: &str, token: &str, path: &str, body: &Value) -> reqwest::Response {
    app.browser().put(app.url(host, path)).bearer_auth(token).json(body).send().await.unwrap()
}

/// Creates an endpoint and returns its id and secret.
async fn endpoint(app: &TestApp, token: &str, url: &str, types: &[&str]) -> (String, String) {
    let r = app.post(ACME, token, "/api/v1/webhooks/endpoints", &json!({"url": url, "event_types": types, "description": "ERP"})).await;
    assert_eq!(r.status(), 201, "create {url}");
    let v: Value = r.json().await.unwrap();
    (v["id"].as_str().unwrap().to_owned(), v["secret"].as_str().unwrap().to_owned())
}

fn verify(secret: &str, g: &Got) -> bool {
    let mut h = http::HeaderMap::new();
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        h.insert(name, g.headers.get(name).unwrap().to_str().unwrap().parse().unwrap());
    }
    standardwebhooks::Webhook::new(secret).unwrap().verify(&g.body, &h).is_ok()
}

async fn new_order(app: &TestApp, token: &str, number: &str) {
    let r = app.post(ACME, token, "/api/v1/orders", &order_payload(number, "C-1001")).await;
    assert_eq!(r.status(), 201, "order {number}");
}

#[tokio::test]
async fn internal_urls_and_bad_subscriptions_are_refused_by_name() {
    let app = spawn_app().await;
    let token = app.acme_token().await;
    let cases = [
        (json!({"url": "http://127.0.0.1:9/in", "event_types": ["*"]}), "loopback"),
        (json!({"url": "http://169.254.169.254/latest", "event_types": ["*"]}), "link-local"),
        (json!({"url": "http://10.1.2.3/", "event_types": ["*"]}), "private"),
        (json!({"url": "http://localhost:9/", "event_types": ["*"]}), "loopback"),
        (json!({"url": "ftp://hooks.example.com/", "event_types": ["*"]}), "https://"),
        (json!({"url": "https://u:p@hooks.example.com/", "event_types": ["*"]}), "password"),
        (json!({"url": "https://93.184.216.34/", "event_types": ["invoices.*"]}), "not an event type"),
        (json!({"url": "https://93.184.216.34/", "event_types": []}), "at least one"),
    ];
    for (body, want) in cases {
        let p = problem(app.post(ACME, &token, "/api/v1/webhooks/endpoints", &body).await, 422).await;
        assert!(p["detail"].as_str().unwrap().contains(want), "{body}: {p}");
    }
    let listed: Value = app.get(ACME, &token, "/api/v1/webhooks/endpoints").await.json().await.unwrap();
    assert_eq!(listed, json!([]), "nothing refused was stored");
    // A public address is accepted (nothing is sent to it here).
    let r = app.post(ACME, &token, "/api/v1/webhooks/endpoints", &json!({"url": "https://93.184.216.34/hooks", "event_types": ["invoice.*", "order.accepted"]})).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert!(v["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(v["event_types"], json!(["invoice.*", "order.accepted"]));
    let one: Value = app.get(ACME, &token, &format!("/api/v1/webhooks/endpoints/{}", v["id"].as_str().unwrap())).await.json().await.unwrap();
    assert!(one.get("secret").is_none(), "the secret is shown only on create and rotate");
}

#[tokio::test]
async fn deliveries_are_signed_so_that_standard_webhooks_verifiers_accept_them_through_a_rotation() {
    let app = loopback_app().await;
    let (rx, base) = receiver().await;
    let token = app.acme_token().await;
    let (id, secret) = endpoint(&app, &token, &format!("{base}/ok"), &["order.*"]).await;
    let (_, other_secret) = endpoint(&app, &token, &format!("{base}/invoices"), &["invoice.*"]).await;
    let _ = other_secret;
    new_order(&app, &token, "WH-1").await;
    let sender = Sender::new(app.config.webhook_allow.clone()).unwrap();
    let tenant = app.tenant(ACME).await.slug;
    assert_eq!(deliver_due(&app.db, &tenant, &sender, Utc::now()).await.unwrap(), 1, "only the order.* endpoint subscribed");
    let got = rx.got("ok");
    assert_eq!(got.len(), 1);
    assert!(verify(&secret, &got[0]), "the standardwebhooks crate accepts our signature");
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["type"], "order.accepted");
    assert_eq!(body["data"]["number"], "WH-1");
    assert!(rx.got("invoices").is_empty());
    // A tampered body fails verification.
    let mut bad = got[0].clone();
    bad.body = br#"{"type":"order.accepted","data":{"number":"WH-2"}}"#.to_vec();
    assert!(!verify(&secret, &bad));

    // Rotation: both secrets verify for the overlap.
    let r = app.post(ACME, &token, &format!("/api/v1/webhooks/endpoints/{id}/rotate"), &json!({})).await;
    assert_eq!(r.status(), 200);
    let new_secret = r.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    new_order(&app, &token, "WH-2").await;
    deliver_due(&app.db, &tenant, &sender, Utc::now()).await.unwrap();
    let got = rx.got("ok");
    assert_eq!(got.len(), 2);
    let sig = got[1].headers.get("webhook-signature").unwrap().to_str().unwrap();
    assert_eq!(sig.split(' ').count(), 2, "two signatures during the overlap: {sig}");
    assert!(verify(&new_secret, &got[1]) && verify(&secret, &got[1]));
    assert_ne!(got[0].headers.get("webhook-id"), got[1].headers.get("webhook-id"));
    // The attempt is recorded with the headers sent.
    let deliveries: Value = app.get(ACME, &token, &format!("/api/v1/webhooks/endpoints/{id}/deliveries")).await.json().await.unwrap();
    assert_eq!(deliveries.as_array().unwrap().len(), 2);
    assert_eq!(deliveries[0]["status"], "succeeded");
    let d = deliveries[0]["id"].as_str().unwrap();
    let attempts: Value = app.get(ACME, &token, &format!("/api/v1/webhooks/endpoints/{id}/deliveries/{d}/attempts")).await.json().await.unwrap();
    assert_eq!(attempts[0]["status"], 204);
    assert!(attempts[0]["request_headers"].as_str().unwrap().contains("webhook-signature: v1,"));
}

#[tokio::test]
async fn failures_retry_on_the_schedule_then_dead_letter_raise_an_exception_and_replay() {
    let app = loopback_app().await;
    let (rx, base) = receiver().await;
    let token = app.acme_token().await;
    let (id, _) = endpoint(&app, &token, &format!("{base}/flip"), &["order.*"]).await;
    let r = app.post(ACME, &token, &format!("/api/v1/webhooks/endpoints/{id}/test"), &json!({})).await;
    assert_eq!(r.status(), 202);
    let sender = Sender::new(app.config.webhook_allow.clone()).unwrap();
    let tenant = app.tenant(ACME).await.slug;
    let t0 = Utc::now();
    // Attempt 1 now; each later one only once its wait has passed.
    let waits = [0i64, 5, 300, 1800, 7200, 18000, 36000, 36000];
    let mut at = t0;
    for (i, w) in waits.iter().enumerate() {
        at += Duration::seconds(*w);
        if *w > 1 {
            assert_eq!(deliver_due(&app.db, &tenant, &sender, at - Duration::seconds(1)).await.unwrap(), 0, "attempt {} not before its time", i + 1);
        }
        assert_eq!(deliver_due(&app.db, &tenant, &sender, at).await.unwrap(), 1, "attempt {}", i + 1);
    }
    assert_eq!(deliver_due(&app.db, &tenant, &sender, at + Duration::days(2)).await.unwrap(), 0, "dead after 8 attempts");
    let got = rx.got("flip");
    assert_eq!(got.len(), 8);
    let ids: std::collections::HashSet<_> = got.iter().map(|g| g.headers.get("webhook-id").unwrap().clone()).collect();
    assert_eq!(ids.len(), 1, "the webhook-id is stable across retries");
    let deliveries: Value = app.get(ACME, &token, &format!("/api/v1/webhooks/endpoints/{id}/deliveries")).await.json().await.unwrap();
    assert_eq!(deliveries[0]["status"], "dead");
    assert_eq!(deliveries[0]["attempts"], 8);
    assert_eq!(deliveries[0]["last_error"], "HTTP 500");
    let exceptions: Value = app.get(ACME, &token, "/api/v1/exceptions?kind=endpoint").await.json().await.unwrap();
    assert!(exceptions.to_string().contains("not delivered after 8 attempts"), "{exceptions}");

    // The receiver is fixed; the admin replays what failed since t0.
    rx.flip.store(200, Ordering::SeqCst);
    let r = app.post(ACME, &token, &format!("/api/v1/webhooks/endpoints/{id}/replay"), &json!({"since": (t0 - Duration::minutes(1)).to_rfc3339()})).await;
    assert_eq!(r.status(), 202);
    assert_eq!(r.json::<Value>().await.unwrap()["replayed"], 1);
    assert_eq!(deliver_due(&app.db, &tenant, &sender, Utc::now()).await.unwrap(), 1);
    let deliveries: Value = app.get(ACME, &token, &format!("/api/v1/webhooks/endpoints/{id}/deliveries")).await.json().await.unwrap();
    assert_eq!(deliveries[0]["status"], "succeeded");
    assert_eq!(rx.got("flip").last().unwrap().headers.get("webhook-id"), got[0].headers.get("webhook-id"), "a replay keeps the webhook-id");
}

#[tokio::test]
async fn an_endpoint_failing_for_five_days_is_disabled_and_the_admin_told() {
    let app = loopback_app().await;
    let (_rx, base) = receiver().await;
    let token = app.acme_token().await;
    let (id, _) = endpoint(&app, &token, &format!("{base}/fail"), &["order.*"]).await;
    let sender = Sender::new(app.config.webhook_allow.clone()).unwrap();
    let tenant = app.tenant(ACME).await.slug;
    new_order(&app, &token, "WH-D1").await;
    let t0 = Utc::now();
    assert_eq!(deliver_due(&app.db, &tenant, &sender, t0).await.unwrap(), 1);
    let e: Value = app.get(ACME, &token, &format!("/api/v1/webhooks/endpoints/{id}")).await.json().await.unwrap();
    assert_eq!(e["enabled"], true);
    assert!(e["failing_since"].is_string());
    // Four days on it still fails but stays enabled; past five days it is disabled.
    deliver_due(&app.db, &tenant, &sender, t0 + Duration::days(4)).await.unwrap();
    assert_eq!(app.get(ACME, &token, &format!("/api/v1/webhooks/endpoints/{id}")).await.json::<Value>().await.unwrap()["enabled"], true);
    deliver_due(&app.db, &tenant, &sender, t0 + Duration::days(5) + Duration::minutes(1)).await.unwrap();
    let e: Value = app.get(ACME, &token, &format!("/api/v1/webhooks/endpoints/{id}")).await.json().await.unwrap();
    assert_eq!(e["enabled"], false);
    assert!(e["disabled_reason"].as_str().unwrap().contains("every delivery failed since"));
    let exceptions: Value = app.get(ACME, &token, "/api/v1/exceptions?kind=endpoint").await.json().await.unwrap();
    assert!(exceptions.to_string().contains("was disabled"), "{exceptions}");
    // A disabled endpoint is not sent new events; enabling it again clears the streak.
    new_order(&app, &token, "WH-D2").await;
    let deliveries: Value = app.get(ACME, &token, &format!("/api/v1/webhooks/endpoints/{id}/deliveries")).await.json().await.unwrap();
    assert_eq!(deliveries.as_array().unwrap().len(), 1);
    let r = put(&app, ACME, &token, &format!("/api/v1/webhooks/endpoints/{id}"), &json!({"url": format!("{base}/fail"), "event_types": ["order.*"], "enabled": true})).await;
    assert_eq!(r.status(), 200);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["enabled"], true);
    assert!(e["failing_since"].is_null() && e["disabled_reason"].is_null());
}

#[tokio::test]
async fn a_hanging_receiver_does_not_hold_up_another_endpoint() {
    let app = loopback_app().await;
    let (rx, base) = receiver().await;
    let token = app.acme_token().await;
    endpoint(&app, &token, &format!("{base}/hang"), &["order.*"]).await;
    endpoint(&app, &token, &format!("{base}/ok"), &["order.*"]).await;
    let runner = tokio::spawn(server::webhooks::run(app.db.clone(), Sender::new(app.config.webhook_allow.clone()).unwrap()));
    let started = std::time::Instant::now();
    for i in 0..40 {
        new_order(&app, &token, &format!("WH-H{i}")).await;
    }
    while rx.got("ok").len() < 40 && started.elapsed() < std::time::Duration::from_secs(12) {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let took = started.elapsed();
    runner.abort();
    assert_eq!(rx.got("ok").len(), 40, "all 40 reached the healthy endpoint");
    assert!(took < std::time::Duration::from_secs(12), "within {took:?}, while the other endpoint hangs for 15 s per request");
    assert!(rx.got("hang").is_empty(), "the hanging receiver answered nothing yet");
}

#[tokio::test]
async fn another_tenant_cannot_see_or_touch_an_endpoint() {
    let app = spawn_app().await;
    let (acme, bg) = (app.acme_token().await, app.bg_token().await);
    let r = app.post(ACME, &acme, "/api/v1/webhooks/endpoints", &json!({"url": "https://93.184.216.34/hooks", "event_types": ["*"]})).await;
    let id = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let listed: Value = app.get(BG, &bg, "/api/v1/webhooks/endpoints").await.json().await.unwrap();
    assert_eq!(listed, json!([]));
    for path in [format!("/api/v1/webhooks/endpoints/{id}"), format!("/api/v1/webhooks/endpoints/{id}/deliveries")] {
        problem(app.get(BG, &bg, &path).await, 404).await;
    }
    for path in [format!("/api/v1/webhooks/endpoints/{id}/rotate"), format!("/api/v1/webhooks/endpoints/{id}/test")] {
        problem(app.post(BG, &bg, &path, &json!({})).await, 404).await;
    }
    problem(app.post(BG, &bg, &format!("/api/v1/webhooks/endpoints/{id}/replay"), &json!({"since": "2026-01-01T00:00:00Z"})).await, 404).await;
    problem(put(&app, BG, &bg, &format!("/api/v1/webhooks/endpoints/{id}"), &json!({"url": "https://93.184.216.34/x", "event_types": ["*"]})).await, 404).await;
    // Acme's token does not work on bluegrass's host either.
    assert_eq!(app.get(BG, &acme, "/api/v1/webhooks/endpoints").await.status(), 401);
}

/// The first `…/deliveries/<id>/replay` form action on a page.
fn replay_action(html: &str) -> String {
    let at = html.find("/deliveries/").expect("a delivery's replay form");
    let start = html[..at].rfind("action=\"").unwrap() + 8;
    let end = at + html[at..].find('"').unwrap();
    html[start..end].to_owned()
}

#[tokio::test]
async fn an_admin_manages_an_endpoint_on_the_pages_and_others_are_refused() {
    let app = loopback_app().await;
    let (rx, base) = receiver().await;
    let b = signed_in(&app, ACME, "admin@acme.test").await;
    let (status, html) = page(&app, &b, ACME, "/workspace/admin/webhooks").await;
    assert_eq!(status, 200);
    assert!(html.contains("No endpoints yet"));
    let csrf = extract_csrf(&html);
    // A private address is refused with the reason, and nothing is stored.
    let r = post_form(&app, &b, ACME, "/workspace/admin/webhooks/new", &[("csrf", &csrf), ("url", "http://10.0.0.1/in"), ("event_types", "*"), ("enabled", "on")]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/workspace/admin/webhooks".to_owned()));
    let (_, html) = page(&app, &b, ACME, "/workspace/admin/webhooks").await;
    assert!(html.contains("Not saved:") && html.contains("private address"), "{html}");
    assert!(html.contains("No endpoints yet"));
    // Added: the secret is shown once.
    let url = format!("{base}/ok");
    let r = post_form(&app, &b, ACME, "/workspace/admin/webhooks/new", &[("csrf", &csrf), ("url", &url), ("description", "ERP"), ("event_types", "order.* invoice.*"), ("enabled", "on")]).await;
    let endpoint = location(&r);
    assert!(endpoint.starts_with("/workspace/admin/webhooks/"), "{endpoint}");
    let (_, html) = page(&app, &b, ACME, &endpoint).await;
    assert!(html.contains("data-testid=\"new-secret\"") && html.contains("whsec_"));
    let (_, html) = page(&app, &b, ACME, &endpoint).await;
    assert!(!html.contains("whsec_"), "shown once");
    assert!(html.contains("Nothing sent yet"));
    // A test event, sent and shown with its attempt.
    assert_eq!(post_form(&app, &b, ACME, &format!("{endpoint}/test"), &[("csrf", &csrf)]).await.status(), 303);
    let (_, html) = page(&app, &b, ACME, &endpoint).await;
    assert!(html.contains("Test event msg_") && html.contains("webhook.test"));
    let tenant = app.tenant(ACME).await.slug;
    let sender = Sender::new(app.config.webhook_allow.clone()).unwrap();
    deliver_due(&app.db, &tenant, &sender, Utc::now()).await.unwrap();
    let (_, html) = page(&app, &b, ACME, &endpoint).await;
    assert!(html.contains(">succeeded<") && html.contains("HTTP 204") && html.contains("webhook-signature: v1,"), "{html}");
    // Replayed from the page: the receiver gets it again with the same id.
    assert_eq!(post_form(&app, &b, ACME, &replay_action(&html), &[("csrf", &csrf)]).await.status(), 303);
    deliver_due(&app.db, &tenant, &sender, Utc::now()).await.unwrap();
    let got = rx.got("ok");
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].headers.get("webhook-id"), got[1].headers.get("webhook-id"));
    // Settings saved; a rotation shows the new secret once.
    let r = post_form(&app, &b, ACME, &format!("{endpoint}/settings"), &[("csrf", &csrf), ("url", &url), ("description", "ERP prod"), ("event_types", "*")]).await;
    assert_eq!(r.status(), 303);
    let (_, html) = page(&app, &b, ACME, &endpoint).await;
    assert!(html.contains("is disabled") && html.contains("ERP prod"), "an unticked box disables it");
    assert_eq!(post_form(&app, &b, ACME, &format!("{endpoint}/rotate"), &[("csrf", &csrf)]).await.status(), 303);
    let (_, html) = page(&app, &b, ACME, &endpoint).await;
    assert!(html.contains("Secret rotated") && html.contains("whsec_"));
    // Without the CSRF token: refused.
    assert_eq!(post_form(&app, &b, ACME, &format!("{endpoint}/test"), &[]).await.status(), 403);
    // A clerk may not see the pages; another tenant's admin finds no such endpoint.
    let clerk = signed_in(&app, ACME, "clerk@acme.test").await;
    assert_eq!(page(&app, &clerk, ACME, "/workspace/admin/webhooks").await.0, 403);
    let bg = signed_in(&app, BG, "admin@bluegrass.test").await;
    let (status, html) = page(&app, &bg, BG, &endpoint).await;
    assert_eq!(status, 404);
    assert!(html.contains("No such endpoint"));
    let (_, list) = page(&app, &bg, BG, "/workspace/admin/webhooks").await;
    assert!(!list.contains(&url));
    let bg_csrf = extract_csrf(&list);
    let r = post_form(&app, &bg, BG, &format!("{endpoint}/test"), &[("csrf", &bg_csrf)]).await;
    assert_eq!(location(&r), "/workspace/admin/webhooks");
    let (_, list) = page(&app, &bg, BG, "/workspace/admin/webhooks").await;
    assert!(list.contains("there is no such endpoint"));
    assert_eq!(rx.got("ok").len(), 2, "nothing more was sent");
}

#[tokio::test]
async fn events_ingested_in_batches_reach_an_endpoint_added_just_before() {
    let app = loopback_app().await;
    let (rx, base) = receiver().await;
    let token = app.acme_token().await;
    // Ingest once before any endpoint exists (the tenant's rules, cached, say "no webhooks").
    let first = json!([ev("wh-b0", "order.accepted", "2026-12-01T09:00:00Z", order_payload("WH-B0", "C-1001"))]);
    assert_eq!(app.post(ACME, &token, "/api/v1/events", &first).await.status(), 200);
    endpoint(&app, &token, &format!("{base}/ok"), &["order.accepted"]).await;
    let batch = json!([
        ev("wh-b1", "order.accepted", "2026-12-01T09:01:00Z", order_payload("WH-B1", "C-1001")),
        ev("wh-b2", "order.accepted", "2026-12-01T09:02:00Z", order_payload("WH-B2", "C-1001")),
    ]);
    assert_eq!(app.post(ACME, &token, "/api/v1/events", &batch).await.status(), 200);
    let tenant = app.tenant(ACME).await.slug;
    deliver_due(&app.db, &tenant, &Sender::new(app.config.webhook_allow.clone()).unwrap(), Utc::now()).await.unwrap();
    let mut numbers: Vec<String> = rx.got("ok").iter().map(|g| serde_json::from_slice::<Value>(&g.body).unwrap()["data"]["number"].as_str().unwrap().to_owned()).collect();
    numbers.sort();
    assert_eq!(numbers, ["WH-B1", "WH-B2"], "the endpoint hears what came after it, at once on this instance");
}

#[tokio::test]
async fn a_customers_own_endpoint_receives_its_invoices_and_nothing_else() {
    let app = loopback_app().await;
    let (rx, base) = receiver().await;
    let token = app.acme_token().await;
    let c = json!({"external_id": "C-HOOK", "name": "Hooked AP Ltd", "invoice_channels": ["webhook"]});
    assert!(app.post(ACME, &token, "/api/v1/customers", &c).await.status().is_success());
    let r = app.post(ACME, &token, "/api/v1/webhooks/endpoints", &json!({"url": format!("{base}/ap"), "event_types": ["*"], "customer": "C-NOPE"})).await;
    assert!(problem(r, 422).await["detail"].as_str().unwrap().contains("there is no customer \"C-NOPE\""));
    let r = app.post(ACME, &token, "/api/v1/webhooks/endpoints", &json!({"url": format!("{base}/ap"), "event_types": ["*"], "customer": "C-HOOK"})).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["customer"], "C-HOOK");
    let secret = v["secret"].as_str().unwrap().to_owned();
    let (_, _) = endpoint(&app, &token, &format!("{base}/erp"), &["*"]).await;
    let inv = |n: &str, customer: &str| json!({"number": n, "customer": customer, "currency": "USD", "issued_on": "2026-12-01", "lines": [{"line": 1, "sku": "BRG-6204", "quantity": 2, "unit_price_minor": 745}]});
    assert_eq!(app.post(ACME, &token, "/api/v1/invoices", &inv("INV-HOOK-1", "C-HOOK")).await.status(), 201);
    assert_eq!(app.post(ACME, &token, "/api/v1/invoices", &inv("INV-HOOK-2", "C-1001")).await.status(), 201);
    new_order(&app, &token, "WH-HOOK").await;
    let sender = Sender::new(app.config.webhook_allow.clone()).unwrap();
    let tenant = app.tenant(ACME).await.slug;
    deliver_due(&app.db, &tenant, &sender, Utc::now()).await.unwrap();
    let got = rx.got("ap");
    assert_eq!(got.len(), 1, "the customer's endpoint hears its own invoice only, no business events");
    assert!(verify(&secret, &got[0]));
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!((body["type"].as_str(), body["data"]["number"].as_str(), body["data"]["lines"][0]["sku"].as_str()), (Some("invoice.posted"), Some("INV-HOOK-1"), Some("BRG-6204")));
    let erp: Vec<String> = rx.got("erp").iter().map(|g| String::from_utf8_lossy(&g.body).into_owned()).collect();
    assert!(erp.iter().any(|b| b.contains("WH-HOOK")) && erp.iter().any(|b| b.contains("INV-HOOK-2")), "the tenant's endpoint hears the events");
    // The invoice's webhook delivery is sent, and `invoice.delivered` published (the tenant's
    // endpoint hears that too on the next round).
    let txn = app.db.tenant_txn(&tenant).await.unwrap();
    let id = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        domain::entity::invoice::Entity::find().filter(domain::entity::invoice::Column::Number.eq("INV-HOOK-1")).one(&txn).await.unwrap().unwrap().id
    };
    let d = domain::outbound::for_invoice(&txn, id).await.unwrap();
    txn.commit().await.unwrap();
    let hook = d.iter().find(|d| d.channel == "webhook").expect("a webhook delivery");
    assert_eq!((hook.status.as_str(), hook.plain()), ("sent", "Sent to your system by webhook".to_owned()));
    deliver_due(&app.db, &tenant, &sender, Utc::now()).await.unwrap();
    assert!(rx.got("erp").iter().any(|g| String::from_utf8_lossy(&g.body).contains("invoice.delivered")));
    // A customer with the channel but no endpoint: failed, saying why.
    let c = json!({"external_id": "C-HOOKLESS", "name": "No Hook Ltd", "invoice_channels": ["webhook"]});
    assert!(app.post(ACME, &token, "/api/v1/customers", &c).await.status().is_success());
    assert_eq!(app.post(ACME, &token, "/api/v1/invoices", &inv("INV-HOOK-3", "C-HOOKLESS")).await.status(), 201);
    let txn = app.db.tenant_txn(&tenant).await.unwrap();
    let id = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        domain::entity::invoice::Entity::find().filter(domain::entity::invoice::Column::Number.eq("INV-HOOK-3")).one(&txn).await.unwrap().unwrap().id
    };
    let d = domain::outbound::for_invoice(&txn, id).await.unwrap();
    txn.commit().await.unwrap();
    let hook = d.iter().find(|d| d.channel == "webhook").unwrap();
    assert_eq!((hook.status.as_str(), hook.detail.as_str()), ("failed", "No webhook endpoint is set up for this customer"));
    let r: Value = app.get(ACME, &token, "/api/v1/webhooks/endpoints").await.json().await.unwrap();
    assert_eq!(r.as_array().unwrap().iter().filter(|e| e["customer"] == "C-HOOK").count(), 1);
}

#[tokio::test]
async fn an_edi_customers_810_is_also_posted_to_its_trading_partners_url() {
    let app = loopback_app().await;
    let (rx, base) = receiver().await;
    let token = app.acme_token().await;
    let c = json!({"external_id": "C-EDI-URL", "name": "Posted EDI Inc", "invoice_channels": ["edi"]});
    assert!(app.post(ACME, &token, "/api/v1/customers", &c).await.status().is_success());
    let r = app.post(ACME, &token, "/api/v1/webhooks/endpoints", &json!({"url": format!("{base}/as2"), "event_types": ["edi.810"], "customer": "C-EDI-URL"})).await;
    assert_eq!(r.status(), 201);
    let secret = r.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned();
    let inv = json!({"number": "INV-EDI-URL-1", "customer": "C-EDI-URL", "currency": "USD", "issued_on": "2026-12-01", "lines": [{"line": 1, "sku": "BRG-6204", "quantity": 2, "unit_price_minor": 745}]});
    assert_eq!(app.post(ACME, &token, "/api/v1/invoices", &inv).await.status(), 201);
    server::workers::run_due(&app.db, &app.config, Utc::now()).await.unwrap();
    let sender = Sender::new(app.config.webhook_allow.clone()).unwrap();
    let tenant = app.tenant(ACME).await.slug;
    deliver_due(&app.db, &tenant, &sender, Utc::now()).await.unwrap();
    let got = rx.got("as2");
    assert_eq!(got.len(), 1, "the 810, and nothing else");
    assert_eq!(got[0].headers.get("content-type").unwrap(), "application/edi-x12");
    let doc = String::from_utf8(got[0].body.clone()).unwrap();
    assert!(doc.starts_with("ISA*") && doc.contains("ST*810*") && doc.contains("BIG*20261201*INV-EDI-URL-1"), "{doc}");
    assert!(verify(&secret, &got[0]), "signed like any webhook");
    // Still in the outbox for the gateway, and the 997 still decides `delivered`.
    let outbox: Value = app.get(ACME, &token, "/api/v1/edi/outbox?limit=500").await.json().await.unwrap();
    assert!(outbox.to_string().contains("INV-EDI-URL-1"));
    let txn = app.db.tenant_txn(&tenant).await.unwrap();
    let id = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        domain::entity::invoice::Entity::find().filter(domain::entity::invoice::Column::Number.eq("INV-EDI-URL-1")).one(&txn).await.unwrap().unwrap().id
    };
    let d = domain::outbound::for_invoice(&txn, id).await.unwrap();
    txn.commit().await.unwrap();
    let edi = d.iter().find(|d| d.channel == "edi").unwrap();
    assert_eq!(edi.status, "sent");
    assert!(edi.detail.contains("taken by the trading partner's URL"), "{}", edi.detail);
}
