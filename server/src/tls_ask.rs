//! `GET /internal/tls/ask?domain=…`, the contract of Caddy's on-demand TLS `ask` endpoint: a
//! 2xx when the name is one this platform serves — the base domain, a tenant's subdomain, or a
//! verified custom domain (a suspended tenant's too, so its users still reach its notice over
//! HTTPS) — and 404 otherwise, so that a proxy obtains certificates only for those names. It
//! says no more than public DNS does: whether a name is served here.
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;

#[derive(serde::Deserialize)]
pub struct Ask {
    #[serde(default)]
    domain: String,
}

pub async fn ask(State(st): State<AppState>, Query(q): Query<Ask>) -> (StatusCode, &'static str) {
    let name = q.domain.trim();
    if name.is_empty() || name.len() > 253 {
        return (StatusCode::BAD_REQUEST, "the domain parameter is missing or longer than 253 characters");
    }
    match domain::tenancy::resolve_site(&st.db, name, &st.config.base_domain).await {
        Ok(Some(_)) => (StatusCode::OK, "served here"),
        Ok(None) => (StatusCode::NOT_FOUND, "not served here"),
        Err(e) => {
            tracing::warn!(error = %e, "the TLS ask could not read the tenants");
            (StatusCode::SERVICE_UNAVAILABLE, "try again")
        }
    }
}
