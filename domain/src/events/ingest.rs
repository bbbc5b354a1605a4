//! Ingestion: the envelope checks, application in savepoints, de-duplication by the event
//! log's unique `(source, event_id)` index, and recording on the log.
use super::parking::{Awaited, release_parked};
use super::{EventIn, EventStatus, Fail, FieldError, parse, reject};
use crate::entity::event;
use crate::o2c::{Effect, apply};
use chrono::Utc;
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashSet;

/// The answer for one inbound event.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct EventResult {
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// `accepted`, `duplicate` or `rejected`.
    pub result: String,
    /// For accepted events: `applied` or `parked`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_for: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<FieldError>,
}

/// What an API ingestion request learns before applying anything, in the first statement of
/// its transaction: the sources its API client may write under, whether any event is parked
/// at all (if none is, applying an event need not look for parked events it releases), and
/// the customer a single event names, so that applying it need not look the customer up.
#[derive(Debug)]
pub struct Preflight {
    pub sources: Sources,
    pub any_parked: bool,
    pub customer: Option<crate::entity::customer::Model>,
}

/// Opens the tenant's transaction for an API ingestion request and answers its [`Preflight`]
/// from the same round trip (`None`: the API client is disabled or removed). Only parked
/// events wait for something, so the first non-null `waiting_for` in index order answers
/// from the index alone; a filter on the status let the planner scan the whole event log.
pub async fn api_preflight(db: &crate::Db, tenant: &crate::types::TenantSlug, client_id: Uuid, named: Named<'_>) -> Result<(crate::TenantTxn, Option<Preflight>), DbErr> {
    use crate::entity::customer;
    use sea_orm::{FromQueryResult, Iterable};
    let p: [&str; 3] = if db.is_postgres() { ["$1", "$2", "$3"] } else { ["?1", "?2", "?3"] };
    let (txn, row) = db
        .tenant_txn_with_query(tenant, |t| {
            let columns: Vec<String> = customer::Column::iter().map(|c| format!("c.\"{0}\" AS \"c_{0}\"", c.as_str())).collect();
            // One index lookup for the client: its registered sources, or its name when it has none.
            let sql = format!(
                "SELECT (SELECT CASE WHEN sources = '' THEN name ELSE sources END FROM {t}api_clients WHERE id = {0} AND NOT disabled) AS sources, \
                 (SELECT waiting_for FROM {t}events WHERE waiting_for IS NOT NULL ORDER BY waiting_for LIMIT 1) AS parked, {3} \
                 FROM (SELECT 1 AS one) one LEFT JOIN {t}customers c ON c.id = COALESCE((SELECT id FROM {t}customers WHERE external_id = {1}), \
                 (SELECT customer_id FROM {t}orders WHERE number = {2}))",
                p[0],
                p[1],
                p[2],
                columns.join(", ")
            );
            (sql, vec![client_id.into(), named.customer.map(str::to_owned).into(), named.order.map(str::to_owned).into()])
        })
        .await?;
    let Some(r) = row else { return Ok((txn, None)) };
    let Some(sources) = r.try_get::<Option<String>>("", "sources")? else { return Ok((txn, None)) };
    let any_parked = r.try_get::<Option<String>>("", "parked")?.is_some();
    let customer = match r.try_get::<Option<Uuid>>("", "c_id")? {
        Some(_) => Some(customer::Model::from_query_result(&r, "c_")?),
        None => None,
    };
    Ok((txn, Some(Preflight { sources: Sources::of("", &sources), any_parked, customer })))
}

/// The customer a single event names in its payload, directly (`payload.customer`) or through
/// an existing order (`payload.order_number`), for [`api_preflight`] to find.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Named<'a> {
    pub customer: Option<&'a str>,
    pub order: Option<&'a str>,
}

impl<'a> Named<'a> {
    /// What a request's events name: only a single event's customer is looked up ahead.
    pub fn in_items(items: &'a [Value]) -> Self {
        let [one] = items else { return Named::default() };
        let field = |name: &str| one.get("payload").and_then(|p| p.get(name)).and_then(Value::as_str);
        match field("customer") {
            Some(customer) => Named { customer: Some(customer), order: None },
            None => Named { customer: None, order: field("order_number") },
        }
    }
}

/// The event sources an API client may write under: its registered list, or its own name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sources(Vec<String>);

impl Sources {
    /// From a client's name and its stored, space-separated list (empty: the name alone).
    pub fn of(name: &str, registered: &str) -> Self {
        let list: Vec<String> = registered.split_whitespace().map(str::to_owned).collect();
        Sources(if list.is_empty() { vec![name.to_owned()] } else { list })
    }

    /// Whether events from `source` may be written.
    pub fn allows(&self, source: &str) -> bool {
        self.0.iter().any(|s| s == source)
    }

    /// The sources as a comma-separated list, for error messages.
    pub fn list(&self) -> String {
        self.0.join(", ")
    }
}

/// Applies `items` (raw JSON events) in one transaction (the caller commits it). In a
/// batch each event has its own savepoint, so a bad event is rejected without touching the
/// good ones; a single event needs none: if it is rejected the transaction is rolled back.
///
/// Duplicates are found by the event log's unique (source, event_id) index when the event is
/// recorded, after it was applied: the rare duplicate's effect is rolled back, and the usual
/// new event costs no lookup. Two requests racing with the same event also end as one
/// `accepted` and one `duplicate`.
///
/// `pre`: what [`api_preflight`] found (the client's sources, whether anything is parked, the
/// customer a single event names). Returns each event's result and the transaction to commit
/// (`None` when a single event was refused and its transaction rolled back): the caller
/// commits, so that what it records with the events (an idempotency key) commits with them.
pub async fn ingest(txn: crate::TenantTxn, items: &[Value], pre: Preflight) -> Result<(Vec<EventResult>, Option<crate::TenantTxn>), DbErr> {
    let rules = match crate::workflow::rules::cached(&txn).await {
        Ok(r) => r,
        Err(crate::AppError::Db(e)) => return Err(e),
        Err(other) => return Err(DbErr::Custom(other.to_string())),
    };
    let applying = crate::o2c::with_customer_cache(pre.customer, ingest_items(txn, items, pre.any_parked, &pre.sources));
    crate::workflow::rules::with_rules(rules, applying).await
}

async fn ingest_items(txn: crate::TenantTxn, items: &[Value], mut any_parked: bool, sources: &Sources) -> Result<(Vec<EventResult>, Option<crate::TenantTxn>), DbErr> {
    let mut out = Vec::with_capacity(items.len());
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let single = items.len() == 1;
    for (index, item) in items.iter().enumerate() {
        let ev: EventIn = match parse("", item) {
            Ok(ev) => ev,
            Err(Fail::Reject(errors)) => {
                let event_id = item.get("event_id").and_then(Value::as_str).map(str::to_owned);
                out.push(EventResult { index, event_id, result: "rejected".into(), status: None, waiting_for: None, errors });
                continue;
            }
            Err(Fail::Db(e)) => return Err(e),
        };
        let mut res = EventResult { index, event_id: Some(ev.event_id.clone()), result: String::new(), status: None, waiting_for: None, errors: vec![] };
        let errs = check_envelope(&ev, sources);
        if !errs.is_empty() {
            res.result = "rejected".into();
            res.errors = errs;
            out.push(res);
            continue;
        }
        let key = (ev.source.clone(), ev.event_id.clone());
        if seen.contains(&key) {
            res.result = "duplicate".into();
            out.push(res);
            continue;
        }
        if single {
            let outcome = apply_and_record_checked(&txn, &ev, any_parked).await;
            let applied = matches!(outcome, Ok(Some(_)));
            // A database error returns here and drops (rolls back) the transaction.
            describe(&mut res, outcome)?;
            out.push(res);
            if applied {
                return Ok((out, Some(txn)));
            }
            txn.rollback().await?;
            return Ok((out, None));
        }
        let sp = txn.begin().await?;
        let outcome = apply_and_record_checked(&sp, &ev, any_parked).await;
        match &outcome {
            Ok(Some(effect)) => {
                sp.commit().await?;
                any_parked |= effect.waiting_for.is_some();
            }
            Err(Fail::Db(_)) => {}
            _ => sp.rollback().await?,
        }
        if outcome.is_ok() {
            seen.insert(key);
        }
        describe(&mut res, outcome)?;
        out.push(res);
    }
    Ok((out, Some(txn)))
}

/// What is wrong with an envelope's identity: its id, its source, and whether the sending
/// client may write under that source.
fn check_envelope(ev: &EventIn, sources: &Sources) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if ev.event_id.trim().is_empty() || ev.event_id.len() > 128 {
        errs.push(FieldError::new("event_id", "must be 1 to 128 characters"));
    }
    if ev.source.trim().is_empty() || ev.source.len() > 64 {
        errs.push(FieldError::new("source", "must be 1 to 64 characters"));
    } else if !sources.allows(&ev.source) {
        errs.push(FieldError::new("source", format!("this API client may write events under: {}", sources.list())));
    }
    errs
}

/// Fills in an event's result from what applying it did.
fn describe(res: &mut EventResult, outcome: Result<Option<Effect>, Fail>) -> Result<(), DbErr> {
    match outcome {
        Ok(Some(effect)) => {
            res.result = "accepted".into();
            res.status = Some(EventStatus::of(&effect).as_str().into());
            res.waiting_for = effect.waiting_for;
        }
        Ok(None) => res.result = "duplicate".into(),
        Err(Fail::Reject(errors)) => {
            res.result = "rejected".into();
            res.errors = errors;
        }
        Err(Fail::Db(e)) => return Err(e),
    }
    Ok(())
}

/// Applies one event, stores it on the event log, and applies whatever was parked waiting for
/// the things it created. An event seen before (same source and id) is rejected; its effect must be rolled back.
pub async fn apply_and_record<C: ConnectionTrait>(c: &C, ev: &EventIn) -> Result<Effect, Fail> {
    apply_and_record_checked(c, ev, true).await?.ok_or_else(|| already_received(ev))
}

fn already_received(ev: &EventIn) -> Fail {
    reject("event_id", format!("event {} from {} was already received; it has no second effect", ev.event_id, ev.source))
}

/// [`apply_and_record`], looking for parked events to release only if `parked_exist`.
/// `None`: the event log already has this event, so the caller rolls the effect back.
async fn apply_and_record_checked<C: ConnectionTrait>(c: &C, ev: &EventIn, parked_exist: bool) -> Result<Option<Effect>, Fail> {
    let effect = match apply(c, ev).await {
        Ok(effect) => effect,
        // A repeat can fail where the first succeeded ("payment P-1 was already received"):
        // if the log has this event, it is a duplicate, not a mistake.
        Err(Fail::Reject(errors)) => {
            let seen = event::Entity::find().filter(event::Column::Source.eq(&ev.source)).filter(event::Column::EventId.eq(&ev.event_id)).count(c).await?;
            return if seen > 0 { Ok(None) } else { Err(Fail::Reject(errors)) };
        }
        Err(e) => return Err(e),
    };
    Ok(record(c, ev, &effect, parked_exist).await?.then_some(effect))
}

/// Like [`apply_and_record`] but for a resource write (`POST /api/v1/orders`…): something the
/// event refers to that is not known is an error for the caller instead of a reason to park.
pub async fn apply_now<C: ConnectionTrait>(c: &C, ev: &EventIn) -> Result<Effect, Fail> {
    let effect = apply(c, ev).await?;
    if let Some(key) = &effect.waiting_for {
        let (what, field, id) = match Awaited::parse_key(key) {
            Some((awaited, id)) => (awaited.as_str(), awaited.field(), id),
            // Keys come from `Awaited::key`; any other text is named as it stands.
            None => {
                let (what, id) = key.split_once(':').unwrap_or(("object", key));
                (what, what, id)
            }
        };
        return Err(reject(field, format!("{what} {id} is not known; create it first")));
    }
    if record(c, ev, &effect, true).await? { Ok(effect) } else { Err(already_received(ev)) }
}

/// Writes the event to the log, unless the log has it already (then `false`), and applies
/// what was parked waiting for what it created.
async fn record<C: ConnectionTrait>(c: &C, ev: &EventIn, effect: &Effect, parked_exist: bool) -> Result<bool, DbErr> {
    let now = Utc::now();
    let id = crate::new_id();
    let row = event::ActiveModel {
        id: Set(id),
        source: Set(ev.source.clone()),
        event_id: Set(ev.event_id.clone()),
        kind: Set(ev.kind.clone()),
        occurred_at: Set(ev.occurred_at),
        received_at: Set(now),
        payload: Set(ev.payload.to_string()),
        status: Set(EventStatus::of(effect).as_str().into()),
        waiting_for: Set(effect.waiting_for.clone()),
        order_id: Set(effect.order_id),
        summary: Set(Some(effect.summary.clone())),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let inserted = event::Entity::insert(row).on_conflict_do_nothing_on([event::Column::Source, event::Column::EventId]).exec_without_returning(c).await?;
    if !crate::inserted(&inserted) {
        return Ok(false);
    }
    if effect.waiting_for.is_none() {
        crate::webhooks::fan_out(c, Some(id), &ev.kind, &ev.payload, ev.occurred_at).await?;
    }
    if parked_exist {
        release_parked(c, effect.creates.clone()).await?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(event_id: &str, source: &str) -> EventIn {
        EventIn { event_id: event_id.into(), kind: "order.accepted".into(), occurred_at: Utc::now(), source: source.into(), payload: Value::Null }
    }

    #[test]
    fn an_envelope_is_checked_for_its_id_its_source_and_the_clients_sources() {
        let sources = Sources::of("erp", "");
        let long_id = "x".repeat(129);
        let long_source = "s".repeat(65);
        let cases: [(&str, &str, &[&str]); 6] = [
            ("E-1", "erp", &[]),
            ("", "erp", &["event_id"]),
            (&long_id, "erp", &["event_id"]),
            ("E-1", " ", &["source"]),
            ("E-1", &long_source, &["source"]),
            ("", "wms", &["event_id", "source"]),
        ];
        for (id, source, want) in cases {
            let fields: Vec<String> = check_envelope(&envelope(id, source), &sources).into_iter().map(|e| e.field).collect();
            assert_eq!(fields, want, "{id:?} from {source:?}");
        }
    }

    #[test]
    fn a_client_writes_under_its_registered_sources_or_else_its_own_name() {
        let cases = [("erp", "", "erp", true), ("erp", "", "wms", false), ("erp", "wms edi:ACME", "wms", true), ("erp", "wms edi:ACME", "erp", false)];
        for (name, registered, source, allowed) in cases {
            assert_eq!(Sources::of(name, registered).allows(source), allowed, "{name} [{registered}] writing {source}");
        }
        assert_eq!(Sources::of("erp", "wms  edi:ACME").list(), "wms, edi:ACME");
    }

    #[test]
    fn a_single_event_names_its_customer_directly_or_through_its_order() {
        let order = serde_json::json!({"type": "order.accepted", "payload": {"number": "SO-1", "customer": "C-1"}});
        let dispatch = serde_json::json!({"type": "shipment.dispatched", "payload": {"number": "S-1", "order_number": "SO-1"}});
        let payment = serde_json::json!({"type": "payment.received", "payload": {"amount_minor": 5}});
        let cases: [(Vec<Value>, Named); 4] = [
            (vec![order.clone()], Named { customer: Some("C-1"), order: None }),
            (vec![dispatch.clone()], Named { customer: None, order: Some("SO-1") }),
            (vec![payment], Named::default()),
            (vec![order, dispatch], Named::default()),
        ];
        for (items, want) in cases {
            assert_eq!(Named::in_items(&items), want, "{items:?}");
        }
    }

    #[test]
    fn an_event_row_is_parked_exactly_when_its_effect_waits_for_something() {
        let waiting = Effect { waiting_for: Some("order:SO-1".into()), ..Default::default() };
        assert_eq!(EventStatus::of(&waiting).as_str(), "parked");
        assert_eq!(EventStatus::of(&Effect::default()).as_str(), "applied");
        assert_eq!(EventStatus::Failed.as_str(), "failed");
    }
}
