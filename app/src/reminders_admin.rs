//! The tenant admin's delivery and reminders page: the tenant-wide default invoice channels
//! and reminder channel that customers inherit, and the reminder sequences per customer
//! segment with each step's templates and a preview filled with an example invoice. Both are
//! versioned rules (`delivery`, `dunning`); the form posts are in
//! `server/src/admin_reminders.rs`.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub const PATH: &str = "/workspace/admin/reminders";
/// Empty step rows offered under each sequence, and empty sequences offered below them.
pub const SPARE_STEPS: usize = 1;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StepForm {
    pub days: String,
    pub name: String,
    pub subject: String,
    pub body: String,
    /// The template filled with the example; empty for a spare row.
    pub preview_subject: String,
    pub preview_body: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SequenceForm {
    /// Empty: the default sequence.
    pub segment: String,
    pub steps: Vec<StepForm>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RemindersPage {
    /// Every channel, ticked when in the default (`portal` always).
    pub channels: Vec<crate::customers_admin::Choice>,
    pub reminder_channels: Vec<crate::customers_admin::Choice>,
    /// "v3 by Ada Admin" or "built-in default".
    pub delivery_version: String,
    pub dunning_version: String,
    pub dunning_enabled: bool,
    pub sequences: Vec<SequenceForm>,
    /// `{customer}: the customer's name`, …
    pub placeholders: Vec<String>,
    /// Where the forms post (`…/defaults`, `…/sequences` below it).
    pub action: String,
    /// Where each version in force comes from (see `RuleView::source`), and whether the
    /// tenant's admin may revert it; empty on the partner's own page.
    pub delivery_source: String,
    pub delivery_can_revert: bool,
    pub dunning_source: String,
    pub dunning_can_revert: bool,
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::*;
    use crate::customers_admin::Choice;
    use domain::customers::prefs::{InvoiceChannel, ReminderChannel};
    use domain::dunning::{Dunning, Fill, render};

    /// The example a preview is filled with.
    pub fn example(company: &str, origin: &str) -> Fill {
        Fill {
            customer: "Initech Supply".into(),
            invoice: "INV-10042".into(),
            open_amount: "$1,250.00".into(),
            total: "$1,250.00".into(),
            due_on: "2026-12-01".into(),
            days_overdue: "7".into(),
            link: format!("{origin}/portal/invoices/INV-10042"),
            company: company.into(),
        }
    }

    pub fn version(v: i32, by: Option<&str>) -> String {
        match (v, by) {
            (0, _) => "built-in default".into(),
            (v, Some(by)) => format!("v{v}, saved by {}", crate::rules_admin::saved_by(by)),
            (v, None) => format!("v{v}"),
        }
    }

    pub fn sequences(d: &Dunning, fill: &Fill) -> Vec<SequenceForm> {
        let spare = || StepForm { days: String::new(), name: String::new(), subject: String::new(), body: String::new(), preview_subject: String::new(), preview_body: String::new() };
        let mut out: Vec<SequenceForm> = d
            .sequences
            .iter()
            .map(|s| SequenceForm {
                segment: s.segment.clone(),
                steps: s
                    .steps
                    .iter()
                    .map(|st| StepForm { days: st.days.to_string(), name: st.name.clone(), subject: st.subject.clone(), body: st.body.clone(), preview_subject: render(&st.subject, fill), preview_body: render(&st.body, fill) })
                    .chain(std::iter::repeat_with(spare).take(SPARE_STEPS))
                    .collect(),
            })
            .collect();
        out.push(SequenceForm { segment: String::new(), steps: std::iter::repeat_with(spare).take(3).collect() });
        out
    }

    pub fn channels(default: &domain::customers::prefs::InvoiceChannels) -> Vec<Choice> {
        InvoiceChannel::ALL.iter().map(|&ch| Choice { value: ch.as_str().into(), label: ch.label().into(), selected: default.contains(ch) }).collect()
    }

    pub fn reminder_channels(current: ReminderChannel) -> Vec<Choice> {
        ReminderChannel::ALL.iter().map(|&r| Choice { value: r.as_str().into(), label: r.label().into(), selected: r == current }).collect()
    }
}

/// The page's data, for tenant admins only.
#[server(prefix = "/sfn")]
pub async fn admin_reminders() -> Result<RemindersPage, ServerFnError> {
    use crate::orders::server::internal;
    let (db, t, _) = crate::audit_admin::server::tenant_admin()?;
    let parts: http::request::Parts = use_context().ok_or_else(|| ServerFnError::new("no request context"))?;
    let host = parts.headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost").to_owned();
    let txn = db.tenant_txn(&t.slug).await.map_err(internal)?;
    let rules = domain::workflow::rules::load(&txn).await.map_err(internal)?;
    let rows = domain::workflow::rules::versions(&txn).await.map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    let row = |rule: &str, v: i32| rows.iter().find(|r| r.rule == rule && r.version == v);
    let by = |rule: &str, v: i32| row(rule, v).map(|r| r.created_by.clone());
    let (delivery, dunning) = (row("delivery", rules.delivery.version), row("dunning", rules.dunning.version));
    let fill = server::example(&t.name, &format!("https://{host}"));
    Ok(RemindersPage {
        channels: server::channels(&rules.delivery.config.channels()),
        reminder_channels: server::reminder_channels(rules.delivery.config.reminder_channel),
        delivery_version: server::version(rules.delivery.version, by("delivery", rules.delivery.version).as_deref()),
        dunning_version: server::version(rules.dunning.version, by("dunning", rules.dunning.version).as_deref()),
        dunning_enabled: rules.dunning.enabled,
        sequences: server::sequences(&rules.dunning.config, &fill),
        placeholders: domain::dunning::PLACEHOLDERS.iter().map(|(p, what)| format!("{{{p}}}: {what}")).collect(),
        action: PATH.into(),
        delivery_source: domain::policies::source_of(delivery),
        delivery_can_revert: delivery.is_some_and(|r| !r.inherited),
        dunning_source: domain::policies::source_of(dunning),
        dunning_can_revert: dunning.is_some_and(|r| !r.inherited),
    })
}
