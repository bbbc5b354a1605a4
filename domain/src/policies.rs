//! Inherited policies: a partner sets defaults that every one of its tenants follows unless it
//! overrides them — each workflow rule and policy of a tenant (SLAs per exception type, the
//! reminder sequences, billing, the default invoice channels, approval thresholds, retention
//! periods…) and the brand.
//!
//! A partner default is versioned like a tenant's rule (`partner_policies`, never updated) and
//! each save is in the partner's own record (`partner_audit`). A tenant's rules stay in its own
//! data: a tenant that inherits a rule holds a copy of the partner's default as a version of
//! its own, marked `inherited` with the partner's version, so every outcome still names the
//! tenant's rule version and its history shows who changed what. Saving a default bumps the
//! partner's `policy_version`; the sweep ([`sync`], at once after the save and every minute)
//! brings each tenant behind it up to date, in that tenant's transaction, touching only the
//! rules it inherits. Reverting an override ([`revert`]) stores the default again, marked
//! inherited. The brand lives on the tenant's platform row: the sweep writes a default brand to
//! the tenants that follow it, each change in the tenant's own audit trail first.
use crate::audit::Actor;
use crate::auth::Principal;
use crate::branding::BrandingIn;
use crate::db::Db;
use crate::entity::{partner, tenant};
use crate::error::{Error as AppError, Result};
use crate::types::{Role, TenantSlug};
use crate::workflow::entity::rule_version;
use crate::workflow::rules::{self, Source};
use crate::TenantTxn;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait};
use serde_json::{Value, json};
use std::collections::HashMap;
use uuid::Uuid;

pub mod entity {
    use sea_orm::entity::prelude::*;
    /// One version of one of a partner's defaults.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "partner_policies")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub partner_id: Uuid,
        pub policy: String,
        pub version: i32,
        pub enabled: bool,
        /// JSON text, checked as the tenant's rule of that name (or as a brand).
        pub config: String,
        pub created_by: String,
        pub created_by_id: Uuid,
        pub created_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

/// The brand, as a partner default.
pub const BRANDING: &str = "branding";

/// Whether `name` is something a partner sets a default of.
pub fn is_policy(name: &str) -> bool {
    rules::RULES.contains(&name) || rules::POLICIES.contains(&name) || name == BRANDING
}

fn admin_partner(who: &Principal) -> Result<Uuid> {
    match (who.role, who.partner_id, who.support_session) {
        (Role::PartnerAdmin, Some(p), None) => Ok(p),
        _ => Err(AppError::Forbidden("only a partner admin changes the partner's defaults".into())),
    }
}

/// The partner whose defaults `who` may read (its admins and viewers).
pub fn member_partner(who: &Principal) -> Result<Uuid> {
    match (who.role, who.partner_id) {
        (Role::PartnerAdmin | Role::PartnerViewer, Some(p)) => Ok(p),
        _ => Err(AppError::Forbidden("the partner's defaults are for the partner's own users".into())),
    }
}

/// The latest version of each of partner `partner`'s defaults.
pub async fn defaults<C: ConnectionTrait>(c: &C, partner: Uuid) -> Result<Vec<entity::Model>> {
    let rows = entity::Entity::find().filter(entity::Column::PartnerId.eq(partner)).order_by_asc(entity::Column::Policy).order_by_desc(entity::Column::Version).all(c).await?;
    let mut seen = std::collections::HashSet::new();
    Ok(rows.into_iter().filter(|r| seen.insert(r.policy.clone())).collect())
}

/// How many tenants partner `partner` runs.
pub async fn tenant_count(db: &Db, partner: Uuid) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(tenant::Entity::find().filter(tenant::Column::PartnerId.eq(partner)).count(db.platform()).await?)
}

/// The partner's latest default changes, newest first.
pub async fn history<C: ConnectionTrait>(c: &C, partner: Uuid, limit: u64) -> Result<Vec<entity::Model>> {
    Ok(entity::Entity::find().filter(entity::Column::PartnerId.eq(partner)).order_by_desc(entity::Column::CreatedAt).order_by_desc(entity::Column::Version).limit(limit).all(c).await?)
}

/// The editor's fields in a stored or posted brand (missing ones empty).
fn fields_in(v: &Value) -> BrandingIn {
    let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    BrandingIn {
        product_name: text("product_name"),
        primary_color: text("primary_color"),
        accent_color: text("accent_color"),
        support_email: text("support_email"),
        support_phone: text("support_phone"),
        footer_text: text("footer_text"),
        powered_by: v.get("powered_by").and_then(Value::as_bool).unwrap_or(false),
    }
}

/// A default brand as stored: the editor's fields, each checked as for a tenant.
pub fn check_brand(config: Value) -> Result<Value> {
    let b = fields_in(&config).validate().map_err(|errs| AppError::Invalid(errs.iter().map(|e| format!("{}: {}", crate::partner::label(&e.field), e.reason)).collect::<Vec<_>>().join("; ")))?;
    Ok(crate::partner::brief(&fields_of(&b)))
}

/// A stored default brand as the editor's fields.
pub fn brand_of(config: &str) -> Option<BrandingIn> {
    serde_json::from_str::<Value>(config).ok().map(|v| fields_in(&v))
}

/// Saves `policy`'s next default version for `who`'s partner (checked as the tenant's rule of
/// that name, or as a brand), recorded in the partner's record; the partner's tenants that
/// inherit it follow through [`sync`]. Answers the new version.
pub async fn save(db: &Db, who: &Principal, policy: &str, enabled: bool, config: Value, now: DateTime<Utc>) -> Result<i32> {
    let partner = admin_partner(who)?;
    let config = match policy {
        BRANDING => check_brand(config)?,
        p if is_policy(p) => rules::check(p, config)?,
        other => return Err(AppError::Invalid(format!("there is no policy {other:?}"))),
    };
    let txn = db.platform().begin().await?;
    // Versions of one partner's defaults are numbered one at a time.
    crate::partner::lock(db, &txn, partner).await?;
    let p = partner::Entity::find_by_id(partner).one(&txn).await?.ok_or(AppError::NotFound)?;
    let last = entity::Entity::find().filter(entity::Column::PartnerId.eq(partner)).filter(entity::Column::Policy.eq(policy)).order_by_desc(entity::Column::Version).one(&txn).await?;
    let version = last.map_or(1, |r| r.version + 1);
    entity::ActiveModel {
        id: Set(crate::new_id()),
        partner_id: Set(partner),
        policy: Set(policy.to_owned()),
        version: Set(version),
        enabled: Set(enabled),
        config: Set(config.to_string()),
        created_by: Set(who.name.clone()),
        created_by_id: Set(who.user_id),
        created_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(format!("another version of the default {policy} was saved at the same moment; reload and try again")),
        _ => e.into(),
    })?;
    let mut am: partner::ActiveModel = p.clone().into();
    am.policy_version = Set(p.policy_version + 1);
    am.updated_at = Set(now);
    am.update(&txn).await?;
    crate::partner_team::record(&txn, partner, &format!("{} <{}>", who.name, who.email), "policy.changed", policy, json!({"version": version, "enabled": enabled, "config": config}), now).await?;
    txn.commit().await?;
    Ok(version)
}

/// Writes `brand` to tenant `id` if it follows its partner's default brand.
async fn follow_brand<C: ConnectionTrait>(c: &C, id: Uuid, partner_name: &str, brand: &crate::branding::Branding, now: DateTime<Utc>) -> Result<u64> {
    let mut am = tenant::ActiveModel { updated_at: Set(now), ..Default::default() };
    brand.apply(&mut am, partner_name);
    Ok(tenant::Entity::update_many().set(am).filter(tenant::Column::Id.eq(id)).filter(tenant::Column::BrandInherited.eq(true)).exec(c).await?.rows_affected)
}

/// The default brand among `defaults`, checked, with its version.
fn default_brand(defaults: &[entity::Model]) -> Option<(&entity::Model, crate::branding::Branding)> {
    let d = defaults.iter().find(|d| d.policy == BRANDING)?;
    Some((d, brand_of(&d.config)?.validate().ok()?))
}

/// The editor's fields of a checked brand (to compare with a tenant's).
fn fields_of(b: &crate::branding::Branding) -> BrandingIn {
    BrandingIn {
        product_name: b.product_name.clone(),
        primary_color: b.primary_color.as_str().to_owned(),
        accent_color: b.accent_color.as_str().to_owned(),
        support_email: b.support_email.as_ref().map(|e| e.as_str().to_owned()).unwrap_or_default(),
        support_phone: b.support_phone.clone(),
        footer_text: b.footer_text.clone(),
        powered_by: b.powered_by,
    }
}

/// How a tenant's trail names a default's author: `Mia Harbor (Harbor MSP default v2)`.
fn author(d: &entity::Model, partner_name: &str) -> Actor {
    Actor::User { id: d.created_by_id, name: format!("{} ({partner_name} default v{})", d.created_by, d.version) }
}

/// Brings the rules a tenant inherits up to `defaults` (in its transaction): each rule it has
/// never saved, or whose latest version is inherited from another default version, gets the
/// default as its next version. Its own overrides stay. Answers how many rules changed.
pub async fn apply(txn: &TenantTxn, defaults: &[entity::Model], partner_name: &str) -> Result<usize> {
    let mut changed = 0;
    for d in defaults.iter().filter(|d| d.policy != BRANDING) {
        let seen = rules::latest(txn, &d.policy).await?;
        let due = match &seen {
            None => true,
            Some(r) => r.inherited && r.partner_version != Some(d.version),
        };
        if due {
            let config: Value = serde_json::from_str(&d.config).map_err(|e| AppError::Internal(format!("default {} v{} does not read: {e}", d.policy, d.version)))?;
            // Only over the version just read: an override saved meanwhile stays (in a
            // savepoint, so that a refused insert leaves the transaction usable).
            let sp = txn.savepoint().await?;
            match rules::store_over(&sp, &d.policy, d.enabled, config, &author(d, partner_name), Source::Partner(Some(d.version)), seen.map(|r| r.version)).await {
                Ok(_) => {
                    sp.commit().await?;
                    changed += 1;
                }
                Err(AppError::Conflict(_)) => sp.rollback().await?,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(changed)
}

/// Brings one tenant to `defaults`: its inherited rules (in its transaction) and, if it follows
/// the default brand, its brand (the change in its audit trail, then on its platform row).
async fn bring_up(db: &Db, t: &tenant::Model, defaults: &[entity::Model], partner_name: &str, now: DateTime<Utc>) -> Result<usize> {
    let slug = TenantSlug::parse(&t.slug).map_err(AppError::Internal)?;
    let before = crate::partner::brief(&BrandingIn::from_tenant(t));
    let brand = default_brand(defaults).map(|(d, b)| (d, crate::partner::brief(&fields_of(&b)), b)).filter(|(_, after, _)| t.brand_inherited && *after != before);
    let txn = db.tenant_txn(&slug).await?;
    let n = apply(&txn, defaults, partner_name).await?;
    if let Some((d, after, _)) = &brand {
        let detail = json!({"partner": partner_name, "default_version": d.version, "before": before, "after": after});
        crate::audit::record(&txn, &author(d, partner_name), "tenant.branding_changed", "tenant", &t.slug, detail).await?;
    }
    txn.commit().await?;
    if let Some((_, _, b)) = &brand {
        follow_brand(db.platform(), t.id, partner_name, b, now).await?;
    }
    Ok(n)
}

/// Brings every tenant that is behind its partner's defaults up to them, `batch` at a time,
/// each in its own transaction, and marks each done on the platform. One that fails stays
/// behind for the next sweep; the others go on. Answers how many were brought up.
pub async fn sync(db: &Db, batch: u64) -> Result<usize> {
    let backend = db.platform().get_database_backend();
    let mut by_partner: HashMap<Uuid, (Vec<entity::Model>, String)> = HashMap::new();
    let (mut done, mut after) = (0, String::new());
    loop {
        let sql = format!("SELECT t.id AS id, p.policy_version AS v FROM tenants t JOIN partners p ON p.id = t.partner_id WHERE t.policies_applied < p.policy_version AND t.slug > {} ORDER BY t.slug LIMIT {batch}", if backend == sea_orm::DbBackend::Postgres { "$1" } else { "?" });
        let rows = db.platform().query_all_raw(Statement::from_sql_and_values(backend, sql, [after.clone().into()])).await?;
        if rows.is_empty() {
            return Ok(done);
        }
        let mut due = HashMap::new();
        for r in rows {
            due.insert(r.try_get::<Uuid>("", "id")?, r.try_get::<i32>("", "v")?);
        }
        let tenants = tenant::Entity::find().filter(tenant::Column::Id.is_in(due.keys().copied())).order_by_asc(tenant::Column::Slug).all(db.platform()).await?;
        let Some(last) = tenants.last() else { return Ok(done) };
        after = last.slug.clone();
        for t in tenants {
            let (id, v) = (t.id, due[&t.id]);
            if !by_partner.contains_key(&t.partner_id) {
                let name = crate::partner::partner_name(db, t.partner_id).await?;
                by_partner.insert(t.partner_id, (defaults(db.platform(), t.partner_id).await?, name));
            }
            let (defaults, name) = &by_partner[&t.partner_id];
            match bring_up(db, &t, defaults, name, Utc::now()).await {
                Ok(n) => {
                    tenant::Entity::update_many().col_expr(tenant::Column::PoliciesApplied, sea_orm::sea_query::Expr::value(v)).filter(tenant::Column::Id.eq(id)).filter(tenant::Column::PoliciesApplied.lt(v)).exec(db.platform()).await?;
                    tracing::info!(tenant = %t.slug, rules = n, "partner defaults applied");
                    done += 1;
                }
                Err(e) => tracing::warn!(tenant = %t.slug, error = %e, "applying the partner's defaults failed; the next sweep tries again"),
            }
        }
    }
}

/// Brings a new tenant's rules and brand to its partner's defaults: rules in its transaction
/// `txn`, brand on its platform row `row` (not yet inserted) under `partner_name`. It stays marked behind its
/// partner, so the next sweep confirms both once everything committed.
pub async fn start_tenant(db: &Db, txn: &TenantTxn, row: &mut tenant::ActiveModel, partner: Uuid, partner_name: &str, now: DateTime<Utc>) -> Result<()> {
    let all = defaults(db.platform(), partner).await?;
    apply(txn, &all, partner_name).await?;
    if let Some((_, brand)) = default_brand(&all) {
        brand.apply(row, partner_name);
        row.brand_inherited = Set(true);
        row.updated_at = Set(now);
    }
    Ok(())
}

/// Where the version of a tenant's rule in force comes from, in the admin's words.
pub fn source_of(latest: Option<&rule_version::Model>) -> String {
    match latest {
        None | Some(rule_version::Model { inherited: true, partner_version: None, .. }) => "Built-in default".into(),
        Some(rule_version::Model { inherited: true, partner_version: Some(v), .. }) => format!("Partner default v{v}"),
        Some(_) => "Tenant override".into(),
    }
}

/// Reverts tenant `tenant_id`'s `rule` (in its transaction `txn`) to what it would inherit (its
/// partner's default, or the built-in one) as the rule's next version, by `who`. Refused when
/// the rule already inherits.
pub async fn revert(db: &Db, txn: &TenantTxn, tenant_id: Uuid, rule: &str, who: &Actor) -> Result<i32> {
    if !(rules::RULES.contains(&rule) || rules::POLICIES.contains(&rule)) {
        return Err(AppError::Invalid(format!("there is no rule {rule:?}")));
    }
    let latest = rules::latest(txn, rule).await?;
    if latest.as_ref().is_none_or(|r| r.inherited) {
        return Err(AppError::Conflict(format!("{rule} already follows the default; there is nothing to revert")));
    }
    let t = tenant::Entity::find_by_id(tenant_id).one(db.platform()).await?.ok_or(AppError::NotFound)?;
    let default = defaults(db.platform(), t.partner_id).await?.into_iter().find(|d| d.policy == rule);
    let over = latest.map(|r| r.version);
    let v = match default {
        Some(d) => {
            let config: Value = serde_json::from_str(&d.config).map_err(|e| AppError::Internal(e.to_string()))?;
            rules::store_over(txn, rule, d.enabled, config, who, Source::Partner(Some(d.version)), over).await?
        }
        None => rules::store_over(txn, rule, true, rules::builtin(rule), who, Source::Partner(None), over).await?,
    };
    Ok(v)
}

/// Makes tenant `slug`'s brand follow its partner's default again, recorded in the partner's
/// record and (with the brand it takes) in the tenant's trail. Refused when the partner has no
/// default brand. Answers the tenant as it is now.
pub async fn follow_partner_brand(db: &Db, who: &Principal, slug: &str, now: DateTime<Utc>) -> Result<tenant::Model> {
    let t = crate::partner::own_tenant(db, who, slug).await?;
    let txn = db.platform().begin().await?;
    // A default brand saved meanwhile waits, then reaches this tenant through the sweep.
    crate::partner::lock(db, &txn, t.partner_id).await?;
    let p = partner::Entity::find_by_id(t.partner_id).one(&txn).await?.ok_or(AppError::NotFound)?;
    let all = defaults(&txn, t.partner_id).await?;
    if default_brand(&all).is_none() {
        return Err(AppError::Conflict(format!("{} has no default brand yet; set one on the Defaults page first", p.name)));
    }
    tenant::Entity::update_many().col_expr(tenant::Column::BrandInherited, sea_orm::sea_query::Expr::value(true)).filter(tenant::Column::Id.eq(t.id)).exec(&txn).await?;
    crate::partner_team::record(&txn, t.partner_id, &format!("{} <{}>", who.name, who.email), "tenant.brand_follows_default", &t.slug, json!({}), now).await?;
    txn.commit().await?;
    let following = tenant::Model { brand_inherited: true, ..t };
    bring_up(db, &following, &all, &p.name, now).await?;
    Ok(tenant::Entity::find_by_id(following.id).one(db.platform()).await?.ok_or(AppError::NotFound)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(inherited: bool, partner_version: Option<i32>) -> rule_version::Model {
        rule_version::Model { id: Uuid::nil(), rule: "billing".into(), version: 3, enabled: true, config: "{}".into(), created_by: "x".into(), created_at: Utc::now(), inherited, partner_version }
    }

    #[test]
    fn a_rule_says_where_it_comes_from() {
        let cases = [(None, "Built-in default"), (Some(row(true, None)), "Built-in default"), (Some(row(true, Some(2))), "Partner default v2"), (Some(row(false, None)), "Tenant override")];
        for (latest, want) in cases {
            assert_eq!(source_of(latest.as_ref()), want);
        }
    }

    #[test]
    fn only_partner_admins_outside_support_change_defaults() {
        let p = Uuid::from_u128(7);
        let who = |role, partner, support: Option<Uuid>| Principal { support_session: support, user_id: Uuid::nil(), name: "N".into(), email: "n@x.test".into(), role, customer_name: None, customer_id: None, partner_id: partner };
        assert_eq!(admin_partner(&who(Role::PartnerAdmin, Some(p), None)).ok(), Some(p));
        assert!(admin_partner(&who(Role::PartnerViewer, Some(p), None)).is_err());
        assert!(admin_partner(&who(Role::PartnerAdmin, Some(p), Some(Uuid::nil()))).is_err());
        assert!(admin_partner(&who(Role::TenantAdmin, None, None)).is_err());
        assert_eq!(member_partner(&who(Role::PartnerViewer, Some(p), None)).ok(), Some(p));
        assert!(member_partner(&who(Role::TenantAdmin, None, None)).is_err());
    }

    #[test]
    fn a_default_brand_is_checked_like_a_tenant_s() {
        let ok = check_brand(json!({"product_name": " Harbor Hub ", "primary_color": "#1D4ED8", "accent_color": "#047857", "powered_by": true})).unwrap();
        assert_eq!(ok["product_name"], "Harbor Hub");
        assert_eq!(ok["primary_color"], "#1d4ed8");
        assert!(brand_of(&ok.to_string()).unwrap().powered_by);
        let pale = check_brand(json!({"product_name": "X", "primary_color": "#fde047", "accent_color": "#047857"})).unwrap_err();
        assert!(pale.to_string().contains("1.31:1"), "{pale}");
        assert!(is_policy("sla") && is_policy("dunning") && is_policy(BRANDING) && !is_policy("nope"));
    }
}
