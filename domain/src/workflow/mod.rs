//! The workflow engine's business side: exceptions in role-based queues with SLA clocks
//! ([`kinds`], [`raise`], [`actions`], [`queues`], [`sla`]), and the tenant's versioned
//! rules that raise them from events ([`rules`], [`credit`]). Rules run inside the
//! transaction of the event that triggers them, so the exception is visible the moment the
//! event is; timers run as jobs.
pub mod actions;
pub mod billing;
pub mod cash;
pub mod credit;
pub mod disputes;
pub mod entity;
pub mod kinds;
pub mod pod;
pub mod policy;
pub mod queues;
pub mod raise;
pub mod rules;
pub mod sla;

pub use actions::{Act, Acting, act};
pub use kinds::{Queue, Severity};
pub use raise::{Raise, raise};

use crate::audit::Actor;
use crate::entity::order;
use crate::o2c::order::OrderStep;
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

/// The rules that follow a step reported for an order (its status moved): the ERP's credit
/// hold where the ERP decides credit, and the backorder rule.
pub async fn rules_on_step<C: ConnectionTrait>(c: &C, o: &order::Model, step: OrderStep, reason: Option<&str>, at: DateTime<Utc>) -> crate::Result<()> {
    match step {
        OrderStep::CreditHold => credit::on_erp_credit_hold(c, o, reason, Actor::System, at).await,
        OrderStep::Backordered => on_backorder(c, o, reason, at).await,
        _ => Ok(()),
    }
}

/// The backorder rule: a `backorder` exception for customer service.
async fn on_backorder<C: ConnectionTrait>(c: &C, o: &order::Model, reason: Option<&str>, at: DateTime<Utc>) -> crate::Result<()> {
    let rules = rules::current(c).await?;
    if !rules.backorder.enabled {
        return Ok(());
    }
    let detail = format!("Order {} is backordered{}", o.number, reason.map(|r| format!(": {r}")).unwrap_or_default());
    let mut r = Raise::new("backorder", &format!("backorder:{}", o.number), &detail, rules.actor("backorder"));
    r.order_id = Some(o.id);
    r.customer_id = Some(o.customer_id);
    raise(c, r, at).await?;
    Ok(())
}

/// A proof of delivery was filed for a shipment: it may make the shipment billable, and it
/// resolves the shipment's `missing_pod` exception.
pub async fn on_pod_attached<C: ConnectionTrait>(c: &C, s: &crate::entity::shipment::Model, at: DateTime<Utc>) -> crate::Result<()> {
    let known = crate::o2c::shipment::Shipped { shipment: s, order: None, lines: None, new: false };
    billing::on_shipment(c, known, crate::customers::prefs::BillingRule::Pod, at).await.map_err(|e| match e {
        crate::events::Fail::Db(e) => crate::AppError::Db(e),
        crate::events::Fail::Reject(errs) => crate::AppError::Invalid(errs.into_iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; ")),
    })?;
    pod::resolve_missing(c, s, at).await?;
    Ok(())
}
