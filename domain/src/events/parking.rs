//! Parking: events that refer to something not yet known wait on the event log under the key
//! of what they wait for (`order:SO-1`), are applied when it arrives, and become integration
//! exceptions when they wait too long.
use super::{EventIn, EventStatus, Fail};
use crate::entity::{event, exception};
use crate::o2c::{self, apply};
use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder, QuerySelect, TransactionTrait};
use serde_json::Value;
use std::collections::VecDeque;

/// What a parked event waits for. Its key on the event log is `<what>:<id>` (`order:SO-1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Awaited {
    Customer,
    Order,
    Shipment,
    Invoice,
    Payment,
    Exception,
}

impl Awaited {
    /// Every kind of thing an event may wait for.
    pub const ALL: [Awaited; 6] = [Awaited::Customer, Awaited::Order, Awaited::Shipment, Awaited::Invoice, Awaited::Payment, Awaited::Exception];

    /// The prefix of its keys.
    pub const fn as_str(self) -> &'static str {
        match self {
            Awaited::Customer => "customer",
            Awaited::Order => "order",
            Awaited::Shipment => "shipment",
            Awaited::Invoice => "invoice",
            Awaited::Payment => "payment",
            Awaited::Exception => "exception",
        }
    }

    /// The key an event waiting for the thing identified by `id` is parked under.
    pub fn key(self, id: &str) -> String {
        format!("{}:{id}", self.as_str())
    }

    /// What a key waits for and the id it names; `None` for text that is not a key.
    pub fn parse_key(key: &str) -> Option<(Self, &str)> {
        let (what, id) = key.split_once(':')?;
        Self::ALL.into_iter().find(|a| a.as_str() == what).map(|a| (a, id))
    }

    /// The input field that names such a thing in a resource write, which may not park.
    pub(crate) const fn field(self) -> &'static str {
        match self {
            Awaited::Customer => "customer",
            Awaited::Order => "order_number",
            Awaited::Shipment => "shipment_number",
            Awaited::Invoice => "invoice_number",
            Awaited::Payment => "payment_number",
            Awaited::Exception => "exception",
        }
    }
}

/// Reference of the integration exception raised for a parked event.
fn parked_reference(source: &str, event_id: &str) -> String {
    format!("parked:{source}:{event_id}")
}

/// Events still parked. Only parked events wait for something, so the `waiting_for` index
/// finds them without reading the whole event log.
fn parked_events() -> sea_orm::Condition {
    sea_orm::Condition::all().add(event::Column::WaitingFor.is_not_null()).add(event::Column::Status.eq(EventStatus::Parked.as_str()))
}

/// Applies parked events waiting for any of `keys`, oldest first, and whatever those release.
/// A parked event that no longer validates is marked `failed` and raised as an exception.
///
/// Each event applies in its own savepoint, so one that fails partway (an invoice written,
/// then a line refused) leaves nothing of itself behind. `c` must be a transaction (every
/// caller's is): the savepoint is SQL of its own, because callers hold the transaction as a
/// plain connection and cannot `begin()` on it.
pub async fn release_parked<C: ConnectionTrait>(c: &C, keys: Vec<String>) -> Result<(), DbErr> {
    let mut queue: VecDeque<String> = keys.into();
    while let Some(key) = queue.pop_front() {
        let waiting = event::Entity::find()
            .filter(event::Column::Status.eq(EventStatus::Parked.as_str()))
            .filter(event::Column::WaitingFor.eq(&key))
            .order_by_asc(event::Column::OccurredAt)
            .all(c)
            .await?;
        for row in waiting {
            let payload: Value = serde_json::from_str(&row.payload).unwrap_or(Value::Null);
            let ev = EventIn { event_id: row.event_id.clone(), kind: row.kind.clone(), occurred_at: row.occurred_at, source: row.source.clone(), payload };
            let mut am: event::ActiveModel = row.clone().into();
            am.updated_at = Set(Utc::now());
            savepoint(c, Savepoint::Begin).await?;
            match apply(c, &ev).await {
                Ok(effect) => {
                    savepoint(c, Savepoint::Release).await?;
                    am.status = Set(EventStatus::of(&effect).as_str().into());
                    am.waiting_for = Set(effect.waiting_for.clone());
                    am.order_id = Set(effect.order_id);
                    am.summary = Set(Some(effect.summary.clone()));
                    am.update(c).await?;
                    if effect.waiting_for.is_none() {
                        o2c::exception::resolve_if_open(c, &parked_reference(&row.source, &row.event_id)).await?;
                        crate::webhooks::fan_out(c, Some(row.id), &row.kind, &ev.payload, row.occurred_at).await?;
                    }
                    queue.extend(effect.creates);
                }
                Err(Fail::Reject(errors)) => {
                    savepoint(c, Savepoint::RollBack).await?;
                    fail_parked(c, row, am, &key, &errors).await?
                }
                Err(Fail::Db(e)) => {
                    // The caller's transaction fails as a whole; undo this event's writes first
                    // so that a caller recovering from the error finds none of them.
                    let _ = savepoint(c, Savepoint::RollBack).await;
                    return Err(e);
                }
            }
        }
    }
    Ok(())
}

/// A step of the savepoint around one parked event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Savepoint {
    Begin,
    Release,
    RollBack,
}

impl Savepoint {
    /// The SQL of the step, the same on PostgreSQL and SQLite. Rolling back also releases, so
    /// every `Begin` is closed by exactly one other step.
    const fn sql(self) -> &'static str {
        match self {
            Savepoint::Begin => "SAVEPOINT parked_event",
            Savepoint::Release => "RELEASE SAVEPOINT parked_event",
            Savepoint::RollBack => "ROLLBACK TO SAVEPOINT parked_event; RELEASE SAVEPOINT parked_event",
        }
    }
}

async fn savepoint<C: ConnectionTrait>(c: &C, step: Savepoint) -> Result<(), DbErr> {
    for sql in step.sql().split("; ") {
        c.execute_unprepared(sql).await?;
    }
    Ok(())
}

/// Marks a parked event that no longer applies as `failed` and raises an integration
/// exception for it (once).
async fn fail_parked<C: ConnectionTrait>(c: &C, row: event::Model, mut am: event::ActiveModel, key: &str, errors: &[super::FieldError]) -> Result<(), DbErr> {
    let why = errors.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; ");
    am.status = Set(EventStatus::Failed.as_str().into());
    am.waiting_for = Set(None);
    am.summary = Set(Some(format!("could not be applied: {why}")));
    am.update(c).await?;
    let reference = format!("failed:{}:{}", row.source, row.event_id);
    if exception::Entity::find().filter(exception::Column::Reference.eq(&reference)).count(c).await? == 0 {
        let detail = format!("{} event {} from {} could not be applied once {key} arrived: {why}", row.kind, row.event_id, row.source);
        o2c::exception::open(c, &reference, "integration", &detail, None, Some(row.id), Utc::now()).await?;
    }
    Ok(())
}

/// Applies parked events whose awaited object exists by now. Two transactions can cross: an
/// event parked while another transaction was creating what it waits for is released here
/// (the background sweep calls this every minute). Returns how many keys were released.
///
/// Each key is released in its own savepoint: one that fails (a bad row, an event that no
/// longer applies) is logged and skipped, and the others are still released.
pub async fn retry_parked(c: &crate::TenantTxn) -> Result<usize, DbErr> {
    let keys: Vec<Option<String>> = event::Entity::find()
        .filter(parked_events())
        .select_only()
        .column(event::Column::WaitingFor)
        .distinct()
        .into_tuple()
        .all(c)
        .await?;
    let mut released = 0;
    for key in keys.into_iter().flatten() {
        let sp = c.begin().await?;
        match release_if_arrived(&sp, &key).await {
            Ok(done) => {
                sp.commit().await?;
                released += usize::from(done);
            }
            Err(e) => {
                sp.rollback().await?;
                tracing::warn!(waiting_for = %key, error = %e, "releasing parked events failed; skipped until the next sweep");
            }
        }
    }
    Ok(released)
}

/// Releases the events parked for `key` if what they wait for exists now.
async fn release_if_arrived<C: ConnectionTrait>(c: &C, key: &str) -> Result<bool, DbErr> {
    let Some((what, id)) = Awaited::parse_key(key) else { return Ok(false) };
    let exists = match what {
        Awaited::Order => o2c::order::find_order(c, id).await?.is_some(),
        Awaited::Customer => o2c::find_customer(c, id).await?.is_some(),
        Awaited::Invoice => o2c::invoice::find(c, id).await?.is_some(),
        Awaited::Payment => o2c::payment::find(c, id).await?.is_some(),
        Awaited::Shipment => o2c::shipment::find(c, id).await?.is_some(),
        Awaited::Exception => exception::Entity::find().filter(exception::Column::Reference.eq(id)).count(c).await? > 0,
    };
    if exists {
        release_parked(c, vec![key.to_owned()]).await?;
    }
    Ok(exists)
}

/// Raises an open `integration` exception for every event parked since before `cutoff` that
/// has none yet. Returns how many were raised.
pub async fn escalate_parked<C: ConnectionTrait>(c: &C, cutoff: DateTime<Utc>) -> Result<usize, DbErr> {
    let stale = event::Entity::find()
        .filter(parked_events())
        .filter(event::Column::ReceivedAt.lt(cutoff))
        .all(c)
        .await?;
    let mut raised = 0;
    for row in stale {
        let reference = parked_reference(&row.source, &row.event_id);
        if exception::Entity::find().filter(exception::Column::Reference.eq(&reference)).count(c).await? > 0 {
            continue;
        }
        let waiting = row.waiting_for.clone().unwrap_or_default();
        let detail = format!(
            "{} event {} from {} has waited since {} for {waiting}",
            row.kind,
            row.event_id,
            row.source,
            row.received_at.format("%Y-%m-%d %H:%M UTC")
        );
        o2c::exception::open(c, &reference, "integration", &detail, None, Some(row.id), Utc::now()).await?;
        raised += 1;
    }
    Ok(raised)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parking_key_reads_back_as_what_it_waits_for_and_its_id() {
        for awaited in Awaited::ALL {
            let key = awaited.key("SO-1:a");
            assert_eq!(Awaited::parse_key(&key), Some((awaited, "SO-1:a")), "{key}");
        }
        let cases = [("order:SO-1", Some((Awaited::Order, "SO-1"))), ("customer:", Some((Awaited::Customer, ""))), ("order", None), ("widget:W-1", None), ("", None)];
        for (key, want) in cases {
            assert_eq!(Awaited::parse_key(key), want, "{key:?}");
        }
    }

    #[test]
    fn a_resource_write_names_the_field_of_what_it_refers_to() {
        let cases = [
            (Awaited::Order, "order_number"),
            (Awaited::Invoice, "invoice_number"),
            (Awaited::Payment, "payment_number"),
            (Awaited::Shipment, "shipment_number"),
            (Awaited::Customer, "customer"),
            (Awaited::Exception, "exception"),
        ];
        for (awaited, field) in cases {
            assert_eq!(awaited.field(), field, "{awaited:?}");
        }
    }

    #[test]
    fn every_savepoint_around_a_parked_event_is_closed_by_a_release() {
        let cases = [
            (Savepoint::Begin, vec!["SAVEPOINT parked_event"]),
            (Savepoint::Release, vec!["RELEASE SAVEPOINT parked_event"]),
            (Savepoint::RollBack, vec!["ROLLBACK TO SAVEPOINT parked_event", "RELEASE SAVEPOINT parked_event"]),
        ];
        for (step, want) in cases {
            assert_eq!(step.sql().split("; ").collect::<Vec<_>>(), want, "{step:?}");
        }
    }

    #[test]
    fn a_parked_event_raises_an_exception_named_by_its_source_and_id() {
        assert_eq!(parked_reference("wms", "E-7"), "parked:wms:E-7");
    }
}
