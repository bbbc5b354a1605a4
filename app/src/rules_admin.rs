//! What the tenant admin's rules page shows: each workflow rule with a one-line explanation,
//! its current version (who saved it, when) and its settings as a form, and every version of
//! every rule, newest first. The settings each rule has are described once here
//! ([`RULE_INFO`]), so the page that shows them and the form post that reads them
//! (`server/src/admin_rules.rs`) cannot disagree; the domain (`domain::workflow::rules`)
//! stays the authority on which values are allowed.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The page's address.
pub const PATH: &str = "/workspace/admin/rules";

/// Where one rule's form posts.
pub fn save_action(rule: &str) -> String {
    format!("{PATH}/{rule}")
}

/// How a refused save's notice starts; the page shows such notices in red, as alerts.
pub const REFUSED: &str = "Not saved";

/// The approval threshold is a number of minor units compared with amounts in their own
/// currency; the form reads and writes it with the two decimals that most currencies have.
pub const THRESHOLD_CURRENCY: &str = "USD";

/// How one setting is entered.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Input {
    /// One of these stored values, each with its label.
    Choice(&'static [(&'static str, &'static str)]),
    /// A whole number; `min` and `max` repeat the domain's limits as hints for the browser;
    /// `unit` is empty when the label says it.
    Number { min: i64, max: i64, unit: &'static str },
    /// An amount typed in major units and stored in minor units.
    Money,
}

/// One setting of a rule: its key in the stored settings, and how people read it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Setting {
    pub key: &'static str,
    pub label: &'static str,
    pub input: Input,
}

impl Setting {
    /// The form field's name: the key, without `_minor` for amounts typed in major units.
    pub fn field(&self) -> &'static str {
        self.key.strip_suffix("_minor").unwrap_or(self.key)
    }
}

/// A rule as the admin sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RuleInfo {
    pub name: &'static str,
    pub title: &'static str,
    /// What the rule does, in one line of plain words.
    pub explains: &'static str,
    pub settings: &'static [Setting],
    /// Approvals cannot be switched off: segregation of duties is not optional.
    pub can_disable: bool,
}

const fn number(key: &'static str, label: &'static str, min: i64, max: i64, unit: &'static str) -> Setting {
    Setting { key, label, input: Input::Number { min, max, unit } }
}

/// Every rule, in the order of `domain::workflow::rules::RULES`.
pub const RULE_INFO: [RuleInfo; 9] = [
    RuleInfo {
        name: "credit_check",
        title: "Credit check",
        explains: "Holds an accepted order that takes the customer over its credit limit, or leaves credit to the ERP, whose credit holds open the same exception.",
        settings: &[Setting { key: "decider", label: "Who decides credit", input: Input::Choice(&[("throughline", "Throughline checks each order"), ("erp", "The ERP decides")]) }],
        can_disable: true,
    },
    RuleInfo { name: "backorder", title: "Backorder", explains: "Opens a customer-service exception when the ERP reports an order as backordered.", settings: &[], can_disable: true },
    RuleInfo {
        name: "billing",
        title: "Billing",
        explains: "Decides when a shipment becomes billable and who raises the invoice; a customer's own billing rule overrides the trigger.",
        settings: &[
            Setting { key: "trigger", label: "Invoice when", input: Input::Choice(&[("dispatch", "On dispatch"), ("delivery", "On delivery"), ("pod", "On proof of delivery")]) },
            Setting { key: "mode", label: "Who invoices", input: Input::Choice(&[("mirror", "The ERP (Throughline watches for its invoice)"), ("generate", "Throughline posts the invoice")]) },
            number("tax_rate_bp", "Tax rate of generated invoices", 0, 5_000, "basis points, 825 = 8.25 %"),
            number("invoice_delay_hours", "ERP invoice deadline", 1, 1_440, "hours"),
        ],
        can_disable: true,
    },
    RuleInfo {
        name: "missing_pod",
        title: "Missing proof of delivery",
        explains: "Opens an exception when a delivered shipment has no proof of delivery after a while, or a dispatched one is still not delivered.",
        settings: &[number("after_delivery_hours", "Hours after delivery", 1, 2_160, ""), number("not_delivered_days", "Days without delivery", 1, 90, "")],
        can_disable: true,
    },
    RuleInfo { name: "shipment_delay", title: "Shipment delay", explains: "Opens an exception for each order whose promised date passed without a dispatch.", settings: &[], can_disable: true },
    RuleInfo {
        name: "cash_application",
        title: "Cash application",
        explains: "Applies incoming payments to invoices by remittance or exact amount; unmatched cash and short payments open exceptions.",
        settings: &[],
        can_disable: true,
    },
    RuleInfo {
        name: "approvals",
        title: "Approvals",
        explains: "Credits and write-offs above this amount need a second person: whoever raised them cannot approve them.",
        settings: &[Setting { key: "threshold_minor", label: "Approval threshold", input: Input::Money }],
        can_disable: false,
    },
    RuleInfo {
        name: "sla",
        title: "SLAs",
        explains: "How long an exception of each type may stay open before it is escalated to the admin queue with its severity raised.",
        settings: &[
            number("credit_hold_hours", "Credit hold", 1, MAX_SLA_HOURS, "hours"),
            number("backorder_hours", "Backorder", 1, MAX_SLA_HOURS, "hours"),
            number("shipment_delay_hours", "Shipment delay", 1, MAX_SLA_HOURS, "hours"),
            number("missing_pod_hours", "Missing proof of delivery", 1, MAX_SLA_HOURS, "hours"),
            number("quantity_mismatch_hours", "Quantity mismatch", 1, MAX_SLA_HOURS, "hours"),
            number("invoice_delay_hours", "Invoice delay", 1, MAX_SLA_HOURS, "hours"),
            number("invoicing_hold_hours", "Invoicing hold", 1, MAX_SLA_HOURS, "hours"),
            number("unapplied_cash_hours", "Unapplied cash", 1, MAX_SLA_HOURS, "hours"),
            number("short_pay_hours", "Short payment", 1, MAX_SLA_HOURS, "hours"),
            number("dispute_hours", "Dispute with a reason", 1, MAX_SLA_HOURS, "hours"),
            number("dispute_other_hours", "Other dispute", 1, MAX_SLA_HOURS, "hours"),
            number("integration_hours", "Integration or endpoint problem", 1, MAX_SLA_HOURS, "hours"),
            number("other_hours", "Any other type", 1, MAX_SLA_HOURS, "hours"),
        ],
        can_disable: false,
    },
    RuleInfo {
        name: "retention",
        title: "Retention",
        explains: "How long finished records are kept before the hourly clean-up deletes them.",
        settings: &[number("webhook_days", "Delivered or dead webhook messages", 1, 3_650, "days"), number("export_days", "Data-export archives", 1, 3_650, "days")],
        can_disable: false,
    },
];

/// The longest SLA the form offers (the domain's limit: 90 days).
const MAX_SLA_HOURS: i64 = 24 * 90;

/// The rule called `name`, if there is one.
pub fn info(name: &str) -> Option<&'static RuleInfo> {
    RULE_INFO.iter().find(|r| r.name == name)
}

/// Who saved a version, as a person reads it: the stored actor without its kind
/// (`user Ada Admin` → `Ada Admin`).
pub fn saved_by(created_by: &str) -> String {
    created_by.strip_prefix("user ").unwrap_or(created_by).to_owned()
}

/// One option of a select.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One setting as the form shows it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FieldView {
    pub name: String,
    pub label: String,
    /// As typed: a number, or an amount in major units (`1,000.00`); empty for selects.
    pub value: String,
    /// The options of a select; empty for typed values.
    pub choices: Vec<Choice>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub unit: String,
}

/// One rule and its current version.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RuleView {
    pub name: String,
    pub title: String,
    pub explains: String,
    /// 0: the built-in default, never changed.
    pub version: i32,
    pub enabled: bool,
    pub can_disable: bool,
    pub saved_by: Option<String>,
    /// UTC, RFC 3339; shown in the viewer's local time.
    pub saved_at: Option<String>,
    pub fields: Vec<FieldView>,
    /// Where the form posts.
    pub action: String,
    /// Where the version in force comes from (`Partner default v2`, `Tenant override`,
    /// `Built-in default`); empty on the partner's own page.
    pub source: String,
    /// Whether the tenant's admin may revert it to the default (it is an override).
    pub can_revert: bool,
}

/// Where a tenant admin's revert of `rule` posts.
pub fn revert_action(rule: &str) -> String {
    format!("{PATH}/{rule}/revert")
}

/// One stored version, for the history.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct VersionRow {
    pub rule: String,
    pub version: i32,
    pub enabled: bool,
    /// `Who decides credit: The ERP decides`; `no settings` for rules without any.
    pub settings: String,
    pub saved_by: String,
    pub saved_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RulesView {
    pub rules: Vec<RuleView>,
    /// Newest first.
    pub history: Vec<VersionRow>,
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use super::*;
    use domain::workflow::entity::rule_version;
    use domain::workflow::rules::RuleSet;
    use serde_json::Value;

    /// A rule's version, switch and settings in force (built-in defaults included), as JSON.
    pub fn in_force(set: &RuleSet, rule: &str) -> (i32, bool, Value) {
        let json = |v: Result<Value, serde_json::Error>| v.unwrap_or(Value::Null);
        let none = Value::Object(Default::default());
        match rule {
            "credit_check" => (set.credit_check.version, set.credit_check.enabled, json(serde_json::to_value(&set.credit_check.config))),
            "backorder" => (set.backorder.version, set.backorder.enabled, none),
            "billing" => (set.billing.version, set.billing.enabled, json(serde_json::to_value(&set.billing.config))),
            "missing_pod" => (set.missing_pod.version, set.missing_pod.enabled, json(serde_json::to_value(&set.missing_pod.config))),
            "shipment_delay" => (set.shipment_delay.version, set.shipment_delay.enabled, none),
            "cash_application" => (set.cash_application.version, set.cash_application.enabled, none),
            "sla" => (set.sla.version, true, json(serde_json::to_value(&set.sla.config))),
            "retention" => (set.retention.version, true, json(serde_json::to_value(&set.retention.config))),
            _ => (set.approvals_version, true, json(serde_json::to_value(&set.approvals))),
        }
    }

    /// A stored value as the form field shows it.
    fn shown(s: &Setting, v: &Value) -> String {
        match s.input {
            Input::Choice(_) => v.as_str().unwrap_or_default().to_owned(),
            Input::Number { .. } => v.as_i64().map(|n| n.to_string()).unwrap_or_default(),
            Input::Money => v.as_i64().map(|m| domain::money::format_plain(m, THRESHOLD_CURRENCY)).unwrap_or_default(),
        }
    }

    fn field(s: &Setting, config: &Value) -> FieldView {
        let value = shown(s, &config[s.key]);
        let (choices, min, max, unit) = match s.input {
            Input::Choice(all) => (all.iter().map(|(v, l)| Choice { value: (*v).into(), label: (*l).into(), selected: *v == value }).collect(), None, None, ""),
            Input::Number { min, max, unit } => (vec![], Some(min), Some(max), unit),
            Input::Money => (vec![], None, None, "e.g. 1,000.00"),
        };
        let value = if choices.is_empty() { value } else { String::new() };
        FieldView { name: s.field().into(), label: s.label.into(), value, choices, min, max, unit: unit.into() }
    }

    /// One rule's card: what is in force, who saved that version when, and where it comes from.
    pub fn rule(info: &RuleInfo, set: &RuleSet, rows: &[rule_version::Model]) -> RuleView {
        let (version, enabled, config) = in_force(set, info.name);
        let saved = rows.iter().find(|r| r.rule == info.name && r.version == version);
        let mut view = card(info, (version, enabled, &config), saved.map(|r| (saved_by(&r.created_by), r.created_at.to_rfc3339())), save_action(info.name));
        view.source = domain::policies::source_of(saved);
        view.can_revert = saved.is_some_and(|r| !r.inherited);
        view
    }

    /// A rule's card from its version, switch and settings, who saved it when, and where its
    /// form posts.
    pub fn card(info: &RuleInfo, (version, enabled, config): (i32, bool, &Value), saved: Option<(String, String)>, action: String) -> RuleView {
        let (saved_by, saved_at) = saved.unzip();
        RuleView {
            name: info.name.into(),
            title: info.title.into(),
            explains: info.explains.into(),
            version,
            enabled,
            can_disable: info.can_disable,
            saved_by,
            saved_at,
            fields: info.settings.iter().map(|s| field(s, config)).collect(),
            action,
            source: String::new(),
            can_revert: false,
        }
    }

    /// Settings in a line: each labelled, selects by their option's label.
    pub fn summary(info: Option<&RuleInfo>, config: &str) -> String {
        let Some(info) = info.filter(|i| !i.settings.is_empty()) else { return "no settings".into() };
        let Ok(v) = serde_json::from_str::<Value>(config) else { return config.to_owned() };
        let part = |s: &Setting| {
            let raw = shown(s, &v[s.key]);
            let text = match s.input {
                Input::Choice(all) => all.iter().find(|(k, _)| *k == raw).map_or(raw.clone(), |(_, l)| (*l).to_owned()),
                Input::Number { unit, .. } => format!("{raw} {}", unit.split(',').next().unwrap_or(unit)).trim_end().to_owned(),
                Input::Money => raw,
            };
            format!("{}: {text}", s.label)
        };
        info.settings.iter().map(part).collect::<Vec<_>>().join(" · ")
    }

    pub fn history_row(r: rule_version::Model) -> VersionRow {
        VersionRow {
            settings: match r.rule.as_str() {
                "dunning" => "Reminder sequences (on the Delivery and reminders page)".into(),
                "delivery" => "Default invoice and reminder channels (on the Delivery and reminders page)".into(),
                _ => summary(info(&r.rule), &r.config),
            },
            saved_by: if r.inherited { format!("{} (inherited)", saved_by(&r.created_by)) } else { saved_by(&r.created_by) },
            saved_at: r.created_at.to_rfc3339(),
            rule: r.rule,
            version: r.version,
            enabled: r.enabled,
        }
    }
}

/// Every rule with its settings in force, and every version saved, newest first; for this
/// tenant's admins only.
#[server(prefix = "/sfn")]
pub async fn rules_data() -> Result<RulesView, ServerFnError> {
    use crate::orders::server::internal;
    use domain::workflow::rules;
    let (db, t, _) = crate::audit_admin::server::tenant_admin()?;
    let txn = db.tenant_txn(&t.slug).await.map_err(internal)?;
    let set = rules::load(&txn).await.map_err(internal)?;
    let mut rows = rules::versions(&txn).await.map_err(internal)?;
    txn.rollback().await.map_err(internal)?;
    rows.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.version.cmp(&a.version)));
    let rules = RULE_INFO.iter().map(|i| server::rule(i, &set, &rows)).collect();
    Ok(RulesView { rules, history: rows.into_iter().map(server::history_row).collect() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_of_the_domain_is_described_in_its_order() {
        #[cfg(feature = "ssr")]
        assert_eq!(RULE_INFO.map(|r| r.name), domain::workflow::rules::RULES);
        assert!(RULE_INFO.iter().all(|r| !r.explains.is_empty() && !r.title.is_empty()));
    }

    #[test]
    fn amounts_are_typed_without_the_minor_suffix_and_savers_without_their_kind() {
        assert_eq!(info("approvals").unwrap().settings[0].field(), "threshold");
        assert_eq!(info("billing").unwrap().settings[2].field(), "tax_rate_bp");
        assert!(info("nope").is_none());
        assert_eq!(saved_by("user Ada Admin"), "Ada Admin");
        assert_eq!(saved_by("system"), "system");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_summary_labels_each_setting() {
        let s = server::summary(info("billing"), r#"{"trigger":"pod","mode":"generate","tax_rate_bp":825,"invoice_delay_hours":24}"#);
        assert_eq!(s, "Invoice when: On proof of delivery · Who invoices: Throughline posts the invoice · Tax rate of generated invoices: 825 basis points · ERP invoice deadline: 24 hours");
        assert_eq!(server::summary(info("approvals"), r#"{"threshold_minor":100000}"#), "Approval threshold: 1,000.00");
        assert_eq!(server::summary(info("missing_pod"), r#"{"after_delivery_hours":24,"not_delivered_days":7}"#), "Hours after delivery: 24 · Days without delivery: 7");
        assert_eq!(server::summary(info("backorder"), "{}"), "no settings");
    }
}
