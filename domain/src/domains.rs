//! Custom domains: a tenant served at a name of its own (`portal.initech-supply.com`) once the
//! name is verified by a DNS TXT record `_throughline.<domain>` that holds the domain's token.
//!
//! The tenant's partner (or the platform operator) adds and removes them in the partner
//! console, and the tenant's own admins on its admin pages; either asks for a check at once; the platform's sweep ([`sweep`], every minute in
//! every instance) checks a waiting domain every 15 minutes and a verified one daily, and
//! unverifies one whose record is gone. A look-up that gets no answer (timeout, refused,
//! SERVFAIL) changes nothing: only an answer without the token unverifies.
//!
//! A name is unique among verified domains only: any number of tenants may claim it, and the
//! one whose token its DNS holds gets it, so a claim by someone who does not control the name
//! keeps nobody out. Domains verified before these checks existed keep serving during a grace
//! (`grace_until`) while their owners publish the token.
//!
//! Only a verified domain resolves to its tenant ([`crate::tenancy::resolve_site`]) and passes
//! the TLS `ask`, so a proxy obtains certificates for those alone. Session cookies are
//! host-only: a session of the subdomain never works on the custom domain, nor the other way.
use crate::audit::{self, Actor};
use crate::auth::Principal;
use crate::db::Db;
use crate::entity::{tenant, tenant_domain};
use crate::error::{AppError, Result};
use crate::jobs::async_trait;
use crate::TenantTxn;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

/// How often a verified domain is checked again, and an unverified one while it waits.
pub const VERIFIED_EVERY_SECS: i64 = 86_400;
pub const PENDING_EVERY_SECS: i64 = 900;
/// The label under the domain where its TXT record goes.
pub const RECORD_PREFIX: &str = "_throughline";
/// Custom domains one tenant may have.
pub const MAX_PER_TENANT: usize = 10;
/// Domains checked in one pass of the sweep.
const SWEEP_BATCH: u64 = 100;

/// What a DNS look-up of TXT records found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The TXT strings at the name; none when it has no TXT record or does not exist.
    Found(Vec<String>),
    /// No answer (timeout, refused, server failure): nothing can be concluded.
    Failed(String),
}

/// A resolver of TXT records (the server's, configurable; the tests answer from a DNS server
/// on loopback).
#[async_trait]
pub trait TxtLookup: Send + Sync {
    async fn txt(&self, name: &str) -> Lookup;
}

/// A domain name as a user typed it, trimmed, in lower case and without a trailing dot; or
/// why it cannot be a custom domain.
pub fn parse_domain(input: &str, base_domain: &str) -> std::result::Result<String, String> {
    let d = input.trim().trim_end_matches('.').to_ascii_lowercase();
    if d.is_empty() {
        return Err("type a domain name, such as portal.example.com".into());
    }
    if d.contains('/') || d.contains(':') {
        return Err(format!("'{d}' is not a name: type it without http:// or a path, such as portal.example.com"));
    }
    if d.len() > 253 {
        return Err("a domain name has at most 253 characters".into());
    }
    let labels: Vec<&str> = d.split('.').collect();
    if labels.len() < 2 {
        return Err(format!("'{d}' needs at least two labels, such as portal.example.com"));
    }
    if let Some(bad) = labels.iter().find(|l| !good_label(l)) {
        return Err(format!("'{bad}' is not a valid part of a name: 1 to 63 letters, digits or '-', not starting or ending with '-'"));
    }
    if labels.last().is_some_and(|l| l.chars().all(|c| c.is_ascii_digit())) {
        return Err("an IP address cannot be a custom domain".into());
    }
    let base = base_domain.to_ascii_lowercase();
    if d == base || d.ends_with(&format!(".{base}")) {
        return Err(format!("names under {base} are the platform's own; a tenant has its subdomain there already"));
    }
    Ok(d)
}

fn good_label(l: &str) -> bool {
    (1..=63).contains(&l.len()) && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Where the domain's TXT record goes.
pub fn record_name(domain: &str) -> String {
    format!("{RECORD_PREFIX}.{domain}")
}

/// A new domain's token, the value its TXT record must hold.
pub fn new_token() -> String {
    format!("throughline-verify={:032x}", rand::random::<u128>())
}

/// Whether the TXT strings found hold `token` (one of them, exactly, spaces around ignored).
pub fn proves(found: &[String], token: &str) -> bool {
    found.iter().any(|s| s.trim() == token)
}

/// What a check concludes from a look-up: whether the domain is verified now, and what to
/// tell the admin when it is not (or when nothing could be concluded). `grace`: the end of
/// the grace of a domain verified before these checks (it stays verified until then).
pub fn conclude(was_verified: bool, domain: &str, token: &str, found: &Lookup, grace: Option<DateTime<Utc>>, now: DateTime<Utc>) -> (bool, Option<String>) {
    let name = record_name(domain);
    let (verified, why) = match found {
        Lookup::Found(txt) if proves(txt, token) => return (true, None),
        Lookup::Found(txt) if txt.is_empty() => (false, format!("No TXT record was found at {name}.")),
        Lookup::Found(_) => (false, format!("The TXT record at {name} does not hold this domain's token.")),
        Lookup::Failed(e) => return (was_verified, Some(format!("The DNS look-up of {name} got no answer ({e}); nothing changed."))),
    };
    match grace.filter(|g| was_verified && *g > now) {
        Some(until) => (true, Some(format!("{why} It keeps serving until {} UTC; publish the record before then.", until.format("%-d %B %Y %H:%M")))),
        None => (verified, Some(why)),
    }
}

/// Tenant `tenant_id`'s domains, by name.
pub async fn list(db: &Db, tenant_id: Uuid) -> Result<Vec<tenant_domain::Model>> {
    Ok(tenant_domain::Entity::find().filter(tenant_domain::Column::TenantId.eq(tenant_id)).order_by_asc(tenant_domain::Column::Domain).all(db.platform()).await?)
}

/// Who changes a tenant's custom domains, resolved once: the tenant, the audit trail's actor,
/// and who they are in its entries. A partner admin of the tenant's partner (or the platform
/// operator) in the partner console ([`Steward::partner`]), or the tenant's own admin on its
/// admin pages ([`Steward::tenant_admin`]).
pub struct Steward {
    pub tenant: tenant::Model,
    actor: Actor,
    by: serde_json::Value,
}

impl Steward {
    /// Tenant `slug` for `who` in the partner console: `NotFound` unless `who` runs it.
    pub async fn partner(db: &Db, who: &Principal, slug: &str) -> Result<Self> {
        let tenant = crate::partner::own_tenant(db, who, slug).await?;
        let (actor, partner_name) = crate::partner::actor_for(db, who, &tenant).await?;
        Ok(Steward { tenant, actor, by: json!({"by": who.email, "partner": partner_name}) })
    }

    /// Tenant `tenant_id` for its own admin `who`: `Forbidden` for any other role.
    pub async fn tenant_admin(db: &Db, who: &Principal, tenant_id: Uuid) -> Result<Self> {
        if who.role != crate::types::Role::TenantAdmin {
            return Err(AppError::Forbidden("only tenant admins manage the workspace's domains".into()));
        }
        let tenant = tenant::Entity::find_by_id(tenant_id).one(db.platform()).await?.ok_or(AppError::NotFound)?;
        Ok(Steward { tenant, actor: Actor::User { id: who.user_id, name: who.name.clone() }, by: json!({"by": who.email}) })
    }

    fn entry(&self, extra: serde_json::Value) -> serde_json::Value {
        let mut e = self.by.clone();
        if let (Some(e), serde_json::Value::Object(x)) = (e.as_object_mut(), extra) {
            e.extend(x);
        }
        e
    }
}

/// Adds `input` to the steward's tenant's domains, unverified with a new token. Refused: a
/// name that is not one or is under the base domain, a name the tenant has already or one
/// verified for another workspace, more than [`MAX_PER_TENANT`]. Recorded in the tenant's
/// audit trail.
pub async fn add(db: &Db, s: &Steward, input: &str, base_domain: &str) -> Result<tenant_domain::Model> {
    let t = &s.tenant;
    let name = parse_domain(input, base_domain).map_err(|e| AppError::Invalid(format!("Domain: {e}")))?;
    if list(db, t.id).await?.len() >= MAX_PER_TENANT {
        return Err(AppError::Conflict(format!("{} has {MAX_PER_TENANT} domains already; remove one first", t.name)));
    }
    let claims = tenant_domain::Entity::find().filter(tenant_domain::Column::Domain.eq(&name)).all(db.platform()).await?;
    if claims.iter().any(|d| d.tenant_id == t.id) {
        return Err(AppError::Conflict(format!("{name} is added already")));
    }
    if claims.iter().any(|d| d.verified) {
        return Err(AppError::Conflict(format!("{name} is verified for another workspace; its DNS owner must remove that record first")));
    }
    let row = pending(t.id, &name, Utc::now());
    // The tenant's transaction first, then the platform's (the order of every writer of both).
    let ttxn = db.tenant_txn(&tenant_slug(t)?).await?;
    audit::record(&ttxn, &s.actor, "domain.added", "domain", &name, s.entry(json!({}))).await?;
    let txn = db.platform().begin().await?;
    // The unique (tenant, name) makes a concurrent addition of the same name fail here.
    let d = match row.insert(&txn).await {
        Ok(d) => d,
        Err(e) if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => return Err(AppError::Conflict(format!("{name} is added already"))),
        Err(e) => return Err(e.into()),
    };
    txn.commit().await?;
    ttxn.commit().await?;
    Ok(d)
}

/// Removes domain `id` of the steward's tenant: it stops serving the tenant at once on this
/// instance and within the host cache's 5 s on the others. Recorded in the tenant's audit trail.
pub async fn remove(db: &Db, s: &Steward, id: Uuid) -> Result<tenant_domain::Model> {
    let d = own_domain(db, &s.tenant, id).await?;
    let ttxn = db.tenant_txn(&tenant_slug(&s.tenant)?).await?;
    audit::record(&ttxn, &s.actor, "domain.removed", "domain", &d.domain, s.entry(json!({"was_verified": d.verified}))).await?;
    tenant_domain::Entity::delete_by_id(d.id).exec(db.platform()).await?;
    ttxn.commit().await?;
    Ok(d)
}

/// Checks domain `id` of the steward's tenant now ("Check now").
pub async fn check_now(db: &Db, dns: &dyn TxtLookup, s: &Steward, id: Uuid) -> Result<tenant_domain::Model> {
    let t = &s.tenant;
    let d = own_domain(db, t, id).await?;
    // Looked up before the tenant's transaction opens: no lock waits on DNS.
    let found = dns.txt(&record_name(&d.domain)).await;
    let ttxn = db.tenant_txn(&tenant_slug(t)?).await?;
    let checked = record_check(db, &ttxn, &s.actor, &d, &found, Utc::now()).await?;
    ttxn.commit().await?;
    // Changed or removed meanwhile (another check, a removal): as it is now.
    match checked {
        Some(d) => Ok(d),
        None => own_domain(db, t, d.id).await,
    }
}

/// A new claim of `name` for tenant `tenant_id`: unverified, with a token of its own.
pub fn pending(tenant_id: Uuid, name: &str, now: DateTime<Utc>) -> tenant_domain::ActiveModel {
    tenant_domain::ActiveModel {
        id: Set(crate::new_id()),
        tenant_id: Set(tenant_id),
        domain: Set(name.to_owned()),
        verified: Set(false),
        token: Set(new_token()),
        checked_at: Set(None),
        verified_at: Set(None),
        check_error: Set(None),
        grace_until: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

async fn own_domain(db: &Db, t: &tenant::Model, id: Uuid) -> Result<tenant_domain::Model> {
    tenant_domain::Entity::find_by_id(id).filter(tenant_domain::Column::TenantId.eq(t.id)).one(db.platform()).await?.ok_or(AppError::NotFound)
}

fn tenant_slug(t: &tenant::Model) -> Result<crate::types::TenantSlug> {
    crate::types::TenantSlug::parse(&t.slug).map_err(|e| AppError::Internal(e.to_string()))
}

/// Stores what the look-up of domain `d`'s record (`found`) concludes ([`conclude`]), unless
/// the domain changed since `d` was read (then `None`: another check or a removal came
/// first). A change of state is `domain.verified` or `domain.unverified` in the tenant's audit
/// trail (`audit_txn`, opened before this and committed by the caller). Answers the domain as
/// it is now.
pub async fn record_check(db: &Db, audit_txn: &TenantTxn, actor: &Actor, d: &tenant_domain::Model, found: &Lookup, now: DateTime<Utc>) -> Result<Option<tenant_domain::Model>> {
    let (mut verified, mut error) = conclude(d.verified, &d.domain, &d.token, found, d.grace_until, now);
    let mut stored = store_check(db, d, verified, error.clone(), now).await;
    if let Err(e) = &stored
        && matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
    {
        // Its record holds this token, but another workspace has the name verified.
        (verified, error) = (false, Some(format!("{} is verified for another workspace; it cannot serve this one.", d.domain)));
        stored = store_check(db, d, verified, error.clone(), now).await;
    }
    let Some(now_stored) = stored? else { return Ok(None) };
    if verified != d.verified {
        let action = if verified { "domain.verified" } else { "domain.unverified" };
        audit::record(audit_txn, actor, action, "domain", &d.domain, json!({"record": record_name(&d.domain), "why": error})).await?;
        tracing::info!(domain = %d.domain, action, "custom domain changed state");
    }
    Ok(Some(now_stored))
}

/// Writes a check's outcome if `d` is as it was read (its `updated_at`): `None` otherwise.
async fn store_check(db: &Db, d: &tenant_domain::Model, verified: bool, error: Option<String>, now: DateTime<Utc>) -> std::result::Result<Option<tenant_domain::Model>, sea_orm::DbErr> {
    use sea_orm::sea_query::Expr;
    let verified_at = if verified && !d.verified { Some(now) } else if verified { d.verified_at } else { None };
    // A record found with the token ends the grace; a domain no longer verified has none.
    let grace_until = if error.is_none() || !verified { None } else { d.grace_until };
    let changed = tenant_domain::Entity::update_many()
        .col_expr(tenant_domain::Column::Verified, Expr::value(verified))
        .col_expr(tenant_domain::Column::VerifiedAt, Expr::value(verified_at))
        .col_expr(tenant_domain::Column::CheckedAt, Expr::value(Some(now)))
        .col_expr(tenant_domain::Column::CheckError, Expr::value(error.clone()))
        .col_expr(tenant_domain::Column::GraceUntil, Expr::value(grace_until))
        .col_expr(tenant_domain::Column::UpdatedAt, Expr::value(now))
        .filter(tenant_domain::Column::Id.eq(d.id))
        .filter(tenant_domain::Column::UpdatedAt.eq(d.updated_at))
        .exec(db.platform())
        .await?
        .rows_affected;
    Ok((changed == 1).then(|| tenant_domain::Model { verified, verified_at, checked_at: Some(now), check_error: error, grace_until, updated_at: now, ..d.clone() }))
}

/// The platform's domain upkeep (every minute in every instance, and in the tests' passes):
/// checks the domains of active tenants that are due, each looked up outside any transaction
/// and recorded by [`record_check`] (a domain that another instance checked meanwhile is left
/// to it). A failure is logged and skipped.
pub async fn sweep(db: &Db, dns: &dyn TxtLookup, now: DateTime<Utc>) {
    let rows = match candidates(db, now).await {
        Ok(rows) => rows,
        Err(e) => return tracing::warn!(error = %e, "listing custom domains to check failed; skipped"),
    };
    for (d, slug) in rows {
        let found = dns.txt(&record_name(&d.domain)).await;
        let res = async {
            let ttxn = db.tenant_txn(&slug).await?;
            record_check(db, &ttxn, &Actor::System, &d, &found, now).await?;
            ttxn.commit().await?;
            Ok::<_, AppError>(())
        };
        if let Err(e) = res.await {
            tracing::warn!(domain = %d.domain, error = %e, "recording a domain check failed; it is checked again later");
        }
    }
}

/// Domains due for a check at `now` (never checked, or checked longer ago than their state's
/// interval), oldest check first, of active tenants, with their tenant's slug.
async fn candidates(db: &Db, now: DateTime<Utc>) -> Result<Vec<(tenant_domain::Model, crate::types::TenantSlug)>> {
    use sea_orm::{Condition, QuerySelect};
    use tenant_domain::Column as D;
    let checked_before = |secs: i64| D::CheckedAt.lte(now - chrono::Duration::seconds(secs));
    let rows = tenant_domain::Entity::find()
        .filter(
            Condition::any()
                .add(D::CheckedAt.is_null())
                .add(Condition::all().add(D::Verified.eq(true)).add(checked_before(VERIFIED_EVERY_SECS)))
                .add(Condition::all().add(D::Verified.eq(false)).add(checked_before(PENDING_EVERY_SECS))),
        )
        .order_by_asc(D::CheckedAt)
        .limit(SWEEP_BATCH)
        .all(db.platform())
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let active: std::collections::HashMap<Uuid, String> = tenant::Entity::find().filter(tenant::Column::Active.eq(true)).all(db.platform()).await?.into_iter().map(|t| (t.id, t.slug)).collect();
    Ok(rows.into_iter().filter_map(|d| active.get(&d.tenant_id).and_then(|s| crate::types::TenantSlug::parse(s).ok()).map(|slug| (d, slug))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_names_are_normalised_or_refused_with_the_reason() {
        let ok = [("Portal.Initech-Supply.com", "portal.initech-supply.com"), (" portal.example.com. ", "portal.example.com"), ("a.b", "a.b"), ("xn--bcher-kva.example", "xn--bcher-kva.example")];
        for (typed, want) in ok {
            assert_eq!(parse_domain(typed, "localhost").as_deref(), Ok(want), "{typed}");
        }
        let refused = [
            ("", "type a domain name"),
            ("https://portal.example.com", "without http://"),
            ("portal.example.com/x", "without http://"),
            ("portal.example.com:8443", "without http://"),
            ("localhost2", "at least two labels"),
            ("-bad.example.com", "'-bad' is not a valid part"),
            ("bad-.example.com", "'bad-' is not a valid part"),
            ("a..example.com", "'' is not a valid part"),
            ("under_score.example.com", "'under_score' is not a valid part"),
            ("10.0.0.1", "an IP address"),
            ("acme.localhost", "the platform's own"),
            ("localhost", "at least two labels"),
            ("x.throughline.test", "the platform's own"),
        ];
        for (typed, want) in refused {
            let base = if typed.ends_with("throughline.test") { "throughline.test" } else { "localhost" };
            let got = parse_domain(typed, base).expect_err(typed);
            assert!(got.contains(want), "{typed}: {got}");
        }
        assert!(parse_domain(&format!("{}.com", "a".repeat(64)), "localhost").is_err());
        assert!(parse_domain(&format!("{}.com", ["abc"; 70].join(".")), "localhost").unwrap_err().contains("253"));
    }

    #[test]
    fn a_check_verifies_only_on_the_token_and_keeps_the_state_when_dns_does_not_answer() {
        let token = "throughline-verify=abc";
        let found = |v: &[&str]| Lookup::Found(v.iter().map(|s| s.to_string()).collect());
        let cases = [
            ("the token", false, found(&["throughline-verify=abc"]), true, false),
            ("the token among others", false, found(&["v=spf1 -all", " throughline-verify=abc "]), true, false),
            ("no record unverifies", true, found(&[]), false, true),
            ("another token unverifies", true, found(&["throughline-verify=xyz"]), false, true),
            ("a prefix is not the token", false, found(&["throughline-verify=ab"]), false, true),
            ("no answer keeps verified", true, Lookup::Failed("timed out".into()), true, true),
            ("no answer keeps unverified", false, Lookup::Failed("timed out".into()), false, true),
        ];
        let now = Utc::now();
        for (what, was, lookup, verified, says) in cases {
            let (v, why) = conclude(was, "portal.example.com", token, &lookup, None, now);
            assert_eq!(v, verified, "{what}");
            assert_eq!(why.is_some(), says, "{what}: {why:?}");
        }
        let (_, why) = conclude(false, "portal.example.com", token, &found(&[]), None, now);
        assert_eq!(why.as_deref(), Some("No TXT record was found at _throughline.portal.example.com."));
        // A domain verified before these checks keeps serving during its grace, and only then.
        let grace = Some(now + chrono::Duration::days(3));
        let (v, why) = conclude(true, "portal.example.com", token, &found(&[]), grace, now);
        assert!(v && why.as_deref().is_some_and(|w| w.contains("It keeps serving until")), "{why:?}");
        assert!(!conclude(true, "portal.example.com", token, &found(&[]), Some(now - chrono::Duration::seconds(1)), now).0, "the grace is over");
        assert!(!conclude(false, "portal.example.com", token, &found(&[]), grace, now).0, "a grace keeps a verified domain only");
        assert!(new_token().starts_with("throughline-verify=") && new_token() != new_token());
    }
}
