#![allow(dead_code, unused_imports)]
//! Shared helpers of the integration tests. Integration tests through HTTP against a real database: PostgreSQL when
//! `THROUGHLINE_TEST_DATABASE_URL` names a cluster (each test gets its own database), else
//! SQLite files in a fresh folder. `make test` runs this binary once for each.
pub mod dns;
pub mod smtp;
use domain::Db;
use domain::audit::{self, Actor, AuditFilter};
use domain::auth;
use domain::entity::customer;
use domain::seed;
use domain::tenancy::{self, Scope};
use domain::types::TenantSlug;
use leptos::prelude::LeptosOptions;
use sea_orm::ConnectionTrait;
use server::config::Config;
use std::net::SocketAddr;
use serde_json::{Value, json};
use domain::seed::DEMO_API_SECRET;

pub const ACME: &str = "acme.localhost";
pub const BLUEGRASS: &str = "bluegrass.localhost";
pub const BG: &str = "bluegrass.localhost";

pub struct TestApp {
    pub addr: SocketAddr,
    pub db: Db,
    pub storage: domain::storage::Storage,
    pub config: Config,
    pub db_url: Option<String>,
    _dir: tempfile::TempDir,
    server: tokio::task::JoinHandle<()>,
}

pub fn base_config(dir: &std::path::Path, db_url: Option<String>) -> Config {
    let mut c = Config::defaults(dir.join("data"), db_url.clone());
    c.db_pool = 5;
    c.demo_orders = 24;
    // The suites exercise the demo partner, tenants and users.
    c.demo = true;
    // The PostgreSQL run also stores documents in the real S3-compatible server that
    // `make test` starts; the SQLite run keeps them in a local folder.
    if db_url.is_some()
        && let Ok(endpoint) = std::env::var("THROUGHLINE_TEST_S3_ENDPOINT")
    {
        c.s3 = Some(server::config::S3Config {
            endpoint,
            bucket: format!("t-{}", uuid::Uuid::new_v4().simple()),
            region: "us-east-1".into(),
            access_key_id: "testing".into(),
            secret_access_key: server::config::Secret("testing".into()),
        });
    }
    c
}

pub async fn fresh_database() -> Option<String> {
    let admin = std::env::var("THROUGHLINE_TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres"))?;
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let conn = sea_orm::Database::connect(&admin).await.expect("connect to the test cluster");
    conn.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create database");
    conn.close().await.ok();
    let (base, _) = admin.rsplit_once('/').expect("url has a database");
    Some(format!("{base}/{name}"))
}

pub async fn start(config: Config, dir: tempfile::TempDir, db_url: Option<String>) -> TestApp {
    let (backends, _) = server::open(&config).await.expect("open the database and the document store");
    let (db, storage) = (backends.db.clone(), backends.storage.clone());
    let opts = LeptosOptions::builder().output_name("throughline").site_root(dir.path().join("site").display().to_string()).build();
    let app = server::router(backends, config.clone(), opts);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    TestApp { addr, db, storage, config, db_url, _dir: dir, server }
}

pub async fn spawn_app_with(f: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let db_url = fresh_database().await;
    let mut config = base_config(dir.path(), db_url.clone());
    f(&mut config);
    start(config, dir, db_url).await
}

/// How long a test waits for one answer: a request that hangs fails its test with a message
/// instead of stalling the suite.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// An app that sends its e-mails to `smtp` from `billing@acme.test`.
pub async fn mail_app(smtp: &smtp::SmtpServer) -> TestApp {
    let url = smtp.url();
    spawn_app_with(move |c| {
        c.smtp_url = Some(server::config::Secret(url));
        c.smtp_from = "billing@acme.test".into();
    })
    .await
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

impl TestApp {
    /// A fresh "browser": its own cookie jar, every demo host resolving to this server.
    pub fn browser(&self) -> reqwest::Client {
        self.browser_for(&[])
    }

    /// A fresh browser that also resolves `hosts` (tenants a test creates) to this server.
    pub fn browser_for(&self, hosts: &[&str]) -> reqwest::Client {
        let mut b = reqwest::Client::builder();
        for h in hosts {
            b = b.resolve(h, self.addr);
        }
        b
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .resolve("acme.localhost", self.addr)
            .resolve("bluegrass.localhost", self.addr)
            .resolve("localhost", self.addr)
            .resolve("unknown.localhost", self.addr)
            .resolve("portal.acme-supply.test", self.addr)
            .build()
            .unwrap()
    }

    pub fn url(&self, host: &str, path: &str) -> String {
        format!("http://{host}:{}{path}", self.addr.port())
    }

    pub async fn csrf(&self, c: &reqwest::Client, host: &str) -> String {
        let html = c.get(self.url(host, "/login")).send().await.unwrap().text().await.unwrap();
        extract_csrf(&html)
    }

    pub async fn login(&self, c: &reqwest::Client, host: &str, email: &str, password: &str) -> reqwest::Response {
        let csrf = self.csrf(c, host).await;
        c.post(self.url(host, "/login")).form(&[("email", email), ("password", password), ("csrf", &csrf)]).send().await.unwrap()
    }

    pub async fn scope(&self, host: &str) -> Scope {
        match tenancy::resolve_site(&self.db, host, "localhost").await.unwrap() {
            Some(tenancy::Site::Open(scope)) => scope,
            other => panic!("{host} serves no open site: {other:?}"),
        }
    }

    /// A client without a cookie jar, for tests that send cookies by hand.
    pub fn raw_client(&self) -> reqwest::Client {
        self.raw_client_for(&[])
    }

    /// [`Self::raw_client`] that also resolves `hosts` to this server.
    pub fn raw_client_for(&self, hosts: &[&str]) -> reqwest::Client {
        let mut b = reqwest::Client::builder();
        for h in hosts {
            b = b.resolve(h, self.addr);
        }
        b.timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .resolve("acme.localhost", self.addr)
            .resolve("bluegrass.localhost", self.addr)
            .build()
            .unwrap()
    }

    /// Signs in with a cookie-less client and returns the session cookie (`name=value`).
    pub async fn signed_in_cookie(&self, host: &str, email: &str) -> String {
        let raw = self.raw_client_for(&[host]);
        let r = raw.get(self.url(host, "/login")).send().await.unwrap();
        let c0 = first_cookie(&r);
        let csrf = extract_csrf(&r.text().await.unwrap());
        let r = raw.post(self.url(host, "/login")).header("cookie", &c0).form(&[("email", email), ("password", PW), ("csrf", &csrf)]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        first_cookie(&r)
    }

    /// Stops this server and starts another on the same database (a restart).
    pub async fn restart(self) -> TestApp {
        self.server.abort();
        let _ = self.server.await;
        start(self.config, self._dir, self.db_url).await
    }
}

pub fn extract_csrf(html: &str) -> String {
    let i = html.find("name=\"csrf\" value=\"").expect("csrf field on the page") + "name=\"csrf\" value=\"".len();
    html[i..].split('"').next().unwrap().to_owned()
}

pub fn first_cookie(r: &reqwest::Response) -> String {
    r.headers().get("set-cookie").expect("a cookie is set").to_str().unwrap().split(';').next().unwrap().to_owned()
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

pub const PW: &str = seed::DEMO_PASSWORD;

// ---- Browser helpers: a signed-in client, its pages and its forms -------------------------

/// A fresh browser signed in as the demo user `email` at `host`.
pub async fn signed_in(app: &TestApp, host: &str, email: &str) -> reqwest::Client {
    let b = app.browser();
    assert_eq!(app.login(&b, host, email, PW).await.status(), 303, "{email} signs in");
    b
}

/// A browser signed in to the partner console (the base domain) and the console's CSRF token.
pub async fn console(app: &TestApp, email: &str, pw: &str) -> (reqwest::Client, String) {
    let b = app.browser();
    assert_eq!(app.login(&b, "localhost", email, pw).await.status(), 303);
    let html = b.get(app.url("localhost", "/partner")).send().await.unwrap().text().await.unwrap();
    (b, extract_csrf(&html))
}

/// A second partner, "Other MSP" (its admin boss@other.test, password `other-partner-pw`), with
/// its own tenant `zenith`: the other side of the cross-partner matrix.
pub async fn other_partner(app: &TestApp) {
    use domain::seed::{self, NewTenant};
    let other = seed::create_partner_with_admin(&app.db, "Other MSP", "boss@other.test", "Olga", "other-partner-pw").await.unwrap();
    seed::create_tenant(&app.db, other, NewTenant { slug: "zenith", name: "Zenith Wholesale", product_name: "Zenith Hub", primary_color: "#7c3aed", logo_svg: String::new(), address: "", remit_to: "" })
        .await
        .unwrap();
}

/// The id of the demo's partner admin, Nora (partner@northwind.test).
pub async fn nora_id(app: &TestApp) -> uuid::Uuid {
    use domain::entity::platform_user;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    platform_user::Entity::find().filter(platform_user::Column::Email.eq("partner@northwind.test")).one(app.db.platform()).await.unwrap().unwrap().id
}

/// A page's status and HTML.
pub async fn page(app: &TestApp, b: &reqwest::Client, host: &str, path: &str) -> (u16, String) {
    let r = b.get(app.url(host, path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Posts a form as a browser would (the caller puts the CSRF token in, or leaves it out).
pub async fn post_form(app: &TestApp, b: &reqwest::Client, host: &str, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    b.post(app.url(host, path)).form(form).send().await.unwrap()
}

// ---- Audit trail helpers ----------------------------------------------------------------

/// A user as the audit trail names them.
pub fn dana() -> Actor {
    Actor::User { id: uuid::Uuid::nil(), name: "Dana Clerk".into() }
}

/// Records entries in one committed transaction.
pub async fn record_all(app: &TestApp, slug: &TenantSlug, entries: &[(&Actor, &str, &str, &str)]) {
    let txn = app.db.tenant_txn(slug).await.unwrap();
    for (actor, action, kind, id) in entries {
        audit::record(&txn, actor, action, kind, id, json!({"note": format!("{action} {id}")})).await.unwrap();
    }
    txn.commit().await.unwrap();
}

/// The tenant's entries matching `filter`, newest first (up to a page of the store, 1000).
pub async fn audit_entries(app: &TestApp, slug: &TenantSlug, filter: AuditFilter) -> Vec<audit::Entry> {
    let txn = app.db.tenant_txn(slug).await.unwrap();
    let all = audit::list(&txn, &filter, None, audit::MAX_PAGE).await.unwrap();
    txn.rollback().await.unwrap();
    all
}

/// Runs `sql` with the audit trail's append-only triggers out of the way, as a database
/// superuser could: PostgreSQL disables them for the transaction, SQLite drops and recreates
/// them.
pub async fn behind_the_apps_back(app: &TestApp, slug: &TenantSlug, sql: &str) {
    let txn = app.db.tenant_txn(slug).await.unwrap();
    let guards = ["UPDATE", "DELETE"].map(|op| (format!("audit_log_no_{}", op.to_lowercase()), op));
    if app.db.is_postgres() {
        txn.execute_unprepared("ALTER TABLE audit_log DISABLE TRIGGER USER").await.unwrap();
    } else {
        for (name, _) in &guards {
            txn.execute_unprepared(&format!("DROP TRIGGER {name}")).await.unwrap();
        }
    }
    txn.execute_unprepared(sql).await.unwrap();
    if app.db.is_postgres() {
        txn.execute_unprepared("ALTER TABLE audit_log ENABLE TRIGGER USER").await.unwrap();
    } else {
        for (name, op) in &guards {
            let body = "SELECT RAISE(ABORT, 'the audit trail is append-only')";
            txn.execute_unprepared(&format!("CREATE TRIGGER {name} BEFORE {op} ON audit_log BEGIN {body}; END")).await.unwrap();
        }
    }
    txn.commit().await.unwrap();
}

// ---- API helpers ------------------------------------------------------------------------

impl TestApp {
    pub async fn token_for(&self, host: &str, client: &str, secret: &str) -> String {
        let r = self.browser().post(self.url(host, "/api/v1/oauth/token")).basic_auth(client, Some(secret)).form(&[("grant_type", "client_credentials")]).send().await.unwrap();
        assert_eq!(r.status(), 200, "token for {client} at {host}");
        r.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
    }
    pub async fn acme_token(&self) -> String {
        self.token_for(ACME, "acme-erp", DEMO_API_SECRET).await
    }
    pub async fn bg_token(&self) -> String {
        self.token_for(BG, "bluegrass-erp", DEMO_API_SECRET).await
    }
    pub async fn get(&self, host: &str, token: &str, path: &str) -> reqwest::Response {
        self.browser().get(self.url(host, path)).bearer_auth(token).send().await.unwrap()
    }
    pub async fn post(&self, host: &str, token: &str, path: &str, body: &Value) -> reqwest::Response {
        self.browser().post(self.url(host, path)).bearer_auth(token).json(body).send().await.unwrap()
    }
    pub async fn post_keyed(&self, host: &str, token: &str, path: &str, body: &Value, key: &str) -> reqwest::Response {
        self.browser().post(self.url(host, path)).bearer_auth(token).header("idempotency-key", key).json(body).send().await.unwrap()
    }
    pub async fn tenant(&self, host: &str) -> domain::tenancy::TenantInfo {
        match self.scope(host).await {
            Scope::Tenant(t) => t,
            Scope::Platform => panic!("{host} is not a tenant"),
        }
    }
}

pub async fn problem(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status(), status, "expected {status}");
    let ct = r.headers().get("content-type").unwrap().to_str().unwrap().to_owned();
    assert_eq!(ct, "application/problem+json");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], status);
    assert!(!v["detail"].as_str().unwrap().is_empty());
    v
}

pub fn ev(id: &str, kind: &str, at: &str, payload: Value) -> Value {
    json!({"event_id": id, "type": kind, "occurred_at": at, "source": "erp", "payload": payload})
}

pub fn order_payload(number: &str, customer: &str) -> Value {
    json!({"number": number, "customer": customer, "po_number": format!("PO-{number}"), "channel": "edi", "currency": "USD",
           "lines": [{"line": 1, "sku": "BRG-1", "description": "Bearing", "quantity": 10, "unit_price_minor": 250},
                     {"line": 2, "sku": "HOSE-2", "description": "Hose", "quantity": 4, "unit_price_minor": 1000}]})
}

/// An order as the API reads it back.
pub async fn order(app: &TestApp, token: &str, number: &str) -> Value {
    let r = app.get(ACME, token, &format!("/api/v1/orders/{number}")).await;
    assert_eq!(r.status(), 200, "order {number}");
    r.json().await.unwrap()
}
