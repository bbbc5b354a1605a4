//! A tenant's custom domains in the partner console: each with the DNS TXT record that
//! verifies it, its state and what the last check found; add, check now, remove.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The domains page of tenant `slug`.
pub fn domains_href(slug: &str) -> String {
    format!("/partner/tenants/{slug}/domains")
}

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
    /// The tenant's own subdomain (`acme.localhost:3000`), which always serves it.
    pub subdomain: String,
    pub rows: Vec<DomainRow>,
}

/// Tenant `slug`'s domains, for its partner's admins (and the platform operator) only.
#[server(prefix = "/sfn")]
pub async fn domains_data(slug: String) -> Result<DomainsView, ServerFnError> {
    let (db, t) = crate::branding_admin::console_tenant(&slug).await?;
    // The console is served at the base domain: its host, with the port, is the base of
    // every tenant's subdomain.
    let parts: Option<http::request::Parts> = use_context();
    let base = parts.and_then(|p| p.headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).map(str::to_owned)).unwrap_or_default();
    let rows = domain::domains::list(&db, t.id).await.map_err(|e| ServerFnError::new(e.to_string()))?;
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    Ok(DomainsView {
        subdomain: format!("{}.{base}", t.slug),
        slug: t.slug,
        name: t.name,
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
