//! Custom domains: a tenant served at a name of its own (`portal.initech-supply.com`) once the
//! name is verified by a DNS TXT record `_throughline.<domain>` that holds the domain's token.
//!
//! The tenant's partner (or the platform operator) adds and removes them in the partner
//! console, and asks for a check at once; the `domains.check` job checks every domain of its
//! tenant again daily and unverifies one whose record is gone. A look-up that gets no answer
//! (timeout, refused, SERVFAIL) changes nothing: only an answer without the token unverifies.
//!
//! Only a verified domain resolves to its tenant ([`crate::tenancy::resolve_site`]) and passes
//! the TLS `ask`, so a proxy obtains certificates for those alone. Session cookies are
//! host-only: a session of the subdomain never works on the custom domain, nor the other way.
use crate::audit::{self, Actor};
use crate::auth::Principal;
use crate::db::Db;
use crate::entity::{tenant, tenant_domain};
use crate::error::{AppError, Result};
use crate::jobs::{Handler, JobCx, JobError, async_trait};
use crate::TenantTxn;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

/// The daily check of a tenant's domains.
pub const JOB: &str = "domains.check";
pub const EVERY_SECS: i64 = 86_400;
/// The label under the domain where its TXT record goes.
pub const RECORD_PREFIX: &str = "_throughline";
/// Custom domains one tenant may have.
pub const MAX_PER_TENANT: usize = 10;

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
/// tell the admin when it is not (or when nothing could be concluded).
pub fn conclude(was_verified: bool, domain: &str, token: &str, found: &Lookup) -> (bool, Option<String>) {
    let name = record_name(domain);
    match found {
        Lookup::Found(txt) if proves(txt, token) => (true, None),
        Lookup::Found(txt) if txt.is_empty() => (false, Some(format!("No TXT record was found at {name}."))),
        Lookup::Found(_) => (false, Some(format!("The TXT record at {name} does not hold this domain's token."))),
        Lookup::Failed(e) => (was_verified, Some(format!("The DNS look-up of {name} got no answer ({e}); nothing changed."))),
    }
}

/// Tenant `tenant_id`'s domains, by name.
pub async fn list(db: &Db, tenant_id: Uuid) -> Result<Vec<tenant_domain::Model>> {
    Ok(tenant_domain::Entity::find().filter(tenant_domain::Column::TenantId.eq(tenant_id)).order_by_asc(tenant_domain::Column::Domain).all(db.platform()).await?)
}

/// Adds `input` to tenant `slug`'s domains for `who`, unverified with a new token. Refused: a
/// name that is not one or is under the base domain, a name any tenant has already (without
/// saying which), more than [`MAX_PER_TENANT`]. Recorded in the tenant's audit trail.
pub async fn add(db: &Db, who: &Principal, slug: &str, input: &str, base_domain: &str) -> Result<(tenant::Model, tenant_domain::Model)> {
    let t = crate::partner::own_tenant(db, who, slug).await?;
    let name = parse_domain(input, base_domain).map_err(|e| AppError::Invalid(format!("Domain: {e}")))?;
    if list(db, t.id).await?.len() >= MAX_PER_TENANT {
        return Err(AppError::Conflict(format!("{} has {MAX_PER_TENANT} domains already; remove one first", t.name)));
    }
    if tenant_domain::Entity::find().filter(tenant_domain::Column::Domain.eq(&name)).one(db.platform()).await?.is_some() {
        return Err(AppError::Conflict(format!("{name} is added already")));
    }
    let (actor, partner_name) = crate::partner::actor_for(db, who, &t).await?;
    let now = Utc::now();
    let row = tenant_domain::ActiveModel {
        id: Set(crate::new_id()),
        tenant_id: Set(t.id),
        domain: Set(name.clone()),
        verified: Set(false),
        token: Set(new_token()),
        checked_at: Set(None),
        verified_at: Set(None),
        check_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    // The tenant's transaction first, then the platform's (the order of every writer of both).
    let ttxn = db.tenant_txn(&tenant_slug(&t)?).await?;
    audit::record(&ttxn, &actor, "domain.added", "domain", &name, json!({"by": who.email, "partner": partner_name})).await?;
    let txn = db.platform().begin().await?;
    // The unique name makes a concurrent addition of the same name fail here.
    let d = match row.insert(&txn).await {
        Ok(d) => d,
        Err(e) if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => return Err(AppError::Conflict(format!("{name} is added already"))),
        Err(e) => return Err(e.into()),
    };
    txn.commit().await?;
    ttxn.commit().await?;
    Ok((t, d))
}

/// Removes domain `id` of tenant `slug` for `who`: it stops serving the tenant at once on this
/// instance and within the host cache's 5 s on the others. Recorded in the tenant's audit trail.
pub async fn remove(db: &Db, who: &Principal, slug: &str, id: Uuid) -> Result<(tenant::Model, tenant_domain::Model)> {
    let t = crate::partner::own_tenant(db, who, slug).await?;
    let d = own_domain(db, &t, id).await?;
    let (actor, partner_name) = crate::partner::actor_for(db, who, &t).await?;
    let ttxn = db.tenant_txn(&tenant_slug(&t)?).await?;
    audit::record(&ttxn, &actor, "domain.removed", "domain", &d.domain, json!({"by": who.email, "partner": partner_name, "was_verified": d.verified})).await?;
    tenant_domain::Entity::delete_by_id(d.id).exec(db.platform()).await?;
    ttxn.commit().await?;
    Ok((t, d))
}

/// Checks domain `id` of tenant `slug` now, for `who` (the console's "Check now").
pub async fn check_now(db: &Db, dns: &dyn TxtLookup, who: &Principal, slug: &str, id: Uuid) -> Result<(tenant::Model, tenant_domain::Model)> {
    let t = crate::partner::own_tenant(db, who, slug).await?;
    let d = own_domain(db, &t, id).await?;
    let (actor, _) = crate::partner::actor_for(db, who, &t).await?;
    // Looked up before the tenant's transaction opens: no lock waits on DNS.
    let found = dns.txt(&record_name(&d.domain)).await;
    let ttxn = db.tenant_txn(&tenant_slug(&t)?).await?;
    let d = record_check(db, &ttxn, &actor, d, &found, Utc::now()).await?;
    ttxn.commit().await?;
    Ok((t, d))
}

async fn own_domain(db: &Db, t: &tenant::Model, id: Uuid) -> Result<tenant_domain::Model> {
    tenant_domain::Entity::find_by_id(id).filter(tenant_domain::Column::TenantId.eq(t.id)).one(db.platform()).await?.ok_or(AppError::NotFound)
}

fn tenant_slug(t: &tenant::Model) -> Result<crate::types::TenantSlug> {
    crate::types::TenantSlug::parse(&t.slug).map_err(|e| AppError::Internal(e.to_string()))
}

/// Stores what the look-up of domain `d`'s record (`found`) concludes ([`conclude`]); a change
/// of state is `domain.verified` or `domain.unverified` in the tenant's audit trail
/// (`audit_txn`, which the caller commits). Answers the domain as it is now.
pub async fn record_check(db: &Db, audit_txn: &TenantTxn, actor: &Actor, d: tenant_domain::Model, found: &Lookup, now: DateTime<Utc>) -> Result<tenant_domain::Model> {
    let (verified, error) = conclude(d.verified, &d.domain, &d.token, found);
    if verified != d.verified {
        let action = if verified { "domain.verified" } else { "domain.unverified" };
        audit::record(audit_txn, actor, action, "domain", &d.domain, json!({"record": record_name(&d.domain), "why": error})).await?;
        tracing::info!(domain = %d.domain, action, "custom domain changed state");
    }
    let verified_at = if verified && !d.verified { Some(now) } else if verified { d.verified_at } else { None };
    let mut am: tenant_domain::ActiveModel = d.into();
    am.verified = Set(verified);
    am.verified_at = Set(verified_at);
    am.checked_at = Set(Some(now));
    am.check_error = Set(error);
    am.updated_at = Set(now);
    Ok(am.update(db.platform()).await?)
}

/// `domains.check`: checks every domain of the job's tenant (daily).
pub struct CheckJob {
    pub db: Db,
    pub dns: Arc<dyn TxtLookup>,
}

#[async_trait]
impl Handler for CheckJob {
    async fn run(&self, cx: &JobCx<'_>) -> std::result::Result<(), JobError> {
        let Some(t) = crate::tenancy::tenant_by_slug(&self.db, cx.tenant).await? else { return Ok(()) };
        // Every look-up first, then the writes: the audit trail's lock is not held over DNS.
        let mut found = Vec::new();
        for d in list(&self.db, t.id).await? {
            let f = self.dns.txt(&record_name(&d.domain)).await;
            found.push((d, f));
        }
        for (d, f) in found {
            record_check(&self.db, cx.txn, &Actor::System, d, &f, cx.now).await?;
        }
        Ok(())
    }
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
        for (what, was, lookup, verified, says) in cases {
            let (v, why) = conclude(was, "portal.example.com", token, &lookup);
            assert_eq!(v, verified, "{what}");
            assert_eq!(why.is_some(), says, "{what}: {why:?}");
        }
        let (_, why) = conclude(false, "portal.example.com", token, &found(&[]));
        assert_eq!(why.as_deref(), Some("No TXT record was found at _throughline.portal.example.com."));
        assert!(new_token().starts_with("throughline-verify=") && new_token() != new_token());
    }
}
