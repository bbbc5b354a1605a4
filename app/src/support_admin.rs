//! Support sessions on both sides: the partner console's page for one tenant (ask, see the
//! state, enter) and the tenant admin's page (require approval, approve, deny, end). See
//! `domain::support`.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The console's support page of tenant `slug` (its request form posts here too).
pub fn support_href(slug: &str) -> String {
    format!("/partner/tenants/{slug}/support")
}

/// The tenant admin's support page.
pub const ADMIN_SUPPORT: &str = "/workspace/admin/support";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SupportRow {
    pub id: String,
    /// "Nora Partner (Northwind Partners)".
    pub who: String,
    pub reason: String,
    pub minutes: i32,
    /// In words: "Active", "Waiting for the tenant's approval", …
    pub state: String,
    /// RFC 3339 (UTC); empty until approved.
    pub requested_at: String,
    pub expires_at: String,
    pub status: String,
    pub active: bool,
    /// Asked for by the user looking at the page (only they may enter it).
    pub mine: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SupportView {
    pub slug: String,
    pub name: String,
    pub approval_required: bool,
    pub rows: Vec<SupportRow>,
}

#[cfg(feature = "ssr")]
fn rows(found: Vec<domain::support::entity::Model>, me: uuid::Uuid) -> Vec<SupportRow> {
    let now = chrono::Utc::now();
    found
        .into_iter()
        .map(|s| SupportRow {
            id: s.id.to_string(),
            who: format!("{} ({})", s.partner_user_name, s.partner_name),
            state: s.state(now).to_owned(),
            active: s.active(now),
            mine: s.partner_user_id == me,
            requested_at: s.requested_at.to_rfc3339(),
            expires_at: s.expires_at.map(|e| e.to_rfc3339()).unwrap_or_default(),
            reason: s.reason,
            minutes: s.minutes,
            status: s.status,
        })
        .collect()
}

/// The latest support sessions of tenant `slug` (already allowed to the viewer).
#[cfg(feature = "ssr")]
async fn sessions(db: &domain::Db, slug: &str) -> Result<Vec<domain::support::entity::Model>, ServerFnError> {
    use crate::orders::server::internal;
    let tenant = domain::types::TenantSlug::parse(slug).map_err(ServerFnError::new)?;
    let txn = db.tenant_txn(&tenant).await.map_err(internal)?;
    let found = domain::support::recent(&txn).await.map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    Ok(found)
}

/// Tenant `slug`'s support sessions, for its partner's admins (and the platform operator).
#[server(prefix = "/sfn")]
pub async fn support_data(slug: String) -> Result<SupportView, ServerFnError> {
    let (db, t) = crate::branding_admin::console_tenant(&slug).await?;
    let parts: http::request::Parts = use_context().ok_or_else(|| ServerFnError::new("no request context"))?;
    let me = parts.extensions.get::<domain::auth::Principal>().cloned().ok_or_else(|| ServerFnError::new("sign in first"))?;
    let found = sessions(&db, &t.slug).await?;
    Ok(SupportView { slug: t.slug, name: t.name, approval_required: t.support_approval, rows: rows(found, me.user_id) })
}

/// This tenant's support sessions, for its admins.
#[server(prefix = "/sfn")]
pub async fn admin_support_data() -> Result<SupportView, ServerFnError> {
    let (db, t, me) = crate::audit_admin::server::tenant_admin()?;
    let found = sessions(&db, t.slug.as_str()).await?;
    Ok(SupportView { slug: t.slug.to_string(), name: t.name, approval_required: t.support_approval, rows: rows(found, me.user_id) })
}
