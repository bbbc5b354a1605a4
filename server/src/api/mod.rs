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
use domain::customers::{self, CustomerIn, CustomerView};
use domain::events::{self, EventIn, Fail, FieldError, InvoiceIn, OrderIn, ShipmentIn};
use domain::orders::{self, DocumentView, InvoiceView, OrderDetail, OrderFilter, OrderPage, PaymentView, ShipmentView};
use domain::tenancy::{Scope, TenantInfo};
use sea_orm::prelude::*;
use domain::TenantTxn;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Largest request body the API reads (a 1,000-event batch or a 10 MB document).
pub const BODY_LIMIT: usize = 12 * 1024 * 1024;
const DOCUMENT_LIMIT: usize = 10 * 1024 * 1024;

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
    events::parse("", &value).map_err(Problem::from)
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
        .routes(routes!(post_events))
        .routes(routes!(post_customer))
        .routes(routes!(get_customer))
        .routes(routes!(list_orders, post_order))
        .routes(routes!(get_order))
        .routes(routes!(post_shipment))
        .routes(routes!(get_shipment))
        .routes(routes!(post_delivery))
        .routes(routes!(post_document))
        .routes(routes!(get_document))
        .routes(routes!(post_invoice))
        .routes(routes!(get_invoice))
        .routes(routes!(get_invoice_810))
        .routes(routes!(post_edi))
        .routes(routes!(post_payment))
        .routes(routes!(get_payment))
        .routes(routes!(list_exceptions));
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
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
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

pub mod fair_share;
pub mod idempotency;

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

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExceptionList {
    pub items: Vec<domain::orders::ExceptionView>,
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
        let txn = st.db.tenant_txn(&self.tenant.slug).await?;
        if api_clients::is_active(&txn, self.client_id).await? { Ok(txn) } else { Err(client_disabled()) }
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
    /// parked, in the same round trip.
    async fn ingest_txn(&self, st: &AppState) -> ApiResult<(TenantTxn, bool, events::Sources)> {
        let txn = st.db.tenant_txn(&self.tenant.slug).await?;
        match events::api_preflight(&txn, self.client_id).await? {
            Some((sources, parked)) => Ok((txn, parked, sources)),
            None => Err(client_disabled()),
        }
    }
}

pub(crate) fn client_disabled() -> Problem {
    Problem::new(StatusCode::UNAUTHORIZED, CLIENT_DISABLED).challenge("invalid_token")
}

pub(crate) const CLIENT_DISABLED: &str = "the API client has been disabled or removed";

/// `POST /events`: one event object, an array of up to 1,000, or `{"events": [...]}`.
#[utoipa::path(post, path = "/events", tag = "events", security(("bearer" = ["write"])), params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body; 422 for another body, 409 while in flight")),
    request_body(content = Vec<EventIn>, description = "One event object, an array of up to 1,000, or {\"events\": [...]}"),
    responses((status = 200, description = "Each event's result", body = EventsAnswer), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 413, body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
async fn post_events(State(st): State<AppState>, api: Api, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let value: Value = json_body(&headers, &body)?;
    let (items, single) = match value {
        Value::Array(items) => (items, false),
        Value::Object(mut o) if o.len() == 1 && o.contains_key("events") => match o.remove("events") {
            Some(Value::Array(items)) => (items, false),
            _ => return Err(Problem::invalid(vec![FieldError::new("events", "must be an array of events")])),
        },
        v @ Value::Object(_) => (vec![v], true),
        _ => return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "send an event object or an array of events")),
    };
    if items.is_empty() {
        return Err(Problem::invalid(vec![FieldError::new("events", "the batch is empty")]));
    }
    if items.len() > events::MAX_BATCH {
        return Err(Problem::new(StatusCode::PAYLOAD_TOO_LARGE, format!("a batch holds at most {} events; this one has {}", events::MAX_BATCH, items.len())));
    }
    let (txn, parked, sources) = api.ingest_txn(&st).await?;
    let (results, txn) = events::ingest(txn, &items, parked, &sources).await?;
    if let Some(txn) = txn {
        api.commit(txn).await?;
    }
    let count = |r: &str| results.iter().filter(|x| x.result == r).count();
    let summary = json!({
        "accepted": count("accepted"),
        "duplicates": count("duplicate"),
        "rejected": count("rejected"),
        "results": results,
    });
    if single && results[0].result == "rejected" {
        let errors = results[0].errors.clone();
        let p = Problem::invalid(errors).with("results", summary["results"].clone());
        return Ok(p.into_response());
    }
    Ok(Json(summary).into_response())
}

fn api_event(claims: &Claims, kind: &str, payload: Value) -> EventIn {
    EventIn {
        event_id: format!("api-{}", Uuid::new_v4()),
        kind: kind.into(),
        occurred_at: Utc::now(),
        source: format!("api:{}", claims.client),
        payload,
    }
}

#[utoipa::path(post, path = "/customers", tag = "customers", security(("bearer" = ["write"])), params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body; 422 for another body, 409 while in flight")),
    request_body = CustomerIn, responses((status = 201, description = "Created", body = CustomerView), (status = 200, description = "Updated", body = CustomerView), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
async fn post_customer(State(st): State<AppState>, api: Api, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let input: CustomerIn = json_body(&headers, &body)?;
    let txn = api.txn(&st).await?;
    let (view, created) = customers::upsert(&txn, input).await?;
    api.commit(txn).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(view)).into_response())
}

#[utoipa::path(get, path = "/customers/{external_id}", tag = "customers", security(("bearer" = ["read"])),
    params(("external_id" = String, Path)), responses((status = 200, body = CustomerView), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
async fn get_customer(State(st): State<AppState>, api: Api, Path(id): Path<String>) -> ApiResult<Response> {
    let txn = api.txn(&st).await?;
    let c = customers::find(&txn, &id).await?.ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, format!("no customer {id}")))?;
    txn.commit().await?;
    Ok(Json(c).into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    customer: Option<String>,
    po_number: Option<String>,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    q: Option<String>,
    limit: Option<u64>,
    after: Option<String>,
}

#[utoipa::path(get, path = "/orders", tag = "orders", security(("bearer" = ["read"])), params(ListQuery),
    responses((status = 200, body = OrderPage), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
async fn list_orders(State(st): State<AppState>, api: Api, query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>) -> ApiResult<Response> {
    let Query(q) = query.map_err(|e| Problem::new(StatusCode::BAD_REQUEST, format!("bad query string: {}", e.body_text())))?;
    let f = OrderFilter { status: q.status, customer: q.customer, po_number: q.po_number, from: q.from, to: q.to, q: q.q };
    let txn = api.txn(&st).await?;
    let page = orders::list(&txn, &f, q.limit.unwrap_or(50), q.after.as_deref()).await?;
    txn.commit().await?;
    Ok(Json(page).into_response())
}

#[utoipa::path(get, path = "/orders/{number}", tag = "orders", security(("bearer" = ["read"])),
    params(("number" = String, Path)), responses((status = 200, body = OrderDetail), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
async fn get_order(State(st): State<AppState>, api: Api, Path(number): Path<String>) -> ApiResult<Response> {
    let txn = api.txn(&st).await?;
    let d = orders::detail(&txn, &number).await.map_err(|e| not_found(e, "order", &number))?;
    txn.commit().await?;
    Ok(Json(d).into_response())
}

fn not_found(e: domain::Error, what: &str, id: &str) -> Problem {
    match e {
        domain::Error::NotFound => Problem::new(StatusCode::NOT_FOUND, format!("no {what} {id}")),
        other => other.into(),
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
    events::apply_now(&txn, &ev).await?;
    let (view, txn) = read(txn).await?;
    api.commit(txn).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[utoipa::path(post, path = "/orders", tag = "orders", security(("bearer" = ["write"])), params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body; 422 for another body, 409 while in flight")),
    request_body = OrderIn, responses((status = 201, body = OrderDetail), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
async fn post_order(State(st): State<AppState>, api: Api, Extension(client): Extension<ApiClient>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let input: events::OrderIn = json_body(&headers, &body)?;
    let number = input.number.clone();
    {
        let txn = api.txn(&st).await?;
        let exists = events::find_order(&txn, &number).await?.is_some();
        txn.commit().await?;
        if exists {
            return Err(Problem::new(StatusCode::CONFLICT, format!("order {number} already exists")));
        }
    }
    let ev = api_event(&client.0, "order.accepted", serde_json::to_value(&input).expect("serialises"));
    write_event(&st, &api, ev, |txn| async move {
        let d = orders::detail(&txn, &number).await?;
        Ok((d, txn))
    })
    .await
}

#[utoipa::path(post, path = "/shipments", tag = "shipments", security(("bearer" = ["write"])), params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body; 422 for another body, 409 while in flight")),
    request_body = ShipmentIn, responses((status = 201, body = ShipmentView), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
async fn post_shipment(State(st): State<AppState>, api: Api, Extension(client): Extension<ApiClient>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let input: events::ShipmentIn = json_body(&headers, &body)?;
    let number = input.number.clone();
    let ev = api_event(&client.0, "shipment.dispatched", serde_json::to_value(&input).expect("serialises"));
    write_event(&st, &api, ev, |txn| async move {
        let s = orders::shipment(&txn, &number).await?;
        Ok((s, txn))
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryBody {
    #[serde(default)]
    signed_by: Option<String>,
    #[serde(default)]
    delivered_at: Option<chrono::DateTime<Utc>>,
}

#[utoipa::path(post, path = "/shipments/{number}/delivery", tag = "shipments", security(("bearer" = ["write"])), params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body; 422 for another body, 409 while in flight")),
    request_body = DeliveryBody, responses((status = 201, body = ShipmentView), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
async fn post_delivery(
    State(st): State<AppState>,
    api: Api,
    Extension(client): Extension<ApiClient>,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let input: DeliveryBody = if body.is_empty() { DeliveryBody { signed_by: None, delivered_at: None } } else { json_body(&headers, &body)? };
    let order_number = {
        let txn = api.txn(&st).await?;
        let s = orders::shipment(&txn, &number).await.map_err(|e| not_found(e, "shipment", &number))?;
        txn.commit().await?;
        s.order_number
    };
    let mut ev = api_event(&client.0, "shipment.delivered", json!({"shipment_number": number, "order_number": order_number, "signed_by": input.signed_by}));
    if let Some(at) = input.delivered_at {
        ev.occurred_at = at;
    }
    let n = number.clone();
    write_event(&st, &api, ev, |txn| async move {
        let s = orders::shipment(&txn, &n).await?;
        Ok((s, txn))
    })
    .await
}

#[utoipa::path(get, path = "/shipments/{number}", tag = "shipments", security(("bearer" = ["read"])),
    params(("number" = String, Path)), responses((status = 200, body = ShipmentView), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
async fn get_shipment(State(st): State<AppState>, api: Api, Path(number): Path<String>) -> ApiResult<Response> {
    let txn = api.txn(&st).await?;
    let s = orders::shipment(&txn, &number).await.map_err(|e| not_found(e, "shipment", &number))?;
    txn.commit().await?;
    Ok(Json(s).into_response())
}

#[utoipa::path(post, path = "/invoices", tag = "invoices", security(("bearer" = ["write"])), params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body; 422 for another body, 409 while in flight")),
    request_body = InvoiceIn, responses((status = 201, body = InvoiceView), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
async fn post_invoice(State(st): State<AppState>, api: Api, Extension(client): Extension<ApiClient>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let input: events::InvoiceIn = json_body(&headers, &body)?;
    let number = input.number.clone();
    let ev = api_event(&client.0, "invoice.posted", serde_json::to_value(&input).expect("serialises"));
    write_event(&st, &api, ev, |txn| async move {
        let i = orders::invoice(&txn, &number).await?;
        Ok((i, txn))
    })
    .await
}

#[utoipa::path(get, path = "/invoices/{number}", tag = "invoices", security(("bearer" = ["read"])),
    params(("number" = String, Path)), responses((status = 200, body = InvoiceView), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
async fn get_invoice(State(st): State<AppState>, api: Api, Path(number): Path<String>) -> ApiResult<Response> {
    let txn = api.txn(&st).await?;
    let i = orders::invoice(&txn, &number).await.map_err(|e| not_found(e, "invoice", &number))?;
    txn.commit().await?;
    Ok(Json(i).into_response())
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    number: String,
    customer: String,
    currency: String,
    amount_minor: i64,
    received_on: chrono::NaiveDate,
    #[serde(default)]
    reference: Option<String>,
    #[serde(default)]
    allocations: Vec<AllocationBody>,
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationBody {
    invoice_number: String,
    amount_minor: i64,
}

/// `POST /payments`: a payment received, optionally applied to invoices, in one transaction.
#[utoipa::path(post, path = "/payments", tag = "payments", security(("bearer" = ["write"])), params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body; 422 for another body, 409 while in flight")),
    request_body = PaymentBody, responses((status = 201, body = PaymentView), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
async fn post_payment(State(st): State<AppState>, api: Api, Extension(client): Extension<ApiClient>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let input: PaymentBody = json_body(&headers, &body)?;
    let received = json!({
        "number": input.number, "customer": input.customer, "currency": input.currency,
        "amount_minor": input.amount_minor, "received_on": input.received_on, "reference": input.reference,
    });
    let txn = api.txn(&st).await?;
    events::apply_now(&txn, &api_event(&client.0, "payment.received", received)).await?;
    for (i, a) in input.allocations.iter().enumerate() {
        let ev = api_event(&client.0, "payment.applied", json!({"payment_number": input.number, "invoice_number": a.invoice_number, "amount_minor": a.amount_minor}));
        events::apply_now(&txn, &ev).await.map_err(|f| match f {
            Fail::Reject(errs) => Fail::Reject(errs.into_iter().map(|e| FieldError::new(format!("allocations[{i}].{}", e.field.trim_start_matches("payload.")), e.reason)).collect()),
            other => other,
        })?;
    }
    let view = orders::payment(&txn, &input.number).await?;
    api.commit(txn).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[utoipa::path(get, path = "/payments/{number}", tag = "payments", security(("bearer" = ["read"])),
    params(("number" = String, Path)), responses((status = 200, body = PaymentView), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
async fn get_payment(State(st): State<AppState>, api: Api, Path(number): Path<String>) -> ApiResult<Response> {
    let txn = api.txn(&st).await?;
    let p = orders::payment(&txn, &number).await.map_err(|e| not_found(e, "payment", &number))?;
    txn.commit().await?;
    Ok(Json(p).into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ExceptionQuery {
    status: Option<String>,
}

#[utoipa::path(get, path = "/exceptions", tag = "exceptions", security(("bearer" = ["read"])), params(ExceptionQuery),
    responses((status = 200, body = ExceptionList), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
async fn list_exceptions(State(st): State<AppState>, api: Api, query: Result<Query<ExceptionQuery>, axum::extract::rejection::QueryRejection>) -> ApiResult<Response> {
    let Query(q) = query.map_err(|e| Problem::new(StatusCode::BAD_REQUEST, format!("bad query string: {}", e.body_text())))?;
    let txn = api.txn(&st).await?;
    let list = orders::exceptions(&txn, q.status.as_deref()).await?;
    txn.commit().await?;
    Ok(Json(json!({ "items": list })).into_response())
}


/// `POST /shipments/{number}/documents`: multipart with a `file` part and an optional `kind`
/// (`pod`, the default, or `packing_list`).
#[utoipa::path(post, path = "/shipments/{number}/documents", tag = "documents", security(("bearer" = ["write"])), params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body; 422 for another body, 409 while in flight")),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"), responses((status = 201, body = DocumentView), (status = 413, body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
async fn post_document(State(st): State<AppState>, api: Api, Path(number): Path<String>, multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>) -> ApiResult<Response> {
    let t = &api.tenant;
    let mut multipart = multipart.map_err(|e| Problem::new(StatusCode::BAD_REQUEST, format!("send the document as multipart/form-data: {}", e.body_text())))?;
    let mut kind = "pod".to_owned();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(Problem::new(StatusCode::BAD_REQUEST, format!("the multipart body is malformed: {}", e.body_text()))),
        };
        match field.name().unwrap_or("") {
            "kind" => kind = field.text().await.map_err(|e| Problem::new(StatusCode::BAD_REQUEST, e.body_text()))?,
            "file" => {
                let filename = domain::documents::sanitize_filename(field.file_name().unwrap_or("document"));
                let data = field.bytes().await.map_err(|e| Problem::new(StatusCode::BAD_REQUEST, e.body_text()))?;
                file = Some((filename, data.to_vec()));
            }
            other => return Err(Problem::invalid(vec![FieldError::new(other, "unknown part; send file and optionally kind")])),
        }
    }
    if !["pod", "packing_list"].contains(&kind.as_str()) {
        return Err(Problem::invalid(vec![FieldError::new("kind", "must be pod or packing_list")]));
    }
    let Some((filename, data)) = file else { return Err(Problem::invalid(vec![FieldError::new("file", "is required")])) };
    if data.is_empty() {
        return Err(Problem::invalid(vec![FieldError::new("file", "is empty")]));
    }
    if data.len() > DOCUMENT_LIMIT {
        return Err(Problem::new(StatusCode::PAYLOAD_TOO_LARGE, format!("documents are limited to {DOCUMENT_LIMIT} bytes")));
    }
    // The type is what the bytes are, not what the sender declared.
    let Some(ct) = domain::documents::sniff(&data) else {
        return Err(Problem::invalid(vec![FieldError::new("file", format!("is not a {} file (judged by its content)", domain::documents::ACCEPTED))]));
    };
    {
        let txn = api.txn(&st).await?;
        let exists = orders::shipment_exists(&txn, &number).await?;
        txn.commit().await?;
        if !exists {
            return Err(Problem::new(StatusCode::NOT_FOUND, format!("no shipment {number}")));
        }
    }
    let stored = st.storage.put(&t.slug, &kind, ct, data).await?;
    let saved = async {
        let txn = api.txn(&st).await?;
        let d = orders::attach_to_shipment(&txn, &number, &kind, &filename, ct, &stored).await.map_err(|e| not_found(e, "shipment", &number))?;
        txn.commit().await?;
        Ok::<_, Problem>(d)
    }
    .await;
    match saved {
        Ok(d) => Ok((StatusCode::CREATED, Json(d)).into_response()),
        Err(p) => {
            // Leave no orphan object behind when the record could not be written.
            let _ = st.storage.delete(&t.slug, &stored.key).await;
            Err(p)
        }
    }
}

#[utoipa::path(get, path = "/documents/{id}", tag = "documents", security(("bearer" = ["read"])),
    params(("id" = String, Path)), responses((status = 200, description = "The document's bytes", content_type = "application/octet-stream"), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
async fn get_document(State(st): State<AppState>, api: Api, Path(id): Path<String>) -> ApiResult<Response> {
    let t = &api.tenant;
    let id: Uuid = id.parse().map_err(|_| Problem::new(StatusCode::NOT_FOUND, format!("no document {id}")))?;
    let txn = api.txn(&st).await?;
    let (doc, key) = orders::document(&txn, id).await.map_err(|e| not_found(e, "document", &id.to_string()))?;
    txn.commit().await?;
    let bytes = st.storage.get(&t.slug, &key).await.map_err(|e| not_found(e, "document", &id.to_string()))?;
    Ok(document_response(&doc, bytes))
}

/// A stored document as a download: always an attachment (never rendered in our origin),
/// its stored type, sandboxed should a browser render it anyway, and never cached.
pub fn document_response(doc: &DocumentView, bytes: Vec<u8>) -> Response {
    let disposition = domain::documents::attachment_disposition(&doc.filename);
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_str(&doc.content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"))),
            (header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment"))),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox")),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
        ],
        bytes,
    )
        .into_response()
}

/// `POST /edi`: a raw X12 interchange (850s and 856s). Answers with each transaction set's
/// result and the 997 acknowledgement; an envelope error is a 422 naming the segment. The
/// interchange is read within `EdiLimits`: more segments than allowed is a 413, a segment with
/// too many elements or an over-long element a 422; both name the limit and its value.
#[utoipa::path(post, path = "/edi", tag = "edi", security(("bearer" = ["write"])), params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body; 422 for another body, 409 while in flight")),
    request_body(content = String, content_type = "application/edi-x12", description = "An X12 interchange of 850 and 856 transaction sets"),
    responses((status = 200, body = domain::edi::ImportResult), (status = 413, description = "More segments than `max_segments`; `limit` names it and its value", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Envelope error naming the segment, or an element limit (`max_elements`, `max_element_len`) named in `limit`", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
async fn post_edi(State(st): State<AppState>, api: Api, body: Bytes) -> ApiResult<Response> {
    let text = std::str::from_utf8(&body).map_err(|_| Problem::new(StatusCode::BAD_REQUEST, "the interchange must be ASCII or UTF-8 text"))?;
    let limits = &st.config.edi_limits;
    let txn = api.txn(&st).await?;
    match domain::edi::import(&txn, text, limits).await? {
        Ok(result) => {
            api.commit(txn).await?;
            Ok(Json(result).into_response())
        }
        Err(e) => {
            let field = format!("segment {} ({})", e.position, e.segment);
            let status = if e.limit.is_some_and(|l| l.is_size()) { StatusCode::PAYLOAD_TOO_LARGE } else { StatusCode::UNPROCESSABLE_ENTITY };
            let mut p = Problem::new(status, e.to_string()).with_errors(vec![FieldError::new(field, e.message.clone())]).with("position", json!(e.position));
            if let Some(l) = e.limit {
                p = p.with("limit", json!({"name": l.name(), "value": limits.value(l)}));
            }
            Err(p)
        }
    }
}

/// `GET /invoices/{number}/edi810`: the invoice as an outbound X12 810.
#[utoipa::path(get, path = "/invoices/{number}/edi810", tag = "edi", security(("bearer" = ["read"])),
    params(("number" = String, Path)), responses((status = 200, description = "An X12 810", body = String, content_type = "application/edi-x12"), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
async fn get_invoice_810(State(st): State<AppState>, api: Api, Path(number): Path<String>) -> ApiResult<Response> {
    let t = &api.tenant;
    let txn = api.txn(&st).await?;
    let inv = orders::invoice(&txn, &number).await.map_err(|e| not_found(e, "invoice", &number))?;
    let po = match &inv.order_number {
        Some(n) => events::find_order(&txn, n).await?.and_then(|o| o.po_number),
        None => None,
    };
    let customer = customers::find(&txn, &inv.customer).await?.map(|c| c.name).unwrap_or_default();
    let control = domain::edi::next_control_number(&txn).await?;
    txn.commit().await?;
    let sender_id = t.slug.as_str().to_ascii_uppercase();
    let x12 = domain::edi::render_810(&inv, po.as_deref(), &customer, ("ZZ", &sender_id), control);
    Ok(([(header::CONTENT_TYPE, "application/edi-x12")], x12).into_response())
}
