//! Which tenant a request belongs to, decided by its Host alone.
use crate::db::Db;
use crate::entity::{tenant, tenant_domain};
use crate::error::Result;
use crate::types::TenantSlug;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// A tenant as the request pipeline needs it: identity and branding.
#[derive(Clone, Debug)]
pub struct TenantInfo {
    pub id: Uuid,
    pub slug: TenantSlug,
    pub name: String,
    pub product_name: String,
    pub primary_color: String,
    pub logo_svg: String,
    /// Postal address lines (printed on invoices and statements).
    pub address: Vec<String>,
    /// Remit-to lines.
    pub remit_to: Vec<String>,
    /// `#rrggbb`, for buttons and links.
    pub accent_color: String,
    /// Whom the tenant's users ask, and the line at the foot of pages and e-mails (each may be
    /// empty).
    pub support_email: String,
    pub support_phone: String,
    pub footer_text: String,
    /// Whose "Powered by" line the tenant's pages, e-mails and PDFs carry; empty for none.
    pub powered_by: String,
    /// The versions of the uploaded logo and favicon (see [`crate::brand_images`]); empty for
    /// none.
    pub logo_etag: String,
    pub favicon_etag: String,
    /// Whether its admins approve each support session before its partner enters.
    pub support_approval: bool,
}

impl From<tenant::Model> for TenantInfo {
    fn from(t: tenant::Model) -> Self {
        Self {
            id: t.id,
            slug: TenantSlug::parse(&t.slug).expect("stored slugs are valid"),
            name: t.name,
            product_name: t.product_name,
            primary_color: colour(t.primary_color),
            logo_svg: t.logo_svg,
            address: lines(&t.address),
            remit_to: lines(&t.remit_to),
            accent_color: colour(t.accent_color),
            support_email: t.support_email,
            support_phone: t.support_phone,
            footer_text: t.footer_text,
            powered_by: t.powered_by,
            logo_etag: t.logo_etag,
            favicon_etag: t.favicon_etag,
            support_approval: t.support_approval,
        }
    }
}

impl TenantInfo {
    /// The footer line of messages and PDFs: the footer text, whom to ask and the "Powered by"
    /// line, as far as set, joined by " · ".
    pub fn footer_line(&self) -> String {
        let contact = [self.support_email.as_str(), self.support_phone.as_str()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
        let support = (!contact.is_empty()).then(|| format!("Support: {contact}"));
        let powered = (!self.powered_by.is_empty()).then(|| format!("Powered by {}", self.powered_by));
        [(!self.footer_text.is_empty()).then(|| self.footer_text.clone()), support, powered].into_iter().flatten().collect::<Vec<_>>().join(" · ")
    }
}

/// A stored colour as pages, e-mails and PDFs use it (in CSS and style attributes): checked
/// again, though every writer checks it, and slate when it is not `#rrggbb`.
fn colour(stored: String) -> String {
    crate::types::HexColor::parse(&stored).map(|c| c.as_str().to_owned()).unwrap_or_else(|_| "#334155".into())
}

/// Non-blank lines of a stored multi-line text.
fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

/// The realm a request is served in: the platform (partner console) or one tenant.
#[derive(Clone, Debug)]
pub enum Scope {
    Platform,
    Tenant(TenantInfo),
}

impl Scope {
    /// A stable key for this scope, recorded with sessions and rate-limit counters.
    pub fn key(&self) -> String {
        match self {
            Scope::Platform => "platform".into(),
            Scope::Tenant(t) => format!("tenant:{}", t.id),
        }
    }

    /// The key sessions are kept under for a request to `host`: [`Self::key`] on the
    /// platform's and the tenant's own subdomain, and with `@<domain>` added on one of the
    /// tenant's custom domains, so that a session made on one host is no session on another
    /// (not even when its cookie is sent there by hand).
    pub fn session_key(&self, host: &str, base_domain: &str) -> String {
        let key = self.key();
        let Scope::Tenant(t) = self else { return key };
        let name = host_name(host);
        if name == format!("{}.{}", t.slug.as_str(), base_domain.to_ascii_lowercase()) { key } else { format!("{key}@{name}") }
    }

    /// Matches every session of this scope, on every host (see [`Self::session_key`]).
    pub fn all_sessions(&self) -> sea_orm::Condition {
        use crate::entity::session;
        use sea_orm::ColumnTrait;
        let key = self.key();
        sea_orm::Condition::any().add(session::Column::Scope.eq(key.clone())).add(session::Column::Scope.like(format!("{key}@%")))
    }
}

/// Strips the port and lower-cases a Host header value.
pub fn host_name(host: &str) -> String {
    let h = host.trim().to_ascii_lowercase();
    match h.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name.to_owned(),
        _ => h,
    }
}

/// What a host name serves: an open site (the platform or an active tenant), or a suspended
/// tenant, which answers with a neutral page and keeps its data.
#[derive(Clone, Debug)]
pub enum Site {
    Open(Scope),
    /// A suspended tenant, by its name (for the neutral page).
    Suspended(String),
}

/// Resolves a Host to what it serves: the base domain is the platform, `<slug>.<base>` a
/// tenant, any other name a verified custom domain; an inactive tenant is `Suspended`.
/// `None` for anything else.
pub async fn resolve_site(db: &Db, host: &str, base_domain: &str) -> Result<Option<Site>> {
    let name = host_name(host);
    if name == base_domain {
        return Ok(Some(Site::Open(Scope::Platform)));
    }
    let found = if let Some(sub) = name.strip_suffix(&format!(".{base_domain}")) {
        match TenantSlug::parse(sub) {
            Ok(slug) => tenant::Entity::find().filter(tenant::Column::Slug.eq(slug.as_str())).one(db.platform()).await?,
            Err(_) => None,
        }
    } else {
        match tenant_domain::Entity::find()
            .filter(tenant_domain::Column::Domain.eq(name))
            .filter(tenant_domain::Column::Verified.eq(true))
            .one(db.platform())
            .await?
        {
            Some(d) => tenant::Entity::find_by_id(d.tenant_id).one(db.platform()).await?,
            None => None,
        }
    };
    Ok(found.map(|t| if t.active { Site::Open(Scope::Tenant(t.into())) } else { Site::Suspended(t.name) }))
}

#[cfg(test)]
mod tests {
    use super::host_name;

    #[test]
    fn the_footer_line_joins_what_is_set() {
        let t = |footer: &str, email: &str, phone: &str, powered: &str| super::TenantInfo {
            id: uuid::Uuid::nil(),
            slug: crate::types::TenantSlug::parse("acme").unwrap(),
            name: "Acme".into(),
            product_name: "Hub".into(),
            primary_color: "#000000".into(),
            logo_svg: String::new(),
            address: vec![],
            remit_to: vec![],
            accent_color: "#000000".into(),
            support_email: email.into(),
            support_phone: phone.into(),
            footer_text: footer.into(),
            powered_by: powered.into(),
            logo_etag: String::new(),
            favicon_etag: String::new(),
            support_approval: false,
        };
        let cases = [
            (t("", "", "", ""), ""),
            (t("Acme Supply", "", "", ""), "Acme Supply"),
            (t("", "help@acme.test", "", ""), "Support: help@acme.test"),
            (t("Acme Supply", "help@acme.test", "555-0100", ""), "Acme Supply · Support: help@acme.test 555-0100"),
            (t("", "", "", "Northwind"), "Powered by Northwind"),
            (t("Acme Supply", "", "555-0100", "Northwind"), "Acme Supply · Support: 555-0100 · Powered by Northwind"),
        ];
        for (info, want) in cases {
            assert_eq!(info.footer_line(), want);
        }
    }

    #[test]
    fn the_port_is_stripped_from_a_host() {
        assert_eq!(host_name("Acme.Localhost:3000"), "acme.localhost");
        assert_eq!(host_name("portal.example.com"), "portal.example.com");
    }
}

/// A tenant by its slug (for command-line tools; requests resolve tenants by host).
pub async fn tenant_by_slug(db: &Db, slug: &TenantSlug) -> Result<Option<TenantInfo>> {
    Ok(tenant::Entity::find().filter(tenant::Column::Slug.eq(slug.as_str())).one(db.platform()).await?.map(Into::into))
}

/// The slug of every tenant in slug order (`verify-audit --all` visits each). A row with an
/// invalid slug is logged and left out.
pub async fn all_tenant_slugs(db: &Db) -> std::result::Result<Vec<TenantSlug>, sea_orm::DbErr> {
    tenant_slugs(db, false).await
}

/// Whether tenant `slug` exists and is not suspended (the job workers ask before each batch).
pub async fn is_active(db: &Db, slug: &TenantSlug) -> std::result::Result<bool, sea_orm::DbErr> {
    use sea_orm::PaginatorTrait;
    Ok(tenant::Entity::find().filter(tenant::Column::Slug.eq(slug.as_str())).filter(tenant::Column::Active.eq(true)).count(db.platform()).await? > 0)
}

/// The slug of every active tenant in slug order: background work (jobs, webhook deliveries)
/// waits while a tenant is suspended.
pub async fn active_tenant_slugs(db: &Db) -> std::result::Result<Vec<TenantSlug>, sea_orm::DbErr> {
    tenant_slugs(db, true).await
}

async fn tenant_slugs(db: &Db, only_active: bool) -> std::result::Result<Vec<TenantSlug>, sea_orm::DbErr> {
    use sea_orm::QuerySelect;
    let q = tenant::Entity::find().select_only().column(tenant::Column::Slug);
    let q = if only_active { q.filter(tenant::Column::Active.eq(true)) } else { q };
    let mut slugs: Vec<String> = q.into_tuple().all(db.platform()).await?;
    slugs.sort();
    Ok(slugs
        .into_iter()
        .filter_map(|s| match TenantSlug::parse(&s) {
            Ok(t) => Some(t),
            Err(_) => {
                tracing::warn!(tenant = %s, "a tenant row has an invalid slug; skipped");
                None
            }
        })
        .collect())
}
