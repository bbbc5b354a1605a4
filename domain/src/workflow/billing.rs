//! Shipment-to-invoice. When a shipment meets the billing condition (the tenant's billing
//! rule or the customer's override: on dispatch, on delivery, or once its proof of delivery
//! is on file), the shipment is ready to invoice: a customer on invoicing hold gets an
//! `invoicing_hold` exception instead; in `mirror` mode Throughline publishes
//! `invoice.ready` and opens `invoice_delay` if the ERP's `invoice.posted` has not come within
//! the SLA; in `generate` mode it posts the invoice itself from the shipped lines, the order's
//! prices, the tax rate and the customer's terms. Each shipment is its own (partial) invoice.
//! Every invoice that follows records its shipment-to-invoice latency.
use super::entity::invoice_ready;
use super::raise::{Raise, publish, publish_statement, published, raise};
use super::rules::{BillingMode, current};
use crate::customers::prefs::BillingRule;
use crate::entity::{customer, order, order_line, shipment, shipment_line};
use crate::events::{Fail, InvoiceIn, InvoiceLineIn, ShipmentLineIn};
use crate::o2c::invoice::{Posted, Posting};
use crate::o2c::shipment::Shipped;
use crate::jobs::{Handler, JobCx, JobError, NewJob, enqueue_timer};
use crate::AppError;
use chrono::{DateTime, Duration, Utc};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder};
use serde_json::json;
use std::collections::HashMap;

/// The billing condition of a customer: its own rule, else the tenant's.
pub fn condition(customer_rule: Option<&str>, tenant: BillingRule) -> BillingRule {
    customer_rule.and_then(|r| r.parse().ok()).unwrap_or(tenant)
}

/// Tax on a subtotal at `bp` basis points, rounded half up to the minor unit.
pub fn tax(subtotal: i64, bp: i64) -> Option<i64> {
    subtotal.checked_mul(bp).map(|v| (v + 5_000).div_euclid(10_000))
}

/// A shipment event that may meet the billing condition (`what` happened to the shipment at
/// `at`). What the event already holds (`known`) is not read again. When the event holds the
/// order's lines and an invoice is generated, the event writes the lines and the order's
/// status itself: the answer is the lines with the invoiced quantities added.
pub async fn on_shipment<C: ConnectionTrait>(c: &C, known: Shipped<'_>, what: BillingRule, at: DateTime<Utc>) -> Result<Option<Vec<order_line::Model>>, Fail> {
    let rules = current(c).await.map_err(fail)?;
    if !rules.billing.enabled {
        return Ok(None);
    }
    let s = known.shipment;
    let looked_up;
    let o = match known.order {
        Some(o) => o,
        None => match order::Entity::find_by_id(s.order_id).one(c).await? {
            Some(o) => {
                looked_up = o;
                &looked_up
            }
            None => return Ok(None),
        },
    };
    let Some(cust) = crate::o2c::customer_by_id(c, o.customer_id).await? else { return Ok(None) };
    if condition(cust.billing_rule.as_deref(), rules.billing.config.trigger) != what {
        return Ok(None);
    }
    if !known.new && invoice_ready::Entity::find().filter(invoice_ready::Column::ShipmentId.eq(s.id)).one(c).await?.is_some() {
        return Ok(None);
    }
    let actor = rules.actor("billing");
    if cust.invoicing_hold {
        let detail = format!("Shipment {} of order {} is ready to invoice, but {} is on invoicing hold", s.number, o.number, cust.name);
        let mut r = Raise::new("invoicing_hold", &format!("invoicing-hold:{}", s.number), &detail, actor);
        (r.order_id, r.customer_id) = (Some(o.id), Some(cust.id));
        raise(c, r, at).await?;
        return Ok(None);
    }
    let caller_writes = known.lines.is_some();
    let (order_lines, lines) = billable_lines(c, s, o, known.lines).await?;
    match rules.billing.config.mode {
        BillingMode::Mirror => {
            let ready_id = ready(c, s, what, at, None).await?;
            let payload = json!({"order_number": o.number, "shipment_number": s.number, "customer": cust.external_id, "trigger": what.as_str(), "lines": lines, "rule": actor.to_string()});
            publish(c, "invoice.ready", Some(o.id), &payload, &format!("Shipment {} is ready to invoice ({actor})", s.number), at).await?;
            let due = at + Duration::hours(rules.billing.config.invoice_delay_hours);
            enqueue_timer(c, NewJob::new("billing.invoice_due", json!({"ready_id": ready_id}), due)).await?;
            Ok(None)
        }
        BillingMode::Generate => {
            let known_lines = caller_writes.then_some(order_lines);
            if lines.is_empty() {
                ready(c, s, what, at, None).await?;
                return Ok(None);
            }
            let posted = generate(c, (s, what), o, &cust, (known_lines, lines), rules.billing.config.tax_rate_bp, at).await?;
            Ok(posted.order_lines)
        }
    }
}

/// Records that a shipment became ready to invoice at `at`, and the invoice that followed at
/// once, if one did. Answers the record's id.
async fn ready<C: ConnectionTrait>(c: &C, s: &shipment::Model, what: BillingRule, at: DateTime<Utc>, invoice_id: Option<Uuid>) -> Result<Uuid, DbErr> {
    let id = crate::new_id();
    invoice_ready::Entity::insert(ready_row(id, s, what, at, invoice_id)).exec_without_returning(c).await?;
    Ok(id)
}

fn ready_row(id: Uuid, s: &shipment::Model, what: BillingRule, at: DateTime<Utc>, invoice_id: Option<Uuid>) -> invoice_ready::ActiveModel {
    let invoiced = invoice_id.map(|_| at);
    let latency = invoice_id.map(|_| 0);
    invoice_ready::ActiveModel { id: Set(id), shipment_id: Set(s.id), order_id: Set(s.order_id), trigger: Set(what.as_str().into()), ready_at: Set(at), invoice_id: Set(invoice_id), invoiced_at: Set(invoiced), latency_secs: Set(latency) }
}

fn fail(e: AppError) -> Fail {
    match e {
        AppError::Db(e) => Fail::Db(e),
        other => Fail::Db(DbErr::Custom(other.to_string())),
    }
}

/// The order's lines as they stand, and the shipment's lines with the order's SKUs and prices
/// (from `known` when the event has them, else read).
async fn billable_lines<C: ConnectionTrait>(c: &C, s: &shipment::Model, o: &order::Model, known: Option<(&[order_line::Model], &[ShipmentLineIn])>) -> Result<(Vec<order_line::Model>, Vec<InvoiceLineIn>), DbErr> {
    let (order_lines, shipped): (Vec<order_line::Model>, Vec<(i32, i64)>) = match known {
        Some((lines, shipped)) => (lines.to_vec(), shipped.iter().map(|l| (l.line, l.quantity)).collect()),
        None => {
            let lines = crate::o2c::order::lines_of(c, o.id).await?;
            let shipped = shipment_line::Entity::find().filter(shipment_line::Column::ShipmentId.eq(s.id)).order_by_asc(shipment_line::Column::LineNo).all(c).await?;
            (lines, shipped.iter().map(|l| (l.line_no, l.quantity)).collect())
        }
    };
    let ordered: HashMap<i32, &order_line::Model> = order_lines.iter().map(|l| (l.line_no, l)).collect();
    let lines = invoice_lines(&shipped, &ordered);
    Ok((order_lines, lines))
}

/// Invoice lines for what was shipped per order line, priced from the order; a line the order
/// does not have is left out.
fn invoice_lines(shipped: &[(i32, i64)], ordered: &HashMap<i32, &order_line::Model>) -> Vec<InvoiceLineIn> {
    shipped
        .iter()
        .filter_map(|(line, quantity)| ordered.get(line).map(|ol| (*quantity, *ol)))
        .enumerate()
        .map(|(i, (quantity, ol))| InvoiceLineIn { line: i as i32 + 1, order_line: Some(ol.line_no), sku: ol.sku.clone(), description: ol.description.clone(), quantity, unit_price_minor: ol.unit_price_minor })
        .collect()
}

/// Posts the invoice of one shipment (number `<shipment>-INV`, `lines` not empty), publishes
/// `invoice.posted` and records the shipment as invoiced at once: the event and the record in
/// the invoice's own statement. With the order's lines given, the caller writes them (see
/// [`Posting::order_lines`]).
async fn generate<C: ConnectionTrait>(c: &C, (s, what): (&shipment::Model, BillingRule), o: &order::Model, cust: &customer::Model, (order_lines, lines): (Option<Vec<order_line::Model>>, Vec<InvoiceLineIn>), tax_bp: i64, at: DateTime<Utc>) -> Result<Posted, Fail> {
    let subtotal: i64 = lines.iter().map(|l| l.quantity.saturating_mul(l.unit_price_minor)).fold(0i64, i64::saturating_add);
    let tax_minor = tax(subtotal, tax_bp).ok_or_else(|| crate::events::reject("payload", "the invoice's tax is too large"))?;
    let inv = InvoiceIn { number: format!("{}-INV", s.number), order_number: Some(o.number.clone()), customer: cust.external_id.clone(), currency: o.currency.clone(), issued_on: at.date_naive(), tax_minor, lines };
    let payload = serde_json::to_value(&inv).unwrap_or_default();
    let (backend, event_id) = (c.get_database_backend(), crate::new_id());
    let with = |invoice_id: Uuid, summary: &str| {
        let ready = sea_orm::QueryTrait::build(&invoice_ready::Entity::insert(ready_row(crate::new_id(), s, what, at, Some(invoice_id))), backend);
        vec![publish_statement(backend, event_id, "invoice.posted", Some(o.id), &payload, summary, at), ready]
    };
    let known = Posting { customer: cust, order: Some(o), order_lines, generated: true, with: Some(&with) };
    let posted = crate::o2c::invoice::post_known(c, inv, known, at).await?;
    published(c, event_id, "invoice.posted", &payload, at).await?;
    Ok(posted)
}

/// An invoice was posted for an order (by the ERP or generated): the oldest shipment of that
/// order still waiting for its invoice gets it, with its latency.
pub async fn on_invoice_posted<C: ConnectionTrait>(c: &C, order_id: Uuid, invoice_id: Uuid, at: DateTime<Utc>) -> Result<(), DbErr> {
    let waiting = invoice_ready::Entity::find()
        .filter(invoice_ready::Column::OrderId.eq(order_id))
        .filter(invoice_ready::Column::InvoiceId.is_null())
        .order_by_asc(invoice_ready::Column::ReadyAt)
        .one(c)
        .await?;
    let Some(r) = waiting else { return Ok(()) };
    let latency = (at - r.ready_at).num_seconds().max(0);
    let mut am: invoice_ready::ActiveModel = r.into();
    am.invoice_id = Set(Some(invoice_id));
    am.invoiced_at = Set(Some(at));
    am.latency_secs = Set(Some(latency));
    am.update(c).await?;
    Ok(())
}

/// `billing.invoice_due`: the ERP had the SLA's time to post the invoice of a ready shipment;
/// if it has not, `invoice_delay` opens.
pub struct InvoiceDue;

#[async_trait::async_trait]
impl Handler for InvoiceDue {
    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        #[derive(serde::Deserialize)]
        struct P {
            ready_id: Uuid,
        }
        let p: P = cx.payload()?;
        let Some(r) = invoice_ready::Entity::find_by_id(p.ready_id).one(cx.txn).await? else { return Ok(()) };
        if r.invoice_id.is_some() {
            return Ok(());
        }
        let s = shipment::Entity::find_by_id(r.shipment_id).one(cx.txn).await?;
        let o = order::Entity::find_by_id(r.order_id).one(cx.txn).await?;
        let (Some(s), Some(o)) = (s, o) else { return Ok(()) };
        let rules = current(cx.txn).await?;
        let detail = format!("No invoice was posted for shipment {} of order {} since it became billable on {}", s.number, o.number, r.ready_at.format("%Y-%m-%d %H:%M UTC"));
        let mut x = Raise::new("invoice_delay", &format!("invoice-delay:{}", s.number), &detail, rules.actor("billing"));
        (x.order_id, x.customer_id) = (Some(o.id), Some(o.customer_id));
        raise(cx.txn, x, cx.now).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_rule_overrides_the_tenant_rule() {
        let cases = [(None, BillingRule::Dispatch, BillingRule::Dispatch), (Some("pod"), BillingRule::Dispatch, BillingRule::Pod), (Some("delivery"), BillingRule::Pod, BillingRule::Delivery), (Some("nonsense"), BillingRule::Delivery, BillingRule::Delivery)];
        for (customer, tenant, want) in cases {
            assert_eq!(condition(customer, tenant), want, "{customer:?} over {tenant:?}");
        }
    }

    #[test]
    fn tax_is_rounded_half_up_to_the_minor_unit() {
        let cases = [(10_000, 825, Some(825)), (999, 825, Some(82)), (1_000, 825, Some(83)), (0, 825, Some(0)), (12_345, 0, Some(0)), (i64::MAX, 825, None)];
        for (subtotal, bp, want) in cases {
            assert_eq!(tax(subtotal, bp), want, "{subtotal} at {bp} bp");
        }
    }
}
