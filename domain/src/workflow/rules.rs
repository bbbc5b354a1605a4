//! The tenant's rules and their versions. Each rule has typed settings; the tenant admin
//! changes them, and each change is a new version stored with who made it and when. Every
//! rule outcome names the rule and the version it ran under (`credit_check v3`).
//!
//! Ingestion reads the rules once per request from a per-process cache (5 s, like the host
//! cache; a change made on this instance applies at once, on others within 5 s).
use super::entity::rule_version;
use crate::audit::{self, Actor};
use crate::{AppError, TenantTxn};
use chrono::Utc;
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Who decides credit: Throughline's credit check on `order.accepted`, or the ERP, whose
/// `order.credit_hold` events open the same exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CreditDecider {
    #[default]
    Throughline,
    Erp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CreditCheck {
    pub decider: CreditDecider,
}

impl Default for CreditCheck {
    fn default() -> Self {
        CreditCheck { decider: CreditDecider::Throughline }
    }
}

/// Segregation of duties: credits and write-offs above this need a second person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Approvals {
    pub threshold_minor: i64,
}

impl Default for Approvals {
    fn default() -> Self {
        Approvals { threshold_minor: 100_000 }
    }
}

/// Who raises invoices: the ERP (`mirror`: Throughline says `invoice.ready` and watches for
/// the ERP's `invoice.posted`) or Throughline (`generate`: it posts the invoice itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BillingMode {
    #[default]
    Mirror,
    Generate,
}

/// Shipment-to-invoice: when a shipment becomes billable (`dispatch`, `delivery` or `pod`;
/// a customer's own billing rule overrides it), who raises the invoice, the tax rate of
/// generated invoices (basis points: 825 = 8.25 %), and how long the ERP may take to post
/// an invoice before `invoice_delay` opens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Billing {
    pub trigger: crate::customers::prefs::BillingRule,
    pub mode: BillingMode,
    pub tax_rate_bp: i64,
    pub invoice_delay_hours: i64,
}

impl Default for Billing {
    fn default() -> Self {
        Billing { trigger: crate::customers::prefs::BillingRule::Dispatch, mode: BillingMode::Mirror, tax_rate_bp: 0, invoice_delay_hours: 24 }
    }
}

impl Billing {
    fn check(&self) -> Result<(), String> {
        if !(0..=5_000).contains(&self.tax_rate_bp) {
            return Err("tax_rate_bp must be between 0 and 5000 (50 %)".into());
        }
        if !(1..=24 * 60).contains(&self.invoice_delay_hours) {
            return Err("invoice_delay_hours must be between 1 and 1440".into());
        }
        Ok(())
    }
}

/// Missing proof of delivery: delivered without a POD document for this long, or not
/// delivered this many days after dispatch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MissingPod {
    pub after_delivery_hours: i64,
    pub not_delivered_days: i64,
}

impl Default for MissingPod {
    fn default() -> Self {
        MissingPod { after_delivery_hours: 24, not_delivered_days: 7 }
    }
}

/// A rule's settings with its version (0: the built-in default, never changed) and whether
/// it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versioned<T> {
    pub version: i32,
    pub enabled: bool,
    pub config: T,
}

impl<T: Default> Default for Versioned<T> {
    fn default() -> Self {
        Versioned { version: 0, enabled: true, config: T::default() }
    }
}

/// The rules in force for one tenant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleSet {
    pub credit_check: Versioned<CreditCheck>,
    pub backorder: Versioned<()>,
    pub billing: Versioned<Billing>,
    pub missing_pod: Versioned<MissingPod>,
    pub shipment_delay: Versioned<()>,
    pub cash_application: Versioned<()>,
    pub approvals: Approvals,
    pub approvals_version: i32,
    /// Reminder sequences per customer segment (see [`crate::dunning`]).
    pub dunning: Versioned<crate::dunning::Dunning>,
    /// The invoice and reminder channels of customers without their own.
    pub delivery: Versioned<crate::customers::prefs::DeliveryDefaults>,
    /// Each exception type's SLA.
    pub sla: Versioned<super::policy::Sla>,
    /// How long finished records are kept.
    pub retention: Versioned<super::policy::Retention>,
    /// Whether the tenant has an enabled webhook endpoint: ingestion skips the fan-out query
    /// when it has none (read with the rules, so at most 5 s old on other instances).
    pub webhooks: bool,
}

/// The policies kept as versioned rules but edited on their own page (invoice delivery and
/// reminders), not on the rules page.
pub const POLICIES: [&str; 2] = ["dunning", "delivery"];

/// The names of the rules, as stored and shown.
pub const RULES: [&str; 9] = ["credit_check", "backorder", "billing", "missing_pod", "shipment_delay", "cash_application", "approvals", "sla", "retention"];

impl RuleSet {
    /// The label a rule's outcome carries: `credit_check v3`.
    pub fn actor(&self, rule: &str) -> Actor {
        let version = match rule {
            "credit_check" => self.credit_check.version,
            "backorder" => self.backorder.version,
            "billing" => self.billing.version,
            "missing_pod" => self.missing_pod.version,
            "shipment_delay" => self.shipment_delay.version,
            "cash_application" => self.cash_application.version,
            "approvals" => self.approvals_version,
            "dunning" => self.dunning.version,
            "delivery" => self.delivery.version,
            "sla" => self.sla.version,
            "retention" => self.retention.version,
            _ => 0,
        };
        Actor::Rule { name: rule.into(), version }
    }
}

/// Reads the latest version of every rule (built-in defaults for rules never changed).
pub async fn load<C: ConnectionTrait>(c: &C) -> Result<RuleSet, AppError> {
    let rows = rule_version::Entity::find().order_by_asc(rule_version::Column::Rule).order_by_desc(rule_version::Column::Version).all(c).await?;
    let mut latest: HashMap<String, rule_version::Model> = HashMap::new();
    for r in rows {
        latest.entry(r.rule.clone()).or_insert(r);
    }
    let mut set = RuleSet::default();
    if let Some(r) = latest.get("credit_check") {
        set.credit_check = Versioned { version: r.version, enabled: r.enabled, config: parse(r)? };
    }
    if let Some(r) = latest.get("backorder") {
        set.backorder = Versioned { version: r.version, enabled: r.enabled, config: () };
    }
    if let Some(r) = latest.get("billing") {
        set.billing = Versioned { version: r.version, enabled: r.enabled, config: parse(r)? };
    }
    if let Some(r) = latest.get("missing_pod") {
        set.missing_pod = Versioned { version: r.version, enabled: r.enabled, config: parse(r)? };
    }
    if let Some(r) = latest.get("shipment_delay") {
        set.shipment_delay = Versioned { version: r.version, enabled: r.enabled, config: () };
    }
    if let Some(r) = latest.get("cash_application") {
        set.cash_application = Versioned { version: r.version, enabled: r.enabled, config: () };
    }
    if let Some(r) = latest.get("approvals") {
        set.approvals = parse(r)?;
        set.approvals_version = r.version;
    }
    if let Some(r) = latest.get("dunning") {
        set.dunning = Versioned { version: r.version, enabled: r.enabled, config: parse(r)? };
    }
    if let Some(r) = latest.get("delivery") {
        set.delivery = Versioned { version: r.version, enabled: r.enabled, config: parse(r)? };
    }
    if let Some(r) = latest.get("sla") {
        set.sla = Versioned { version: r.version, enabled: true, config: parse(r)? };
    }
    if let Some(r) = latest.get("retention") {
        set.retention = Versioned { version: r.version, enabled: true, config: parse(r)? };
    }
    use sea_orm::PaginatorTrait;
    set.webhooks = crate::webhooks::entity::endpoint::Entity::find().filter(crate::webhooks::entity::endpoint::Column::Enabled.eq(true)).count(c).await? > 0;
    Ok(set)
}

fn parse<T: serde::de::DeserializeOwned>(r: &rule_version::Model) -> Result<T, AppError> {
    serde_json::from_str(&r.config).map_err(|e| AppError::Internal(format!("rule {} v{} has settings this version cannot read: {e}", r.rule, r.version)))
}

/// `rule`'s settings checked against its type and its limits, as stored (unknown fields and
/// out-of-range values refused, naming them).
pub fn check(rule: &str, config: serde_json::Value) -> Result<serde_json::Value, AppError> {
    let invalid = |e: serde_json::Error| AppError::Invalid(format!("settings of {rule}: {e}"));
    match rule {
        "credit_check" => serde_json::to_value(serde_json::from_value::<CreditCheck>(config).map_err(invalid)?),
        "backorder" | "shipment_delay" | "cash_application" => Ok(serde_json::json!({})),
        "missing_pod" => {
            let m: MissingPod = serde_json::from_value(config).map_err(invalid)?;
            if !(1..=24 * 90).contains(&m.after_delivery_hours) || !(1..=90).contains(&m.not_delivered_days) {
                return Err(AppError::Invalid("settings of missing_pod: after_delivery_hours must be 1 to 2160 and not_delivered_days 1 to 90".into()));
            }
            serde_json::to_value(m)
        }
        "billing" => {
            let b: Billing = serde_json::from_value(config).map_err(invalid)?;
            b.check().map_err(|e| AppError::Invalid(format!("settings of billing: {e}")))?;
            serde_json::to_value(b)
        }
        "approvals" => {
            let a: Approvals = serde_json::from_value(config).map_err(invalid)?;
            if a.threshold_minor < 0 {
                return Err(AppError::Invalid("settings of approvals: threshold_minor must not be negative".into()));
            }
            serde_json::to_value(a)
        }
        "sla" => {
            let a: super::policy::Sla = serde_json::from_value(config).map_err(invalid)?;
            serde_json::to_value(a.check().map_err(|e| AppError::Invalid(format!("settings of sla: {e}")))?)
        }
        "retention" => {
            let a: super::policy::Retention = serde_json::from_value(config).map_err(invalid)?;
            serde_json::to_value(a.check().map_err(|e| AppError::Invalid(format!("settings of retention: {e}")))?)
        }
        "dunning" => {
            let d: crate::dunning::Dunning = serde_json::from_value(config).map_err(invalid)?;
            serde_json::to_value(d.check().map_err(|e| AppError::Invalid(format!("settings of dunning: {e}")))?)
        }
        "delivery" => serde_json::to_value(serde_json::from_value::<crate::customers::prefs::DeliveryDefaults>(config).map_err(invalid)?.normalised()),
        other => return Err(AppError::Invalid(format!("there is no rule {other:?}; rules: {}, {}", RULES.join(", "), POLICIES.join(", ")))),
    }
    .map_err(|e| AppError::Internal(e.to_string()))
}

/// The built-in settings of `rule` (what a tenant runs when neither it nor its partner set
/// any), as stored.
pub fn builtin(rule: &str) -> serde_json::Value {
    let json = |v: Result<serde_json::Value, serde_json::Error>| v.unwrap_or(serde_json::Value::Null);
    match rule {
        "credit_check" => json(serde_json::to_value(CreditCheck::default())),
        "missing_pod" => json(serde_json::to_value(MissingPod::default())),
        "billing" => json(serde_json::to_value(Billing::default())),
        "approvals" => json(serde_json::to_value(Approvals::default())),
        "sla" => json(serde_json::to_value(super::policy::Sla::default())),
        "retention" => json(serde_json::to_value(super::policy::Retention::default())),
        "dunning" => json(serde_json::to_value(crate::dunning::Dunning::default())),
        "delivery" => json(serde_json::to_value(crate::customers::prefs::DeliveryDefaults::default())),
        _ => serde_json::json!({}),
    }
}

/// Where a stored version comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The tenant's own settings (an override of any partner default).
    Tenant,
    /// A copy of the partner's default, its version; `None`: the built-in default.
    Partner(Option<i32>),
}

/// Stores a new version of `rule` (its settings as JSON, checked against the rule's type)
/// made by `who`, with an audit entry. Answers the new version number.
pub async fn save(txn: &TenantTxn, rule: &str, enabled: bool, config: serde_json::Value, who: &Actor) -> Result<i32, AppError> {
    let config = check(rule, config)?;
    store(txn, rule, enabled, config, who, Source::Tenant).await
}

/// Stores checked settings as `rule`'s next version from `source`, with its audit entry.
pub async fn store(txn: &TenantTxn, rule: &str, enabled: bool, config: serde_json::Value, who: &Actor, source: Source) -> Result<i32, AppError> {
    let last = latest(txn, rule).await?.map(|r| r.version);
    insert_version(txn, rule, enabled, config, who, source, last).await
}

/// [`store`], only over version `over` of the rule (`None`: none yet): `Conflict` when another
/// version was saved since the caller read it, which stays as it is.
pub async fn store_over(txn: &TenantTxn, rule: &str, enabled: bool, config: serde_json::Value, who: &Actor, source: Source, over: Option<i32>) -> Result<i32, AppError> {
    let last = latest(txn, rule).await?.map(|r| r.version);
    if last != over {
        return Err(AppError::Conflict(format!("{rule} was changed meanwhile")));
    }
    insert_version(txn, rule, enabled, config, who, source, last).await
}

/// Writes the version after `last` with its audit entry.
async fn insert_version(txn: &TenantTxn, rule: &str, enabled: bool, config: serde_json::Value, who: &Actor, source: Source, last: Option<i32>) -> Result<i32, AppError> {
    let version = last.map_or(1, |v| v + 1);
    let (inherited, partner_version) = match source {
        Source::Tenant => (false, None),
        Source::Partner(v) => (true, v),
    };
    rule_version::ActiveModel {
        id: Set(crate::new_id()),
        rule: Set(rule.into()),
        version: Set(version),
        enabled: Set(enabled),
        config: Set(config.to_string()),
        created_by: Set(who.to_string()),
        created_at: Set(Utc::now()),
        inherited: Set(inherited),
        partner_version: Set(partner_version),
    }
    .insert(txn)
    .await
    .map_err(|e| match e.sql_err() {
        // Two saves of one rule at once: the first stays.
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(format!("{rule} was changed meanwhile")),
        _ => e.into(),
    })?;
    let detail = serde_json::json!({"version": version, "enabled": enabled, "config": config, "inherited": inherited, "partner_version": partner_version});
    audit::record(txn, who, "rule.changed", "rule", rule, detail).await?;
    if POLICIES.contains(&rule) {
        // Sequences or default channels changed: every unpaid invoice is looked at again.
        crate::dunning::engine::look_again(txn, None, Utc::now().date_naive()).await?;
    }
    forget(txn);
    Ok(version)
}

/// The latest version of `rule` in this tenant (none: never saved, so inherited).
pub async fn latest<C: ConnectionTrait>(c: &C, rule: &str) -> Result<Option<rule_version::Model>, DbErr> {
    rule_version::Entity::find().filter(rule_version::Column::Rule.eq(rule)).order_by_desc(rule_version::Column::Version).one(c).await
}

/// Every version of every rule, newest first (the admin's history).
pub async fn versions<C: ConnectionTrait>(c: &C) -> Result<Vec<rule_version::Model>, DbErr> {
    rule_version::Entity::find().order_by_asc(rule_version::Column::Rule).order_by_desc(rule_version::Column::Version).all(c).await
}

const CACHE_FOR: Duration = Duration::from_secs(5);

type Cache = Mutex<HashMap<(u64, String), (Instant, Arc<RuleSet>)>>;

fn cache() -> &'static Cache {
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn key(txn: &TenantTxn) -> (u64, String) {
    let (db, tenant) = txn.cache_key();
    (db, tenant.to_owned())
}

/// Drops this instance's cached rules of the tenant (after a rule or an endpoint changed).
pub(crate) fn forget(txn: &TenantTxn) {
    cache().lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&key(txn));
}

/// The tenant's rules, from the cache when fresh.
pub async fn cached(txn: &TenantTxn) -> Result<Arc<RuleSet>, AppError> {
    let hit = cache().lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&key(txn)).filter(|(at, _)| at.elapsed() < CACHE_FOR).map(|(_, r)| r.clone());
    if let Some(r) = hit {
        return Ok(r);
    }
    let rules = Arc::new(load(txn).await?);
    cache().lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key(txn), (Instant::now(), rules.clone()));
    Ok(rules)
}

tokio::task_local! {
    static CURRENT: Arc<RuleSet>;
}

/// Whether the rules in scope (an ingestion request) say the tenant has no enabled webhook
/// endpoint; `false` when no rules are in scope (then the fan-out looks for itself).
pub(crate) fn no_webhooks_in_scope() -> bool {
    CURRENT.try_with(|r| !r.webhooks).unwrap_or(false)
}

/// Runs `f` (applying events) with the tenant's rules read once.
pub async fn with_rules<F: std::future::Future>(rules: Arc<RuleSet>, f: F) -> F::Output {
    CURRENT.scope(rules, f).await
}

/// The SLAs in force: from the rules in scope, else the `sla` rule's latest version alone (the
/// built-in SLAs when there is none, or when it cannot be read).
pub async fn sla<C: ConnectionTrait>(c: &C) -> Result<super::policy::Sla, DbErr> {
    if let Ok(r) = CURRENT.try_with(Arc::clone) {
        return Ok(r.sla.config.clone());
    }
    Ok(match latest(c, "sla").await? {
        Some(r) => parse(&r).unwrap_or_else(|e| {
            tracing::error!(error = %e, "the SLA rule cannot be read; the built-in SLAs apply");
            super::policy::Sla::default()
        }),
        None => super::policy::Sla::default(),
    })
}

/// The rules in force: those set by [`with_rules`], else read now.
pub async fn current<C: ConnectionTrait>(c: &C) -> Result<Arc<RuleSet>, AppError> {
    if let Ok(r) = CURRENT.try_with(Arc::clone) {
        return Ok(r);
    }
    Ok(Arc::new(load(c).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_with_defaults_and_refuse_unknown_fields() {
        let c: CreditCheck = serde_json::from_value(serde_json::json!({})).unwrap();
        assert_eq!(c.decider, CreditDecider::Throughline);
        let c: CreditCheck = serde_json::from_value(serde_json::json!({"decider": "erp"})).unwrap();
        assert_eq!(c.decider, CreditDecider::Erp);
        assert!(serde_json::from_value::<CreditCheck>(serde_json::json!({"decider": "bank"})).is_err());
        assert!(serde_json::from_value::<Approvals>(serde_json::json!({"threshold": 5})).is_err());
    }

    #[test]
    fn an_outcome_names_its_rule_and_version() {
        let mut set = RuleSet::default();
        set.credit_check.version = 3;
        assert_eq!(set.actor("credit_check").to_string(), "rule credit_check v3");
        assert_eq!(set.actor("backorder").to_string(), "rule backorder v0");
    }
}
