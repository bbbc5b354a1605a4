//! The tenant of a request, from its Host alone, and the same-origin check on writes.
use crate::{AppState, neutral_page};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::http::Method;
use domain::Db;
use domain::tenancy::{self, Scope, Site};

/// How long a resolved host is trusted before its tenant row is read again: a tenant that is
/// deactivated, or changes its branding, shows it within this time on every instance.
pub const HOST_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// Host name → site, for hosts that resolved to one (unknown hosts are asked again each
/// time), so that a burst of API calls does not read the tenant row for every request.
#[derive(Default)]
pub(crate) struct HostCache(std::sync::RwLock<std::collections::HashMap<String, (std::time::Instant, Site)>>);

impl HostCache {
    pub(crate) async fn resolve(&self, db: &Db, host: &str, base_domain: &str) -> domain::Result<Option<Site>> {
        let name = tenancy::host_name(host);
        if let Some((at, scope)) = self.0.read().ok().and_then(|m| m.get(&name).cloned()) {
            if at.elapsed() < HOST_CACHE_TTL {
                return Ok(Some(scope));
            }
        }
        let found = tenancy::resolve_site(db, &name, base_domain).await?;
        if let (Some(scope), Ok(mut m)) = (&found, self.0.write()) {
            // Bounded: a flood of distinct host names cannot grow it without limit.
            if m.len() >= 10_000 {
                m.clear();
            }
            m.insert(name, (std::time::Instant::now(), scope.clone()));
        }
        Ok(found)
    }

    /// Forgets every resolved host, so that this instance shows a tenant's new state at once
    /// (other instances within [`HOST_CACHE_TTL`]).
    pub(crate) fn forget(&self) {
        if let Ok(mut m) = self.0.write() {
            m.clear();
        }
    }
}


/// Resolves the tenant from the Host header alone. Unknown hosts get a neutral 404; a
/// suspended tenant a neutral 403 page (its API a 403 problem), whatever the path.
pub(crate) async fn resolve_tenant(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_owned).or_else(|| req.uri().host().map(str::to_owned));
    let Some(host) = host else {
        return neutral_page(StatusCode::BAD_REQUEST, "Bad request", "The request has no Host header.");
    };
    match st.hosts.resolve(&st.db, &host, &st.config.base_domain).await {
        Ok(Some(Site::Suspended(name))) => suspended(&name, req.uri().path()),
        Ok(Some(Site::Open(scope))) => {
            let tenant = match &scope { Scope::Platform => "platform", Scope::Tenant(t) => t.slug.as_str() };
            tracing::Span::current().record("tenant", tenant);
            req.extensions_mut().insert(crate::session::SessionKey(scope.session_key(&host, &st.config.base_domain)));
            req.extensions_mut().insert(scope);
            next.run(req).await
        }
        Ok(None) => neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no site at this address."),
        Err(e) => crate::error_page(e, "tenant lookup"),
    }
}

/// The answer of a suspended tenant's host: it names the tenant and says its data is kept.
fn suspended(name: &str, path: &str) -> Response {
    let text = format!("{name} is suspended by its service provider. Its data is kept; ask your provider to reactivate it.");
    if path.starts_with("/api/") {
        return axum::response::IntoResponse::into_response(crate::api::Problem::new(StatusCode::FORBIDDEN, text));
    }
    neutral_page(StatusCode::FORBIDDEN, "This workspace is suspended", &text)
}

/// Refuses state-changing requests whose Origin is another site (CSRF defence in depth;
/// forms also carry a per-session token).
pub(crate) async fn same_origin_writes(req: Request, next: Next) -> Response {
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

