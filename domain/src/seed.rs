//! Creating partners, tenants and users, and the demo data built from them.
use crate::db::Db;
use crate::entity::{customer, partner, platform_user, tenant, tenant_domain, user};
use crate::error::{Error, Result};
use crate::password;
use crate::tenancy::TenantInfo;
use crate::types::{Email, HexColor, Role, TenantSlug};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set, TransactionTrait};
use uuid::Uuid;

pub const DEMO_PASSWORD: &str = "throughline-demo";

pub async fn create_partner<C: ConnectionTrait>(c: &C, name: &str) -> Result<Uuid> {
    let id = Uuid::new_v4();
    let now = Utc::now();
    partner::ActiveModel { id: Set(id), name: Set(name.into()), created_at: Set(now), updated_at: Set(now), policy_version: Set(0) }.insert(c).await?;
    Ok(id)
}

/// Whether no partner exists yet (a fresh platform outside demo mode).
pub async fn platform_is_empty(db: &Db) -> Result<bool> {
    Ok(partner::Entity::find().count(db.platform()).await? == 0)
}

/// The shortest password a partner admin may be given.
pub const MIN_PASSWORD_LEN: usize = 12;

/// Creates a partner and its first partner admin (`throughline create-partner`). The e-mail
/// must be new on the platform and the password at least [`MIN_PASSWORD_LEN`] characters.
pub async fn create_partner_with_admin(db: &Db, name: &str, admin_email: &str, admin_name: &str, password: &str) -> Result<Uuid> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::Invalid("--name: the partner needs a name".into()));
    }
    let email = Email::parse(admin_email).map_err(|e| Error::Invalid(format!("--admin-email: {e}")))?;
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(Error::Invalid(format!("the password must have at least {MIN_PASSWORD_LEN} characters")));
    }
    let taken = platform_user::Entity::find().filter(platform_user::Column::Email.eq(email.as_str())).count(db.platform()).await? > 0;
    if taken {
        return Err(Error::Invalid(format!("--admin-email: {} already has a platform account", email.as_str())));
    }
    let hash = password::hash(password.to_owned()).await;
    let txn = db.platform().begin().await?;
    let id = create_partner(&txn, name).await?;
    create_platform_user(&txn, Some(id), email.as_str(), admin_name.trim(), Role::PartnerAdmin, &hash).await?;
    txn.commit().await?;
    Ok(id)
}

pub struct NewTenant<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub product_name: &'a str,
    pub primary_color: &'a str,
    pub logo_svg: String,
    /// Postal address lines, one per line.
    pub address: &'a str,
    /// Remit-to lines, one per line.
    pub remit_to: &'a str,
}

/// The platform row of a new, active tenant (its accent colour its primary; no support
/// contact or footer yet).
pub fn tenant_row(partner_id: Uuid, slug: &TenantSlug, t: &NewTenant<'_>, color: &HexColor, now: chrono::DateTime<Utc>) -> tenant::ActiveModel {
    tenant::ActiveModel {
        id: Set(Uuid::new_v4()),
        partner_id: Set(partner_id),
        slug: Set(slug.as_str().into()),
        name: Set(t.name.into()),
        product_name: Set(t.product_name.into()),
        primary_color: Set(color.as_str().into()),
        logo_svg: Set(t.logo_svg.clone()),
        active: Set(true),
        address: Set(t.address.into()),
        remit_to: Set(t.remit_to.into()),
        accent_color: Set(color.as_str().into()),
        support_email: Set(String::new()),
        support_phone: Set(String::new()),
        footer_text: Set(String::new()),
        powered_by: Set(String::new()),
        logo_etag: Set(String::new()),
        favicon_etag: Set(String::new()),
        support_approval: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        policies_applied: Set(0),
        brand_inherited: Set(false),
    }
}

/// Records a tenant and provisions its schema or file. The tenant row is written only after
/// its schema is migrated, so a half-provisioned tenant is never served.
pub async fn create_tenant(db: &Db, partner_id: Uuid, t: NewTenant<'_>) -> Result<TenantInfo> {
    let slug = TenantSlug::parse(t.slug).map_err(Error::Invalid)?;
    let color = HexColor::parse(t.primary_color).map_err(Error::Invalid)?;
    db.provision_tenant(&slug).await?;
    let now = Utc::now();
    let row = tenant_row(partner_id, &slug, &t, &color, now).insert(db.platform()).await?;
    Ok(row.into())
}

pub async fn add_custom_domain(db: &Db, tenant_id: Uuid, domain: &str) -> Result<()> {
    let now = Utc::now();
    tenant_domain::ActiveModel {
        id: Set(Uuid::new_v4()),
        tenant_id: Set(tenant_id),
        domain: Set(domain.to_ascii_lowercase()),
        verified: Set(true),
        token: Set(crate::domains::new_token()),
        checked_at: Set(None),
        verified_at: Set(Some(now)),
        check_error: Set(None),
        // Demo and test fixtures: verified without DNS, as domains that predate the checks.
        grace_until: Set(Some(now + chrono::Duration::days(14))),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db.platform())
    .await?;
    Ok(())
}

/// Creates a customer with default terms through the customer service.
pub async fn create_customer(db: &Db, t: &TenantInfo, external_id: &str, name: &str) -> Result<Uuid> {
    let txn = db.tenant_txn(&t.slug).await?;
    let input = crate::customers::CustomerIn {
        external_id: external_id.into(),
        name: name.into(),
        bill_to: None,
        ship_to: None,
        payment_terms: None,
        credit_limit_minor: None,
        segment: None,
        currency: None,
        ..Default::default()
    };
    crate::customers::upsert(&txn, input).await.map_err(|f| match f {
        crate::events::Fail::Reject(e) => Error::Invalid(format!("{e:?}")),
        crate::events::Fail::Db(e) => Error::Db(e),
    })?;
    let id = customer::Entity::find().filter(customer::Column::ExternalId.eq(external_id)).one(&txn).await?.ok_or(Error::NotFound)?.id;
    txn.commit().await?;
    Ok(id)
}

/// Creates a tenant user with an already computed password hash.
pub async fn create_tenant_user(db: &Db, t: &TenantInfo, email: &str, name: &str, role: Role, customer_id: Option<Uuid>, hash: &str) -> Result<Uuid> {
    let email = Email::parse(email).map_err(Error::Invalid)?;
    if role.is_platform() {
        return Err(Error::Invalid(format!("{} is a platform role, not a tenant role", role.as_str())));
    }
    if (role == Role::Customer) != customer_id.is_some() {
        return Err(Error::Invalid("a customer user needs a customer account, and only a customer user has one".into()));
    }
    let txn = db.tenant_txn(&t.slug).await?;
    let id = Uuid::new_v4();
    let now = Utc::now();
    user::ActiveModel {
        id: Set(id),
        email: Set(email.as_str().into()),
        name: Set(name.into()),
        password_hash: Set(hash.into()),
        role: Set(role.as_str().into()),
        customer_id: Set(customer_id),
        disabled: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(id)
}

pub async fn create_platform_user<C: ConnectionTrait>(c: &C, partner_id: Option<Uuid>, email: &str, name: &str, role: Role, hash: &str) -> Result<Uuid> {
    let email = Email::parse(email).map_err(Error::Invalid)?;
    let id = Uuid::new_v4();
    let now = Utc::now();
    platform_user::ActiveModel {
        id: Set(id),
        partner_id: Set(partner_id),
        email: Set(email.as_str().into()),
        name: Set(name.into()),
        password_hash: Set(hash.into()),
        role: Set(role.as_str().into()),
        disabled: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(c)
    .await?;
    Ok(id)
}

fn logo(initials: &str, color: &str, shape: &str) -> String {
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><{shape} fill="{color}"/><text x="32" y="41" font-family="sans-serif" font-size="24" font-weight="700" fill="#fff" text-anchor="middle">{initials}</text></svg>"##
    )
}

/// Tenants migrated at once: their schemas (or files) are independent, and one tenant's
/// migrations are hundreds of small statements, so a few in flight keep PostgreSQL's cores
/// busy (measured here with 1,000 tenants: README, Benchmark).
pub const MIGRATE_CONCURRENCY: usize = 4;

/// Migrates every tenant, [`MIGRATE_CONCURRENCY`] at a time; logs progress every 100 tenants
/// so that a start with many is visible. The first failure stops it and is answered.
pub async fn migrate_all(db: &Db) -> Result<usize> {
    use futures_util::{StreamExt, TryStreamExt};
    db.migrate_platform().await?;
    let tenants = tenant::Entity::find().all(db.platform()).await?;
    let total = tenants.len();
    let slugs = tenants.iter().map(|t| TenantSlug::parse(&t.slug).map_err(Error::Invalid)).collect::<Result<Vec<_>>>()?;
    let done = std::sync::atomic::AtomicUsize::new(0);
    futures_util::stream::iter(slugs)
        .map(|slug| {
            let done = &done;
            async move {
                db.provision_tenant(&slug).await?;
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if n % 100 == 0 || n == total {
                    tracing::info!(done = n, total, "tenant migrations");
                }
                Ok::<_, Error>(())
            }
        })
        .buffer_unordered(MIGRATE_CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(total)
}

/// Seeds the demo partner, tenants and users unless a partner exists already.
/// Returns whether it seeded. The demo password is for the demo only.
/// Secret of the demo API clients `acme-erp` and `bluegrass-erp` (demo only).
pub const DEMO_API_SECRET: &str = "throughline-demo-secret";
/// The event sources the demo ERP clients write under: the ERP and the systems it relays.
pub const DEMO_SOURCES: &str = "erp wms tms carrier";

pub async fn seed_demo(db: &Db, storage: &crate::storage::Storage, demo_orders: usize) -> Result<bool> {
    if partner::Entity::find().count(db.platform()).await? > 0 {
        return Ok(false);
    }
    let hash = password::hash(DEMO_PASSWORD.into()).await;
    let p = create_partner(db.platform(), "Northwind Partners").await?;
    create_platform_user(db.platform(), Some(p), "partner@northwind.test", "Nora Partner", Role::PartnerAdmin, &hash).await?;
    create_platform_user(db.platform(), Some(p), "viewer@northwind.test", "Vera Viewer", Role::PartnerViewer, &hash).await?;

    let acme = create_tenant(db, p, NewTenant {
        slug: "acme",
        name: "Acme Industrial Supply",
        product_name: "Acme Order Hub",
        primary_color: "#1d4ed8",
        logo_svg: logo("A", "#1d4ed8", r#"rect x="0" y="0" width="64" height="64" rx="12""#),
        address: "400 Industrial Pkwy\nLouisville, KY 40218",
        remit_to: "Acme Industrial Supply\nLockbox 4410\nCincinnati, OH 45263",
    })
    .await?;
    create_tenant_user(db, &acme, "admin@acme.test", "Ada Admin", Role::TenantAdmin, None, &hash).await?;
    create_tenant_user(db, &acme, "clerk@acme.test", "Carl Clerk", Role::ArClerk, None, &hash).await?;
    create_tenant_user(db, &acme, "service@acme.test", "Sam Service", Role::CustomerService, None, &hash).await?;
    let initech = create_customer(db, &acme, "C-1001", "Initech Manufacturing").await?;
    create_tenant_user(db, &acme, "buyer@initech.test", "Bill Buyer", Role::Customer, Some(initech), &hash).await?;
    let rw = ["read".to_owned(), "write".to_owned()];
    crate::api_clients::create_with_secret(db, &acme, "acme-erp", &rw, DEMO_SOURCES, DEMO_API_SECRET).await?;
    crate::demo::populate(db, storage, &acme, crate::demo::Profile::Industrial, ("C-1001", "Initech Manufacturing"), demo_orders).await?;

    let bg = create_tenant(db, p, NewTenant {
        slug: "bluegrass",
        name: "Bluegrass Foodservice",
        product_name: "Bluegrass Connect",
        primary_color: "#047857",
        logo_svg: logo("B", "#047857", r#"circle cx="32" cy="32" r="32""#),
        address: "12 Distillery Rd\nLexington, KY 40505",
        remit_to: "Bluegrass Foodservice\nPO Box 990\nLexington, KY 40588",
    })
    .await?;
    create_tenant_user(db, &bg, "admin@bluegrass.test", "Bea Admin", Role::TenantAdmin, None, &hash).await?;
    create_tenant_user(db, &bg, "clerk@bluegrass.test", "Cole Clerk", Role::ArClerk, None, &hash).await?;
    let globex = create_customer(db, &bg, "G-2001", "Globex Restaurants").await?;
    create_tenant_user(db, &bg, "buyer@globex.test", "Gina Buyer", Role::Customer, Some(globex), &hash).await?;
    crate::api_clients::create_with_secret(db, &bg, "bluegrass-erp", &rw, DEMO_SOURCES, DEMO_API_SECRET).await?;
    crate::demo::populate(db, storage, &bg, crate::demo::Profile::Foodservice, ("G-2001", "Globex Restaurants"), demo_orders).await?;
    Ok(true)
}
