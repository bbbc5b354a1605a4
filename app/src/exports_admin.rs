//! A tenant's data exports in the partner console: each archive asked for (when, by whom, its
//! state and size) with its download, and the button that asks for a new one. The archive is
//! built by a job (see `domain::data_export`).
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The exports page of tenant `slug` in the partner console (its form posts here too).
pub fn exports_href(slug: &str) -> String {
    format!("/partner/tenants/{slug}/exports")
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ExportRow {
    /// When it was asked for (RFC 3339, UTC).
    pub requested_at: String,
    pub requested_by: String,
    /// `queued`, `ready` or `failed`.
    pub status: String,
    /// `2.4 MB`; empty until ready.
    pub size: String,
    /// Why it failed; empty otherwise.
    pub error: String,
    /// The download's address; empty until ready.
    pub href: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ExportsView {
    pub slug: String,
    pub name: String,
    pub rows: Vec<ExportRow>,
}

/// A size as people read it.
pub fn human_size(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// Tenant `slug`'s exports, for its partner's admins (and the platform operator) only.
#[server(prefix = "/sfn")]
pub async fn exports_data(slug: String) -> Result<ExportsView, ServerFnError> {
    let (db, t) = crate::branding_admin::console_tenant(&slug).await?;
    let tenant = domain::types::TenantSlug::parse(&t.slug).map_err(ServerFnError::new)?;
    let txn = db.tenant_txn(&tenant).await.map_err(crate::orders::server::internal)?;
    let found = domain::data_export::recent(&txn, 20).await.map_err(crate::orders::server::internal)?;
    txn.commit().await.map_err(crate::orders::server::internal)?;
    let stale = chrono::Utc::now() - domain::data_export::UNFINISHED_AFTER;
    let rows = found
        .into_iter()
        .map(|e| {
            // Still queued after an hour: a worker died while building it.
            let (status, error) = match e.status.as_str() {
                "queued" if e.requested_at < stale => ("failed".to_owned(), "the build did not finish; ask again".to_owned()),
                _ => (e.status, e.error.unwrap_or_default()),
            };
            ExportRow {
                requested_at: e.requested_at.to_rfc3339(),
                requested_by: e.requested_by,
                size: e.size.map(human_size).unwrap_or_default(),
                href: if status == "ready" { format!("{}/{}", exports_href(&t.slug), e.id) } else { String::new() },
                error,
                status,
            }
        })
        .collect();
    Ok(ExportsView { slug: t.slug, name: t.name, rows })
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_as_people_say_them() {
        for (bytes, says) in [(0, "0 B"), (1023, "1023 B"), (1024, "1.0 KB"), (1536, "1.5 KB"), (5 * 1024 * 1024 + 1024 * 512, "5.5 MB")] {
            assert_eq!(super::human_size(bytes), says);
        }
    }
}
