//! Webhooks out: tenants' endpoints hear every business event they subscribe to, signed
//! the Standard Webhooks way ([`sign`]), retried on [`schedule`] for about 28 hours, then
//! dead-lettered; each attempt is kept for the admin. Endpoints never point inside our
//! network ([`guard`]).
//!
//! An event recorded on the tenant's log is fanned out in the same transaction
//! ([`fan_out`]): a message (the exact body) and one pending delivery per subscribed
//! endpoint. Senders ([`dispatch`]) claim due deliveries, post them concurrently with at
//! most a few in flight per endpoint (a hanging receiver holds up only its own deliveries),
//! and settle the outcomes in batches.
pub mod dispatch;
pub mod endpoints;
pub mod entity;
pub mod guard;
pub mod schedule;
pub mod sign;

use chrono::{DateTime, SecondsFormat, Utc};
use entity::{delivery, endpoint, message};
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;
use sea_orm::{ConnectionTrait, QuerySelect};
use serde_json::{Value, json};

/// The families of business events an endpoint can subscribe to. `edi.810` is for a
/// customer's own endpoint (its trading partner's URL): the X12 810 of each invoice.
pub const FAMILIES: [&str; 9] = ["order", "shipment", "invoice", "dispute", "payment", "exception", "reminder", "endpoint", "edi"];

/// The kind of the message that carries an X12 810 to a trading partner's URL.
pub const EDI_810: &str = "edi.810";

/// The content type a message of `kind` is sent with.
pub fn content_type(kind: &str) -> &'static str {
    if kind == EDI_810 { "application/edi-x12" } else { "application/json" }
}

/// Whether a subscription list (`invoice.* payment.applied`, or `*`) covers `kind`.
pub fn subscribes(event_types: &str, kind: &str) -> bool {
    event_types.split_whitespace().any(|t| match t.strip_suffix(".*") {
        _ if t == "*" => true,
        Some(family) => kind.strip_prefix(family).is_some_and(|rest| rest.starts_with('.')),
        None => t == kind,
    })
}

/// Checks and normalises a subscription list typed by an admin or sent to the API.
pub fn parse_event_types<S: AsRef<str>>(items: &[S]) -> Result<String, String> {
    let mut out: Vec<String> = Vec::new();
    for item in items.iter().flat_map(|s| s.as_ref().split([',', ' ', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect::<Vec<_>>()) {
        let t = item.to_ascii_lowercase();
        let ok = t == "*"
            || t.split_once('.').is_some_and(|(family, rest)| {
                FAMILIES.contains(&family) && (rest == "*" || (!rest.is_empty() && rest.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')))
            });
        if !ok {
            return Err(format!("{item:?} is not an event type; use a kind such as invoice.posted, a family such as invoice.*, or * (families: {})", FAMILIES.join(", ")));
        }
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.is_empty() {
        return Err("choose at least one event type (or * for all)".into());
    }
    Ok(out.join(" "))
}

/// The body every endpoint receives: the Standard Webhooks envelope.
pub fn envelope(kind: &str, at: DateTime<Utc>, data: &Value) -> String {
    json!({"type": kind, "timestamp": at.to_rfc3339_opts(SecondsFormat::Millis, true), "data": data}).to_string()
}

/// The `webhook-id` of a message: stable across its retries and replays.
pub fn webhook_id(message: Uuid) -> String {
    format!("msg_{}", message.simple())
}

/// Queues `kind` (with `data`) for every enabled endpoint subscribed to it. Called in the
/// transaction that records the event, so that the deliveries exist exactly when it commits.
pub async fn fan_out<C: ConnectionTrait>(c: &C, event_id: Option<Uuid>, kind: &str, data: &Value, at: DateTime<Utc>) -> Result<Option<Uuid>, DbErr> {
    if crate::workflow::rules::no_webhooks_in_scope() {
        return Ok(None);
    }
    let subs: Vec<(Uuid, String)> = endpoint::Entity::find()
        .select_only()
        .column(endpoint::Column::Id)
        .column(endpoint::Column::EventTypes)
        .filter(endpoint::Column::Enabled.eq(true))
        .filter(endpoint::Column::CustomerId.is_null())
        .into_tuple()
        .all(c)
        .await?;
    let targets: Vec<Uuid> = subs.into_iter().filter(|(_, types)| subscribes(types, kind)).map(|(id, _)| id).collect();
    if targets.is_empty() {
        return Ok(None);
    }
    let now = Utc::now();
    let id = crate::new_id();
    message::ActiveModel { id: Set(id), event_id: Set(event_id), kind: Set(kind.into()), body: Set(envelope(kind, at, data)), created_at: Set(now) }.insert(c).await?;
    let rows = targets.into_iter().map(|endpoint_id| new_delivery(endpoint_id, id, now));
    delivery::Entity::insert_many(rows).exec_without_returning(c).await?;
    Ok(Some(id))
}

fn new_delivery(endpoint_id: Uuid, message_id: Uuid, now: DateTime<Utc>) -> delivery::ActiveModel {
    delivery::ActiveModel {
        id: Set(crate::new_id()),
        endpoint_id: Set(endpoint_id),
        message_id: Set(message_id),
        status: Set(DeliveryStatus::Pending.as_str().into()),
        attempts: Set(0),
        next_at: Set(now),
        last_status: Set(None),
        last_error: Set(None),
        invoice_delivery_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// The enabled endpoints of customer `customer` subscribed to `kind` (its own: `invoice.posted`
/// for the `webhook` invoice channel, `edi.810` for its trading partner's URL).
pub async fn customer_endpoints<C: ConnectionTrait>(c: &C, customer: Uuid, kind: &str) -> Result<Vec<endpoint::Model>, DbErr> {
    Ok(endpoints_of_customers(c, vec![customer], kind).await?.remove(&customer).unwrap_or_default())
}

/// The enabled endpoints of each of `customers` subscribed to `kind`, in one read.
pub async fn endpoints_of_customers<C: ConnectionTrait>(c: &C, customers: Vec<Uuid>, kind: &str) -> Result<std::collections::HashMap<Uuid, Vec<endpoint::Model>>, DbErr> {
    let mut out: std::collections::HashMap<Uuid, Vec<endpoint::Model>> = Default::default();
    if customers.is_empty() {
        return Ok(out);
    }
    let all = endpoint::Entity::find().filter(endpoint::Column::Enabled.eq(true)).filter(endpoint::Column::CustomerId.is_in(customers)).all(c).await?;
    for e in all.into_iter().filter(|e| subscribes(&e.event_types, kind)) {
        if let Some(owner) = e.customer_id {
            out.entry(owner).or_default().push(e);
        }
    }
    Ok(out)
}

/// Queues `body` (a message of `kind`: the `invoice.posted` envelope, or an X12 810 as is) for
/// `targets` (a customer's endpoints), each delivery carrying the invoice delivery `carries`.
/// Answers the endpoints' URLs.
pub async fn for_customer<C: ConnectionTrait>(c: &C, targets: Vec<endpoint::Model>, carries: Uuid, kind: &str, body: String) -> Result<Vec<String>, DbErr> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let now = Utc::now();
    let id = crate::new_id();
    message::ActiveModel { id: Set(id), event_id: Set(None), kind: Set(kind.into()), body: Set(body), created_at: Set(now) }.insert(c).await?;
    let rows = targets.iter().map(|e| delivery::ActiveModel { invoice_delivery_id: Set(Some(carries)), ..new_delivery(e.id, id, now) });
    delivery::Entity::insert_many(rows).exec_without_returning(c).await?;
    Ok(targets.into_iter().map(|e| e.url).collect())
}

/// The stored state of a delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Succeeded,
    Dead,
}

impl DeliveryStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Dead => "dead",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_match_kinds_families_and_everything() {
        let cases = [
            ("*", "invoice.posted", true),
            ("invoice.*", "invoice.posted", true),
            ("invoice.*", "invoices.posted", false),
            ("invoice.*", "invoice", false),
            ("invoice.posted", "invoice.posted", true),
            ("invoice.posted", "invoice.paid", false),
            ("order.* payment.applied", "payment.applied", true),
            ("order.* payment.applied", "payment.received", false),
            ("", "order.accepted", false),
        ];
        for (types, kind, want) in cases {
            assert_eq!(subscribes(types, kind), want, "{types:?} / {kind}");
        }
    }

    #[test]
    fn event_type_lists_are_checked_and_normalised() {
        assert_eq!(parse_event_types(&["Invoice.*, payment.applied", "invoice.*"]).unwrap(), "invoice.* payment.applied");
        assert_eq!(parse_event_types(&["*"]).unwrap(), "*");
        assert_eq!(parse_event_types(&["EDI.810"]).unwrap(), "edi.810");
        for bad in ["invoices.*", "invoice.", "invoice", "order.Accepted!", "http://x"] {
            assert!(parse_event_types(&[bad]).unwrap_err().contains("not an event type"), "{bad}");
        }
        assert!(parse_event_types::<&str>(&[]).unwrap_err().contains("at least one"));
    }

    #[test]
    fn the_envelope_is_stable() {
        let at = DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z").unwrap().with_timezone(&Utc);
        let body = envelope("invoice.posted", at, &json!({"number": "INV-1"}));
        assert_eq!(body, r#"{"data":{"number":"INV-1"},"timestamp":"2026-12-03T10:00:00.000Z","type":"invoice.posted"}"#);
        assert_eq!(webhook_id(Uuid::nil()), "msg_00000000000000000000000000000000");
    }
}

/// Queues a `webhook.test` message for one endpoint, whatever it subscribes to.
pub async fn send_test<C: ConnectionTrait>(c: &C, endpoint_id: Uuid, now: DateTime<Utc>) -> Result<Uuid, DbErr> {
    let id = crate::new_id();
    let data = json!({"endpoint_id": endpoint_id, "message": "A test event: this endpoint receives Throughline's webhooks."});
    message::ActiveModel { id: Set(id), event_id: Set(None), kind: Set("webhook.test".into()), body: Set(envelope("webhook.test", now, &data)), created_at: Set(now) }.insert(c).await?;
    new_delivery(endpoint_id, id, now).insert(c).await?;
    Ok(id)
}

/// A delivery as the admin and the API show it.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    pub webhook_id: String,
    pub event_type: String,
    /// `pending`, `succeeded` or `dead`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An attempt as the admin and the API show it.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AttemptView {
    pub at: DateTime<Utc>,
    pub request_headers: String,
    pub status: Option<i32>,
    pub response_excerpt: String,
    pub error: Option<String>,
    pub duration_ms: i32,
}

/// An endpoint's latest deliveries, newest first.
pub async fn deliveries<C: ConnectionTrait>(c: &C, endpoint_id: Uuid, limit: u64) -> Result<Vec<DeliveryView>, DbErr> {
    use sea_orm::QueryOrder;
    let rows = delivery::Entity::find().filter(delivery::Column::EndpointId.eq(endpoint_id)).order_by_desc(delivery::Column::CreatedAt).order_by_desc(delivery::Column::Id).limit(limit).all(c).await?;
    let ids: Vec<Uuid> = rows.iter().map(|d| d.message_id).collect();
    let kinds: std::collections::HashMap<Uuid, String> = message::Entity::find().select_only().column(message::Column::Id).column(message::Column::Kind).filter(message::Column::Id.is_in(ids)).into_tuple::<(Uuid, String)>().all(c).await?.into_iter().collect();
    Ok(rows
        .into_iter()
        .map(|d| DeliveryView {
            id: d.id,
            webhook_id: webhook_id(d.message_id),
            event_type: kinds.get(&d.message_id).cloned().unwrap_or_default(),
            next_attempt_at: (d.status == DeliveryStatus::Pending.as_str()).then_some(d.next_at),
            status: d.status,
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error,
            created_at: d.created_at,
        })
        .collect())
}

/// One delivery's attempts, oldest first; `None` when the delivery is not this endpoint's.
pub async fn attempts<C: ConnectionTrait>(c: &C, endpoint_id: Uuid, delivery_id: Uuid) -> Result<Option<Vec<AttemptView>>, DbErr> {
    if delivery::Entity::find_by_id(delivery_id).one(c).await?.is_none_or(|d| d.endpoint_id != endpoint_id) {
        return Ok(None);
    }
    Ok(Some(attempts_of(c, &[delivery_id]).await?.remove(&delivery_id).unwrap_or_default()))
}

/// The attempts of several deliveries (the caller's own, already checked), in one query,
/// oldest first for each.
pub async fn attempts_of<C: ConnectionTrait>(c: &C, deliveries: &[Uuid]) -> Result<std::collections::HashMap<Uuid, Vec<AttemptView>>, DbErr> {
    use sea_orm::QueryOrder;
    let rows = entity::attempt::Entity::find().filter(entity::attempt::Column::DeliveryId.is_in(deliveries.iter().copied())).order_by_asc(entity::attempt::Column::At).all(c).await?;
    let mut by: std::collections::HashMap<Uuid, Vec<AttemptView>> = std::collections::HashMap::new();
    for a in rows {
        by.entry(a.delivery_id).or_default().push(AttemptView { at: a.at, request_headers: a.request_headers, status: a.status, response_excerpt: a.response_excerpt, error: a.error, duration_ms: a.duration_ms });
    }
    Ok(by)
}
