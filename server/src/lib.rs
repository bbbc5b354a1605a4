//! The HTTP server: request pipeline (tenant from Host, sessions, CSRF, security headers),
//! sign-in handlers, health checks and the Leptos pages. `main.rs` only parses the command
//! line and calls [`serve`].
pub mod admin;
pub mod admin_customers;
pub mod admin_jobs;
pub mod admin_rules;
pub mod admin_reminders;
mod brand_images;
mod data_export;
mod support_forms;
mod invite_forms;
mod partner_forms;
mod policy_forms;
mod retention;
mod team_forms;
mod tls_ask;
pub mod admin_webhooks;
pub mod promise_forms;
pub mod api;
pub mod config;
mod dispute_forms;
pub mod dns;
mod domain_forms;
pub mod exports;
pub mod middleware;
pub mod openapi;
pub mod outbound;
mod pages;
mod portal;
pub mod queue_export;
pub mod queue_forms;
pub mod session;
mod signin;
pub mod startup;
mod uploads;
pub mod webhooks;
pub mod workers;

pub use startup::{Backends, open, open_db, open_storage, prepare, serve};
pub(crate) use middleware::client_ip;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware as mw;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use config::Config;
use domain::Db;
use domain::api_clients::TokenKeys;
use domain::session_store::SqlSessionStore;
use domain::storage::Storage;
use leptos::prelude::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
pub use middleware::page::Auth;
use middleware::page::page_context;
use middleware::tenant::{HostCache, resolve_tenant, same_origin_writes};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

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
    /// Derives invitation links' tokens (see [`domain::invitations::key`]).
    pub invite_key: Vec<u8>,
    /// Per-client request rates and per-tenant concurrency of the API.
    pub fair: api::fair_share::FairShare,
    /// The Leptos page router, used to render the sign-in page again after a failed attempt.
    pub(crate) pages: Router,
    pub(crate) hosts: HostCache,
    /// Looks up custom domains' TXT records (see [`dns`]).
    pub dns: std::sync::Arc<dyn domain::domains::TxtLookup>,
}


/// Builds the whole application router.
pub fn router(backends: Backends, config: Config, leptos_options: LeptosOptions) -> Router {
    let Backends { db, storage, tokens, csrf_key, invite_key } = backends;
    // Built once per process: generating the route list renders the whole app with Leptos's
    // process-wide "suppress resource loading" flag set, and a page rendered meanwhile by
    // another router in the same process (tests run many) would wait for its data forever
    // (leptos-rs/leptos#4773). The list is plain data, the same for every router.
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    let routes = ROUTES.get_or_init(|| generate_route_list(app::App)).clone();
    let opts = leptos_options.clone();
    let pages: Router = Router::new()
        .leptos_routes_with_context(&leptos_options, routes, || {}, move || app::shell(opts.clone()))
        .fallback(leptos_axum::file_and_error_handler(app::shell))
        .with_state(leptos_options);
    let store = SqlSessionStore::new(db.clone());
    let fair = api::fair_share::FairShare::new(config.api_rate_per_client, api::fair_share::FairShare::tenant_share(config.db_pool, config.tenant_db_share));
    let state = AppState(std::sync::Arc::new(Shared { db, storage, tokens, config: config.clone(), store, csrf_key, invite_key, fair, pages: pages.clone(), hosts: HostCache::default(), dns: dns::resolver(&config) }));

    let tenant_routes = Router::<AppState>::new()
        .route("/", get(middleware::page::root))
        .route("/login", post(signin::login_post).fallback_service(pages.clone()))
        .route("/logout", post(signin::logout_post))
        .route("/branding/logo", get(brand_images::logo))
        .route("/branding/logo.svg", get(brand_images::logo))
        .route("/branding/favicon", get(brand_images::favicon))
        .route("/sfn/{*fn_name}", get(leptos_axum::handle_server_fns).post(leptos_axum::handle_server_fns))
        .route("/workspace/documents/{id}", get(pages::staff_document))
        .route("/portal/documents/{id}", get(portal::document))
        .route("/portal/invoices/{number}/pdf", get(portal::invoice_pdf))
        .route("/portal/invoices/{number}/dispute", post(portal::open_dispute).fallback_service(pages.clone()))
        .route("/portal/disputes/{number}/messages", post(portal::post_message))
        .route("/portal/invoices/{number}/promise", post(promise_forms::customer))
        .route("/workspace/invoices/{number}/promise", post(promise_forms::staff))
        .route("/portal/statement.pdf", get(portal::statement_pdf))
        .route("/portal/orders.csv", get(portal::orders_csv))
        .route("/portal/invoices.csv", get(portal::invoices_csv))
        .route("/workspace/orders.csv", get(exports::orders_csv))
        .route("/workspace/shipments/{number}/documents", post(pages::staff_upload))
        .route("/workspace/admin/api-clients", post(admin::create_client))
        .route("/workspace/admin/api-clients/{id}/sources", post(admin::client_sources))
        .route("/workspace/admin/api-clients/{id}/{action}", post(admin::client_state))
        .route("/workspace/admin/users/{action}", post(admin::user_state))
        .route("/workspace/admin/customers/{external_id}/settings", post(admin_customers::save_settings))
        .route("/workspace/admin/webhooks/new", post(admin_webhooks::create))
        .route("/workspace/admin/webhooks/{id}/settings", post(admin_webhooks::update))
        .route("/workspace/admin/webhooks/{id}/rotate", post(admin_webhooks::rotate))
        .route("/workspace/admin/webhooks/{id}/test", post(admin_webhooks::test))
        .route("/workspace/admin/webhooks/{id}/replay", post(admin_webhooks::replay_since))
        .route("/workspace/admin/webhooks/{id}/deliveries/{delivery}/replay", post(admin_webhooks::replay_one))
        .route("/workspace/admin/audit.csv", get(admin_jobs::audit_csv))
        .route("/workspace/admin/jobs/{id}/{action}", post(admin_jobs::job_action))
        .route("/workspace/admin/rules/{rule}", post(admin_rules::save_rule))
        .route("/workspace/admin/rules/{rule}/revert", post(policy_forms::revert))
        .route("/workspace/admin/domains", post(domain_forms::admin_add).fallback_service(pages.clone()))
        .route("/workspace/admin/domains/{id}/check", post(domain_forms::admin_check))
        .route("/workspace/admin/domains/{id}/remove", post(domain_forms::admin_remove))
        .route("/workspace/admin/reminders/defaults", post(admin_reminders::defaults))
        .route("/workspace/admin/reminders/sequences", post(admin_reminders::sequences_post))
        .route("/invite/{token}", get(invite_forms::page).post(invite_forms::accept))
        .route("/partner/tenants", post(partner_forms::create))
        .route("/partner/policies/rules/{rule}", post(policy_forms::rule))
        .route("/partner/policies/reminders/defaults", post(policy_forms::delivery))
        .route("/partner/policies/reminders/sequences", post(policy_forms::dunning))
        .route("/partner/policies/branding", post(policy_forms::branding))
        .route("/partner/tenants/{slug}/branding/follow", post(policy_forms::follow_brand))
        .route("/partner/team/invite", post(team_forms::invite))
        .route("/partner/team/invitations/{id}/withdraw", post(team_forms::withdraw))
        .route("/partner/team/users/{id}/disable", post(team_forms::disable))
        .route("/partner/team/users/{id}/enable", post(team_forms::enable))
        .route("/partner/tenants/{slug}/invite", post(partner_forms::invite))
        .route("/partner/tenants/{slug}/suspend", post(partner_forms::suspend))
        .route("/partner/tenants/{slug}/reactivate", post(partner_forms::reactivate))
        .route("/partner/tenants/{slug}/branding", post(partner_forms::branding).fallback_service(pages.clone()))
        .route("/partner/tenants/{slug}/images", post(brand_images::upload))
        .route("/partner/tenants/{slug}/exports", post(data_export::request).fallback_service(pages.clone()))
        .route("/partner/tenants/{slug}/exports/{id}", get(data_export::download))
        .route("/partner/tenants/{slug}/support", post(support_forms::request).fallback_service(pages.clone()))
        .route("/partner/tenants/{slug}/support/{id}/enter", post(support_forms::enter_link))
        .route("/support/enter/{token}", get(support_forms::enter))
        .route("/workspace/admin/support/policy", post(support_forms::policy))
        .route("/workspace/admin/support/{id}/{decision}", post(support_forms::decide))
        .route("/partner/tenants/{slug}/images/{kind}", get(brand_images::console_image))
        .route("/partner/tenants/{slug}/domains", post(domain_forms::console_add).fallback_service(pages.clone()))
        .route("/partner/tenants/{slug}/domains/{id}/check", post(domain_forms::console_check))
        .route("/partner/tenants/{slug}/domains/{id}/remove", post(domain_forms::console_remove))
        .route("/workspace/exceptions/{id}/{action}", post(queue_forms::act_on_exception))
        .route("/workspace/disputes/{number}/messages", post(dispute_forms::reply))
        .route("/workspace/disputes/{number}/resolve", post(dispute_forms::resolve))
        .route("/workspace/queues/{queue}/bulk", post(queue_forms::bulk))
        .route("/workspace/queues/{queue}/export.csv", get(queue_export::queue_csv))
        .fallback_service(pages)
        // Form posts may carry documents (portal evidence, staff PODs): up to the upload
        // limit and the multipart framing, not axum's 2 MB default.
        .layer(axum::extract::DefaultBodyLimit::max(config.upload_limit + 1024 * 1024))
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
        .route("/internal/tls/ask", get(tls_ask::ask))
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
            // Invitation and support links carry secrets: never logged.
            let raw = req.uri().path();
            let path = if raw.starts_with("/invite/") {
                "/invite/…"
            } else if raw.starts_with("/support/enter/") {
                "/support/enter/…"
            } else {
                raw
            };
            tracing::info_span!("request", request_id = %id, host = %host, tenant = tracing::field::Empty, method = %req.method(), path = %path)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

async fn readyz(State(st): State<AppState>) -> Response {
    if st.db.ping().await { "ready".into_response() } else { (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response() }
}

/// A plain page for errors outside the Leptos app. Title and text are escaped: the text may
/// repeat what the request sent.
/// The one conversion of a service error to an HTML page: the error's status and public
/// message; the details are logged with an id.
pub(crate) fn error_page(e: domain::AppError, what: &str) -> Response {
    let id = uuid::Uuid::new_v4();
    tracing::error!(error_id = %id, error = %e, "{what} failed");
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let title = status.canonical_reason().unwrap_or("Error");
    let text = if status.is_server_error() { format!("{} (reference {id})", e.public_message()) } else { e.public_message() };
    neutral_page(status, title, &text)
}

pub(crate) fn neutral_page(status: StatusCode, title: &str, text: &str) -> Response {
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let (title, text) = (escape(title), escape(text));
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;max-width:40rem;margin:4rem auto\"><h1>{title}</h1><p>{text}</p></body></html>"
    );
    (status, Html(html)).into_response()
}


/// A boxed error for the top level.
pub mod anyhow_lite {
    pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
}
