//! Foundation tests: sign-in, sessions, tenancy, documents. See `common` for the harness.

use crate::common::*;
use domain::Db;
use domain::auth;
use domain::entity::customer;
use domain::seed;
use domain::tenancy::Scope;
use domain::types::TenantSlug;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

#[tokio::test]
async fn each_role_signs_in_and_lands_on_its_own_home_page() {
    let app = spawn_app().await;
    let cases = [
        ("acme.localhost", "admin@acme.test", "/workspace", "Tenant admin", "Acme Order Hub"),
        ("acme.localhost", "clerk@acme.test", "/workspace", "AR clerk", "Acme Order Hub"),
        ("acme.localhost", "service@acme.test", "/workspace", "Customer service", "Acme Order Hub"),
        ("acme.localhost", "buyer@initech.test", "/portal", "Customer", "Acme Order Hub"),
        ("bluegrass.localhost", "buyer@globex.test", "/portal", "Customer", "Bluegrass Connect"),
        ("localhost", "partner@northwind.test", "/partner", "Partner admin", "Throughline Partner Console"),
    ];
    for (host, email, home, role, product) in cases {
        let b = app.browser();
        let r = app.login(&b, host, email, PW).await;
        assert_eq!(r.status(), 303, "{email}");
        assert_eq!(location(&r), home, "{email}");
        let page = b.get(app.url(host, home)).send().await.unwrap();
        assert_eq!(page.status(), 200, "{email}");
        let html = page.text().await.unwrap();
        assert!(html.contains(role), "{email}: role shown");
        assert!(html.contains(&format!("<title>{product}</title>")), "{email}: product name in title");
        // Another role's home sends the user back to their own.
        let other = if home == "/portal" { "/workspace" } else { "/portal" };
        let r = b.get(app.url(host, other)).send().await.unwrap();
        assert_eq!(location(&r), home);
    }
    let b = app.browser();
    app.login(&b, "acme.localhost", "buyer@initech.test", PW).await;
    let html = b.get(app.url("acme.localhost", "/portal")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Initech Manufacturing"));
    assert!(html.contains("--brand:#1d4ed8"));
    let b = app.browser();
    app.login(&b, "localhost", "partner@northwind.test", PW).await;
    let html = b.get(app.url("localhost", "/partner")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Acme Order Hub") && html.contains("Bluegrass Connect"));
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let app = spawn_app().await;
    let b = app.browser();
    let wrong = app.login(&b, "acme.localhost", "admin@acme.test", "not-the-password").await;
    assert_eq!(wrong.status(), 401);
    let wrong_html = wrong.text().await.unwrap();
    let unknown = app.login(&b, "acme.localhost", "nobody@acme.test", "not-the-password").await;
    assert_eq!(unknown.status(), 401);
    let unknown_html = unknown.text().await.unwrap();
    assert!(wrong_html.contains("The e-mail or password is not correct."));
    assert!(unknown_html.contains("The e-mail or password is not correct."));
    // Still not signed in.
    let r = b.get(app.url("acme.localhost", "/workspace")).send().await.unwrap();
    assert_eq!(location(&r), "/login");
}

#[tokio::test]
async fn an_empty_form_is_refused_with_a_clear_message() {
    let app = spawn_app().await;
    let b = app.browser();
    let csrf = app.csrf(&b, "acme.localhost").await;
    let r = b.post(app.url("acme.localhost", "/login")).form(&[("email", ""), ("password", ""), ("csrf", &csrf)]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Enter your e-mail and your password."));
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_account() {
    let app = spawn_app().await;
    let b = app.browser();
    for _ in 0..5 {
        assert_eq!(app.login(&b, "acme.localhost", "clerk@acme.test", "wrong").await.status(), 401);
    }
    let r = app.login(&b, "acme.localhost", "clerk@acme.test", PW).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("Too many sign-in attempts"));
    // Another account is unaffected.
    assert_eq!(app.login(&b, "acme.localhost", "admin@acme.test", PW).await.status(), 303);
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_address() {
    let app = spawn_app_with(|c| c.login_per_ip = 3).await;
    let b = app.browser();
    for who in ["a@acme.test", "b@acme.test", "c@acme.test"] {
        assert_eq!(app.login(&b, "acme.localhost", who, "wrong").await.status(), 401);
    }
    assert_eq!(app.login(&b, "acme.localhost", "admin@acme.test", PW).await.status(), 429);
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let b = app.browser();
    app.login(&b, "acme.localhost", "clerk@acme.test", PW).await;
    let html = b.get(app.url("acme.localhost", "/workspace")).send().await.unwrap().text().await.unwrap();
    let csrf = extract_csrf(&html);
    let r = b.post(app.url("acme.localhost", "/logout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let r = b.get(app.url("acme.localhost", "/workspace")).send().await.unwrap();
    assert_eq!(location(&r), "/login");
}

#[tokio::test]
async fn logout_without_the_csrf_token_is_refused() {
    let app = spawn_app().await;
    let b = app.browser();
    app.login(&b, "acme.localhost", "clerk@acme.test", PW).await;
    let r = b.post(app.url("acme.localhost", "/logout")).form(&[("csrf", "forged")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(b.get(app.url("acme.localhost", "/workspace")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_cross_site_post_is_refused() {
    let app = spawn_app().await;
    let b = app.browser();
    let csrf = app.csrf(&b, "acme.localhost").await;
    let r = b
        .post(app.url("acme.localhost", "/login"))
        .header("origin", "http://evil.example")
        .form(&[("email", "admin@acme.test"), ("password", PW), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in() {
    let app = spawn_app().await;
    let b = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).redirect(reqwest::redirect::Policy::none()).resolve("acme.localhost", app.addr).build().unwrap();
    let r = b.get(app.url("acme.localhost", "/login")).send().await.unwrap();
    let before = r.headers().get("set-cookie").unwrap().to_str().unwrap().split(';').next().unwrap().to_owned();
    let csrf = extract_csrf(&r.text().await.unwrap());
    let r = b
        .post(app.url("acme.localhost", "/login"))
        .header("cookie", &before)
        .form(&[("email", "admin@acme.test"), ("password", PW), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    let after = cookie.split(';').next().unwrap().to_owned();
    assert_ne!(before, after);
    // The pre-login id is no session any more.
    let r = b.get(app.url("acme.localhost", "/workspace")).header("cookie", &before).send().await.unwrap();
    assert_eq!(location(&r), "/login");
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_and_blocks_sign_in() {
    let app = spawn_app().await;
    let b = app.browser();
    app.login(&b, "acme.localhost", "clerk@acme.test", PW).await;
    assert_eq!(b.get(app.url("acme.localhost", "/workspace")).send().await.unwrap().status(), 200);
    let scope = app.scope("acme.localhost").await;
    auth::set_tenant_user_disabled(&app.db, &scope, "clerk@acme.test", true).await.unwrap();
    let r = b.get(app.url("acme.localhost", "/workspace")).send().await.unwrap();
    assert_eq!(location(&r), "/login");
    let r = app.login(&app.browser(), "acme.localhost", "clerk@acme.test", PW).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("disabled"));
}

#[tokio::test]
async fn the_sweep_forgets_expired_sessions_and_stale_rate_limit_counters_only() {
    use domain::entity::{rate_limit, session};
    use sea_orm::{ActiveModelTrait, Set};
    let app = spawn_app().await;
    let cookie = app.signed_in_cookie("acme.localhost", "clerk@acme.test").await;
    let live = cookie.split_once('=').unwrap().1.to_owned();
    let old = chrono::Utc::now() - chrono::Duration::hours(2);
    session::ActiveModel { id: Set("expired-one".into()), scope: Set("platform".into()), user_key: Set(None), data: Set("{}".into()), expires_at: Set(old) }
        .insert(app.db.platform())
        .await
        .unwrap();
    rate_limit::ActiveModel { key: Set("acct:stale".into()), window_start: Set(old.timestamp()), count: Set(3) }.insert(app.db.platform()).await.unwrap();
    rate_limit::ActiveModel { key: Set("acct:fresh".into()), window_start: Set(chrono::Utc::now().timestamp()), count: Set(3) }.insert(app.db.platform()).await.unwrap();

    server::workers::run_due(&app.db, &app.config, chrono::Utc::now()).await.unwrap();

    assert!(session::Entity::find_by_id("expired-one".to_owned()).one(app.db.platform()).await.unwrap().is_none());
    assert!(session::Entity::find_by_id(live).one(app.db.platform()).await.unwrap().is_some(), "a live session stays");
    let keys: Vec<String> = rate_limit::Entity::find().all(app.db.platform()).await.unwrap().into_iter().map(|f| f.key).filter(|k| k.starts_with("acct:")).collect();
    assert_eq!(keys, ["acct:fresh"]);
    let r = app.raw_client().get(app.url("acme.localhost", "/workspace")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(r.status(), 200, "the signed-in user is still signed in");
}

#[tokio::test]
async fn a_new_session_never_takes_an_existing_sessions_id() {
    use tower_sessions::SessionStore;
    use tower_sessions::session::{Id, Record};
    let app = spawn_app().await;
    let store = domain::session_store::SqlSessionStore::new(app.db.clone()).scoped("platform".into());
    let expiry_date = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let mut first = Record { id: Id::default(), data: [("scope".to_owned(), serde_json::json!("platform"))].into(), expiry_date };
    store.create(&mut first).await.unwrap();
    let mut second = Record { id: first.id, data: Default::default(), expiry_date };
    store.create(&mut second).await.unwrap();
    assert_ne!(second.id, first.id, "a colliding id is replaced");
    assert_eq!(store.load(&first.id).await.unwrap().unwrap().data, first.data, "the first session is untouched");
    assert!(store.load(&second.id).await.unwrap().is_some());
}

#[tokio::test]
async fn a_session_survives_a_server_restart() {
    let app = spawn_app().await;
    let cookie = app.signed_in_cookie("acme.localhost", "admin@acme.test").await;
    let app = app.restart().await;
    let raw = app.raw_client();
    let r = raw.get(app.url("acme.localhost", "/workspace")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Ada Admin"));
}

#[tokio::test]
async fn an_acme_user_cannot_sign_in_at_bluegrass() {
    let app = spawn_app().await;
    let r = app.login(&app.browser(), "bluegrass.localhost", "admin@acme.test", PW).await;
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn an_acme_session_cookie_is_no_session_at_bluegrass() {
    let app = spawn_app().await;
    let raw = app.raw_client();
    let cookie = app.signed_in_cookie("acme.localhost", "admin@acme.test").await;
    for path in ["/workspace", "/portal", "/"] {
        let r = raw.get(app.url("bluegrass.localhost", path)).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(location(&r), "/login", "{path}");
    }
    let r = raw.get(app.url("bluegrass.localhost", "/login")).header("cookie", &cookie).send().await.unwrap();
    assert!(!r.text().await.unwrap().contains("Ada Admin"));
    // And the acme session itself is untouched by the attempt.
    let r = raw.get(app.url("acme.localhost", "/workspace")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn an_unknown_host_gets_a_neutral_404() {
    let app = spawn_app().await;
    let r = app.browser().get(app.url("unknown.localhost", "/login")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let html = r.text().await.unwrap();
    assert!(!html.contains("Acme") && !html.contains("Bluegrass"));
}

#[tokio::test]
async fn a_verified_custom_domain_serves_its_tenant() {
    let app = spawn_app().await;
    let Scope::Tenant(acme) = app.scope("acme.localhost").await else { panic!() };
    seed::add_custom_domain(&app.db, acme.id, "portal.acme-supply.test").await.unwrap();
    let r = app.browser().get(app.url("portal.acme-supply.test", "/login")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("<title>Acme Order Hub</title>"));
}

#[tokio::test]
async fn health_and_readiness_answer_and_security_headers_are_set() {
    let app = spawn_app().await;
    let b = app.browser();
    assert_eq!(b.get(app.url("localhost", "/healthz")).send().await.unwrap().status(), 200);
    assert_eq!(b.get(app.url("localhost", "/readyz")).send().await.unwrap().status(), 200);
    let r = b.get(app.url("acme.localhost", "/login")).send().await.unwrap();
    for h in ["x-content-type-options", "x-frame-options", "content-security-policy", "referrer-policy", "x-request-id"] {
        assert!(r.headers().contains_key(h), "{h}");
    }
}

/// The `script-src` directive of a CSP header.
fn script_src(r: &reqwest::Response) -> String {
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    csp.split(';').map(str::trim).find(|d| d.starts_with("script-src")).expect("a script-src directive").to_owned()
}

#[tokio::test]
async fn pages_allow_only_scripts_that_carry_the_nonce_of_their_own_response() {
    let app = spawn_app().await;
    let b = app.browser();
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let r = b.get(app.url("acme.localhost", "/login")).send().await.unwrap();
        let policy = script_src(&r);
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        let nonce = policy.split("'nonce-").nth(1).and_then(|n| n.split('\'').next()).expect("a nonce in the policy").to_owned();
        let html = r.text().await.unwrap();
        let scripts: Vec<&str> = html.split("<script").skip(1).map(|s| s.split('>').next().unwrap()).collect();
        assert!(!scripts.is_empty(), "the hydration bootstrap is inline");
        for attrs in scripts {
            assert!(attrs.contains(&format!("nonce=\"{nonce}\"")), "every inline script carries the nonce: <script{attrs}>");
        }
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "a fresh nonce for every response");
    // Responses that are not pages get the policy without any nonce.
    let r = b.get(app.url("acme.localhost", "/api/v1/orders")).send().await.unwrap();
    assert_eq!(script_src(&r), "script-src 'self' 'wasm-unsafe-eval'");
}

#[tokio::test]
async fn each_tenant_serves_its_own_logo() {
    let app = spawn_app().await;
    let b = app.browser();
    let a = b.get(app.url("acme.localhost", "/branding/logo.svg")).send().await.unwrap().text().await.unwrap();
    let g = b.get(app.url("bluegrass.localhost", "/branding/logo.svg")).send().await.unwrap().text().await.unwrap();
    assert!(a.contains("#1d4ed8") && g.contains("#047857"));
}

#[tokio::test]
async fn a_query_for_tenant_a_cannot_see_a_row_written_for_tenant_b() {
    let app = spawn_app().await;
    let Scope::Tenant(acme) = app.scope("acme.localhost").await else { panic!() };
    let Scope::Tenant(bg) = app.scope("bluegrass.localhost").await else { panic!() };
    seed::create_customer(&app.db, &bg, "ONLY-IN-B", "Bluegrass-only customer").await.unwrap();
    let find = |slug: TenantSlug| {
        let db = app.db.clone();
        async move {
            let txn = db.tenant_txn(&slug).await.unwrap();
            let n = customer::Entity::find().filter(customer::Column::ExternalId.eq("ONLY-IN-B")).count(&txn).await.unwrap();
            txn.commit().await.unwrap();
            n
        }
    };
    assert_eq!(find(acme.slug.clone()).await, 0);
    assert_eq!(find(bg.slug.clone()).await, 1);
    assert_eq!(find(acme.slug.clone()).await, 0);
}

#[tokio::test]
async fn one_pooled_connection_serves_a_then_b_then_a_without_leaking() {
    let app = spawn_app().await;
    let Scope::Tenant(acme) = app.scope("acme.localhost").await else { panic!() };
    let Scope::Tenant(bg) = app.scope("bluegrass.localhost").await else { panic!() };
    seed::create_customer(&app.db, &bg, "ONLY-IN-B", "Bluegrass-only customer").await.unwrap();
    // A pool of exactly one connection, so the same connection and its prepared statements
    // serve every tenant in turn.
    let one = match &app.db_url {
        Some(url) => Db::postgres(url, 1).await.unwrap(),
        None => app.db.clone(),
    };
    for (slug, expect_b, own, other) in [
        (&acme.slug, 0, "Initech Manufacturing", "Globex Restaurants"),
        (&bg.slug, 1, "Globex Restaurants", "Initech Manufacturing"),
        (&acme.slug, 0, "Initech Manufacturing", "Globex Restaurants"),
    ] {
        let txn = one.tenant_txn(slug).await.unwrap();
        let n = customer::Entity::find().filter(customer::Column::ExternalId.eq("ONLY-IN-B")).count(&txn).await.unwrap();
        let names: Vec<String> = customer::Entity::find().all(&txn).await.unwrap().into_iter().map(|c| c.name).collect();
        txn.commit().await.unwrap();
        assert_eq!(n, expect_b, "{slug}");
        assert!(names.contains(&own.to_owned()), "{slug}: {names:?}");
        assert!(!names.contains(&other.to_owned()), "{slug} sees the other tenant's customer: {names:?}");
    }
    // Outside a tenant transaction the pooled connection has no tenant search path.
    if one.is_postgres() {
        let row = one.platform().query_one_raw(sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, "SHOW search_path")).await.unwrap().unwrap();
        let path: String = row.try_get("", "search_path").unwrap();
        assert!(!path.contains("tenant_"), "{path}");
    }
}

#[tokio::test]
async fn provisioning_tenant_b_does_not_touch_tenant_a() {
    let app = spawn_app().await;
    let Scope::Tenant(acme) = app.scope("acme.localhost").await else { panic!() };
    let count_a = |db: Db, slug: TenantSlug| async move {
        let txn = db.tenant_txn(&slug).await.unwrap();
        let n = domain::entity::user::Entity::find().count(&txn).await.unwrap();
        txn.commit().await.unwrap();
        n
    };
    let before = count_a(app.db.clone(), acme.slug.clone()).await;
    let partner = seed::create_partner(app.db.platform(), "Other Partner").await.unwrap();
    let carbon = seed::create_tenant(&app.db, partner, seed::NewTenant {
        slug: "carbon", name: "Carbon Co", product_name: "Carbon Hub", primary_color: "#111111", logo_svg: "<svg/>".into(), address: "", remit_to: "",
    })
    .await
    .unwrap();
    seed::create_customer(&app.db, &carbon, "C-1001", "Same external id as in acme").await.unwrap();
    assert_eq!(count_a(app.db.clone(), acme.slug.clone()).await, before);
    let txn = app.db.tenant_txn(&acme.slug).await.unwrap();
    let acme_c = customer::Entity::find().filter(customer::Column::ExternalId.eq("C-1001")).one(&txn).await.unwrap().unwrap();
    txn.commit().await.unwrap();
    assert_eq!(acme_c.name, "Initech Manufacturing");
}

#[tokio::test]
async fn a_bad_tenant_slug_is_refused_before_anything_is_written() {
    let app = spawn_app().await;
    let partner = seed::create_partner(app.db.platform(), "P").await.unwrap();
    let err = seed::create_tenant(&app.db, partner, seed::NewTenant {
        slug: "Bad\"Slug", name: "x", product_name: "x", primary_color: "#111111", logo_svg: String::new(), address: "", remit_to: "",
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("not a valid tenant slug"));
}

#[tokio::test]
async fn documents_round_trip_in_the_configured_store_and_stay_with_their_tenant() {
    let app = spawn_app().await;
    if app.db_url.is_some() && std::env::var("THROUGHLINE_TEST_S3_ENDPOINT").is_ok() {
        assert!(matches!(app.storage, domain::storage::Storage::S3 { .. }), "the PostgreSQL run must use the S3 server");
    }
    let acme = TenantSlug::parse("acme").unwrap();
    let bluegrass = TenantSlug::parse("bluegrass").unwrap();
    let pdf = b"%PDF-1.7\nproof of delivery\n".to_vec();
    let stored = app.storage.put(&acme, "pod", "application/pdf", pdf.clone()).await.unwrap();
    assert!(stored.key.starts_with("tenants/acme/pod/"), "{}", stored.key);
    assert_eq!(stored.size, pdf.len() as i64);
    assert_eq!(stored.sha256.len(), 64);
    assert_eq!(app.storage.get(&acme, &stored.key).await.unwrap(), pdf);
    // The same key asked for by another tenant is not there.
    assert!(matches!(app.storage.get(&bluegrass, &stored.key).await, Err(domain::Error::NotFound)));
    assert!(matches!(app.storage.delete(&bluegrass, &stored.key).await, Err(domain::Error::NotFound)));
    assert_eq!(app.storage.get(&acme, &stored.key).await.unwrap(), pdf, "a refused delete removed nothing");
    app.storage.delete(&acme, &stored.key).await.unwrap();
    assert!(matches!(app.storage.get(&acme, &stored.key).await, Err(domain::Error::NotFound)));
}

#[tokio::test]
async fn staff_see_the_order_list_and_an_order_page_of_their_own_tenant_only() {
    let app = spawn_app().await;
    let b = app.browser();
    app.login(&b, "acme.localhost", "clerk@acme.test", PW).await;
    let html = b.get(app.url("acme.localhost", "/workspace/orders")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("data-testid=\"orders-table\""), "{html}");
    assert!(html.contains("SO-100001"), "the demo orders are listed");
    let html = b.get(app.url("acme.localhost", "/workspace/orders?status=nonsense")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("unknown status"), "a bad filter is explained");
    let r = b.get(app.url("acme.localhost", "/workspace/orders/SO-100001")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Order SO-100001") && html.contains("data-testid=\"timeline\"") && html.contains("order.accepted"), "{html}");
    // The same order number does not exist at bluegrass.
    let b2 = app.browser();
    app.login(&b2, "bluegrass.localhost", "clerk@bluegrass.test", PW).await;
    let r = b2.get(app.url("bluegrass.localhost", "/workspace/orders/SO-100001")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let html = b2.get(app.url("bluegrass.localhost", "/workspace/orders")).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("SO-1000") && html.contains("BG-1000"));
    // Customers and anonymous visitors are sent away.
    let c = app.browser();
    app.login(&c, "acme.localhost", "buyer@initech.test", PW).await;
    let r = c.get(app.url("acme.localhost", "/workspace/orders")).send().await.unwrap();
    assert_eq!(location(&r), "/portal");
    let r = app.browser().get(app.url("acme.localhost", "/workspace/orders/SO-100001")).send().await.unwrap();
    assert_eq!(location(&r), "/login");
}

#[tokio::test]
async fn staff_export_every_matching_order_as_csv_across_pages_and_only_their_own() {
    let app = spawn_app().await;
    let b = app.browser();
    // More orders than one export page, through the integration API.
    let token: serde_json::Value = b
        .post(app.url("acme.localhost", "/api/v1/oauth/token"))
        .basic_auth("acme-erp", Some("throughline-demo-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events: Vec<serde_json::Value> = (0..1000)
        .map(|n| {
            serde_json::json!({"event_id": format!("csv-{n}"), "type": "order.accepted", "occurred_at": "2026-01-05T10:00:00Z", "source": "erp",
                "payload": {"number": format!("CSV-{n:04}"), "customer": "C-1001", "po_number": format!("=1+{n}"), "currency": "USD",
                            "lines": [{"line": 1, "sku": "BRG-6204", "quantity": 2, "unit_price_minor": 745}]}})
        })
        .collect();
    let r = b.post(app.url("acme.localhost", "/api/v1/events")).bearer_auth(token["access_token"].as_str().unwrap()).json(&events).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let txn = app.db.tenant_txn(&TenantSlug::parse("acme").unwrap()).await.unwrap();
    let total = domain::entity::order::Entity::find().count(&txn).await.unwrap();
    txn.commit().await.unwrap();
    assert!(total > 1000);

    app.login(&b, "acme.localhost", "clerk@acme.test", PW).await;
    let r = b.get(app.url("acme.localhost", "/workspace/orders.csv")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"orders-acme-"));
    let text = r.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(domain::orders::CSV_HEADER.join(",").as_str()));
    let numbers: Vec<&str> = lines.map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(numbers.len() as u64, total, "every order once");
    let unique: std::collections::HashSet<&&str> = numbers.iter().collect();
    assert_eq!(unique.len(), numbers.len(), "no order twice across pages");
    assert!(text.contains("CSV-0000,C-1001,") && text.contains(",'=1+999,api,accepted,USD,14.90,2026-01-05T10:00:00Z,"), "formulas are defused");
    // Filters apply as on the page; a bad one is a clear 400.
    let text = b.get(app.url("acme.localhost", "/workspace/orders.csv?q=CSV-00&from=2026-01-05&to=2026-01-05")).send().await.unwrap().text().await.unwrap();
    assert_eq!(text.lines().count(), 1 + 100, "header and CSV-0000..CSV-0099");
    let r = b.get(app.url("acme.localhost", "/workspace/orders.csv?to=yesterday")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("To: &quot;yesterday&quot; is not a date"), "the message names the field and is escaped");
    let r = b.get(app.url("acme.localhost", "/workspace/orders.csv?status=lost")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    // Another tenant's staff export their own orders only; customers and strangers get none.
    let g = app.browser();
    app.login(&g, "bluegrass.localhost", "clerk@bluegrass.test", PW).await;
    let text = g.get(app.url("bluegrass.localhost", "/workspace/orders.csv")).send().await.unwrap().text().await.unwrap();
    assert!(text.lines().count() > 1 && !text.contains("CSV-0") && !text.contains("SO-1000"));
    let c = app.browser();
    app.login(&c, "acme.localhost", "buyer@initech.test", PW).await;
    assert_eq!(location(&c.get(app.url("acme.localhost", "/workspace/orders.csv")).send().await.unwrap()), "/portal");
    assert_eq!(location(&app.browser().get(app.url("acme.localhost", "/workspace/orders.csv")).send().await.unwrap()), "/login");
}

fn extract_secret(html: &str) -> Option<String> {
    let i = html.find("data-testid=\"new-secret\"")?;
    let rest = &html[i..];
    let start = rest.find('>')? + 1;
    Some(rest[start..].split('<').next()?.to_owned())
}

#[tokio::test]
async fn a_tenant_admin_creates_an_api_client_sees_its_secret_once_and_can_disable_it() {
    let app = spawn_app().await;
    let b = app.browser();
    app.login(&b, "acme.localhost", "admin@acme.test", PW).await;
    let page = b.get(app.url("acme.localhost", "/workspace/admin")).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "private, no-store");
    let html = page.text().await.unwrap();
    assert!(html.contains("acme-erp") && html.contains("clerk@acme.test"), "{html}");
    let csrf = extract_csrf(&html);
    let r = b.post(app.url("acme.localhost", "/workspace/admin/api-clients")).form(&[("csrf", csrf.as_str()), ("name", "wms-east"), ("read", "on"), ("write", "on")]).send().await.unwrap();
    assert_eq!(location(&r), "/workspace/admin");
    let html = b.get(app.url("acme.localhost", "/workspace/admin")).send().await.unwrap().text().await.unwrap();
    let secret = extract_secret(&html).expect("the new secret is shown");
    assert!(secret.starts_with("tls_") && secret.len() > 30);
    let again = b.get(app.url("acme.localhost", "/workspace/admin")).send().await.unwrap().text().await.unwrap();
    assert!(extract_secret(&again).is_none(), "shown once only");
    // The secret works at the token endpoint.
    let token = b.post(app.url("acme.localhost", "/api/v1/oauth/token")).basic_auth("wms-east", Some(&secret)).form(&[("grant_type", "client_credentials")]).send().await.unwrap();
    assert_eq!(token.status(), 200);
    let token: serde_json::Value = token.json().await.unwrap();
    assert_eq!(token["scope"], "read write");
    // A bad name is refused with a message; nothing is created.
    b.post(app.url("acme.localhost", "/workspace/admin/api-clients")).form(&[("csrf", csrf.as_str()), ("name", "has spaces"), ("read", "on")]).send().await.unwrap();
    let html = b.get(app.url("acme.localhost", "/workspace/admin")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Not created") && !html.contains("has spaces</td>"), "{html}");
    // Disable it: its token stops working.
    let i = again.find("wms-east").unwrap();
    let _ = i;
    let Scope::Tenant(acme) = app.scope("acme.localhost").await else { panic!() };
    let txn = app.db.tenant_txn(&acme.slug).await.unwrap();
    let id = domain::api_clients::list(&txn).await.unwrap().into_iter().find(|c| c.name == "wms-east").unwrap().id;
    txn.commit().await.unwrap();
    let r = b.post(app.url("acme.localhost", &format!("/workspace/admin/api-clients/{id}/disable"))).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(location(&r), "/workspace/admin");
    let r = b.get(app.url("acme.localhost", "/api/v1/orders")).bearer_auth(token["access_token"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // Without the CSRF token, or as a clerk, nothing happens.
    let r = b.post(app.url("acme.localhost", &format!("/workspace/admin/api-clients/{id}/enable"))).form(&[("csrf", "nope")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let clerk = app.browser();
    app.login(&clerk, "acme.localhost", "clerk@acme.test", PW).await;
    let ccsrf = extract_csrf(&clerk.get(app.url("acme.localhost", "/workspace/orders")).send().await.unwrap().text().await.unwrap());
    let r = clerk.post(app.url("acme.localhost", "/workspace/admin/users/disable")).form(&[("csrf", ccsrf.as_str()), ("email", "service@acme.test")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    // The admin disables the clerk: the clerk's session ends.
    let r = b.post(app.url("acme.localhost", "/workspace/admin/users/disable")).form(&[("csrf", csrf.as_str()), ("email", "clerk@acme.test")]).send().await.unwrap();
    assert_eq!(location(&r), "/workspace/admin");
    let r = clerk.get(app.url("acme.localhost", "/workspace")).send().await.unwrap();
    assert_eq!(location(&r), "/login");
    let html = b.get(app.url("acme.localhost", "/workspace/admin")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("clerk@acme.test is disabled"), "{html}");
}
