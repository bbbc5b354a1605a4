//! The hardening items, each through HTTP (or the CLI) against the real database: demo mode,
//! partner scoping, checked dates, sign-in and token limits under concurrency, session scope
//! and lifetime, documents, event sources, idempotency, fair share, HTTPS cookies, API tokens
//! and the cross-tenant matrix of the API.

use crate::common::*;
use domain::seed::{self, DEMO_API_SECRET, NewTenant};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

fn cli(app: &TestApp) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_throughline"));
    cmd.env("THROUGHLINE_LOG", "warn");
    match &app.db_url {
        Some(url) => cmd.env("DATABASE_URL", url),
        None => cmd.env_remove("DATABASE_URL").env("THROUGHLINE_DATA_DIR", &app.config.data_dir),
    };
    cmd
}

fn run_with_stdin(mut cmd: std::process::Command, stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = cmd.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn without_demo_mode_the_platform_is_empty_and_create_partner_makes_the_first_admin() {
    let app = spawn_app_with(|c| c.demo = false).await;
    assert!(seed::platform_is_empty(&app.db).await.unwrap());
    let b = app.browser();
    assert_eq!(app.login(&b, "localhost", "partner@northwind.test", PW).await.status(), 401, "no demo partner");
    assert_eq!(b.get(app.url(ACME, "/login")).send().await.unwrap().status(), 404, "no demo tenant");

    // Password from standard input.
    let mut cmd = cli(&app);
    cmd.args(["create-partner", "--name", "First MSP", "--admin-email", "Owner@First.test"]);
    let out = run_with_stdin(cmd, "a-long-enough-secret\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("a-long-enough-secret"), "a given password is not echoed");
    let r = app.login(&app.browser(), "localhost", "owner@first.test", "a-long-enough-secret").await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/partner".into()));

    // Generated and printed once when nothing is piped in.
    let mut cmd = cli(&app);
    cmd.args(["create-partner", "--name", "Second MSP", "--admin-email", "two@second.test"]);
    let out = run_with_stdin(cmd, "");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let password = stdout.lines().find_map(|l| l.strip_prefix("password (shown once): ")).expect("the generated password is printed").to_owned();
    assert_eq!(app.login(&app.browser(), "localhost", "two@second.test", &password).await.status(), 303);

    // Clear errors: a short password, a taken e-mail.
    let mut cmd = cli(&app);
    cmd.args(["create-partner", "--name", "Third", "--admin-email", "three@third.test"]);
    let out = run_with_stdin(cmd, "short\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12 characters"));
    let mut cmd = cli(&app);
    cmd.args(["create-partner", "--name", "Again", "--admin-email", "owner@first.test"]);
    let out = run_with_stdin(cmd, "a-long-enough-secret\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("already has a platform account"));
}

#[tokio::test]
async fn a_partner_sees_only_its_own_tenants() {
    let app = spawn_app().await;
    let other = seed::create_partner_with_admin(&app.db, "Other MSP", "boss@other.test", "Olga", "other-partner-pw").await.unwrap();
    seed::create_tenant(&app.db, other, NewTenant { slug: "zenith", name: "Zenith Wholesale", product_name: "Zenith Hub", primary_color: "#7c3aed", logo_svg: String::new(), address: "", remit_to: "" })
        .await
        .unwrap();
    let page = |email: &'static str, pw: &'static str| {
        let app = &app;
        async move {
            let b = app.browser();
            assert_eq!(app.login(&b, "localhost", email, pw).await.status(), 303);
            b.get(app.url("localhost", "/partner")).send().await.unwrap().text().await.unwrap()
        }
    };
    let northwind = page("partner@northwind.test", PW).await;
    assert!(northwind.contains("Acme Industrial Supply") && northwind.contains("Bluegrass Foodservice"));
    assert!(!northwind.contains("Zenith"), "another partner's tenant is not listed");
    let other = page("boss@other.test", "other-partner-pw").await;
    assert!(other.contains("Zenith Wholesale"));
    assert!(!other.contains("Acme Industrial Supply") && !other.contains("Bluegrass Foodservice"));
}

#[tokio::test]
async fn far_future_dates_are_refused_naming_the_field_in_the_api_in_events_and_in_parked_events() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let invoice = |number: &str, order: &str, issued_on: &str| {
        let mut v = json!({"number": number, "customer": "C-1001", "currency": "USD", "issued_on": issued_on,
               "lines": [{"line": 1, "sku": "A", "quantity": 1, "unit_price_minor": 100}]});
        if !order.is_empty() {
            v["order_number"] = json!(order);
        }
        v
    };
    let v = problem(app.post(ACME, &t, "/api/v1/invoices", &invoice("FF-1", "", "+262142-12-31")).await, 422).await;
    assert!(v.to_string().contains("issued_on"), "{v}");
    let r = app.post(ACME, &t, "/api/v1/events", &ev("ff-1", "invoice.posted", "2026-03-01T09:00:00Z", invoice("FF-2", "", "9999-12-31"))).await;
    let v = problem(r, 422).await;
    assert!(v.to_string().contains("issued_on"), "{v}");
    // Parked: the invoice waits for its order, which arrives later; applying it then is a
    // refusal recorded for people, not a crash.
    let r = app.post(ACME, &t, "/api/v1/events", &ev("ff-3", "invoice.posted", "2026-03-02T09:00:00Z", invoice("FF-3", "FF-SO-1", "+262142-12-31"))).await;
    assert_eq!(r.status(), 200, "parked");
    let r = app.post(ACME, &t, "/api/v1/events", &ev("ff-4", "order.accepted", "2026-03-01T09:00:00Z", order_payload("FF-SO-1", "C-1001"))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.get(ACME, &t, "/api/v1/invoices/FF-3").await.status(), 404);
    assert_eq!(app.get(ACME, &t, "/api/v1/orders/FF-SO-1").await.status(), 200, "the server still answers");
}

#[tokio::test]
async fn parallel_wrong_passwords_cannot_race_past_the_limit_and_do_not_lock_out_the_real_user() {
    let app = spawn_app_with(|c| c.trust_proxy = true).await;
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let (b, url) = (app.browser(), app.url(ACME, "/login"));
        let csrf = app.csrf(&b, ACME).await;
        tasks.push(tokio::spawn(async move {
            let form = [("email", "clerk@acme.test"), ("password", "wrong"), ("csrf", csrf.as_str())];
            b.post(url).header("x-forwarded-for", "203.0.113.9").form(&form).send().await.unwrap().status().as_u16()
        }));
    }
    let mut counts = std::collections::BTreeMap::new();
    for t in tasks {
        *counts.entry(t.await.unwrap()).or_insert(0) += 1;
    }
    assert!(counts.get(&401).copied().unwrap_or(0) <= app.config.login_per_account_address as usize, "{counts:?}");
    assert_eq!(counts.get(&429).copied().unwrap_or(0) + counts.get(&401).copied().unwrap_or(0) + counts.get(&503).copied().unwrap_or(0), 40, "{counts:?}");
    // The attacker's address is locked out of the account…
    let b = app.browser();
    let csrf = app.csrf(&b, ACME).await;
    let form = [("email", "clerk@acme.test"), ("password", PW), ("csrf", csrf.as_str())];
    let r = b.post(app.url(ACME, "/login")).header("x-forwarded-for", "203.0.113.9").form(&form).send().await.unwrap();
    assert_eq!(r.status(), 429);
    // …the real user elsewhere is not; a client-chosen leftmost address changes nothing.
    let r = b.post(app.url(ACME, "/login")).header("x-forwarded-for", "203.0.113.9, 198.51.100.7").form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303, "from 198.51.100.7 (the proxy's entry) the clerk signs in");
}

#[tokio::test]
async fn the_token_endpoint_is_rate_limited_per_client() {
    let app = spawn_app_with(|c| c.token_per_client = 3).await;
    let ask = || app.browser().post(app.url(ACME, "/api/v1/oauth/token")).basic_auth("acme-erp", Some("wrong")).form(&[("grant_type", "client_credentials")]).send();
    for _ in 0..3 {
        assert_eq!(ask().await.unwrap().status(), 401);
    }
    let r = ask().await.unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    // Another client of the same tenant is not affected.
    let r = app.browser().post(app.url(ACME, "/api/v1/oauth/token")).basic_auth("other", Some("x")).form(&[("grant_type", "client_credentials")]).send().await.unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn a_session_of_one_tenant_is_no_session_on_another_whatever_the_cookie_spelling() {
    let app = spawn_app().await;
    let cookie = app.signed_in_cookie(ACME, "clerk@acme.test").await;
    let (name, id) = cookie.split_once('=').unwrap();
    let encoded: String = id.chars().map(|c| format!("%{:02X}", c as u32)).collect();
    let spellings = [
        cookie.clone(),
        format!("{name}={encoded}"),
        format!("x=1;   {name}={id}  ; y=2"),
        format!("{name}=bogus; {name}={id}"),
        format!("{name}=\"{id}\""),
    ];
    for c in &spellings {
        let r = app.raw_client().get(app.url(BG, "/workspace")).header("cookie", c).send().await.unwrap();
        assert_eq!(location(&r), "/login", "{c}: bluegrass does not know acme's session");
    }
    let r = app.raw_client().get(app.url(ACME, "/workspace")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(r.status(), 200, "and the acme session survived every attempt");
}

#[tokio::test]
async fn anonymous_visits_store_no_session_and_sessions_end_when_their_time_is_up() {
    use domain::entity::session;
    let app = spawn_app().await;
    let count = || async { session::Entity::find().count(app.db.platform()).await.unwrap() };
    for _ in 0..3 {
        let r = app.raw_client().get(app.url(ACME, "/login")).send().await.unwrap();
        assert_eq!(r.status(), 200);
    }
    assert_eq!(count().await, 0, "no row for looking at the sign-in page");
    let cookie = app.signed_in_cookie(ACME, "clerk@acme.test").await;
    assert_eq!(count().await, 1);
    let id = cookie.split_once('=').unwrap().1.to_owned();
    let workspace = || app.raw_client().get(app.url(ACME, "/workspace")).header("cookie", &cookie).send();
    assert_eq!(workspace().await.unwrap().status(), 200);
    // Past the absolute lifetime (signed in 13 hours ago), however recently active.
    let row = session::Entity::find_by_id(id.clone()).one(app.db.platform()).await.unwrap().unwrap();
    // The record's id is an i128 that a JSON value cannot hold: edit the text.
    let at = row.data.find("\"since\":").expect("since is recorded") + "\"since\":".len();
    let digits = row.data[at..].find(|c: char| !c.is_ascii_digit()).unwrap();
    let data = format!("{}{}{}", &row.data[..at], chrono::Utc::now().timestamp() - 13 * 3600, &row.data[at + digits..]);
    let mut am: session::ActiveModel = row.into();
    am.data = sea_orm::Set(data);
    sea_orm::ActiveModelTrait::update(am, app.db.platform()).await.unwrap();
    let stored = session::Entity::find_by_id(id.clone()).one(app.db.platform()).await.unwrap().unwrap();
    serde_json::from_str::<tower_sessions::session::Record>(&stored.data).unwrap_or_else(|e| panic!("{e}: {}", stored.data));
    assert_eq!(location(&workspace().await.unwrap()), "/login");
    assert!(session::Entity::find_by_id(id).one(app.db.platform()).await.unwrap().is_none(), "the session is gone");
}

#[tokio::test]
async fn a_request_still_running_cannot_bring_back_a_signed_out_session() {
    use tower_sessions::SessionStore;
    let app = spawn_app().await;
    let cookie = app.signed_in_cookie(ACME, "clerk@acme.test").await;
    let id: tower_sessions::session::Id = cookie.split_once('=').unwrap().1.parse().unwrap();
    let scope = app.scope(ACME).await;
    let store = domain::session_store::SqlSessionStore::new(app.db.clone()).scoped(scope.key());
    // A slow request loaded the session…
    let mut record = store.load(&id).await.unwrap().expect("loaded");
    // …the user signs out meanwhile…
    store.delete(&id).await.unwrap();
    // …and the slow request saves what it changed.
    record.data.insert("notice".into(), json!("late"));
    store.save(&record).await.unwrap();
    assert!(store.load(&id).await.unwrap().is_none(), "the session stays signed out");
    let r = app.raw_client().get(app.url(ACME, "/workspace")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(location(&r), "/login");
}

#[tokio::test]
async fn documents_are_judged_by_content_and_served_as_sandboxed_private_attachments() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    app.post(ACME, &t, "/api/v1/events", &json!([
        ev("dc1", "order.accepted", "2026-03-01T09:00:00Z", order_payload("DC-1", "C-1001")),
        ev("dc2", "shipment.dispatched", "2026-03-02T09:00:00Z", json!({"number": "DC-1-S1", "order_number": "DC-1", "lines": [{"line": 1, "quantity": 10}]})),
    ])).await;
    let upload = |bytes: &[u8], declared: &str, name: &str| {
        let part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()).mime_str(declared).unwrap();
        app.browser().post(app.url(ACME, "/api/v1/shipments/DC-1-S1/documents")).bearer_auth(&t).multipart(reqwest::multipart::Form::new().part("file", part)).send()
    };
    // An executable declared as a PDF is refused.
    let v = problem(upload(b"MZ\x90\0 not a pdf", "application/pdf", "pod.pdf").await.unwrap(), 422).await;
    assert!(v["detail"].as_str().unwrap().contains("PDF, PNG, JPEG or TIFF"), "{v}");
    // A PNG declared as a PDF is stored as what it is.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let r = upload(&png, "application/pdf", "Lieferschein Müller.png").await.unwrap();
    assert_eq!(r.status(), 201);
    let d: Value = r.json().await.unwrap();
    let r = app.get(ACME, &t, &format!("/api/v1/documents/{}", d["id"].as_str().unwrap())).await;
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(h["content-disposition"], "attachment; filename=\"Lieferschein M_ller.png\"; filename*=UTF-8''Lieferschein%20M%C3%BCller.png");
    assert_eq!(h["content-security-policy"], "sandbox");
    assert_eq!(h["cache-control"], "private, no-store");
    // Signed-in pages are private too.
    let cookie = app.signed_in_cookie(ACME, "clerk@acme.test").await;
    let r = app.raw_client().get(app.url(ACME, "/workspace")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(r.headers()["cache-control"], "private, no-store");
}

#[tokio::test]
async fn an_api_client_writes_events_only_under_its_own_sources() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let mut e = ev("src-1", "order.accepted", "2026-03-01T09:00:00Z", order_payload("SRC-1", "C-1001"));
    e["source"] = json!("bluegrass-wms");
    let v = problem(app.post(ACME, &t, "/api/v1/events", &e).await, 422).await;
    assert!(v.to_string().contains("source") && v.to_string().contains("erp"), "{v}");
    e["source"] = json!("erp");
    assert_eq!(app.post(ACME, &t, "/api/v1/events", &e).await.status(), 200);
    // A new client writes under its own name only.
    let acme = app.tenant(ACME).await;
    let (_, secret) = domain::api_clients::create(&app.db, &acme, "scanner", &["write".into()], "").await.unwrap();
    let t2 = app.token_for(ACME, "scanner", &secret).await;
    let mut e2 = ev("src-2", "order.accepted", "2026-03-01T09:00:00Z", order_payload("SRC-2", "C-1001"));
    problem(app.post(ACME, &t2, "/api/v1/events", &e2).await, 422).await;
    e2["source"] = json!("scanner");
    assert_eq!(app.post(ACME, &t2, "/api/v1/events", &e2).await.status(), 200);
}

#[tokio::test]
async fn idempotency_commits_once_replays_multipart_by_parts_and_not_to_a_disabled_client() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    // Racing copies of one keyed request: one write, never a 500.
    let body = json!({"external_id": "RACE-1", "name": "Race Co"});
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (b, url, t, body) = (app.browser(), app.url(ACME, "/api/v1/customers"), t.clone(), body.clone());
        tasks.push(tokio::spawn(async move { b.post(url).bearer_auth(t).header("idempotency-key", "race").json(&body).send().await.unwrap().status().as_u16() }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert!(statuses.iter().all(|s| [201, 409].contains(s)), "{statuses:?}");
    assert!(statuses.contains(&201));
    assert_eq!(app.post_keyed(ACME, &t, "/api/v1/customers", &body, "race").await.status(), 201, "replayed");
    // A multipart retry with a fresh boundary is the same request.
    app.post(ACME, &t, "/api/v1/events", &json!([
        ev("ik1", "order.accepted", "2026-03-01T09:00:00Z", order_payload("IK-1", "C-1001")),
        ev("ik2", "shipment.dispatched", "2026-03-02T09:00:00Z", json!({"number": "IK-1-S1", "order_number": "IK-1", "lines": [{"line": 1, "quantity": 10}]})),
    ])).await;
    let send = || {
        let part = reqwest::multipart::Part::bytes(b"%PDF-1.4 pod".to_vec()).file_name("pod.pdf").mime_str("application/pdf").unwrap();
        app.browser().post(app.url(ACME, "/api/v1/shipments/IK-1-S1/documents")).bearer_auth(&t).header("idempotency-key", "pod-1").multipart(reqwest::multipart::Form::new().part("file", part)).send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    let again = send().await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    // A disabled client's replay is a 401, not the stored answer.
    let acme = app.tenant(ACME).await;
    let id = {
        let txn = app.db.tenant_txn(&acme.slug).await.unwrap();
        let c = domain::entity::api_client::Entity::find().filter(domain::entity::api_client::Column::Name.eq("acme-erp")).one(&txn).await.unwrap().unwrap();
        txn.commit().await.unwrap();
        c.id
    };
    domain::api_clients::set_disabled(&app.db, &acme, id, true).await.unwrap();
    problem(app.post_keyed(ACME, &t, "/api/v1/customers", &body, "race").await, 401).await;
}

#[tokio::test]
async fn an_api_client_past_its_rate_gets_429_with_retry_after_and_ratelimit_headers() {
    let app = spawn_app_with(|c| c.api_rate_per_client = 3).await;
    let t = app.acme_token().await;
    let mut last = None;
    for _ in 0..6 {
        last = Some(app.get(ACME, &t, "/api/v1/orders?limit=1").await);
        if last.as_ref().unwrap().status() == 429 {
            break;
        }
    }
    let r = last.unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(r.headers()["ratelimit-limit"], "3");
    assert_eq!(r.headers()["ratelimit-remaining"], "0");
    // Another tenant's client is unaffected.
    let bg = app.bg_token().await;
    assert_eq!(app.get(BG, &bg, "/api/v1/orders?limit=1").await.status(), 200);
}

#[tokio::test]
async fn under_https_cookies_carry_the_host_prefix_and_secure() {
    let app = spawn_app_with(|c| c.https = true).await;
    let r = app.raw_client().get(app.url(ACME, "/login")).send().await.unwrap();
    let csrf_cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(csrf_cookie.starts_with("__Host-tl_csrf=") && csrf_cookie.contains("Secure") && csrf_cookie.contains("Path=/"), "{csrf_cookie}");
    assert!(r.headers().contains_key("strict-transport-security"));
    let c0 = csrf_cookie.split(';').next().unwrap().to_owned();
    let csrf = extract_csrf(&r.text().await.unwrap());
    let r = app.raw_client().post(app.url(ACME, "/login")).header("cookie", &c0).form(&[("email", "clerk@acme.test"), ("password", PW), ("csrf", &csrf)]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let session = r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).find(|c| c.contains("tl_session")).expect("a session cookie");
    assert!(session.starts_with("__Host-tl_session=") && session.contains("Secure") && session.contains("HttpOnly"), "{session}");
}

#[tokio::test]
async fn a_sign_in_form_without_the_matching_cookie_is_refused() {
    let app = spawn_app().await;
    let r = app.raw_client().get(app.url(ACME, "/login")).send().await.unwrap();
    let csrf = extract_csrf(&r.text().await.unwrap());
    // The token alone, without its cookie (a cross-site form can't set it).
    let r = app.raw_client().post(app.url(ACME, "/login")).form(&[("email", "clerk@acme.test"), ("password", PW), ("csrf", &csrf)]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    // A cookie and token minted for another tenant.
    let r = app.raw_client().get(app.url(BG, "/login")).send().await.unwrap();
    let bg_cookie = first_cookie(&r);
    let bg_csrf = extract_csrf(&r.text().await.unwrap());
    let r = app.raw_client().post(app.url(ACME, "/login")).header("cookie", &bg_cookie).form(&[("email", "clerk@acme.test"), ("password", PW), ("csrf", &bg_csrf)]).send().await.unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn instances_starting_together_on_one_postgresql_migrate_once_without_errors() {
    // PostgreSQL only: the embedded SQLite layout serves a single instance.
    let Some(url) = fresh_database().await else { return };
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let db = domain::Db::postgres(&url, 2).await.unwrap();
                seed::migrate_all(&db).await.map(|_| ())
            })
        })
        .collect();
    for s in starts {
        s.await.unwrap().expect("every instance starts");
    }
}

#[tokio::test]
async fn a_tenant_admin_registers_the_event_sources_of_an_api_client() {
    let app = spawn_app().await;
    let b = app.browser();
    app.login(&b, ACME, "admin@acme.test", PW).await;
    let html = b.get(app.url(ACME, "/workspace/admin")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("erp wms tms carrier"), "the demo client's sources are shown");
    let csrf = extract_csrf(&html);
    let form = [("csrf", csrf.as_str()), ("name", "scan"), ("write", "on"), ("sources", "dock-1, dock-2 dock-1")];
    assert_eq!(location(&b.post(app.url(ACME, "/workspace/admin/api-clients")).form(&form).send().await.unwrap()), "/workspace/admin");
    let acme = app.tenant(ACME).await;
    let scan = list_clients(&app, &acme).await.into_iter().find(|c| c.name == "scan").expect("created");
    assert_eq!(scan.sources, "dock-1 dock-2");
    let url = app.url(ACME, &format!("/workspace/admin/api-clients/{}/sources", scan.id));
    b.post(&url).form(&[("csrf", csrf.as_str()), ("sources", "bad source!")]).send().await.unwrap();
    let html = b.get(app.url(ACME, "/workspace/admin")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Not saved") && html.contains("source!"), "a clear refusal");
    b.post(&url).form(&[("csrf", csrf.as_str()), ("sources", "")]).send().await.unwrap();
    let scan = list_clients(&app, &acme).await.into_iter().find(|c| c.name == "scan").unwrap();
    assert_eq!(scan.sources, "", "empty: its own name");
    // Without the CSRF token nothing changes.
    b.post(&url).form(&[("sources", "x")]).send().await.unwrap();
    let scan = list_clients(&app, &acme).await.into_iter().find(|c| c.name == "scan").unwrap();
    assert_eq!(scan.sources, "");
}

async fn list_clients(app: &TestApp, t: &domain::tenancy::TenantInfo) -> Vec<domain::entity::api_client::Model> {
    let txn = app.db.tenant_txn(&t.slug).await.unwrap();
    let all = domain::api_clients::list(&txn).await.unwrap();
    txn.commit().await.unwrap();
    all
}

#[tokio::test]
async fn another_tenants_admin_cannot_touch_this_tenants_api_clients_or_users() {
    let app = spawn_app().await;
    let acme = app.tenant(ACME).await;
    let erp = list_clients(&app, &acme).await.into_iter().find(|c| c.name == "acme-erp").unwrap();
    let b = app.browser();
    app.login(&b, BG, "admin@bluegrass.test", PW).await;
    let csrf = extract_csrf(&b.get(app.url(BG, "/workspace/admin")).send().await.unwrap().text().await.unwrap());
    // Acme's client id on bluegrass's host is no client at all.
    for action in ["sources", "disable"] {
        let url = app.url(BG, &format!("/workspace/admin/api-clients/{}/{action}", erp.id));
        b.post(&url).form(&[("csrf", csrf.as_str()), ("sources", "stolen")]).send().await.unwrap();
        let html = b.get(app.url(BG, "/workspace/admin")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("No such API client."), "{action}");
    }
    // A bluegrass admin's form cannot disable an acme user either.
    b.post(app.url(BG, "/workspace/admin/users/disable")).form(&[("csrf", csrf.as_str()), ("email", "clerk@acme.test")]).send().await.unwrap();
    let after = list_clients(&app, &acme).await.into_iter().find(|c| c.name == "acme-erp").unwrap();
    assert_eq!((after.sources.as_str(), after.disabled), (erp.sources.as_str(), false), "acme's client is untouched");
    assert_eq!(app.login(&app.browser(), ACME, "clerk@acme.test", PW).await.status(), 303, "acme's clerk still signs in");
    // And the bluegrass session is no session on acme's host.
    let r = b.get(app.url(ACME, "/workspace/admin")).send().await.unwrap();
    assert_eq!(location(&r), "/login");
}

#[tokio::test]
async fn the_token_endpoint_takes_basic_or_form_credentials_and_refuses_wrong_ones() {
    let app = spawn_app().await;
    let c = app.browser();
    let url = app.url(ACME, "/api/v1/oauth/token");
    let r = c.post(&url).form(&[("grant_type", "client_credentials"), ("client_id", "acme-erp"), ("client_secret", DEMO_API_SECRET)]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 900);
    assert_eq!(v["scope"], "read write");
    let r = c.post(&url).basic_auth("acme-erp", Some("wrong")).form(&[("grant_type", "client_credentials")]).send().await.unwrap();
    assert_eq!(problem(r, 401).await["error"], "invalid_client");
    let r = c.post(&url).basic_auth("nobody", Some(DEMO_API_SECRET)).form(&[("grant_type", "client_credentials")]).send().await.unwrap();
    assert_eq!(problem(r, 401).await["error"], "invalid_client");
    let r = c.post(&url).basic_auth("acme-erp", Some(DEMO_API_SECRET)).form(&[("grant_type", "password")]).send().await.unwrap();
    assert_eq!(problem(r, 400).await["error"], "unsupported_grant_type");
    // The acme client does not exist at bluegrass.
    let r = c.post(app.url(BG, "/api/v1/oauth/token")).basic_auth("acme-erp", Some(DEMO_API_SECRET)).form(&[("grant_type", "client_credentials")]).send().await.unwrap();
    assert_eq!(problem(r, 401).await["error"], "invalid_client");
}

#[tokio::test]
async fn tokens_of_another_tenant_expired_tampered_missing_or_short_of_scope_are_refused() {
    let app = spawn_app().await;
    let bg = app.bg_token().await;
    let v = problem(app.get(ACME, &bg, "/api/v1/orders").await, 401).await;
    assert!(v["detail"].as_str().unwrap().contains("another tenant"), "{v}");
    let r = app.browser().get(app.url(ACME, "/api/v1/orders")).send().await.unwrap();
    assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    problem(r, 401).await;
    let good = app.acme_token().await;
    let mut tampered = good.clone();
    let mid = tampered.len() / 2;
    tampered.replace_range(mid..mid + 1, if &good[mid..mid + 1] == "A" { "B" } else { "A" });
    let v = problem(app.get(ACME, &tampered, "/api/v1/orders").await, 401).await;
    assert!(v["detail"].as_str().unwrap().contains("not valid"), "{v}");
    // An expired token signed with the real key.
    let secret = domain::api_clients::signing_secret(&app.db, None).await.unwrap();
    let keys = domain::api_clients::TokenKeys::new(&secret);
    let acme = app.tenant(ACME).await;
    let txn = app.db.tenant_txn(&acme.slug).await.unwrap();
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let client = domain::entity::api_client::Entity::find().filter(domain::entity::api_client::Column::Name.eq("acme-erp")).one(&txn).await.unwrap().unwrap();
    txn.commit().await.unwrap();
    let (expired, _) = keys.issue(&acme, &client, -2).unwrap();
    let v = problem(app.get(ACME, &expired, "/api/v1/orders").await, 401).await;
    assert!(v["detail"].as_str().unwrap().contains("expired"), "{v}");
    // A read-only client may read but not write.
    let (_, ro_secret) = domain::api_clients::create(&app.db, &acme, "reporting", &["read".into()], "").await.unwrap();
    let ro = app.token_for(ACME, "reporting", &ro_secret).await;
    assert_eq!(app.get(ACME, &ro, "/api/v1/orders").await.status(), 200);
    let v = problem(app.post(ACME, &ro, "/api/v1/events", &ev("x", "order.released", "2026-01-01T00:00:00Z", json!({"order_number": "SO-100001"}))).await, 403).await;
    assert!(v["detail"].as_str().unwrap().contains("write scope"), "{v}");
    // A disabled client's tokens stop working at once.
    domain::api_clients::set_disabled(&app.db, &acme, client.id, true).await.unwrap();
    let v = problem(app.get(ACME, &good, "/api/v1/orders").await, 401).await;
    assert!(v["detail"].as_str().unwrap().contains("disabled"), "{v}");
    let r = app.post(ACME, &good, "/api/v1/events", &ev("while-disabled", "order.accepted", "2026-01-01T00:00:00Z", order_payload("SO-DISABLED", "C-1001"))).await;
    assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer error=\"invalid_token\""));
    problem(r, 401).await;
    domain::api_clients::set_disabled(&app.db, &acme, client.id, false).await.unwrap();
    assert_eq!(app.get(ACME, &good, "/api/v1/orders/SO-DISABLED").await.status(), 404, "nothing was written while disabled");
}

/// Every endpoint × the other tenant's token × the other tenant's object ids: 401 or 404,
/// never data.
#[tokio::test]
async fn the_cross_tenant_matrix_answers_401_or_404_never_data() {
    let app = spawn_app().await;
    let acme = app.acme_token().await;
    let bg = app.bg_token().await;
    app.post(ACME, &acme, "/api/v1/events", &json!([
        ev("x1", "order.accepted", "2026-03-01T09:00:00Z", order_payload("XT-1", "C-1001")),
        ev("x2", "shipment.dispatched", "2026-03-02T09:00:00Z", json!({"number": "XT-1-S1", "order_number": "XT-1", "lines": [{"line": 1, "quantity": 10}]})),
        ev("x3", "invoice.posted", "2026-03-03T09:00:00Z", json!({"number": "XT-I-1", "order_number": "XT-1", "customer": "C-1001", "currency": "USD", "issued_on": "2026-03-03", "lines": [{"line": 1, "sku": "A", "quantity": 1, "unit_price_minor": 100}]})),
        ev("x4", "payment.received", "2026-03-04T09:00:00Z", json!({"number": "XT-P-1", "customer": "C-1001", "currency": "USD", "amount_minor": 100, "received_on": "2026-03-04"})),
    ])).await;
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(b"%PDF-1.4".to_vec()).file_name("p.pdf").mime_str("application/pdf").unwrap());
    let doc: Value = app.browser().post(app.url(ACME, "/api/v1/shipments/XT-1-S1/documents")).bearer_auth(&acme).multipart(form).send().await.unwrap().json().await.unwrap();
    let doc_id = doc["id"].as_str().unwrap();
    let reads = [
        "/api/v1/orders/XT-1".to_owned(),
        "/api/v1/shipments/XT-1-S1".into(),
        "/api/v1/invoices/XT-I-1".into(),
        "/api/v1/invoices/XT-I-1/edi810".into(),
        "/api/v1/payments/XT-P-1".into(),
        "/api/v1/customers/C-1001".into(),
        format!("/api/v1/documents/{doc_id}"),
    ];
    for path in &reads {
        // Acme's own token reads it (so the ids are real)…
        assert_eq!(app.get(ACME, &acme, path).await.status(), 200, "{path}");
        // …bluegrass's token is refused on acme's host…
        problem(app.get(ACME, &bg, path).await, 401).await;
        // …and on bluegrass's own host the acme ids do not exist.
        problem(app.get(BG, &bg, path).await, 404).await;
    }
    // Lists on bluegrass never contain acme's objects.
    let v: Value = app.get(BG, &bg, "/api/v1/orders?limit=200").await.json().await.unwrap();
    assert!(v["items"].as_array().unwrap().iter().all(|o| o["number"] != "XT-1" && o["customer"] != "C-1001"), "{v}");
    assert_eq!(app.get(BG, &bg, "/api/v1/orders?customer=C-1001").await.json::<Value>().await.unwrap()["items"].as_array().unwrap().len(), 0);
    let x: Value = app.get(BG, &bg, "/api/v1/exceptions?status=all&limit=500").await.json().await.unwrap();
    let acme_customers = |c: &Value| c.as_str().is_some_and(|c| c.starts_with("C-"));
    assert!(x["items"].as_array().unwrap().iter().all(|e| !acme_customers(&e["customer"]) && e["order_number"] != "XT-1"), "{x}");
    // Writes with the other tenant's token are refused; writes naming acme's objects at
    // bluegrass do not reach them.
    let writes: Vec<(&str, Value)> = vec![
        ("/api/v1/events", ev("y1", "order.released", "2026-03-05T09:00:00Z", json!({"order_number": "XT-1"}))),
        ("/api/v1/orders", order_payload("XT-2", "C-1001")),
        ("/api/v1/shipments", json!({"number": "XT-1-S9", "order_number": "XT-1", "lines": [{"line": 1, "quantity": 1}]})),
        ("/api/v1/shipments/XT-1-S1/delivery", json!({})),
        ("/api/v1/invoices", json!({"number": "XT-I-9", "order_number": "XT-1", "customer": "C-1001", "currency": "USD", "issued_on": "2026-03-03", "lines": [{"line": 1, "sku": "A", "quantity": 1, "unit_price_minor": 1}]})),
        ("/api/v1/payments", json!({"number": "XT-P-9", "customer": "C-1001", "currency": "USD", "amount_minor": 1, "received_on": "2026-03-04", "allocations": [{"invoice_number": "XT-I-1", "amount_minor": 1}]})),
        ("/api/v1/customers", json!({"external_id": "C-1001", "name": "Hijack"})),
    ];
    for (path, body) in &writes {
        problem(app.post(ACME, &bg, path, body).await, 401).await;
        let r = app.post(BG, &bg, path, body).await;
        assert!(r.status() != 500, "{path}");
        if *path == "/api/v1/events" {
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["results"][0]["status"], "parked", "at bluegrass, XT-1 is unknown: {v}");
        } else if *path == "/api/v1/customers" {
            assert_eq!(r.status(), 201, "a new bluegrass customer, not acme's");
        } else {
            assert!(r.status() == 404 || r.status() == 422, "{path}: {}", r.status());
        }
    }
    let bg_upload = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(b"%PDF-1.4".to_vec()).file_name("p.pdf").mime_str("application/pdf").unwrap());
    problem(app.browser().post(app.url(BG, "/api/v1/shipments/XT-1-S1/documents")).bearer_auth(&bg).multipart(bg_upload).send().await.unwrap(), 404).await;
    // Acme's data is untouched.
    let o = order(&app, &acme, "XT-1").await;
    assert_eq!(o["status"], "partially_shipped", "line 2 is not shipped yet");
    assert_eq!(o["shipments"].as_array().unwrap().len(), 1);
    let c: Value = app.get(ACME, &acme, "/api/v1/customers/C-1001").await.json().await.unwrap();
    assert_eq!(c["name"], "Initech Manufacturing");
    // The API is not served on the partner console host.
    problem(app.get("localhost", &acme, "/api/v1/orders").await, 404).await;
}
