//! A tenant's custom domains, in the partner console and on the tenant admin's own pages: each
//! with the DNS TXT record that verifies it, its state and what the last check found; add,
//! check now, remove.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The domains page of tenant `slug` in the partner console.
pub fn domains_href(slug: &str) -> String {
    format!("/partner/tenants/{slug}/domains")
}

/// The tenant admin's own domains page (on the tenant's host).
pub const ADMIN_DOMAINS: &str = "/workspace/admin/domains";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DomainRow {
    pub id: String,
    pub domain: String,
    pub verified: bool,
    /// Where the TXT record goes: `_throughline.<domain>`.
    pub record_name: String,
    /// What the TXT record holds.
    pub token: String,
    /// When it was last checked, verified (RFC 3339, UTC); empty when never.
    pub checked_at: String,
    pub verified_at: String,
    /// What the last check found when it did not verify.
    pub check_error: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DomainsView {
    pub slug: String,
    pub name: String,
    /// The tenant's own subdomain (`acme.localhost:3000`), which always serves it; empty when
    /// not known (a page asked for on a custom domain).
    pub subdomain: String,
    pub rows: Vec<DomainRow>,
    /// Where the page's forms post (`…/domains`, `…/domains/<id>/check`, …).
    pub actions: String,
}

/// Tenant `slug`'s domains, for its partner's admins (and the platform operator) only.
#[server(prefix = "/sfn")]
pub async fn domains_data(slug: String) -> Result<DomainsView, ServerFnError> {
    let (db, t) = crate::branding_admin::console_tenant(&slug).await?;
    // The console is served at the base domain: its host, with the port, is the base of
    // every tenant's subdomain.
    let subdomain = format!("{}.{}", t.slug, server::host());
    server::view(&db, t.id, t.slug.clone(), t.name, subdomain, domains_href(&t.slug)).await
}

/// This host's tenant's domains, for its tenant admins only (403 for anyone else).
#[server(prefix = "/sfn")]
pub async fn admin_domains_data() -> Result<DomainsView, ServerFnError> {
    let (db, t, _) = crate::audit_admin::server::tenant_admin()?;
    let mut v = server::view(&db, t.id, t.slug.to_string(), t.name, String::new(), ADMIN_DOMAINS.to_owned()).await?;
    // Asked for on one of its custom domains, the subdomain is not known here; else the host
    // is the subdomain.
    let host = server::host();
    let name = host.rsplit_once(':').map_or(host.as_str(), |(n, _)| n).to_ascii_lowercase();
    if !v.rows.iter().any(|d| d.domain == name) {
        v.subdomain = host;
    }
    Ok(v)
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;

    /// The request's `Host` (with its port).
    pub fn host() -> String {
        let parts: Option<http::request::Parts> = use_context();
        parts.and_then(|p| p.headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).map(str::to_owned)).unwrap_or_default()
    }

    pub async fn view(db: &domain::Db, tenant_id: uuid::Uuid, slug: String, name: String, subdomain: String, actions: String) -> Result<DomainsView, ServerFnError> {
        let rows = domain::domains::list(db, tenant_id).await.map_err(|e| ServerFnError::new(e.to_string()))?;
        let time = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
        Ok(DomainsView {
            subdomain,
            slug,
            name,
            actions,
            rows: rows
                .into_iter()
                .map(|d| DomainRow {
                    id: d.id.to_string(),
                    record_name: domain::domains::record_name(&d.domain),
                    domain: d.domain,
                    verified: d.verified,
                    token: d.token,
                    checked_at: time(d.checked_at),
                    verified_at: time(d.verified_at),
                    check_error: d.check_error.unwrap_or_default(),
                })
                .collect(),
        })
    }
}
