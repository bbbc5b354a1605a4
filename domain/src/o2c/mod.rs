//! The order-to-cash rules, one module per aggregate: [`order`], [`shipment`] (with its
//! [`pack`]s), [`invoice`], [`payment`] and [`exception`]. Each owns its payload types, its
//! status enum (stored as lowercase text), pure transition functions with table-driven tests,
//! and an `apply` that writes one typed event's effect.
//!
//! [`apply`] is the one dispatcher: it parses the event's type once and hands the typed
//! payload to the aggregate it belongs to. Statuses move by when things happened
//! (`occurred_at`), not by when the events arrived.

pub mod exception;
pub mod invoice;
pub mod order;
pub mod pack;
pub mod payment;
pub mod shipment;

use crate::entity::customer;
use crate::events::{Awaited, EventIn, EventKind, Fail, reject};
use crate::money;
use exception::{ExceptionEvent, ExceptionStep};
use invoice::{InvoiceEvent, InvoiceNote};
use order::{OrderEvent, OrderStep};
use payment::PaymentEvent;
use sea_orm::prelude::*;
use sea_orm::ConnectionTrait;
use shipment::ShipmentEvent;

/// A stored status text that names no status of its enum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownStatus(pub String);

impl std::fmt::Display for UnknownStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown status {:?}", self.0)
    }
}

impl std::error::Error for UnknownStatus {}

/// What applying one event did.
#[derive(Debug, Default)]
pub struct Effect {
    pub order_id: Option<Uuid>,
    pub summary: String,
    /// Keys (`order:SO-1`) that exist now and may release parked events.
    pub creates: Vec<String>,
    /// Set when the event is parked, waiting for this key.
    pub waiting_for: Option<String>,
}

/// Applies one event to the tenant's data through `c` (a transaction or savepoint). Does not
/// write the event row itself; [`crate::events::ingest`] does.
pub async fn apply<C: ConnectionTrait>(c: &C, ev: &EventIn) -> Result<Effect, Fail> {
    use EventKind as K;
    let at = ev.occurred_at;
    match ev.event_kind()? {
        K::OrderAccepted => order::apply(c, OrderEvent::Accepted(ev.payload_as()?), at).await,
        K::OrderCreditHold => order::apply(c, OrderEvent::Stepped(OrderStep::CreditHold, ev.payload_as()?), at).await,
        K::OrderReleased => order::apply(c, OrderEvent::Stepped(OrderStep::Released, ev.payload_as()?), at).await,
        K::OrderBackordered => order::apply(c, OrderEvent::Stepped(OrderStep::Backordered, ev.payload_as()?), at).await,
        K::OrderAllocated => order::apply(c, OrderEvent::Stepped(OrderStep::Allocated, ev.payload_as()?), at).await,
        K::PickReleased => order::apply(c, OrderEvent::Stepped(OrderStep::PickReleased, ev.payload_as()?), at).await,
        K::ShipmentDispatched => shipment::apply(c, ShipmentEvent::Dispatched(ev.payload_as()?), at).await,
        K::ShipmentDelivered => shipment::apply(c, ShipmentEvent::Delivered(ev.payload_as()?), at).await,
        K::InvoicePosted => invoice::apply(c, InvoiceEvent::Posted(ev.payload_as()?), at).await,
        K::InvoiceDelivered => invoice::apply(c, InvoiceEvent::Noted(InvoiceNote::Delivered, ev.payload_as()?), at).await,
        K::InvoiceViewed => invoice::apply(c, InvoiceEvent::Noted(InvoiceNote::Viewed, ev.payload_as()?), at).await,
        K::InvoiceDisputed => invoice::apply(c, InvoiceEvent::Noted(InvoiceNote::Disputed, ev.payload_as()?), at).await,
        K::DisputeResolved => invoice::apply(c, InvoiceEvent::Noted(InvoiceNote::DisputeResolved, ev.payload_as()?), at).await,
        K::ReminderSent => invoice::apply(c, InvoiceEvent::Noted(InvoiceNote::ReminderSent, ev.payload_as()?), at).await,
        K::PaymentReceived => payment::apply(c, PaymentEvent::Received(ev.payload_as()?), at).await,
        K::PaymentApplied => payment::apply(c, PaymentEvent::Applied(ev.payload_as()?), at).await,
        K::ExceptionOpened => exception::apply(c, ExceptionEvent(ExceptionStep::Opened, ev.payload_as()?), at).await,
        K::ExceptionResolved => exception::apply(c, ExceptionEvent(ExceptionStep::Resolved, ev.payload_as()?), at).await,
        K::ExceptionEscalated => exception::apply(c, ExceptionEvent(ExceptionStep::Escalated, ev.payload_as()?), at).await,
    }
}

/// The effect of an event that waits for `awaited` identified by `id`.
fn parked(awaited: Awaited, id: &str) -> Result<Effect, Fail> {
    let key = awaited.key(id);
    Ok(Effect { summary: format!("waiting for {key}"), waiting_for: Some(key), ..Default::default() })
}

/// Checks a required text field: not blank, at most `max` bytes.
fn text_field(field: &str, v: &str, max: usize) -> Result<(), Fail> {
    if v.trim().is_empty() {
        return Err(reject(field, "must not be empty"));
    }
    if v.len() > max {
        return Err(reject(field, format!("must be at most {max} characters")));
    }
    Ok(())
}

/// The normalised currency code in `v`, or a rejection of `field`.
fn currency_field(field: &str, v: &str) -> Result<String, Fail> {
    money::currency(v).map_err(|r| reject(field, r))
}

/// Sum of quantity × unit price over lines, or `None` if it overflows.
fn checked_total(lines: impl IntoIterator<Item = (i64, i64)>) -> Option<i64> {
    lines.into_iter().try_fold(0i64, |acc, (quantity, unit_price)| quantity.checked_mul(unit_price).and_then(|v| acc.checked_add(v)))
}

tokio::task_local! {
    /// Customers already found while applying one batch of events (by external id). Events
    /// cannot create or change customers, so a customer found once stays right for the batch.
    static BATCH_CUSTOMERS: std::cell::RefCell<std::collections::HashMap<String, customer::Model>>;
}

/// Runs `f` (applying a batch of events) with customers found once per batch, not once per
/// event, starting with `known` (found in the same transaction before).
pub(crate) async fn with_customer_cache<F: std::future::Future>(known: Option<customer::Model>, f: F) -> F::Output {
    let seed = known.into_iter().map(|c| (c.external_id.clone(), c)).collect();
    BATCH_CUSTOMERS.scope(std::cell::RefCell::new(seed), f).await
}

/// The customer with this id: from the batch's customers if found before, else looked up
/// (and kept for the batch).
pub(crate) async fn customer_by_id<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<customer::Model>, DbErr> {
    if let Ok(Some(hit)) = BATCH_CUSTOMERS.try_with(|m| m.borrow().values().find(|c| c.id == id).cloned()) {
        return Ok(Some(hit));
    }
    let found = customer::Entity::find_by_id(id).one(c).await?;
    if let Some(cust) = &found {
        let _ = BATCH_CUSTOMERS.try_with(|m| m.borrow_mut().insert(cust.external_id.clone(), cust.clone()));
    }
    Ok(found)
}

/// The customer with this external id.
pub(crate) async fn find_customer<C: ConnectionTrait>(c: &C, external_id: &str) -> Result<Option<customer::Model>, DbErr> {
    if let Ok(Some(hit)) = BATCH_CUSTOMERS.try_with(|m| m.borrow().get(external_id).cloned()) {
        return Ok(Some(hit));
    }
    let found = customer::Entity::find().filter(customer::Column::ExternalId.eq(external_id)).one(c).await?;
    if let Some(cust) = &found {
        let _ = BATCH_CUSTOMERS.try_with(|m| m.borrow_mut().insert(external_id.to_owned(), cust.clone()));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(r: Result<(), Fail>) -> Option<(String, String)> {
        match r {
            Ok(()) => None,
            Err(Fail::Reject(e)) => Some((e[0].field.clone(), e[0].reason.clone())),
            Err(Fail::Db(e)) => panic!("{e}"),
        }
    }

    #[test]
    fn a_text_field_must_be_present_and_short_enough() {
        let cases = [
            ("SO-1", 64, None),
            ("", 64, Some("must not be empty")),
            ("   ", 64, Some("must not be empty")),
            ("abcde", 4, Some("must be at most 4 characters")),
            ("abcd", 4, None),
        ];
        for (v, max, want) in cases {
            let got = field_of(text_field("payload.number", v, max));
            assert_eq!(got.as_ref().map(|(_, r)| r.as_str()), want, "{v:?} (max {max})");
            if let Some((field, _)) = got {
                assert_eq!(field, "payload.number");
            }
        }
    }

    #[test]
    fn a_total_of_lines_is_none_when_it_overflows() {
        let cases: [(&[(i64, i64)], Option<i64>); 4] = [
            (&[], Some(0)),
            (&[(2, 500), (1, 25)], Some(1025)),
            (&[(i64::MAX, 2)], None),
            (&[(1, i64::MAX), (1, 1)], None),
        ];
        for (lines, want) in cases {
            assert_eq!(checked_total(lines.iter().copied()), want, "{lines:?}");
        }
    }

    #[test]
    fn a_waiting_event_says_what_it_waits_for() {
        let effect = parked(Awaited::Order, "SO-1").unwrap();
        assert_eq!(effect.waiting_for.as_deref(), Some("order:SO-1"));
        assert_eq!(effect.summary, "waiting for order:SO-1");
        assert!(effect.creates.is_empty() && effect.order_id.is_none());
    }
}
