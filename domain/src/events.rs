//! Business events in: validation, de-duplication, order-tolerant application and parking.
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
use crate::entity::{customer, event, exception, invoice, invoice_line, order, order_line, payment, payment_allocation, shipment, shipment_line};
use crate::money;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseTransaction, DbBackend, QueryOrder, QuerySelect, Statement, TransactionTrait};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{HashSet, VecDeque};

/// Most events one request may carry.
pub const MAX_BATCH: usize = 1000;

/// Every event type Throughline accepts.
pub const EVENT_TYPES: &[&str] = &[
    "order.accepted",
    "order.credit_hold",
    "order.released",
    "order.backordered",
    "order.allocated",
    "pick.released",
    "shipment.dispatched",
    "shipment.delivered",
    "invoice.posted",
    "invoice.delivered",
    "invoice.viewed",
    "invoice.disputed",
    "dispute.resolved",
    "payment.received",
    "payment.applied",
    "reminder.sent",
    "exception.opened",
    "exception.resolved",
    "exception.escalated",
];

/// What was wrong with one field of the input.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { field: field.into(), reason: reason.into() }
    }
}

/// Why an event (or a resource write) did not apply.
#[derive(Debug)]
pub enum Fail {
    Reject(Vec<FieldError>),
    Db(DbErr),
}

impl From<DbErr> for Fail {
    fn from(e: DbErr) -> Self {
        Fail::Db(e)
    }
}

fn reject(field: impl Into<String>, reason: impl Into<String>) -> Fail {
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
    #[serde(rename = "type")]
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub source: String,
    /// The event's data; its shape depends on `type` (see the payload schemas).
    #[schema(value_type = Object)]
    pub payload: Value,
}

// ---- payloads -------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Edi,
    Portal,
    Api,
    InsideSales,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Edi => "edi",
            Channel::Portal => "portal",
            Channel::Api => "api",
            Channel::InsideSales => "inside_sales",
        }
    }
}

/// `order.accepted`: the order as the ERP accepted it.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderIn {
    pub number: String,
    /// The customer's external id.
    pub customer: String,
    #[serde(default)]
    pub po_number: Option<String>,
    #[serde(default)]
    pub channel: Option<Channel>,
    pub currency: String,
    #[serde(default)]
    pub requested_date: Option<NaiveDate>,
    #[serde(default)]
    pub promised_date: Option<NaiveDate>,
    pub lines: Vec<OrderLineIn>,
}

#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineIn {
    pub line: i32,
    pub sku: String,
    #[serde(default)]
    pub description: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
}

/// `order.credit_hold`, `order.released`, `order.backordered`, `order.allocated`, `pick.released`.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderRef {
    pub order_number: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// `shipment.dispatched`.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipmentIn {
    pub number: String,
    pub order_number: String,
    #[serde(default)]
    pub carrier: Option<String>,
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub tracking_number: Option<String>,
    #[serde(default)]
    pub tracking_url: Option<String>,
    #[serde(default)]
    pub warehouse: Option<String>,
    pub lines: Vec<ShipmentLineIn>,
}

#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipmentLineIn {
    /// The order line number.
    pub line: i32,
    pub quantity: i64,
}

/// `shipment.delivered`.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryIn {
    pub shipment_number: String,
    pub order_number: String,
    #[serde(default)]
    pub signed_by: Option<String>,
}

/// `invoice.posted`.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceIn {
    pub number: String,
    #[serde(default)]
    pub order_number: Option<String>,
    pub customer: String,
    pub currency: String,
    pub issued_on: NaiveDate,
    #[serde(default)]
    pub tax_minor: i64,
    pub lines: Vec<InvoiceLineIn>,
}

#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceLineIn {
    pub line: i32,
    #[serde(default)]
    pub order_line: Option<i32>,
    pub sku: String,
    #[serde(default)]
    pub description: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
}

/// `invoice.delivered`, `invoice.viewed`, `invoice.disputed`, `dispute.resolved`, `reminder.sent`.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceRef {
    pub invoice_number: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub amount_minor: Option<i64>,
}

/// `payment.received`.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentIn {
    pub number: String,
    pub customer: String,
    pub currency: String,
    pub amount_minor: i64,
    pub received_on: NaiveDate,
    #[serde(default)]
    pub reference: Option<String>,
}

/// `payment.applied`.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentApplied {
    pub payment_number: String,
    pub invoice_number: String,
    pub amount_minor: i64,
}

/// `exception.opened`, `exception.resolved`, `exception.escalated` from another system.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionIn {
    pub reference: String,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub order_number: Option<String>,
}

// ---- applying -------------------------------------------------------------------------

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

fn parked(key: String) -> Result<Effect, Fail> {
    Ok(Effect { summary: format!("waiting for {key}"), waiting_for: Some(key), ..Default::default() })
}

/// Order statuses in the order they normally happen.
pub const ORDER_STATUSES: &[&str] = &[
    "accepted",
    "credit_hold",
    "released",
    "backordered",
    "allocated",
    "pick_released",
    "partially_shipped",
    "shipped",
    "delivered",
    "invoiced",
    "paid",
];

fn text_field(field: &str, v: &str, max: usize) -> Result<(), Fail> {
    if v.trim().is_empty() {
        return Err(reject(field, "must not be empty"));
    }
    if v.len() > max {
        return Err(reject(field, format!("must be at most {max} characters")));
    }
    Ok(())
}

fn currency_field(field: &str, v: &str) -> Result<String, Fail> {
    money::currency(v).map_err(|r| reject(field, r))
}

async fn find_customer<C: ConnectionTrait>(c: &C, external_id: &str) -> Result<Option<customer::Model>, DbErr> {
    customer::Entity::find().filter(customer::Column::ExternalId.eq(external_id)).one(c).await
}

pub async fn find_order<C: ConnectionTrait>(c: &C, number: &str) -> Result<Option<order::Model>, DbErr> {
    order::Entity::find().filter(order::Column::Number.eq(number)).one(c).await
}

async fn find_shipment<C: ConnectionTrait>(c: &C, number: &str) -> Result<Option<shipment::Model>, DbErr> {
    shipment::Entity::find().filter(shipment::Column::Number.eq(number)).one(c).await
}

async fn find_invoice<C: ConnectionTrait>(c: &C, number: &str) -> Result<Option<invoice::Model>, DbErr> {
    invoice::Entity::find().filter(invoice::Column::Number.eq(number)).one(c).await
}

async fn find_payment<C: ConnectionTrait>(c: &C, number: &str) -> Result<Option<payment::Model>, DbErr> {
    payment::Entity::find().filter(payment::Column::Number.eq(number)).one(c).await
}

/// Moves an order to `status` if `at` is not older than its current status.
async fn move_order<C: ConnectionTrait>(c: &C, o: &order::Model, status: &str, at: DateTime<Utc>) -> Result<bool, DbErr> {
    if at < o.status_at || o.status == status {
        return Ok(false);
    }
    let mut am: order::ActiveModel = o.clone().into();
    am.status = Set(status.into());
    am.status_at = Set(at);
    am.updated_at = Set(Utc::now());
    am.update(c).await?;
    Ok(true)
}

async fn lines_of<C: ConnectionTrait>(c: &C, order_id: Uuid) -> Result<Vec<order_line::Model>, DbErr> {
    order_line::Entity::find().filter(order_line::Column::OrderId.eq(order_id)).order_by_asc(order_line::Column::LineNo).all(c).await
}

/// Days of credit in payment terms: `NET30` → 30, `DUE_ON_RECEIPT` → 0.
/// The earliest and latest business dates accepted (order, invoice and payment dates).
pub const FIRST_DATE: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid date");
pub const LAST_DATE: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).expect("a valid date");

/// An invoice's due date: `issued_on` plus the terms' days, or `None` when either date falls
/// outside [`FIRST_DATE`]..=[`LAST_DATE`] (checked: a far-future date must not overflow).
pub fn due_date(issued_on: NaiveDate, days: i64) -> Option<NaiveDate> {
    let due = issued_on.checked_add_signed(chrono::Duration::try_days(days)?)?;
    let ok = |d: NaiveDate| (FIRST_DATE..=LAST_DATE).contains(&d);
    (ok(issued_on) && ok(due)).then_some(due)
}

pub fn terms_days(terms: &str) -> Option<i64> {
    if terms == "DUE_ON_RECEIPT" {
        return Some(0);
    }
    terms.strip_prefix("NET").and_then(|d| d.parse::<i64>().ok()).filter(|d| (0..=365).contains(d))
}

/// Applies one event to the tenant's data through `c` (a transaction or savepoint). Does not
/// write the event row itself; [`ingest`] does.
pub async fn apply<C: ConnectionTrait>(c: &C, ev: &EventIn) -> Result<Effect, Fail> {
    let at = ev.occurred_at;
    let now = Utc::now();
    match ev.kind.as_str() {
        "order.accepted" => {
            let o: OrderIn = parse("payload", &ev.payload)?;
            text_field("payload.number", &o.number, 64)?;
            text_field("payload.customer", &o.customer, 64)?;
            let currency = currency_field("payload.currency", &o.currency)?;
            if o.lines.is_empty() {
                return Err(reject("payload.lines", "an order needs at least one line"));
            }
            let mut seen = HashSet::new();
            let mut errors = Vec::new();
            for (i, l) in o.lines.iter().enumerate() {
                if l.line <= 0 || !seen.insert(l.line) {
                    errors.push(FieldError::new(format!("payload.lines[{i}].line"), "line numbers must be positive and unique"));
                }
                if l.quantity <= 0 {
                    errors.push(FieldError::new(format!("payload.lines[{i}].quantity"), "must be greater than zero"));
                }
                if l.unit_price_minor < 0 {
                    errors.push(FieldError::new(format!("payload.lines[{i}].unit_price_minor"), "must not be negative"));
                }
                if l.sku.trim().is_empty() {
                    errors.push(FieldError::new(format!("payload.lines[{i}].sku"), "must not be empty"));
                }
            }
            if !errors.is_empty() {
                return Err(Fail::Reject(errors));
            }
            let total = o.lines.iter().try_fold(0i64, |acc, l| l.quantity.checked_mul(l.unit_price_minor).and_then(|v| acc.checked_add(v)));
            let Some(total) = total else { return Err(reject("payload.lines", "the order total is too large")) };
            let Some(cust) = find_customer(c, &o.customer).await? else { return parked(format!("customer:{}", o.customer)) };
            if cust.currency != currency {
                return Err(reject("payload.currency", format!("customer {} is billed in {}", o.customer, cust.currency)));
            }
            // Insert first: a new order (the usual case) costs no lookup. If the number exists,
            // nothing is inserted and this is a repeat of the acceptance (an amendment), which
            // updates the header only.
            let id = crate::new_id();
            let new_order = order::ActiveModel {
                id: Set(id),
                number: Set(o.number.clone()),
                customer_id: Set(cust.id),
                po_number: Set(o.po_number.clone()),
                channel: Set(o.channel.unwrap_or(Channel::Api).as_str().into()),
                status: Set("accepted".into()),
                status_at: Set(at),
                currency: Set(currency.clone()),
                total_minor: Set(total),
                requested_date: Set(o.requested_date),
                promised_date: Set(o.promised_date),
                ordered_at: Set(at),
                created_at: Set(now),
                updated_at: Set(now),
            };
            let inserted = order::Entity::insert(new_order).on_conflict_do_nothing_on([order::Column::Number]).exec_without_returning(c).await?;
            if !crate::inserted(&inserted) {
                let Some(existing) = find_order(c, &o.number).await? else { return Err(reject("payload.number", "the order could not be stored")) };
                let mut am: order::ActiveModel = existing.clone().into();
                am.po_number = Set(o.po_number.clone());
                am.requested_date = Set(o.requested_date);
                am.promised_date = Set(o.promised_date);
                am.updated_at = Set(now);
                am.update(c).await?;
                return Ok(Effect { order_id: Some(existing.id), summary: format!("Order {} re-accepted", o.number), ..Default::default() });
            }
            let lines: Vec<order_line::ActiveModel> = o
                .lines
                .iter()
                .map(|l| order_line::ActiveModel {
                    id: Set(crate::new_id()),
                    order_id: Set(id),
                    line_no: Set(l.line),
                    sku: Set(l.sku.clone()),
                    description: Set(l.description.clone()),
                    quantity: Set(l.quantity),
                    unit_price_minor: Set(l.unit_price_minor),
                    quantity_shipped: Set(0),
                    quantity_invoiced: Set(0),
                    created_at: Set(now),
                    updated_at: Set(now),
                })
                .collect();
            order_line::Entity::insert_many(lines).exec(c).await?;
            Ok(Effect {
                order_id: Some(id),
                summary: format!("Order {} accepted for {}: {} lines, {}", o.number, cust.name, o.lines.len(), money::format(total, &currency)),
                creates: vec![format!("order:{}", o.number)],
                waiting_for: None,
            })
        }
        "order.credit_hold" | "order.released" | "order.backordered" | "order.allocated" | "pick.released" => {
            let r: OrderRef = parse("payload", &ev.payload)?;
            text_field("payload.order_number", &r.order_number, 64)?;
            let Some(o) = find_order(c, &r.order_number).await? else { return parked(format!("order:{}", r.order_number)) };
            let status = match ev.kind.as_str() {
                "order.credit_hold" => "credit_hold",
                "order.released" => "released",
                "order.backordered" => "backordered",
                "order.allocated" => "allocated",
                _ => "pick_released",
            };
            let moved = move_order(c, &o, status, at).await?;
            let what = status.replace('_', " ");
            let reason = r.reason.map(|r| format!(": {r}")).unwrap_or_default();
            let summary = if moved { format!("Order {} {what}{reason}", o.number) } else { format!("Order {} {what}{reason} (older than the current status; status kept)", o.number) };
            Ok(Effect { order_id: Some(o.id), summary, ..Default::default() })
        }
        "shipment.dispatched" => {
            let s: ShipmentIn = parse("payload", &ev.payload)?;
            text_field("payload.number", &s.number, 64)?;
            text_field("payload.order_number", &s.order_number, 64)?;
            if let Some(url) = &s.tracking_url {
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    return Err(reject("payload.tracking_url", "must be an http(s) URL"));
                }
            }
            if s.lines.is_empty() {
                return Err(reject("payload.lines", "a shipment needs at least one line"));
            }
            for (i, l) in s.lines.iter().enumerate() {
                if l.quantity <= 0 {
                    return Err(reject(format!("payload.lines[{i}].quantity"), "must be greater than zero"));
                }
            }
            let Some(o) = find_order(c, &s.order_number).await? else { return parked(format!("order:{}", s.order_number)) };
            let existing = find_shipment(c, &s.number).await?;
            if let Some(e) = &existing {
                if e.order_id != o.id {
                    return Err(reject("payload.order_number", format!("shipment {} belongs to another order", s.number)));
                }
            }
            let already_has_lines = match &existing {
                Some(e) => shipment_line::Entity::find().filter(shipment_line::Column::ShipmentId.eq(e.id)).count(c).await? > 0,
                None => false,
            };
            let mut lines = lines_of(c, o.id).await?;
            if !already_has_lines {
                for (i, l) in s.lines.iter().enumerate() {
                    let Some(ol) = lines.iter_mut().find(|ol| ol.line_no == l.line) else {
                        return Err(reject(format!("payload.lines[{i}].line"), format!("order {} has no line {}", o.number, l.line)));
                    };
                    if ol.quantity_shipped + l.quantity > ol.quantity {
                        return Err(reject(
                            format!("payload.lines[{i}].quantity"),
                            format!("would ship {} of {} ordered on line {}", ol.quantity_shipped + l.quantity, ol.quantity, l.line),
                        ));
                    }
                    ol.quantity_shipped += l.quantity;
                }
            }
            let shipment_id = match existing {
                Some(e) => {
                    let mut am: shipment::ActiveModel = e.clone().into();
                    am.carrier = Set(s.carrier.clone());
                    am.service = Set(s.service.clone());
                    am.tracking_number = Set(s.tracking_number.clone());
                    am.tracking_url = Set(s.tracking_url.clone());
                    am.warehouse = Set(s.warehouse.clone());
                    am.dispatched_at = Set(Some(at));
                    am.updated_at = Set(now);
                    am.update(c).await?;
                    e.id
                }
                None => {
                    let id = crate::new_id();
                    shipment::ActiveModel {
                        id: Set(id),
                        number: Set(s.number.clone()),
                        order_id: Set(o.id),
                        status: Set("dispatched".into()),
                        carrier: Set(s.carrier.clone()),
                        service: Set(s.service.clone()),
                        tracking_number: Set(s.tracking_number.clone()),
                        tracking_url: Set(s.tracking_url.clone()),
                        warehouse: Set(s.warehouse.clone()),
                        dispatched_at: Set(Some(at)),
                        delivered_at: Set(None),
                        created_at: Set(now),
                        updated_at: Set(now),
                    }
                    .insert(c)
                    .await?;
                    id
                }
            };
            if !already_has_lines {
                let rows: Vec<shipment_line::ActiveModel> = s
                    .lines
                    .iter()
                    .map(|l| shipment_line::ActiveModel {
                        id: Set(crate::new_id()),
                        shipment_id: Set(shipment_id),
                        line_no: Set(l.line),
                        quantity: Set(l.quantity),
                        created_at: Set(now),
                        updated_at: Set(now),
                    })
                    .collect();
                shipment_line::Entity::insert_many(rows).exec(c).await?;
                for ol in &lines {
                    if s.lines.iter().any(|l| l.line == ol.line_no) {
                        let mut am: order_line::ActiveModel = ol.clone().into();
                        am.quantity_shipped = Set(ol.quantity_shipped);
                        am.updated_at = Set(now);
                        am.update(c).await?;
                    }
                }
            }
            let fully = lines.iter().all(|l| l.quantity_shipped >= l.quantity);
            move_order(c, &o, if fully { "shipped" } else { "partially_shipped" }, at).await?;
            let via = s.carrier.as_deref().map(|c| format!(" via {c}")).unwrap_or_default();
            let track = s.tracking_number.as_deref().map(|t| format!(", tracking {t}")).unwrap_or_default();
            Ok(Effect {
                order_id: Some(o.id),
                summary: format!("Shipment {} dispatched{via}{track}", s.number),
                creates: vec![format!("shipment:{}", s.number)],
                waiting_for: None,
            })
        }
        "shipment.delivered" => {
            let d: DeliveryIn = parse("payload", &ev.payload)?;
            text_field("payload.shipment_number", &d.shipment_number, 64)?;
            let Some(o) = find_order(c, &d.order_number).await? else { return parked(format!("order:{}", d.order_number)) };
            let created = match find_shipment(c, &d.shipment_number).await? {
                Some(s) => {
                    if s.order_id != o.id {
                        return Err(reject("payload.order_number", format!("shipment {} belongs to another order", d.shipment_number)));
                    }
                    let mut am: shipment::ActiveModel = s.into();
                    am.status = Set("delivered".into());
                    am.delivered_at = Set(Some(at));
                    am.updated_at = Set(now);
                    am.update(c).await?;
                    false
                }
                None => {
                    // Delivered before its dispatch arrived: record the shipment as delivered;
                    // the dispatch fills in carrier and lines when it comes.
                    shipment::ActiveModel {
                        id: Set(crate::new_id()),
                        number: Set(d.shipment_number.clone()),
                        order_id: Set(o.id),
                        status: Set("delivered".into()),
                        carrier: Set(None),
                        service: Set(None),
                        tracking_number: Set(None),
                        tracking_url: Set(None),
                        warehouse: Set(None),
                        dispatched_at: Set(None),
                        delivered_at: Set(Some(at)),
                        created_at: Set(now),
                        updated_at: Set(now),
                    }
                    .insert(c)
                    .await?;
                    true
                }
            };
            let shipments = shipment::Entity::find().filter(shipment::Column::OrderId.eq(o.id)).all(c).await?;
            let all_delivered = shipments.iter().all(|s| s.status == "delivered");
            let fully_shipped = lines_of(c, o.id).await?.iter().all(|l| l.quantity_shipped >= l.quantity);
            if all_delivered && (fully_shipped || created) {
                move_order(c, &o, "delivered", at).await?;
            }
            let by = d.signed_by.map(|s| format!(", signed by {s}")).unwrap_or_default();
            Ok(Effect {
                order_id: Some(o.id),
                summary: format!("Shipment {} delivered{by}", d.shipment_number),
                creates: if created { vec![format!("shipment:{}", d.shipment_number)] } else { vec![] },
                waiting_for: None,
            })
        }
        "invoice.posted" => {
            let inv: InvoiceIn = parse("payload", &ev.payload)?;
            text_field("payload.number", &inv.number, 64)?;
            let currency = currency_field("payload.currency", &inv.currency)?;
            if inv.lines.is_empty() {
                return Err(reject("payload.lines", "an invoice needs at least one line"));
            }
            if inv.tax_minor < 0 {
                return Err(reject("payload.tax_minor", "must not be negative"));
            }
            for (i, l) in inv.lines.iter().enumerate() {
                if l.quantity <= 0 {
                    return Err(reject(format!("payload.lines[{i}].quantity"), "must be greater than zero"));
                }
                if l.unit_price_minor < 0 {
                    return Err(reject(format!("payload.lines[{i}].unit_price_minor"), "must not be negative"));
                }
            }
            if find_invoice(c, &inv.number).await?.is_some() {
                return Err(reject("payload.number", format!("invoice {} was already posted", inv.number)));
            }
            let Some(cust) = find_customer(c, &inv.customer).await? else { return parked(format!("customer:{}", inv.customer)) };
            let ord = match &inv.order_number {
                Some(n) => match find_order(c, n).await? {
                    Some(o) => Some(o),
                    None => return parked(format!("order:{n}")),
                },
                None => None,
            };
            if let Some(o) = &ord {
                if o.customer_id != cust.id {
                    return Err(reject("payload.customer", format!("order {} belongs to another customer", o.number)));
                }
            }
            let subtotal = inv.lines.iter().try_fold(0i64, |acc, l| l.quantity.checked_mul(l.unit_price_minor).and_then(|v| acc.checked_add(v)));
            let Some(subtotal) = subtotal.and_then(|s| s.checked_add(inv.tax_minor).map(|_| s)) else {
                return Err(reject("payload.lines", "the invoice total is too large"));
            };
            let total = subtotal + inv.tax_minor;
            let days = terms_days(&cust.payment_terms).unwrap_or(30);
            let due_on = due_date(inv.issued_on, days).ok_or_else(|| reject("payload.issued_on", format!("{} is out of range: dates run from {} to {}", inv.issued_on, FIRST_DATE, LAST_DATE)))?;
            let id = crate::new_id();
            invoice::ActiveModel {
                id: Set(id),
                number: Set(inv.number.clone()),
                order_id: Set(ord.as_ref().map(|o| o.id)),
                customer_id: Set(cust.id),
                currency: Set(currency.clone()),
                issued_on: Set(inv.issued_on),
                due_on: Set(due_on),
                subtotal_minor: Set(subtotal),
                tax_minor: Set(inv.tax_minor),
                total_minor: Set(total),
                paid_minor: Set(0),
                status: Set("open".into()),
                status_at: Set(at),
                delivered_at: Set(None),
                viewed_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(c)
            .await?;
            let rows: Vec<invoice_line::ActiveModel> = inv
                .lines
                .iter()
                .map(|l| invoice_line::ActiveModel {
                    id: Set(crate::new_id()),
                    invoice_id: Set(id),
                    line_no: Set(l.line),
                    order_line_no: Set(l.order_line),
                    sku: Set(l.sku.clone()),
                    description: Set(l.description.clone()),
                    quantity: Set(l.quantity),
                    unit_price_minor: Set(l.unit_price_minor),
                    amount_minor: Set(l.quantity * l.unit_price_minor),
                    created_at: Set(now),
                    updated_at: Set(now),
                })
                .collect();
            invoice_line::Entity::insert_many(rows).exec(c).await?;
            if let Some(o) = &ord {
                let mut lines = lines_of(c, o.id).await?;
                for (i, l) in inv.lines.iter().enumerate() {
                    let Some(no) = l.order_line else { continue };
                    let Some(ol) = lines.iter_mut().find(|ol| ol.line_no == no) else {
                        return Err(reject(format!("payload.lines[{i}].order_line"), format!("order {} has no line {no}", o.number)));
                    };
                    ol.quantity_invoiced += l.quantity;
                    let mut am: order_line::ActiveModel = ol.clone().into();
                    am.quantity_invoiced = Set(ol.quantity_invoiced);
                    am.updated_at = Set(now);
                    am.update(c).await?;
                }
                if lines.iter().all(|l| l.quantity_invoiced >= l.quantity) {
                    move_order(c, o, "invoiced", at).await?;
                }
            }
            Ok(Effect {
                order_id: ord.map(|o| o.id),
                summary: format!("Invoice {} posted: {}, due {due_on}", inv.number, money::format(total, &currency)),
                creates: vec![format!("invoice:{}", inv.number)],
                waiting_for: None,
            })
        }
        "invoice.delivered" | "invoice.viewed" | "invoice.disputed" | "dispute.resolved" | "reminder.sent" => {
            let r: InvoiceRef = parse("payload", &ev.payload)?;
            text_field("payload.invoice_number", &r.invoice_number, 64)?;
            if r.amount_minor.is_some_and(|a| a < 0) {
                return Err(reject("payload.amount_minor", "must not be negative"));
            }
            let Some(inv) = find_invoice(c, &r.invoice_number).await? else { return parked(format!("invoice:{}", r.invoice_number)) };
            let mut am: invoice::ActiveModel = inv.clone().into();
            let summary = match ev.kind.as_str() {
                "invoice.delivered" => {
                    if inv.delivered_at.is_none_or(|d| at < d) {
                        am.delivered_at = Set(Some(at));
                    }
                    let via = r.channel.map(|c| format!(" by {c}")).unwrap_or_default();
                    format!("Invoice {} delivered{via}", inv.number)
                }
                "invoice.viewed" => {
                    if inv.viewed_at.is_none_or(|d| at < d) {
                        am.viewed_at = Set(Some(at));
                    }
                    format!("Invoice {} viewed", inv.number)
                }
                "invoice.disputed" => {
                    if at >= inv.status_at && inv.status != "paid" {
                        am.status = Set("disputed".into());
                        am.status_at = Set(at);
                    }
                    let why = r.reason.map(|r| format!(": {r}")).unwrap_or_default();
                    format!("Invoice {} disputed{why}", inv.number)
                }
                "dispute.resolved" => {
                    if at >= inv.status_at && inv.status == "disputed" {
                        am.status = Set(invoice_status(inv.paid_minor, inv.total_minor).into());
                        am.status_at = Set(at);
                    }
                    let how = r.reason.map(|r| format!(": {r}")).unwrap_or_default();
                    format!("Dispute on invoice {} resolved{how}", inv.number)
                }
                _ => format!("Reminder sent for invoice {}", inv.number),
            };
            am.updated_at = Set(now);
            am.update(c).await?;
            Ok(Effect { order_id: inv.order_id, summary, ..Default::default() })
        }
        "payment.received" => {
            let p: PaymentIn = parse("payload", &ev.payload)?;
            text_field("payload.number", &p.number, 64)?;
            let currency = currency_field("payload.currency", &p.currency)?;
            if p.amount_minor <= 0 {
                return Err(reject("payload.amount_minor", "must be greater than zero"));
            }
            if find_payment(c, &p.number).await?.is_some() {
                return Err(reject("payload.number", format!("payment {} was already received", p.number)));
            }
            let Some(cust) = find_customer(c, &p.customer).await? else { return parked(format!("customer:{}", p.customer)) };
            payment::ActiveModel {
                id: Set(crate::new_id()),
                number: Set(p.number.clone()),
                customer_id: Set(cust.id),
                currency: Set(currency.clone()),
                amount_minor: Set(p.amount_minor),
                unapplied_minor: Set(p.amount_minor),
                received_on: Set(p.received_on),
                reference: Set(p.reference.clone()),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(c)
            .await?;
            Ok(Effect {
                order_id: None,
                summary: format!("Payment {} of {} received from {}", p.number, money::format(p.amount_minor, &currency), cust.name),
                creates: vec![format!("payment:{}", p.number)],
                waiting_for: None,
            })
        }
        "payment.applied" => {
            let a: PaymentApplied = parse("payload", &ev.payload)?;
            if a.amount_minor <= 0 {
                return Err(reject("payload.amount_minor", "must be greater than zero"));
            }
            let Some(p) = find_payment(c, &a.payment_number).await? else { return parked(format!("payment:{}", a.payment_number)) };
            let Some(inv) = find_invoice(c, &a.invoice_number).await? else { return parked(format!("invoice:{}", a.invoice_number)) };
            if p.currency != inv.currency {
                return Err(reject("payload.invoice_number", format!("invoice is in {}, payment in {}", inv.currency, p.currency)));
            }
            if a.amount_minor > p.unapplied_minor {
                return Err(reject("payload.amount_minor", format!("exceeds the unapplied {}", money::format(p.unapplied_minor, &p.currency))));
            }
            let open = inv.total_minor - inv.paid_minor;
            if a.amount_minor > open {
                return Err(reject("payload.amount_minor", format!("exceeds the open {} on invoice {}", money::format(open, &inv.currency), inv.number)));
            }
            payment_allocation::ActiveModel {
                id: Set(crate::new_id()),
                payment_id: Set(p.id),
                invoice_id: Set(inv.id),
                amount_minor: Set(a.amount_minor),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(c)
            .await?;
            let mut pm: payment::ActiveModel = p.clone().into();
            pm.unapplied_minor = Set(p.unapplied_minor - a.amount_minor);
            pm.updated_at = Set(now);
            pm.update(c).await?;
            let paid = inv.paid_minor + a.amount_minor;
            let mut im: invoice::ActiveModel = inv.clone().into();
            im.paid_minor = Set(paid);
            if inv.status != "disputed" {
                im.status = Set(invoice_status(paid, inv.total_minor).into());
                im.status_at = Set(at.max(inv.status_at));
            }
            im.updated_at = Set(now);
            im.update(c).await?;
            if let Some(order_id) = inv.order_id {
                let o = order::Entity::find_by_id(order_id).one(c).await?.ok_or(DbErr::RecordNotFound("order".into()))?;
                let invoices = invoice::Entity::find().filter(invoice::Column::OrderId.eq(order_id)).all(c).await?;
                let all_paid = invoices.iter().all(|i| if i.id == inv.id { paid >= i.total_minor } else { i.paid_minor >= i.total_minor });
                let fully_invoiced = lines_of(c, order_id).await?.iter().all(|l| l.quantity_invoiced >= l.quantity);
                if all_paid && fully_invoiced {
                    move_order(c, &o, "paid", at).await?;
                }
            }
            Ok(Effect {
                order_id: inv.order_id,
                summary: format!("{} of payment {} applied to invoice {}", money::format(a.amount_minor, &p.currency), p.number, inv.number),
                ..Default::default()
            })
        }
        "exception.opened" | "exception.resolved" | "exception.escalated" => {
            let x: ExceptionIn = parse("payload", &ev.payload)?;
            text_field("payload.reference", &x.reference, 128)?;
            let order_id = match &x.order_number {
                Some(n) => match find_order(c, n).await? {
                    Some(o) => Some(o.id),
                    None => return parked(format!("order:{n}")),
                },
                None => None,
            };
            let existing = exception::Entity::find().filter(exception::Column::Reference.eq(&x.reference)).one(c).await?;
            match (ev.kind.as_str(), existing) {
                ("exception.opened", None) => {
                    let kind = x.kind.clone().ok_or_else(|| reject("payload.kind", "is required when an exception is opened"))?;
                    text_field("payload.kind", &kind, 64)?;
                    open_exception(c, &x.reference, &kind, x.detail.as_deref().unwrap_or(""), order_id, None, at).await?;
                }
                ("exception.opened", Some(_)) => {}
                (_, None) => return parked(format!("exception:{}", x.reference)),
                (kind, Some(e)) => {
                    let mut am: exception::ActiveModel = e.into();
                    if kind == "exception.resolved" {
                        am.status = Set("resolved".into());
                        am.resolved_at = Set(Some(at));
                    } else {
                        am.escalated = Set(true);
                    }
                    am.updated_at = Set(now);
                    am.update(c).await?;
                }
            }
            let verb = ev.kind.trim_start_matches("exception.");
            Ok(Effect {
                order_id,
                summary: format!("Exception {} {verb}", x.reference),
                creates: if ev.kind == "exception.opened" { vec![format!("exception:{}", x.reference)] } else { vec![] },
                waiting_for: None,
            })
        }
        other => Err(reject("type", format!("unknown event type {other:?}; expected one of {}", EVENT_TYPES.join(", ")))),
    }
}

fn invoice_status(paid: i64, total: i64) -> &'static str {
    if paid >= total {
        "paid"
    } else if paid > 0 {
        "partially_paid"
    } else {
        "open"
    }
}

async fn open_exception<C: ConnectionTrait>(
    c: &C,
    reference: &str,
    kind: &str,
    detail: &str,
    order_id: Option<Uuid>,
    event_id: Option<Uuid>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    exception::ActiveModel {
        id: Set(crate::new_id()),
        reference: Set(reference.into()),
        kind: Set(kind.into()),
        status: Set("open".into()),
        detail: Set(detail.into()),
        order_id: Set(order_id),
        event_id: Set(event_id),
        opened_at: Set(at),
        resolved_at: Set(None),
        escalated: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(c)
    .await?;
    Ok(())
}

// ---- ingesting ------------------------------------------------------------------------

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

/// Reference of the integration exception raised for a parked event.
fn parked_reference(source: &str, event_id: &str) -> String {
    format!("parked:{source}:{event_id}")
}

/// Events still parked. Only parked events wait for something, so the `waiting_for` index
/// finds them without reading the whole event log.
fn parked_events() -> sea_orm::Condition {
    sea_orm::Condition::all().add(event::Column::WaitingFor.is_not_null()).add(event::Column::Status.eq("parked"))
}

/// What an API ingestion request asks before applying anything, answered in one round trip:
/// whether its API client is still enabled, and whether any event is parked at all (if none
/// is, applying an event need not look for parked events it releases). Only parked events
/// wait for something, so the first non-null `waiting_for` in index order answers from the
/// index alone; a filter on the status let the planner scan the whole event log.
///
/// Answers `None` for a disabled or removed client, else the sources it may write under and
/// whether anything is parked.
pub async fn api_preflight<C: ConnectionTrait>(c: &C, client_id: Uuid) -> Result<Option<(Sources, bool)>, DbErr> {
    let backend = c.get_database_backend();
    let placeholder = if backend == DbBackend::Postgres { "$1" } else { "?" };
    let sql = format!(
        "SELECT (SELECT name FROM api_clients WHERE id = {placeholder} AND NOT disabled) AS name, \
         (SELECT sources FROM api_clients WHERE id = {placeholder} AND NOT disabled) AS sources, \
         (SELECT waiting_for FROM events WHERE waiting_for IS NOT NULL ORDER BY waiting_for LIMIT 1) AS parked"
    );
    let values: Vec<sea_orm::Value> = if backend == DbBackend::Postgres { vec![client_id.into()] } else { vec![client_id.into(), client_id.into()] };
    let row = c.query_one_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    let Some(r) = row else { return Ok(None) };
    let Some(name) = r.try_get::<Option<String>>("", "name")? else { return Ok(None) };
    let sources = r.try_get::<Option<String>>("", "sources")?.unwrap_or_default();
    Ok(Some((Sources::of(&name, &sources), r.try_get::<Option<String>>("", "parked")?.is_some())))
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

    pub fn allows(&self, source: &str) -> bool {
        self.0.iter().any(|s| s == source)
    }

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
/// `any_parked`: whether any event is parked (from [`api_preflight`]); `sources`: what the
/// sending client may write under. Returns each event's result and the transaction to commit
/// (`None` when a single event was refused and its transaction rolled back): the caller
/// commits, so that what it records with the events (an idempotency key) commits with them.
pub async fn ingest(txn: DatabaseTransaction, items: &[Value], mut any_parked: bool, sources: &Sources) -> Result<(Vec<EventResult>, Option<DatabaseTransaction>), DbErr> {
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
        let mut errs = Vec::new();
        if ev.event_id.trim().is_empty() || ev.event_id.len() > 128 {
            errs.push(FieldError::new("event_id", "must be 1 to 128 characters"));
        }
        if ev.source.trim().is_empty() || ev.source.len() > 64 {
            errs.push(FieldError::new("source", "must be 1 to 64 characters"));
        } else if !sources.allows(&ev.source) {
            errs.push(FieldError::new("source", format!("this API client may write events under: {}", sources.list())));
        }
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

/// Fills in an event's result from what applying it did.
fn describe(res: &mut EventResult, outcome: Result<Option<Effect>, Fail>) -> Result<(), DbErr> {
    match outcome {
        Ok(Some(effect)) => {
            res.result = "accepted".into();
            res.status = Some(if effect.waiting_for.is_some() { "parked" } else { "applied" }.into());
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
        let (what, id) = key.split_once(':').unwrap_or(("object", key));
        let field = match what {
            "order" => "order_number",
            "invoice" => "invoice_number",
            "payment" => "payment_number",
            "shipment" => "shipment_number",
            other => other,
        };
        return Err(reject(field, format!("{what} {id} is not known; create it first")));
    }
    if record(c, ev, &effect, true).await? { Ok(effect) } else { Err(already_received(ev)) }
}

/// Writes the event to the log, unless the log has it already (then `false`), and applies
/// what was parked waiting for what it created.
async fn record<C: ConnectionTrait>(c: &C, ev: &EventIn, effect: &Effect, parked_exist: bool) -> Result<bool, DbErr> {
    let now = Utc::now();
    let row = event::ActiveModel {
        id: Set(crate::new_id()),
        source: Set(ev.source.clone()),
        event_id: Set(ev.event_id.clone()),
        kind: Set(ev.kind.clone()),
        occurred_at: Set(ev.occurred_at),
        received_at: Set(now),
        payload: Set(ev.payload.to_string()),
        status: Set(if effect.waiting_for.is_some() { "parked" } else { "applied" }.into()),
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
    if parked_exist {
        release_parked(c, effect.creates.clone()).await?;
    }
    Ok(true)
}

/// Applies parked events waiting for any of `keys`, oldest first, and whatever those release.
/// A parked event that no longer validates is marked `failed` and raised as an exception.
pub async fn release_parked<C: ConnectionTrait>(c: &C, keys: Vec<String>) -> Result<(), DbErr> {
    let mut queue: VecDeque<String> = keys.into();
    while let Some(key) = queue.pop_front() {
        let waiting = event::Entity::find()
            .filter(event::Column::Status.eq("parked"))
            .filter(event::Column::WaitingFor.eq(&key))
            .order_by_asc(event::Column::OccurredAt)
            .all(c)
            .await?;
        for row in waiting {
            let payload: Value = serde_json::from_str(&row.payload).unwrap_or(Value::Null);
            let ev = EventIn { event_id: row.event_id.clone(), kind: row.kind.clone(), occurred_at: row.occurred_at, source: row.source.clone(), payload };
            let mut am: event::ActiveModel = row.clone().into();
            am.updated_at = Set(Utc::now());
            match apply(c, &ev).await {
                Ok(effect) => {
                    am.status = Set(if effect.waiting_for.is_some() { "parked" } else { "applied" }.into());
                    am.waiting_for = Set(effect.waiting_for.clone());
                    am.order_id = Set(effect.order_id);
                    am.summary = Set(Some(effect.summary.clone()));
                    am.update(c).await?;
                    if effect.waiting_for.is_none() {
                        resolve_exception(c, &parked_reference(&row.source, &row.event_id)).await?;
                    }
                    queue.extend(effect.creates);
                }
                Err(Fail::Reject(errors)) => {
                    let why = errors.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; ");
                    am.status = Set("failed".into());
                    am.waiting_for = Set(None);
                    am.summary = Set(Some(format!("could not be applied: {why}")));
                    am.update(c).await?;
                    let reference = format!("failed:{}:{}", row.source, row.event_id);
                    if exception::Entity::find().filter(exception::Column::Reference.eq(&reference)).count(c).await? == 0 {
                        let detail = format!("{} event {} from {} could not be applied once {key} arrived: {why}", row.kind, row.event_id, row.source);
                        open_exception(c, &reference, "integration", &detail, None, Some(row.id), Utc::now()).await?;
                    }
                }
                Err(Fail::Db(e)) => return Err(e),
            }
        }
    }
    Ok(())
}

async fn resolve_exception<C: ConnectionTrait>(c: &C, reference: &str) -> Result<(), DbErr> {
    if let Some(e) = exception::Entity::find().filter(exception::Column::Reference.eq(reference)).one(c).await? {
        if e.status == "open" {
            let mut am: exception::ActiveModel = e.into();
            am.status = Set("resolved".into());
            am.resolved_at = Set(Some(Utc::now()));
            am.updated_at = Set(Utc::now());
            am.update(c).await?;
        }
    }
    Ok(())
}

/// Applies parked events whose awaited object exists by now. Two transactions can cross: an
/// event parked while another transaction was creating what it waits for is released here
/// (the background sweep calls this every minute). Returns how many keys were released.
///
/// Each key is released in its own savepoint: one that fails (a bad row, an event that no
/// longer applies) is logged and skipped, and the others are still released.
pub async fn retry_parked(c: &DatabaseTransaction) -> Result<usize, DbErr> {
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
    let Some((what, id)) = key.split_once(':') else { return Ok(false) };
    let exists = match what {
        "order" => find_order(c, id).await?.is_some(),
        "customer" => find_customer(c, id).await?.is_some(),
        "invoice" => find_invoice(c, id).await?.is_some(),
        "payment" => find_payment(c, id).await?.is_some(),
        "shipment" => find_shipment(c, id).await?.is_some(),
        "exception" => exception::Entity::find().filter(exception::Column::Reference.eq(id)).count(c).await? > 0,
        _ => false,
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
        open_exception(c, &reference, "integration", &detail, None, Some(row.id), Utc::now()).await?;
        raised += 1;
    }
    Ok(raised)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_due_date_is_checked_arithmetic_within_the_accepted_range() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let cases = [
            (d(2026, 11, 1), 30, Some(d(2026, 12, 1))),
            (d(2026, 11, 1), 0, Some(d(2026, 11, 1))),
            (d(9999, 12, 1), 30, Some(d(9999, 12, 31))),
            (d(9999, 12, 1), 31, None),
            (NaiveDate::MAX, 30, None),
            (d(262142, 12, 31), 1, None),
            (d(1899, 12, 31), 30, None),
            (d(2026, 1, 1), i64::MAX, None),
        ];
        for (issued, days, want) in cases {
            assert_eq!(due_date(issued, days), want, "{issued} + {days}");
        }
    }

    #[test]
    fn payment_terms_give_days_of_credit() {
        assert_eq!(terms_days("NET30"), Some(30));
        assert_eq!(terms_days("NET0"), Some(0));
        assert_eq!(terms_days("DUE_ON_RECEIPT"), Some(0));
        assert_eq!(terms_days("NET"), None);
        assert_eq!(terms_days("NET999"), None);
        assert_eq!(terms_days("30 days"), None);
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
