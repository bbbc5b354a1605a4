//! The partner's branding editor for one of its tenants: what the tenant's users see on every
//! page, e-mail and PDF (product name, colours, support contact, footer). Colours are checked
//! for WCAG AA contrast with white text (4.5:1); the editor shows each ratio. The "Powered by"
//! line, naming the partner, is the partner's alone to switch on.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The editor's address for tenant `slug`.
pub fn branding_href(slug: &str) -> String {
    format!("/partner/tenants/{slug}/branding")
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BrandingView {
    pub slug: String,
    pub name: String,
    pub product_name: String,
    pub primary_color: String,
    pub accent_color: String,
    pub support_email: String,
    pub support_phone: String,
    pub footer_text: String,
    /// Whether the "Powered by" line is on, and the partner it would name.
    pub powered_by: bool,
    pub partner_name: String,
    /// White text on each colour, as `6.70:1`.
    pub primary_contrast: String,
    pub accent_contrast: String,
    /// The current logo and favicon as the console serves them (versioned); empty for none.
    pub logo_url: String,
    pub favicon_url: String,
    /// Whether the brand follows the partner's default brand, and whether there is one.
    pub inherited: bool,
    pub partner_has_brand: bool,
}

/// Where the editor posts logo and favicon uploads for tenant `slug`.
pub fn images_href(slug: &str) -> String {
    format!("/partner/tenants/{slug}/images")
}

/// Tenant `slug` for a partner console server function: on the console's host, run by the
/// signed-in partner admin (or the platform operator), with the database; else the error to
/// show (404 for another partner's tenant, as if it did not exist).
#[cfg(feature = "ssr")]
pub(crate) async fn console_tenant(slug: &str) -> Result<(domain::Db, domain::entity::tenant::Model), ServerFnError> {
    console_tenant_for(slug, false).await
}

/// [`console_tenant`] for a page a partner viewer may read too (the tenant's health).
#[cfg(feature = "ssr")]
pub(crate) async fn console_tenant_to_view(slug: &str) -> Result<(domain::Db, domain::entity::tenant::Model), ServerFnError> {
    console_tenant_for(slug, true).await
}

#[cfg(feature = "ssr")]
async fn console_tenant_for(slug: &str, viewers: bool) -> Result<(domain::Db, domain::entity::tenant::Model), ServerFnError> {
    use domain::tenancy::Scope;
    let parts: http::request::Parts = use_context().ok_or_else(|| ServerFnError::new("no request context"))?;
    let me = parts.extensions.get::<domain::auth::Principal>().cloned().ok_or_else(|| ServerFnError::new("sign in first"))?;
    let status = |code: http::StatusCode| {
        if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
            r.set_status(code);
        }
    };
    if !matches!(parts.extensions.get::<Scope>(), Some(Scope::Platform)) {
        status(http::StatusCode::NOT_FOUND);
        return Err(ServerFnError::new("The partner console is not served at this address."));
    }
    let db = parts.extensions.get::<domain::Db>().cloned().ok_or_else(|| ServerFnError::new("no database"))?;
    let found = if viewers { domain::partner::visible_tenant(&db, &me, slug).await } else { domain::partner::own_tenant(&db, &me, slug).await };
    let t = match found {
        Ok(t) => t,
        Err(domain::AppError::NotFound) => {
            status(http::StatusCode::NOT_FOUND);
            return Err(ServerFnError::new("There is no such tenant among yours."));
        }
        Err(e) => return Err(crate::orders::server::internal(e)),
    };
    Ok((db, t))
}

/// The brand of tenant `slug`, for its partner's admins (and the platform operator) only.
#[server(prefix = "/sfn")]
pub async fn branding_data(slug: String) -> Result<BrandingView, ServerFnError> {
    use domain::branding::contrast_with_white;
    use domain::types::HexColor;
    let (db, t) = console_tenant(&slug).await?;
    let partner_name = domain::partner::partner_name(&db, t.partner_id).await.map_err(|e| ServerFnError::new(e.to_string()))?;
    let image = |kind: &str, etag: &str| format!("{}/{kind}?v={etag}", images_href(&t.slug));
    let logo_url = match (t.logo_etag.as_str(), t.logo_svg.trim().is_empty()) {
        ("", true) => String::new(),
        (v, _) => image("logo", if v.is_empty() { "svg" } else { v }),
    };
    let favicon_url = if t.favicon_etag.is_empty() { String::new() } else { image("favicon", &t.favicon_etag) };
    let defaults = domain::policies::defaults(db.platform(), t.partner_id).await.map_err(crate::orders::server::internal)?;
    let partner_has_brand = defaults.iter().any(|d| d.policy == domain::policies::BRANDING);
    let ratio = |c: &str| HexColor::parse(c).map(|c| format!("{:.2}:1", contrast_with_white(&c))).unwrap_or_default();
    Ok(BrandingView {
        primary_contrast: ratio(&t.primary_color),
        accent_contrast: ratio(&t.accent_color),
        slug: t.slug,
        name: t.name,
        product_name: t.product_name,
        primary_color: t.primary_color,
        accent_color: t.accent_color,
        support_email: t.support_email,
        support_phone: t.support_phone,
        footer_text: t.footer_text,
        powered_by: !t.powered_by.is_empty(),
        partner_name,
        logo_url,
        favicon_url,
        inherited: t.brand_inherited,
        partner_has_brand,
    })
}
