//! Business events in: the envelope, its type, validation errors, ingestion with
//! de-duplication, and parking.
//!
//! Every change to orders, shipments, invoices and payments goes through [`apply`], whether it
//! came from `POST /api/v1/events`, a resource endpoint, an EDI interchange or the demo seed.
//! Rules:
//! - An event is identified by `(source, event_id)`; a second arrival has no effect.
//! - Status moves by `occurred_at`, not arrival: an event older than the status it would
//!   replace is recorded on the timeline but does not move the status back.
//! - An event that refers to something not yet known is *parked* with the key it waits for
//!   (`order:SO-1`); when that thing arrives the parked events apply, oldest first. Events
//!   parked longer than the configured time become integration exceptions.
//!
//! The rules of each aggregate live in [`crate::o2c`]; this module knows the envelope and
//! what happens to it on the way in.
mod ingest;
mod parking;

pub use crate::o2c::exception::ExceptionIn;
pub use crate::o2c::invoice::{FIRST_DATE, InvoiceIn, InvoiceLineIn, InvoiceRef, LAST_DATE, due_date, terms_days};
pub use crate::o2c::order::{Channel, ORDER_STATUSES, OrderIn, OrderLineIn, OrderRef, find_order};
pub use crate::o2c::payment::{PaymentApplied, PaymentIn};
pub use crate::o2c::shipment::{DeliveryIn, ShipmentIn, ShipmentLineIn};
pub use crate::o2c::{Effect, apply};
pub use ingest::{EventResult, Named, Preflight, Sources, api_preflight, apply_and_record, apply_now, ingest};
pub use parking::{Awaited, escalate_parked, release_parked, retry_parked};

use chrono::{DateTime, Utc};
use sea_orm::DbErr;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

/// Most events one request may carry.
pub const MAX_BATCH: usize = 1000;

/// The type of a business event, parsed once from its dotted name (`order.accepted`).
/// Serialised as that name, which is also what the event log stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    OrderAccepted,
    OrderCreditHold,
    OrderReleased,
    OrderBackordered,
    OrderAllocated,
    PickReleased,
    ShipmentDispatched,
    ShipmentDelivered,
    InvoicePosted,
    InvoiceDelivered,
    InvoiceViewed,
    InvoiceDisputed,
    DisputeResolved,
    PaymentReceived,
    PaymentApplied,
    ReminderSent,
    ExceptionOpened,
    ExceptionResolved,
    ExceptionEscalated,
}

impl EventKind {
    /// Every event type, in the order the error message for an unknown type lists them.
    pub const ALL: [EventKind; 19] = [
        EventKind::OrderAccepted,
        EventKind::OrderCreditHold,
        EventKind::OrderReleased,
        EventKind::OrderBackordered,
        EventKind::OrderAllocated,
        EventKind::PickReleased,
        EventKind::ShipmentDispatched,
        EventKind::ShipmentDelivered,
        EventKind::InvoicePosted,
        EventKind::InvoiceDelivered,
        EventKind::InvoiceViewed,
        EventKind::InvoiceDisputed,
        EventKind::DisputeResolved,
        EventKind::PaymentReceived,
        EventKind::PaymentApplied,
        EventKind::ReminderSent,
        EventKind::ExceptionOpened,
        EventKind::ExceptionResolved,
        EventKind::ExceptionEscalated,
    ];

    /// The dotted name senders use and the event log stores.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::OrderAccepted => "order.accepted",
            EventKind::OrderCreditHold => "order.credit_hold",
            EventKind::OrderReleased => "order.released",
            EventKind::OrderBackordered => "order.backordered",
            EventKind::OrderAllocated => "order.allocated",
            EventKind::PickReleased => "pick.released",
            EventKind::ShipmentDispatched => "shipment.dispatched",
            EventKind::ShipmentDelivered => "shipment.delivered",
            EventKind::InvoicePosted => "invoice.posted",
            EventKind::InvoiceDelivered => "invoice.delivered",
            EventKind::InvoiceViewed => "invoice.viewed",
            EventKind::InvoiceDisputed => "invoice.disputed",
            EventKind::DisputeResolved => "dispute.resolved",
            EventKind::PaymentReceived => "payment.received",
            EventKind::PaymentApplied => "payment.applied",
            EventKind::ReminderSent => "reminder.sent",
            EventKind::ExceptionOpened => "exception.opened",
            EventKind::ExceptionResolved => "exception.resolved",
            EventKind::ExceptionEscalated => "exception.escalated",
        }
    }
}

/// Every event type Throughline accepts, as dotted names (built from [`EventKind::ALL`] so the
/// two cannot drift apart).
pub const EVENT_TYPES: &[&str] = &{
    let mut names = [""; EventKind::ALL.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = EventKind::ALL[i].as_str();
        i += 1;
    }
    names
};

/// A `type` that names no [`EventKind`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownEventKind(pub String);

impl fmt::Display for UnknownEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown event type {:?}; expected one of {}", self.0, EVENT_TYPES.join(", "))
    }
}

impl std::error::Error for UnknownEventKind {}

impl From<UnknownEventKind> for Fail {
    fn from(e: UnknownEventKind) -> Self {
        reject("type", e.to_string())
    }
}

impl FromStr for EventKind {
    type Err = UnknownEventKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| UnknownEventKind(s.to_owned()))
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EventKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(|e: UnknownEventKind| serde::de::Error::custom(e))
    }
}

/// The status of a row on the event log, stored as its lowercase name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventStatus {
    /// Its effect is in the data.
    Applied,
    /// It waits for something not yet known (`waiting_for`).
    Parked,
    /// It was parked, and no longer applied once what it waited for arrived.
    Failed,
}

impl EventStatus {
    /// The stored text.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            EventStatus::Applied => "applied",
            EventStatus::Parked => "parked",
            EventStatus::Failed => "failed",
        }
    }

    /// `parked` when the effect waits for something, else `applied`.
    pub(crate) fn of(effect: &Effect) -> Self {
        if effect.waiting_for.is_some() { EventStatus::Parked } else { EventStatus::Applied }
    }
}

/// What was wrong with one field of the input.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl FieldError {
    /// A problem with `field` (a path such as `payload.lines[1].quantity`).
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { field: field.into(), reason: reason.into() }
    }
}

/// Why an event (or a resource write) did not apply.
#[derive(Debug)]
pub enum Fail {
    /// The input is wrong; each error names its field. The caller answers 422.
    Reject(Vec<FieldError>),
    /// The database failed; the transaction is lost.
    Db(DbErr),
}

impl From<DbErr> for Fail {
    fn from(e: DbErr) -> Self {
        Fail::Db(e)
    }
}

/// A rejection naming one field.
pub(crate) fn reject(field: impl Into<String>, reason: impl Into<String>) -> Fail {
    Fail::Reject(vec![FieldError::new(field, reason)])
}

/// Deserialises `v` into `T`, naming the exact field on error (`payload.lines[1].quantity`).
pub fn parse<T: DeserializeOwned>(prefix: &str, v: &Value) -> Result<T, Fail> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        let field = match (prefix.is_empty(), path == ".") {
            (true, true) => String::new(),
            (true, false) => path,
            (false, true) => prefix.to_owned(),
            (false, false) => format!("{prefix}.{path}"),
        };
        let reason = e.into_inner().to_string();
        // serde_json appends " at line 1 column 5" only for text input; values have none.
        reject(field, reason)
    })
}

/// The envelope of one inbound event.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventIn {
    pub event_id: String,
    // The sender's text, not an `EventKind`: an unknown type is answered by `apply` with the
    // list of known ones, after the envelope's own checks, and the OpenAPI schema stays a
    // string. (A doc comment here would become the field's description in that schema.)
    #[serde(rename = "type")]
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub source: String,
    /// The event's data; its shape depends on `type` (see the payload schemas).
    #[schema(value_type = Object)]
    pub payload: Value,
}

impl EventIn {
    /// The event's type, or a rejection of the `type` field listing the known ones.
    pub fn event_kind(&self) -> Result<EventKind, Fail> {
        Ok(self.kind.parse::<EventKind>()?)
    }

    /// The payload as `T`, naming a wrong field as `payload.<path>`.
    pub fn payload_as<T: DeserializeOwned>(&self) -> Result<T, Fail> {
        parse("payload", &self.payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_kind_reads_back_from_its_dotted_name() {
        for kind in EventKind::ALL {
            assert_eq!(kind.as_str().parse::<EventKind>(), Ok(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), Value::String(kind.as_str().into()));
            assert_eq!(serde_json::from_value::<EventKind>(kind.as_str().into()).unwrap(), kind);
        }
    }

    #[test]
    fn the_event_types_list_names_every_kind_once_in_order() {
        let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(EVENT_TYPES, names.as_slice());
        let unique: std::collections::HashSet<&str> = names.iter().copied().collect();
        assert_eq!(unique.len(), names.len());
    }

    #[test]
    fn an_unknown_type_is_rejected_on_the_type_field_with_the_known_ones() {
        let cases = ["order.shipped", "", "ORDER.ACCEPTED", "order accepted"];
        for name in cases {
            match name.parse::<EventKind>().map_err(Fail::from) {
                Err(Fail::Reject(e)) => {
                    assert_eq!(e[0].field, "type");
                    assert_eq!(e[0].reason, format!("unknown event type {name:?}; expected one of {}", EVENT_TYPES.join(", ")));
                }
                other => panic!("{name:?}: expected a rejection, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_wrong_field_is_named_with_its_path() {
        let v = serde_json::json!({"number":"SO-1","customer":"C1","currency":"USD","lines":[{"line":1,"sku":"A","quantity":"two","unit_price_minor":5}]});
        match parse::<OrderIn>("payload", &v) {
            Err(Fail::Reject(e)) => {
                assert_eq!(e[0].field, "payload.lines[0].quantity");
                assert!(e[0].reason.contains("invalid type"), "{}", e[0].reason);
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
        let v = serde_json::json!({"order_number":"SO-1","colour":"red"});
        match parse::<OrderRef>("payload", &v) {
            Err(Fail::Reject(e)) => assert!(e[0].reason.contains("unknown field `colour`"), "{:?}", e),
            other => panic!("expected a rejection, got {other:?}"),
        }
    }
}
