//! What a partner admin does to its tenants from the partner console: create one (with its
//! first admin invited by e-mail), invite another admin, suspend and reactivate, and edit
//! their branding.
//!
//! A suspended tenant keeps all its data; its host answers users with a neutral page and its
//! API with 403, its sessions end, and its background work (jobs, webhook deliveries) waits
//! until it is reactivated. Each change is recorded in the tenant's own audit trail with the
//! partner user's name.
use crate::audit::{self, Actor};
use crate::auth::Principal;
use crate::branding::BrandingIn;
use crate::db::Db;
use crate::entity::{partner, session, tenant};
use crate::error::{AppError, Result};
use crate::types::{Role, TenantSlug};
use chrono::Utc;
use crate::tenancy::Scope;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::json;

/// Tenant `slug` if `who` may run it: a partner admin their own partner's tenants, the
/// platform operator any. `NotFound` otherwise, so that another partner's tenants are not
/// even confirmed to exist.
pub async fn own_tenant(db: &Db, who: &Principal, slug: &str) -> Result<tenant::Model> {
    tenant_if(db, slug, |t| may_run(who, t)).await
}

/// Tenant `slug` if `allowed`; `NotFound` for a tenant that is not, as for one that does not exist.
async fn tenant_if(db: &Db, slug: &str, allowed: impl Fn(&tenant::Model) -> bool) -> Result<tenant::Model> {
    let t = tenant::Entity::find().filter(tenant::Column::Slug.eq(slug)).one(db.platform()).await?.ok_or(AppError::NotFound)?;
    if allowed(&t) { Ok(t) } else { Err(AppError::NotFound) }
}

/// [`own_tenant`] with its slug as the tenant's database is opened by.
pub async fn own_tenant_slug(db: &Db, who: &Principal, slug: &str) -> Result<(tenant::Model, TenantSlug)> {
    let t = own_tenant(db, who, slug).await?;
    let parsed = TenantSlug::parse(&t.slug).map_err(AppError::Internal)?;
    Ok((t, parsed))
}

/// Tenant `slug` if `who` may see it on the console: as [`own_tenant`], and a partner viewer
/// their own partner's tenants too (to read, never to change).
pub async fn visible_tenant(db: &Db, who: &Principal, slug: &str) -> Result<tenant::Model> {
    tenant_if(db, slug, |t| (who.role == Role::PartnerViewer && who.partner_id == Some(t.partner_id)) || may_run(who, t)).await
}

/// Whether `who` runs tenant `t` (pure: the partner console's one rule).
pub fn may_run(who: &Principal, t: &tenant::Model) -> bool {
    match (who.role, who.partner_id) {
        (Role::PlatformAdmin, _) => true,
        (Role::PartnerAdmin, Some(p)) => p == t.partner_id,
        _ => false,
    }
}

/// Suspends (`active = false`) or reactivates tenant `slug` for `who`. Suspending ends the
/// tenant's sessions. Answers the tenant as it is now; asking for the state it already has is
/// a 409 naming it.
pub async fn set_active(db: &Db, who: &Principal, slug: &str, active: bool) -> Result<tenant::Model> {
    let t = own_tenant(db, who, slug).await?;
    if t.active == active {
        let state = if active { "active" } else { "suspended" };
        return Err(AppError::Conflict(format!("{} is already {state}", t.name)));
    }
    let tenant_slug = TenantSlug::parse(&t.slug).map_err(|e| AppError::Internal(e.to_string()))?;
    let (actor, partner_name) = actor_for(db, who, &t).await?;
    let (action, words) = if active { ("tenant.reactivated", "reactivated") } else { ("tenant.suspended", "suspended") };
    // The tenant's transaction first, then the platform's (the order every writer of both
    // keeps: on SQLite each is a file lock, and the health job writes the platform while its
    // batch holds the tenant). The platform row changes only from the other state (two admins
    // at once: one wins, the other is told). Nothing is committed until both are written.
    let now = Utc::now();
    let audit_txn = db.tenant_txn(&tenant_slug).await?;
    let txn = db.platform().begin().await?;
    let changed = tenant::Entity::update_many()
        .col_expr(tenant::Column::Active, Expr::value(active))
        .col_expr(tenant::Column::UpdatedAt, Expr::value(now))
        .filter(tenant::Column::Id.eq(t.id))
        .filter(tenant::Column::Active.eq(!active))
        .exec(&txn)
        .await?
        .rows_affected;
    if changed == 0 {
        return Err(AppError::Conflict(format!("{} was just changed by someone else; reload the console", t.name)));
    }
    if !active {
        session::Entity::delete_many().filter(Scope::Tenant(t.clone().into()).all_sessions()).exec(&txn).await?;
    }
    audit::record(&audit_txn, &actor, action, "tenant", &t.slug, json!({"by": who.email, "partner": partner_name, "what": words})).await?;
    txn.commit().await?;
    if let Err(e) = audit_txn.commit().await {
        tracing::error!(tenant = %t.slug, error = %e, action, "the tenant's state changed but its audit entry could not be committed");
        return Err(e.into());
    }
    let t = tenant::Model { active, updated_at: now, ..t };
    tracing::info!(tenant = %t.slug, by = %who.email, action, "tenant state changed");
    Ok(t)
}

/// A new tenant as the console's form gives it.
#[derive(Clone, Debug, Default)]
pub struct NewTenantIn {
    pub name: String,
    pub slug: String,
    pub admin_email: String,
    pub admin_name: String,
}

/// Host names a tenant may not take: they name the platform's own services.
const RESERVED: &[&str] = &["www", "api", "app", "admin", "partner", "platform", "mail", "smtp", "static", "assets", "status", "internal", "login"];

/// The colour a new tenant starts with (white text on it: 6.7:1).
const START_COLOR: &str = "#1d4ed8";

/// Creates a tenant of `who`'s partner: its schema (or file), its row, and an invitation to
/// its first admin (e-mailed by a job), all recorded in its audit trail. Refused: anyone but a
/// partner admin; a name or slug that is not one; a slug another tenant has (or a reserved
/// one); an admin address that is not one. Answers the tenant and the invitation.
pub async fn create_tenant(db: &Db, invite_key: &[u8], who: &Principal, input: &NewTenantIn) -> Result<(tenant::Model, crate::invitations::Invitation)> {
    let Some(partner_id) = who.partner_id.filter(|_| who.role == Role::PartnerAdmin) else {
        return Err(AppError::Forbidden("only a partner admin creates tenants, under their partner".into()));
    };
    let name = input.name.trim();
    if name.is_empty() || !crate::invitations::plain_name(name) {
        return Err(AppError::Invalid("Name: 1 to 100 characters, without control characters".into()));
    }
    let slug = TenantSlug::parse(input.slug.trim()).map_err(|e| AppError::Invalid(format!("Address: {e}")))?;
    if RESERVED.contains(&slug.as_str()) {
        return Err(AppError::Invalid(format!("Address: '{}' is kept for the platform; choose another", slug.as_str())));
    }
    crate::types::Email::parse(input.admin_email.trim()).map_err(|e| AppError::Invalid(format!("First admin's e-mail: {e}")))?;
    let admin_name = input.admin_name.trim();
    if !crate::invitations::plain_name(admin_name) {
        return Err(AppError::Invalid("First admin's name: at most 100 characters, without control characters".into()));
    }
    if tenant::Entity::find().filter(tenant::Column::Slug.eq(slug.as_str())).one(db.platform()).await?.is_some() {
        return Err(AppError::Conflict(format!("the address '{}' is taken; choose another", slug.as_str())));
    }
    db.provision_tenant(&slug).await?;
    let now = Utc::now();
    let (actor, partner_name) = actor_of(db, who, partner_id).await?;
    // The tenant's transaction first, then the platform's (see set_active); the platform row
    // is committed first, so a failure in between leaves a tenant without its invitation (the
    // console invites again), never an invitation in a schema without its tenant.
    let ttxn = db.tenant_txn(&slug).await?;
    // A schema left with people in it is not handed to a new tenant.
    if crate::entity::user::Entity::find().one(&ttxn).await?.is_some() || crate::invitations::entity::Entity::find().one(&ttxn).await?.is_some() {
        return Err(AppError::Conflict(format!("the address '{}' still holds data of an earlier tenant; choose another", slug.as_str())));
    }
    audit::record(&ttxn, &actor, "tenant.created", "tenant", slug.as_str(), json!({"by": who.email, "partner": partner_name, "name": name})).await?;
    let invite = crate::invitations::InviteIn { email: input.admin_email.clone(), name: admin_name.to_owned(), role: Role::TenantAdmin, customer_id: None };
    let inv = crate::invitations::invite(&ttxn, invite_key, &actor, &format!("{} ({partner_name})", who.name), &invite, now).await?;
    // Its unique slug makes a concurrent creation of the same slug wait, then fail.
    let txn = db.platform().begin().await?;
    // The branding editor allows 60 characters of product name.
    let product_name: String = name.chars().take(60).collect::<String>().trim().to_owned();
    let start = crate::seed::NewTenant { slug: slug.as_str(), name, product_name: &product_name, primary_color: START_COLOR, logo_svg: String::new(), address: "", remit_to: "" };
    let color = crate::types::HexColor::parse(START_COLOR).map_err(AppError::Internal)?;
    let mut t = crate::seed::tenant_row(partner_id, &slug, &start, &color, now);
    // It starts with the partner's defaults: its inherited rules and, if there is one, brand.
    crate::policies::start_tenant(db, &ttxn, &mut t, partner_id, &partner_name, now).await?;
    let t = sea_orm::ActiveModelTrait::insert(t, &txn).await.map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(format!("the address '{}' was just taken; choose another", slug.as_str())),
        _ => e.into(),
    })?;
    txn.commit().await?;
    ttxn.commit().await?;
    tracing::info!(tenant = %t.slug, by = %who.email, "tenant created");
    Ok((t, inv))
}

/// Invites another admin to tenant `slug` for `who` (or the same address again: its open
/// invitation is replaced and a new link e-mailed).
pub async fn invite_admin(db: &Db, invite_key: &[u8], who: &Principal, slug: &str, email: &str, name: &str) -> Result<(tenant::Model, crate::invitations::Invitation)> {
    let t = own_tenant(db, who, slug).await?;
    let tenant_slug = TenantSlug::parse(&t.slug).map_err(|e| AppError::Internal(e.to_string()))?;
    let (actor, partner_name) = actor_for(db, who, &t).await?;
    let txn = db.tenant_txn(&tenant_slug).await?;
    let invite = crate::invitations::InviteIn { email: email.to_owned(), name: name.to_owned(), role: Role::TenantAdmin, customer_id: None };
    let inv = crate::invitations::invite(&txn, invite_key, &actor, &format!("{} ({partner_name})", who.name), &invite, Utc::now()).await?;
    txn.commit().await?;
    Ok((t, inv))
}

/// How a tenant's audit trail names a partner user who changed it, and the partner's name.
pub(crate) async fn actor_for(db: &Db, who: &Principal, t: &tenant::Model) -> Result<(Actor, String)> {
    actor_of(db, who, t.partner_id).await
}

/// Locks partner `id`'s row until `txn` ends (PostgreSQL; SQLite has one writer anyway), so
/// that changes that must see each other's outcome (team members, default versions) go one at a
/// time.
pub(crate) async fn lock<C: sea_orm::ConnectionTrait>(db: &Db, txn: &C, id: uuid::Uuid) -> Result<()> {
    if db.is_postgres() {
        txn.execute_raw(sea_orm::Statement::from_sql_and_values(sea_orm::DbBackend::Postgres, "SELECT id FROM partners WHERE id = $1 FOR UPDATE", [id.into()])).await?;
    }
    Ok(())
}

/// The name of partner `id` (empty if it is gone).
pub async fn partner_name(db: &Db, id: uuid::Uuid) -> Result<String> {
    Ok(partner::Entity::find_by_id(id).one(db.platform()).await?.map(|p| p.name).unwrap_or_default())
}

async fn actor_of(db: &Db, who: &Principal, partner_id: uuid::Uuid) -> Result<(Actor, String)> {
    let partner_name = partner_name(db, partner_id).await?;
    let actor = Actor::User { id: who.user_id, name: format!("{} ({}, {})", who.name, who.role.label(), if who.role == Role::PlatformAdmin { "platform" } else { &partner_name }) };
    Ok((actor, partner_name))
}

/// Saves tenant `slug`'s brand for `who` (see [`crate::branding`]): every field checked, all
/// problems named at once (`Invalid`); the change recorded in the tenant's audit trail with
/// what it was and what it is now. Answers the tenant as it is now.
pub async fn set_branding(db: &Db, who: &Principal, slug: &str, input: &BrandingIn) -> Result<tenant::Model> {
    let t = own_tenant(db, who, slug).await?;
    let brand = input.validate().map_err(|errs| AppError::Invalid(errs.iter().map(|e| format!("{}: {}", label(&e.field), e.reason)).collect::<Vec<_>>().join("; ")))?;
    let tenant_slug = TenantSlug::parse(&t.slug).map_err(|e| AppError::Internal(e.to_string()))?;
    let (actor, partner_name) = actor_for(db, who, &t).await?;
    let before = BrandingIn::from_tenant(&t);
    let mut am: tenant::ActiveModel = t.clone().into();
    brand.apply(&mut am, &partner_name);
    // A brand of its own: the partner's default brand no longer changes it.
    am.brand_inherited = sea_orm::ActiveValue::Set(false);
    am.updated_at = sea_orm::ActiveValue::Set(Utc::now());
    // Only over the row as it was read (two editors at once: one wins, the other is told), so
    // that the audit entry's "before" is what was replaced.
    // Tenant first, then platform: see set_active.
    let audit_txn = db.tenant_txn(&tenant_slug).await?;
    let txn = db.platform().begin().await?;
    let changed = tenant::Entity::update_many().set(am).filter(tenant::Column::Id.eq(t.id)).filter(tenant::Column::UpdatedAt.eq(t.updated_at)).exec(&txn).await?.rows_affected;
    if changed == 0 {
        return Err(AppError::Conflict(format!("{} was just changed by someone else; reload the editor", t.name)));
    }
    let t = tenant::Entity::find_by_id(t.id).one(&txn).await?.ok_or(AppError::NotFound)?;
    let after = BrandingIn::from_tenant(&t);
    audit::record(&audit_txn, &actor, "tenant.branding_changed", "tenant", &t.slug, json!({"by": who.email, "partner": partner_name, "before": brief(&before), "after": brief(&after)})).await?;
    txn.commit().await?;
    if let Err(e) = audit_txn.commit().await {
        tracing::error!(tenant = %t.slug, error = %e, "the tenant's branding changed but its audit entry could not be committed");
        return Err(e.into());
    }
    Ok(t)
}

/// The editor's words for a field.
pub(crate) fn label(field: &str) -> &str {
    match field {
        "product_name" => "Product name",
        "primary_color" => "Primary colour",
        "accent_color" => "Accent colour",
        "support_email" => "Support e-mail",
        "support_phone" => "Support phone",
        "footer_text" => "Footer text",
        other => other,
    }
}

pub(crate) fn brief(b: &BrandingIn) -> serde_json::Value {
    json!({"product_name": b.product_name, "primary_color": b.primary_color, "accent_color": b.accent_color, "support_email": b.support_email, "support_phone": b.support_phone, "footer_text": b.footer_text, "powered_by": b.powered_by})
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn who(role: Role, partner: Option<Uuid>) -> Principal {
        Principal { support_session: None, user_id: Uuid::nil(), name: "N".into(), email: "n@x.test".into(), role, customer_name: None, customer_id: None, partner_id: partner }
    }

    #[test]
    fn only_the_tenants_partner_or_the_operator_runs_a_tenant() {
        let (mine, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let now = Utc::now();
        let t = tenant::Model {
            id: Uuid::from_u128(9), partner_id: mine, slug: "acme".into(), name: "Acme".into(), product_name: "P".into(), primary_color: "#000000".into(),
            logo_svg: String::new(), active: true, address: String::new(), remit_to: String::new(), accent_color: "#000000".into(),
            support_email: String::new(), support_phone: String::new(), footer_text: String::new(), powered_by: String::new(),
            logo_etag: String::new(), favicon_etag: String::new(), support_approval: false, created_at: now, updated_at: now, policies_applied: 0, brand_inherited: false,
        };
        let cases = [
            (who(Role::PartnerAdmin, Some(mine)), true),
            (who(Role::PartnerAdmin, Some(other)), false),
            (who(Role::PartnerAdmin, None), false),
            (who(Role::PlatformAdmin, None), true),
            (who(Role::TenantAdmin, Some(mine)), false),
        ];
        for (p, expected) in cases {
            assert_eq!(may_run(&p, &t), expected, "{:?} {:?}", p.role, p.partner_id);
        }
    }
}
