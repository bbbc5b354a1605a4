//! The integration API, `/api/v1` on each tenant's host.
//!
//! - `POST /oauth/token` (client credentials, HTTP Basic or form body) issues a short-lived JWT
//!   bound to the tenant; everything else needs `Authorization: Bearer`.
//! - `GET` needs the `read` scope, `POST` the `write` scope.
//! - Every `POST` honours `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header).
//! - Errors are `application/problem+json` (RFC 9457) with an `errors` list of fields.
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa_axum::{router::OpenApiRouter, routes};
use axum::{Extension, Json, Router};
use base64::Engine;
use chrono::Utc;
use domain::api_clients::{self, Claims};
use domain::customers::{CustomerIn, CustomerView};
use domain::events::{EventIn, Fail, FieldError, InvoiceIn, OrderIn, ShipmentIn};
use domain::orders::{DocumentView, InvoiceView, OrderDetail, OrderFilter, OrderPage, PaymentView, ShipmentView};
use domain::tenancy::{Scope, TenantInfo};
use sea_orm::prelude::*;
use domain::TenantTxn;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Largest request body the API reads besides a document (a 1,000-event batch); a document
/// upload may be as large as `THROUGHLINE_UPLOAD_LIMIT_MB` and its multipart framing.
pub const BODY_LIMIT: usize = 12 * 1024 * 1024;

// ---- problems -------------------------------------------------------------------------

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extra: serde_json::Map<String, Value>,
    /// The `error` of a `WWW-Authenticate: Bearer` challenge sent with a 401.
    #[serde(skip)]
    #[schema(ignore)]
    challenge: Option<&'static str>,
    /// Seconds for a `Retry-After` header (429, 503).
    #[serde(skip)]
    #[schema(ignore)]
    retry_after: Option<i64>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: vec![],
            extra: Default::default(),
            challenge: None,
            retry_after: None,
        }
    }
    pub fn retry_after(mut self, secs: i64) -> Self {
        self.retry_after = Some(secs);
        self
    }
    fn challenge(mut self, error: &'static str) -> Self {
        self.challenge = Some(error);
        self
    }
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }
    pub fn with(mut self, key: &str, v: Value) -> Self {
        self.extra.insert(key.into(), v);
        self
    }
    fn invalid(errors: Vec<FieldError>) -> Self {
        let detail = errors.iter().map(|e| if e.field.is_empty() { e.reason.clone() } else { format!("{}: {}", e.field, e.reason) }).collect::<Vec<_>>().join("; ");
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, detail).with_errors(errors)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut r = (status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response();
        if let Some(secs) = self.retry_after {
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Some(error) = self.challenge {
            if let Ok(v) = HeaderValue::from_str(&format!("Bearer error=\"{error}\", error_description=\"{}\"", self.detail)) {
                r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
        }
        r
    }
}

type ApiResult<T> = Result<T, Problem>;

/// The one conversion of a service error to a problem document: the status the error
/// documents; internals logged with an id, never shown.
impl From<domain::AppError> for Problem {
    fn from(e: domain::AppError) -> Self {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match e {
            domain::AppError::Invalid(m) => Problem::new(status, m),
            domain::AppError::NotFound => Problem::new(status, "no such object here"),
            domain::AppError::Conflict(m) => Problem::new(status, m),
            domain::AppError::Forbidden(m) => Problem::new(status, m),
            domain::AppError::Busy => Problem::new(status, "too many credential checks are running; retry in a moment").retry_after(2),
            // Two requests wrote the same thing at once: the retry finds it written.
            domain::AppError::Db(_) if status == StatusCode::CONFLICT => Problem::new(status, "a concurrent request wrote the same object; retry to see its result"),
            other if status == StatusCode::SERVICE_UNAVAILABLE => {
                tracing::error!(error = %other, "a backing service is unreachable");
                Problem::new(status, "the service is temporarily unavailable; retry later").retry_after(5)
            }
            other => {
                let id = Uuid::new_v4();
                tracing::error!(error_id = %id, error = %other, "API request failed");
                Problem::new(StatusCode::INTERNAL_SERVER_ERROR, format!("something went wrong on our side; it has been logged as {id}")).with("error_id", json!(id.to_string()))
            }
        }
    }
}

impl From<DbErr> for Problem {
    fn from(e: DbErr) -> Self {
        domain::Error::Db(e).into()
    }
}

impl From<Fail> for Problem {
    fn from(f: Fail) -> Self {
        match f {
            Fail::Reject(errors) => Problem::invalid(errors),
            Fail::Db(e) => e.into(),
        }
    }
}

/// Parses a JSON body strictly, naming the field that is wrong.
fn json_body<T: serde::de::DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> ApiResult<T> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !ct.starts_with("application/json") {
        return Err(Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "send the body as application/json"));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| Problem::new(StatusCode::BAD_REQUEST, format!("the body is not valid JSON: {e}")))?;
    domain::events::parse("", &value).map_err(Problem::from)
}

// ---- router ---------------------------------------------------------------------------

/// The tenant's API client, as proven by its token.
#[derive(Clone)]
pub struct ApiClient(pub Claims);

/// The API's endpoints, each declared once: its path, method and OpenAPI entry all come from
/// the handler's `#[utoipa::path]` (utoipa-axum). Returns the token endpoint and the
/// authenticated endpoints, without layers.
fn declared() -> (OpenApiRouter<AppState>, OpenApiRouter<AppState>) {
    let public = OpenApiRouter::new().routes(routes!(token));
    let authed = OpenApiRouter::new()
        .routes(routes!(events::post_events))
        .routes(routes!(customers::post_customer))
        .routes(routes!(customers::get_customer))
        .routes(routes!(orders::list_orders, orders::post_order))
        .routes(routes!(orders::get_order))
        .routes(routes!(shipments::post_shipment))
        .routes(routes!(shipments::get_shipment))
        .routes(routes!(shipments::post_delivery))
        .routes(routes!(documents::post_document))
        .routes(routes!(documents::get_document))
        .routes(routes!(invoices::post_invoice))
        .routes(routes!(invoices::get_invoice))
        .routes(routes!(invoices::get_invoice_810))
        .routes(routes!(edi::post_edi))
        .routes(routes!(edi::get_outbox))
        .routes(routes!(payments::post_payment))
        .routes(routes!(payments::get_payment))
        .routes(routes!(exceptions::list_exceptions))
        .routes(routes!(exceptions::get_exception))
        .routes(routes!(exceptions::act_on_exception))
        .routes(routes!(disputes::list_disputes, disputes::post_dispute))
        .routes(routes!(disputes::get_dispute))
        .routes(routes!(disputes::post_dispute_message))
        .routes(routes!(disputes::resolve_dispute))
        .routes(routes!(webhooks::list_endpoints, webhooks::post_endpoint))
        .routes(routes!(webhooks::get_endpoint, webhooks::put_endpoint))
        .routes(routes!(webhooks::rotate_endpoint))
        .routes(routes!(webhooks::test_endpoint))
        .routes(routes!(webhooks::list_deliveries))
        .routes(routes!(webhooks::list_attempts))
        .routes(routes!(webhooks::replay_delivery))
        .routes(routes!(webhooks::replay_failed));
    (public, authed)
}

/// The OpenAPI paths of `/api/v1`, from the same declarations as the router.
pub fn openapi_paths() -> utoipa::openapi::OpenApi {
    let (public, authed) = declared();
    OpenApiRouter::new().nest("/api/v1", public.merge(authed)).into_openapi()
}

pub fn routes(state: AppState) -> Router<AppState> {
    let (public, authed) = declared();
    let authed = authed
        // Inside the idempotency layer: a panic becomes a 500 that releases the key.
        .layer(crate::middleware::panic::layer())
        .layer(middleware::from_fn_with_state(state.clone(), idempotency::layer))
        .layer(middleware::from_fn_with_state(state.clone(), fair_share::layer))
        .layer(middleware::from_fn_with_state(state.clone(), bearer));
    let (api, _) = public.merge(authed).split_for_parts();
    api.route("/openapi.json", get(crate::openapi::document))
        .route("/reference", get(crate::openapi::reference))
        .fallback(|| async { Problem::new(StatusCode::NOT_FOUND, "no such API endpoint; see /api/v1/openapi.json") })
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT.max(state.config.upload_limit + 64 * 1024)))
        .layer(middleware::from_fn(tenant_only))
        .layer(middleware::from_fn(problems_only))
}

/// Every API error is a problem document, including the ones axum answers by itself (wrong
/// method, body too large, unreadable body).
async fn problems_only(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let is_problem = resp.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024).await.map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    let detail = match status {
        StatusCode::METHOD_NOT_ALLOWED => "this endpoint does not take that method; see /api/v1/openapi.json".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => format!("the body is larger than {BODY_LIMIT} bytes"),
        _ if !text.trim().is_empty() => text.trim().to_owned(),
        _ => status.canonical_reason().unwrap_or("error").to_owned(),
    };
    let mut r = Problem::new(status, detail).into_response();
    for (k, v) in parts.headers.iter() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            r.headers_mut().insert(k.clone(), v.clone());
        }
    }
    r
}

/// The API exists on tenant hosts only.
async fn tenant_only(req: Request, next: Next) -> Response {
    match req.extensions().get::<Scope>() {
        Some(Scope::Tenant(_)) => next.run(req).await,
        _ => Problem::new(StatusCode::NOT_FOUND, "the API is served on a tenant's host").into_response(),
    }
}

pub(crate) fn tenant_of(req: &Request) -> Option<TenantInfo> {
    match req.extensions().get::<Scope>() {
        Some(Scope::Tenant(t)) => Some(t.clone()),
        _ => None,
    }
}

fn unauthorized(reason: &str, error: &'static str) -> Response {
    Problem::new(StatusCode::UNAUTHORIZED, reason).challenge(error).into_response()
}

/// Checks the bearer token: signature, expiry, tenant and scope.
async fn bearer(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(tenant) = tenant_of(&req) else { return Problem::new(StatusCode::NOT_FOUND, "not a tenant host").into_response() };
    let auth = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    let Some(token) = auth.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty()) else {
        return unauthorized("send an access token as Authorization: Bearer <token>; get one from POST /api/v1/oauth/token", "invalid_request");
    };
    let claims = match st.tokens.verify(token, &tenant) {
        Ok(c) => c,
        Err(e) => return unauthorized(e.reason(), "invalid_token"),
    };
    if claims.client_id().is_none() {
        return unauthorized("the access token names no client", "invalid_token");
    }
    // Whether the client is still enabled is checked by the request's own transaction
    // (`Api::txn`), which every handler opens first.
    let need = if matches!(*req.method(), Method::GET | Method::HEAD) { "read" } else { "write" };
    if !claims.has_scope(need) {
        let mut r = Problem::new(StatusCode::FORBIDDEN, format!("this request needs the {need} scope; the token has: {}", claims.scope)).into_response();
        if let Ok(v) = HeaderValue::from_str(&format!("Bearer error=\"insufficient_scope\", scope=\"{need}\"")) {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        return r;
    }
    req.extensions_mut().insert(ApiClient(claims));
    next.run(req).await
}

mod customers;
mod disputes;
mod documents;
mod edi;
mod events;
mod exceptions;
pub mod fair_share;
pub mod idempotency;
mod invoices;
mod orders;
mod payments;
mod shipments;
mod webhooks;

pub use documents::{attachment, document_response};

/// Deletes idempotency keys older than `hours` in one tenant.
pub use domain::maintenance::purge_idempotency_keys;

/// Documentation types: what the token endpoint and a few list endpoints exchange.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    /// Always `client_credentials`.
    pub grant_type: String,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// `Bearer`.
    pub token_type: String,
    /// Seconds.
    pub expires_in: i64,
    /// Space-separated: `read`, `write`.
    pub scope: String,
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct EventsAnswer {
    pub accepted: usize,
    pub duplicates: usize,
    pub rejected: usize,
    pub results: Vec<domain::events::EventResult>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct DocumentUpload {
    /// The file (PDF, PNG, JPEG, TIFF or GIF; at most 10 MB).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `pod` (default) or `packing_list`.
    kind: Option<String>,
}

// ---- token ----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct TokenForm {
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    client_secret: Option<String>,
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut r = Problem::new(status, description).with("error", json!(error)).with("error_description", json!(description)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"throughline-api\""));
    }
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `POST /api/v1/oauth/token`: the client-credentials grant (RFC 6749 §4.4).
#[utoipa::path(post, path = "/oauth/token", tag = "auth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded", description = "grant_type=client_credentials; credentials as HTTP Basic or client_id/client_secret"),
    responses((status = 200, body = TokenResponse), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn token(
    State(st): State<AppState>,
    Extension(scope): Extension<Scope>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Scope::Tenant(tenant) = scope else { return oauth_error(StatusCode::NOT_FOUND, "invalid_request", "not a tenant host") };
    let form: TokenForm = match serde_urlencoded::from_bytes(&body) {
        Ok(f) => f,
        Err(e) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &format!("the body must be application/x-www-form-urlencoded: {e}")),
    };
    if form.grant_type != "client_credentials" {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "grant_type must be client_credentials");
    }
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(a, b)| (urlencoding_decode(a), urlencoding_decode(b))));
    let (id, secret) = match (basic, form.client_id, form.client_secret) {
        (Some(pair), None, None) => pair,
        (None, Some(id), Some(secret)) => (id, secret),
        (Some(_), _, _) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "send the client credentials either as HTTP Basic or in the body, not both"),
        _ => return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "send client_id and client_secret (HTTP Basic or form body)"),
    };
    let ip = crate::client_ip(&st, &headers, Some(peer));
    if let Some(limited) = token_rate_limited(&st, &tenant, &id, &ip).await {
        return limited;
    }
    match api_clients::authenticate(&st.db, &tenant, &id, &secret).await {
        Ok(Some(client)) => match st.tokens.issue(&tenant, &client, st.config.token_minutes) {
            Ok((token, ttl)) => {
                let mut r = Json(json!({"access_token": token, "token_type": "Bearer", "expires_in": ttl, "scope": client.scopes})).into_response();
                r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                r
            }
            Err(e) => Problem::from(e).into_response(),
        },
        Ok(None) => oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client or wrong secret"),
        Err(e) => Problem::from(e).into_response(),
    }
}

/// Counts a token request per client id and per address; answers 429 past either limit. Each
/// request costs a secret check (Argon2id), so guessing is slowed as well as bounded.
async fn token_rate_limited(st: &AppState, tenant: &TenantInfo, client: &str, ip: &str) -> Option<Response> {
    use domain::rate_limit::{Limit, hit};
    let keys = [
        (format!("token:ip:{ip}"), st.config.token_per_ip),
        (format!("token:client:{}:{}", tenant.slug, client.trim()), st.config.token_per_client),
    ];
    for (key, max) in keys {
        match hit(st.db.platform(), &key, Limit { max, window_secs: 60 }).await {
            Ok(h) if h.allowed() => {}
            Ok(h) => {
                let mut r = oauth_error(StatusCode::TOO_MANY_REQUESTS, "slow_down", "too many token requests; retry after the Retry-After seconds");
                r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(h.reset_secs));
                return Some(r);
            }
            Err(e) => return Some(Problem::from(e).into_response()),
        }
    }
    None
}

/// RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64.
fn urlencoding_decode(s: &str) -> String {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}")).ok().and_then(|mut v| v.pop()).map(|(_, v)| v).unwrap_or_else(|| s.to_owned())
}

// ---- handlers -------------------------------------------------------------------------

/// The tenant and API client of a request that passed [`bearer`].
pub struct Api {
    pub tenant: TenantInfo,
    client_id: Uuid,
    /// Present under an `Idempotency-Key`: the final write's transaction goes there.
    slot: Option<idempotency::Slot>,
}

impl<S: Send + Sync> FromRequestParts<S> for Api {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Problem> {
        let Some(Scope::Tenant(tenant)) = parts.extensions.get::<Scope>().cloned() else {
            return Err(Problem::new(StatusCode::NOT_FOUND, "not a tenant host"));
        };
        let client_id = parts.extensions.get::<ApiClient>().and_then(|c| c.0.client_id());
        let Some(client_id) = client_id else { return Err(Problem::new(StatusCode::UNAUTHORIZED, "send an access token")) };
        Ok(Api { tenant, client_id, slot: parts.extensions.get::<idempotency::Slot>().cloned() })
    }
}

impl Api {
    /// Opens the tenant's transaction. Its first statement checks that the API client is still
    /// enabled, so a disabled client's tokens stop at once without a transaction of their own.
    async fn txn(&self, st: &AppState) -> ApiResult<TenantTxn> {
        api_clients::txn_if_active(&st.db, &self.tenant.slug, self.client_id).await?.ok_or_else(client_disabled)
    }

    /// Commits a handler's one write transaction; under an `Idempotency-Key` the idempotency
    /// layer commits it instead, together with the key and the answer.
    async fn commit(&self, txn: TenantTxn) -> ApiResult<()> {
        match &self.slot {
            Some(slot) => slot.park(txn).await,
            None => txn.commit().await?,
        }
        Ok(())
    }

    /// [`Api::txn`] for event ingestion: the client check also tells whether any event is
    /// parked and finds the customer a single event names, in the transaction's first statement.
    async fn ingest_txn(&self, st: &AppState, named: domain::events::Named<'_>) -> ApiResult<(TenantTxn, domain::events::Preflight)> {
        match domain::events::api_preflight(&st.db, &self.tenant.slug, self.client_id, named).await? {
            (txn, Some(pre)) => Ok((txn, pre)),
            (_, None) => Err(client_disabled()),
        }
    }
}

pub(crate) fn client_disabled() -> Problem {
    Problem::new(StatusCode::UNAUTHORIZED, CLIENT_DISABLED).challenge("invalid_token")
}

pub(crate) const CLIENT_DISABLED: &str = "the API client has been disabled or removed";

fn not_found(e: domain::Error, what: &str, id: &str) -> Problem {
    match e {
        domain::Error::NotFound => Problem::new(StatusCode::NOT_FOUND, format!("no {what} {id}")),
        other => other.into(),
    }
}

/// The event a resource write (`POST /orders`…) stands for, under the client's `api:` source.
fn api_event(claims: &Claims, kind: &str, payload: Value) -> EventIn {
    EventIn {
        event_id: format!("api-{}", Uuid::new_v4()),
        kind: kind.into(),
        occurred_at: Utc::now(),
        source: format!("api:{}", claims.client),
        payload,
    }
}

/// Runs one resource write as an event and answers with the resource read back.
async fn write_event<F, Fut, T>(st: &AppState, api: &Api, ev: EventIn, read: F) -> ApiResult<Response>
where
    F: FnOnce(TenantTxn) -> Fut,
    Fut: std::future::Future<Output = ApiResult<(T, TenantTxn)>>,
    T: Serialize,
{
    let txn = api.txn(st).await?;
    domain::events::apply_now(&txn, &ev).await?;
    let (view, txn) = read(txn).await?;
    api.commit(txn).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}
