//! The HTTP server: request pipeline (tenant from Host, sessions, CSRF, security headers),
//! sign-in handlers, health checks and the Leptos pages. `main.rs` only parses the command
//! line and calls [`serve`].
pub mod admin;
pub mod api;
pub mod config;
pub mod exports;
pub mod middleware;
pub mod openapi;
pub mod session;
pub mod workers;

use app::{Brand, Flash, PageCtx, TenantSummary, Viewer};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self as mw, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use config::Config;
use domain::auth::{self, LoginLimits, LoginOutcome, Principal};
use domain::session_store::SqlSessionStore;
use domain::tenancy::{self, Scope};
use domain::Db;
use domain::api_clients::TokenKeys;
use domain::storage::{S3Settings, Storage};
use leptos::prelude::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::net::SocketAddr;
use tower::ServiceExt;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::Session;

/// What every handler shares. Cloning it is one reference-count increment: axum clones the
/// state for each middleware layer and extractor of every request.
#[derive(Clone)]
pub struct AppState(std::sync::Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub db: Db,
    pub storage: Storage,
    pub tokens: TokenKeys,
    pub config: Config,
    pub store: SqlSessionStore,
    /// Signs anonymous CSRF tokens (see [`session`]).
    pub csrf_key: Vec<u8>,
    /// Per-client request rates and per-tenant concurrency of the API.
    pub fair: api::fair_share::FairShare,
    /// The Leptos page router, used to render the sign-in page again after a failed attempt.
    pages: Router,
    hosts: HostCache,
}

/// How long a resolved host is trusted before its tenant row is read again: a tenant that is
/// deactivated, or changes its branding, shows it within this time on every instance.
pub const HOST_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// Host name → scope, for hosts that resolved to a site (unknown hosts are asked again each
/// time), so that a burst of API calls does not read the tenant row for every request.
#[derive(Default)]
struct HostCache(std::sync::RwLock<std::collections::HashMap<String, (std::time::Instant, Scope)>>);

impl HostCache {
    async fn resolve(&self, db: &Db, host: &str, base_domain: &str) -> domain::Result<Option<Scope>> {
        let name = tenancy::host_name(host);
        if let Some((at, scope)) = self.0.read().ok().and_then(|m| m.get(&name).cloned()) {
            if at.elapsed() < HOST_CACHE_TTL {
                return Ok(Some(scope));
            }
        }
        let found = tenancy::resolve_host(db, &name, base_domain).await?;
        if let (Some(scope), Ok(mut m)) = (&found, self.0.write()) {
            // Bounded: a flood of distinct host names cannot grow it without limit.
            if m.len() >= 10_000 {
                m.clear();
            }
            m.insert(name, (std::time::Instant::now(), scope.clone()));
        }
        Ok(found)
    }
}

/// Opens the configured database: PostgreSQL when `DATABASE_URL` says so, else SQLite files.
pub async fn open_db(config: &Config) -> Result<Db, sea_orm::DbErr> {
    match &config.database_url {
        Some(url) if url.0.starts_with("postgres") => Db::postgres(&url.0, config.db_pool).await,
        Some(url) if url.0.starts_with("sqlite:") => {
            Db::sqlite(url.0.trim_start_matches("sqlite://").trim_start_matches("sqlite:").into()).await
        }
        Some(_) => Err(sea_orm::DbErr::Custom("DATABASE_URL must start with postgres:// or sqlite://".into())),
        None => Db::sqlite(config.data_dir.clone()).await,
    }
}

/// Opens the configured document store: the S3-compatible bucket when one is configured,
/// else the local documents folder.
pub async fn open_storage(config: &Config) -> domain::Result<Storage> {
    match &config.s3 {
        Some(s3) => {
            Storage::s3(S3Settings {
                endpoint: s3.endpoint.clone(),
                bucket: s3.bucket.clone(),
                region: s3.region.clone(),
                access_key_id: s3.access_key_id.clone(),
                secret_access_key: s3.secret_access_key.0.clone(),
            })
            .await
        }
        None => Storage::local(config.documents_dir()),
    }
}

/// What the app runs on: the databases, the document store and the token keys.
#[derive(Clone)]
pub struct Backends {
    pub db: Db,
    pub storage: Storage,
    pub tokens: TokenKeys,
    /// Derived from the platform secret: signs anonymous CSRF tokens.
    pub csrf_key: Vec<u8>,
}

/// Opens the database (migrating and seeding it as configured), the document store and the
/// token signing key.
pub async fn open(config: &Config) -> anyhow_lite::Result<(Backends, bool)> {
    let db = open_db(config).await?;
    let storage = open_storage(config).await?;
    let seeded = prepare(&db, &storage, config).await?;
    let secret = domain::api_clients::signing_secret(&db, config.jwt_secret.as_ref().map(|s| s.0.as_str())).await?;
    Ok((Backends { db, storage, tokens: TokenKeys::new(&secret), csrf_key: session::csrf_key(&secret) }, seeded))
}

/// Migrates the platform and every tenant, then seeds the demo data if configured.
pub async fn prepare(db: &Db, storage: &Storage, config: &Config) -> domain::Result<bool> {
    domain::seed::migrate_all(db).await?;
    if config.demo { domain::seed::seed_demo(db, storage, config.demo_orders).await } else { Ok(false) }
}

/// Builds the whole application router.
pub fn router(backends: Backends, config: Config, leptos_options: LeptosOptions) -> Router {
    let Backends { db, storage, tokens, csrf_key } = backends;
    let routes = generate_route_list(app::App);
    let opts = leptos_options.clone();
    let pages: Router = Router::new()
        .leptos_routes_with_context(&leptos_options, routes, || {}, move || app::shell(opts.clone()))
        .fallback(leptos_axum::file_and_error_handler(app::shell))
        .with_state(leptos_options);
    let store = SqlSessionStore::new(db.clone());
    let fair = api::fair_share::FairShare::new(config.api_rate_per_client, api::fair_share::FairShare::tenant_share(config.db_pool, config.tenant_db_share));
    let state = AppState(std::sync::Arc::new(Shared { db, storage, tokens, config: config.clone(), store, csrf_key, fair, pages: pages.clone(), hosts: HostCache::default() }));

    let tenant_routes = Router::<AppState>::new()
        .route("/", get(root))
        .route("/login", post(login_post).fallback_service(pages.clone()))
        .route("/logout", post(logout_post))
        .route("/branding/logo.svg", get(logo))
        .route("/sfn/{*fn_name}", get(leptos_axum::handle_server_fns).post(leptos_axum::handle_server_fns))
        .route("/workspace/documents/{id}", get(staff_document))
        .route("/workspace/orders.csv", get(exports::orders_csv))
        .route("/workspace/admin/api-clients", post(admin::create_client))
        .route("/workspace/admin/api-clients/{id}/sources", post(admin::client_sources))
        .route("/workspace/admin/api-clients/{id}/{action}", post(admin::client_state))
        .route("/workspace/admin/users/{action}", post(admin::user_state))
        .fallback_service(pages)
        .layer(mw::from_fn_with_state(state.clone(), page_context))
        .layer(mw::from_fn_with_state(state.clone(), session::layer))
        .layer(mw::from_fn(same_origin_writes))
        .layer(mw::from_fn_with_state(state.clone(), resolve_tenant));

    let hsts = if config.https { Some(HeaderValue::from_static("max-age=31536000; includeSubDomains")) } else { None };
    let api_routes = Router::new()
        .nest("/api/v1", api::routes(state.clone()))
        .layer(mw::from_fn_with_state(state.clone(), resolve_tenant));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .merge(api_routes)
        .merge(tenant_routes)
        .with_state(state)
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            // Pages set their own, with the nonce of their inline scripts; this is the rest's.
            HeaderValue::from_str(&app::content_security_policy(None)).unwrap_or(HeaderValue::from_static("default-src 'self'")),
        ))
        .layer(middleware::panic::layer())
        .layer(SetResponseHeaderLayer::overriding(header::STRICT_TRANSPORT_SECURITY, hsts))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", request_id = %id, host = %host, tenant = tracing::field::Empty, method = %req.method(), path = %req.uri().path())
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

async fn readyz(State(st): State<AppState>) -> Response {
    if st.db.ping().await { "ready".into_response() } else { (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response() }
}

/// A plain page for errors outside the Leptos app. Title and text are escaped: the text may
/// repeat what the request sent.
pub(crate) fn neutral_page(status: StatusCode, title: &str, text: &str) -> Response {
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let (title, text) = (escape(title), escape(text));
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;max-width:40rem;margin:4rem auto\"><h1>{title}</h1><p>{text}</p></body></html>"
    );
    (status, Html(html)).into_response()
}

/// Resolves the tenant from the Host header alone. Unknown hosts get a neutral 404.
async fn resolve_tenant(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_owned).or_else(|| req.uri().host().map(str::to_owned));
    let Some(host) = host else {
        return neutral_page(StatusCode::BAD_REQUEST, "Bad request", "The request has no Host header.");
    };
    match st.hosts.resolve(&st.db, &host, &st.config.base_domain).await {
        Ok(Some(scope)) => {
            let tenant = match &scope { Scope::Platform => "platform", Scope::Tenant(t) => t.slug.as_str() };
            tracing::Span::current().record("tenant", tenant);
            req.extensions_mut().insert(scope);
            next.run(req).await
        }
        Ok(None) => neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no site at this address."),
        Err(e) => {
            tracing::error!(error = %e, "tenant lookup failed");
            neutral_page(StatusCode::SERVICE_UNAVAILABLE, "Temporarily unavailable", "Please try again in a moment.")
        }
    }
}

/// Refuses state-changing requests whose Origin is another site (CSRF defence in depth;
/// forms also carry a per-session token).
async fn same_origin_writes(req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
        if let Some(origin) = req.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
            let origin_host = origin.split("://").nth(1).unwrap_or("");
            if origin != "null" && !origin_host.eq_ignore_ascii_case(host) {
                return neutral_page(StatusCode::FORBIDDEN, "Forbidden", "Cross-site form submissions are not accepted.");
            }
        }
    }
    next.run(req).await
}

/// The signed-in user, if any, as resolved for this request.
#[derive(Clone)]
pub struct Auth(pub Option<Principal>);

/// Loads the session's user, makes sure the session has a CSRF token, guards the role home
/// pages, and records the [`PageCtx`] for the Leptos pages.
async fn page_context(State(st): State<AppState>, session: Session, mut req: Request, next: Next) -> Response {
    let Some(scope) = req.extensions().get::<Scope>().cloned() else { return next.run(req).await };
    let path = req.uri().path().to_owned();
    let is_asset = path.starts_with("/pkg/") || path.starts_with("/branding/") || path.ends_with(".svg") || path.ends_with(".ico");
    if is_asset {
        return next.run(req).await;
    }
    let uid = session.get::<String>(session::keys::USER).await.ok().flatten().and_then(|u| u.parse().ok());
    let expired = uid.is_some() && !session::still_valid(&session, st.config.session_absolute_hours).await;
    if expired {
        // Past the absolute lifetime: sign in again.
        let _ = session.flush().await;
    }
    let principal = match uid.filter(|_| !expired) {
        Some(id) => match auth::load_principal(&st.db, &scope, id).await {
            Ok(Some(p)) => Some(p),
            Ok(None) => {
                // The user is gone or disabled: end this session.
                let _ = session.flush().await;
                None
            }
            Err(e) => {
                tracing::error!(error = %e, "loading the signed-in user failed");
                return neutral_page(StatusCode::SERVICE_UNAVAILABLE, "Temporarily unavailable", "Please try again in a moment.");
            }
        },
        None => None,
    };
    // Signed in: the session's token. Anonymous: a signed double-submit cookie, so that no
    // session row is written for a visitor who only looks at the sign-in page.
    let mut new_csrf_cookie = None;
    let session_csrf = if principal.is_some() { session.get::<String>(session::keys::CSRF).await.ok().flatten() } else { None };
    let csrf = match session_csrf {
        Some(t) => t,
        None => match session::cookie_value(req.headers(), session::csrf_cookie(st.config.https)) {
            Some(t) if session::anonymous_valid(&st.csrf_key, &scope.key(), &t) => t,
            _ => {
                let t = session::mint_anonymous(&st.csrf_key, &scope.key());
                new_csrf_cookie = session::csrf_set_cookie(st.config.https, &t);
                t
            }
        },
    };
    // Role home pages and the staff workspace: anonymous users go to sign in, others to
    // their own home.
    let area = ["/portal", "/workspace", "/partner"].into_iter().find(|p| path == *p || path.starts_with(&format!("{p}/")));
    if let Some(required) = area {
        match &principal {
            None => return Redirect::to("/login").into_response(),
            Some(p) if p.role.home() != required => return Redirect::to(p.role.home()).into_response(),
            _ => {}
        }
    }
    let tenants = match (&principal, path.as_str()) {
        (Some(p), "/partner") => {
            let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
            let port = host.rsplit_once(':').map(|(_, p)| format!(":{p}")).unwrap_or_default();
            partner_tenants(&st, p, &port).await
        }
        _ => Vec::new(),
    };
    // A one-time notice is shown by the next page, not consumed by server-function calls.
    let notice = if path.starts_with("/sfn/") { None } else { session.remove::<app::Notice>("notice").await.ok().flatten() };
    let ctx = PageCtx { brand: brand_of(&scope), viewer: principal.as_ref().map(viewer_of), csrf, flash: None, tenants, notice };
    req.extensions_mut().insert(ctx);
    req.extensions_mut().insert(st.db.clone());
    if let Some(p) = &principal {
        req.extensions_mut().insert(p.clone());
    }
    let signed_in = principal.is_some();
    req.extensions_mut().insert(Auth(principal));
    let mut resp = next.run(req).await;
    if let Some(c) = new_csrf_cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    if signed_in || path.starts_with("/sfn/") {
        // Signed-in pages and server-function answers are for this user only: never stored
        // by a shared or a browser cache.
        resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    }
    resp
}

/// The partner console's tenant table: the signed-in partner's own tenants only. `port`
/// (`":3000"` or empty) is the request's own.
async fn partner_tenants(st: &AppState, who: &Principal, port: &str) -> Vec<TenantSummary> {
    tenancy::visible_tenants(&st.db, who)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|t| TenantSummary {
            url: format!("//{}.{}{port}", t.slug, st.config.base_domain),
            name: t.name,
            product_name: t.product_name,
            slug: t.slug,
            primary_color: t.primary_color,
        })
        .collect()
}

fn brand_of(scope: &Scope) -> Brand {
    match scope {
        Scope::Platform => Brand {
            product_name: "Throughline Partner Console".into(),
            org_name: "Throughline".into(),
            primary_color: "#334155".into(),
            logo_url: "/logo.svg".into(),
        },
        Scope::Tenant(t) => Brand {
            product_name: t.product_name.clone(),
            org_name: t.name.clone(),
            primary_color: t.primary_color.clone(),
            logo_url: "/branding/logo.svg".into(),
        },
    }
}

fn viewer_of(p: &Principal) -> Viewer {
    Viewer {
        name: p.name.clone(),
        email: p.email.clone(),
        role: p.role.as_str().into(),
        role_label: p.role.label().into(),
        customer_name: p.customer_name.clone(),
        home: p.role.home().into(),
    }
}

async fn root(Extension(auth): Extension<Auth>) -> Redirect {
    match auth.0 {
        Some(p) => Redirect::to(p.role.home()),
        None => Redirect::to("/login"),
    }
}

/// A document for signed-in staff of the tenant that owns it (the workspace guard has
/// already checked the role).
async fn staff_document(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, axum::extract::Path(id): axum::extract::Path<String>) -> Response {
    let (Scope::Tenant(t), Some(_)) = (scope, auth.0) else { return Redirect::to("/login").into_response() };
    let not_found = || neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no such document.");
    let Ok(id) = id.parse::<uuid::Uuid>() else { return not_found() };
    let found = async {
        let txn = st.db.tenant_txn(&t.slug).await?;
        let d = domain::orders::document(&txn, id).await;
        txn.commit().await?;
        d
    }
    .await;
    let (doc, key) = match found {
        Ok(d) => d,
        Err(domain::Error::NotFound) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "document lookup failed");
            return neutral_page(StatusCode::SERVICE_UNAVAILABLE, "Temporarily unavailable", "Please try again in a moment.");
        }
    };
    match st.storage.get(&t.slug, &key).await {
        Ok(bytes) => api::document_response(&doc, bytes),
        Err(domain::Error::NotFound) => not_found(),
        Err(e) => {
            tracing::error!(error = %e, "document read failed");
            neutral_page(StatusCode::SERVICE_UNAVAILABLE, "Temporarily unavailable", "Please try again in a moment.")
        }
    }
}

async fn logo(Extension(scope): Extension<Scope>) -> Response {
    match scope {
        Scope::Tenant(t) => ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=300")], t.logo_svg).into_response(),
        Scope::Platform => Redirect::to("/logo.svg").into_response(),
    }
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

pub(crate) fn client_ip(st: &AppState, headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
    crate::middleware::client_address(headers, peer, st.config.trust_proxy, st.config.proxy_hops)
}

/// Renders the sign-in page again with a message and the given status.
async fn login_again(st: &AppState, parts: &axum::http::request::Parts, status: StatusCode, message: &str, email: &str) -> Response {
    let mut ctx = parts.extensions.get::<PageCtx>().cloned().expect("page context");
    ctx.flash = Some(Flash { message: message.into(), email: email.into() });
    let mut req = Request::builder().method(Method::GET).uri("/login").body(Body::empty()).expect("request");
    *req.headers_mut() = parts.headers.clone();
    req.headers_mut().remove(header::CONTENT_TYPE);
    req.headers_mut().remove(header::CONTENT_LENGTH);
    req.extensions_mut().insert(ctx);
    let mut resp = st.pages.clone().oneshot(req).await.into_response();
    *resp.status_mut() = status;
    resp
}

async fn login_post(
    State(st): State<AppState>,
    session: Session,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    parts: axum::http::request::Parts,
    Extension(scope): Extension<Scope>,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return login_again(&st, &parts, StatusCode::BAD_REQUEST, "The sign-in form was incomplete. Enter your e-mail and password.", "").await;
    };
    if !session::csrf_ok(&st, &session, &parts.headers, &scope, &form.csrf).await {
        return login_again(&st, &parts, StatusCode::FORBIDDEN, "Your sign-in form has expired. Please try again.", &form.email).await;
    }
    if form.email.trim().is_empty() || form.password.is_empty() {
        return login_again(&st, &parts, StatusCode::UNPROCESSABLE_ENTITY, "Enter your e-mail and your password.", &form.email).await;
    }
    let ip = client_ip(&st, &parts.headers, Some(peer));
    let limits = LoginLimits {
        per_account_address: st.config.login_per_account_address,
        per_account: st.config.login_per_account,
        per_ip: st.config.login_per_ip,
        window_minutes: st.config.login_window_minutes,
    };
    match auth::login(&st.db, &scope, &form.email, &form.password, &ip, &limits).await {
        Ok(LoginOutcome::Success(p)) => {
            // A new session id at sign-in defeats session fixation.
            if let Err(e) = session.cycle_id().await {
                tracing::error!(error = %e, "session rotation failed");
                return neutral_page(StatusCode::SERVICE_UNAVAILABLE, "Temporarily unavailable", "Please try again in a moment.");
            }
            let now = chrono::Utc::now().timestamp();
            let _ = session.insert(session::keys::USER, p.user_id.to_string()).await;
            let _ = session.insert(session::keys::USER_KEY, auth::user_key(&scope, p.user_id)).await;
            let _ = session.insert(session::keys::CSRF, session::random_token()).await;
            let _ = session.insert(session::keys::SINCE, now).await;
            let _ = session.insert(session::keys::SEEN, now).await;
            tracing::info!(user = %p.user_id, "signed in");
            Redirect::to(p.role.home()).into_response()
        }
        Ok(LoginOutcome::Invalid) => login_again(&st, &parts, StatusCode::UNAUTHORIZED, "The e-mail or password is not correct.", &form.email).await,
        Ok(LoginOutcome::Disabled) => login_again(&st, &parts, StatusCode::FORBIDDEN, "This account has been disabled. Ask your administrator.", &form.email).await,
        Ok(LoginOutcome::RateLimited { retry_after_secs }) => {
            let minutes = (retry_after_secs + 59) / 60;
            let msg = format!("Too many sign-in attempts. Wait {minutes} minute{} and try again.", if minutes == 1 { "" } else { "s" });
            let mut r = login_again(&st, &parts, StatusCode::TOO_MANY_REQUESTS, &msg, &form.email).await;
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            r
        }
        Err(domain::Error::Busy) => {
            let mut r = login_again(&st, &parts, StatusCode::SERVICE_UNAVAILABLE, "Sign-in is very busy right now. Please try again in a moment.", &form.email).await;
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "sign-in failed");
            neutral_page(StatusCode::SERVICE_UNAVAILABLE, "Temporarily unavailable", "Please try again in a moment.")
        }
    }
}

#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout_post(
    State(st): State<AppState>,
    session: Session,
    Extension(scope): Extension<Scope>,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let token = form.map(|f| f.0.csrf).unwrap_or_default();
    if !session::csrf_ok(&st, &session, &headers, &scope, &token).await {
        return neutral_page(StatusCode::FORBIDDEN, "Forbidden", "The sign-out form has expired. Reload the page and try again.");
    }
    let _ = session.flush().await;
    Redirect::to("/login").into_response()
}

/// Runs the server until Ctrl-C or SIGTERM, finishing requests in flight.
pub async fn serve(config: Config, leptos_options: LeptosOptions) -> anyhow_lite::Result<()> {
    let (backends, seeded) = open(&config).await?;
    tracing::info!(storage = ?backends.storage, "documents");
    let backends_db = backends.db.clone();
    tokio::spawn(workers::run(backends.db.clone(), config.clone()));
    let addr = leptos_options.site_addr;
    let port = addr.port();
    let app = router(backends, config.clone(), leptos_options);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, seeded, "Throughline is listening");
    print_welcome(&backends_db, &config, port).await;
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

/// Tells the operator where to go: the demo sign-ins in demo mode, or how to create the first
/// partner admin on an empty platform. The demo password is printed in demo mode only.
async fn print_welcome(db: &Db, config: &Config, port: u16) {
    let base = &config.base_domain;
    println!("Throughline is running.");
    if config.demo {
        println!("  Partner console:  http://{base}:{port}   partner@northwind.test");
        println!("  Acme Order Hub:    http://acme.{base}:{port}   admin@acme.test, clerk@acme.test, service@acme.test, buyer@initech.test");
        println!("  Bluegrass Connect: http://bluegrass.{base}:{port}   admin@bluegrass.test, clerk@bluegrass.test, buyer@globex.test");
        println!("  Demo password (demo mode only): {}", domain::seed::DEMO_PASSWORD);
    } else if domain::seed::platform_is_empty(db).await.unwrap_or(false) {
        println!("  The platform is empty. Create the first partner and its admin:");
        println!("    throughline create-partner --name \"Your MSP\" --admin-email you@example.com");
        println!("  (the password is read from standard input, or generated and printed once)");
        println!("  Then sign in at http://{base}:{port}");
    } else {
        println!("  Partner console: http://{base}:{port}");
    }
}

async fn shutdown_signal() {
    let ctrl_c = async { tokio::signal::ctrl_c().await.ok(); };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) { s.recv().await; }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// A boxed error for the top level.
pub mod anyhow_lite {
    pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
}
