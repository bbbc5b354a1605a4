//! Read models of the order-to-cash data: the order list (keyset-paginated), one order with
//! everything that happened to it, and single shipments, invoices, payments and documents.
//! The REST API and the staff pages both answer from these. Shipments (with their lines and
//! packs) are read in `orders/shipments.rs`.
mod shipments;

pub use shipments::{PackItemView, PackView, ShipmentLineView, ShipmentView, shipment, shipment_exists};

use crate::entity::{customer, document, event, invoice, invoice_line, order, order_line, payment, payment_allocation, shipment};
use shipments::shipment_views;
use crate::{Error, Result};
use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::prelude::*;
use sea_orm::{Condition, ConnectionTrait, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct OrderSummary {
    pub number: String,
    pub customer: String,
    pub customer_name: String,
    pub po_number: Option<String>,
    pub channel: String,
    pub status: String,
    pub currency: String,
    pub total_minor: i64,
    pub ordered_at: DateTime<Utc>,
    /// The delivery date the customer asked for.
    pub requested_date: Option<NaiveDate>,
    pub promised_date: Option<NaiveDate>,
    /// The ship date the customer asked for.
    pub requested_ship_date: Option<NaiveDate>,
    /// Cancel the order if it has not shipped by this date.
    pub cancel_after: Option<NaiveDate>,
}

/// Filters of the order list. Dates are inclusive and compare with the order date (UTC).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct OrderFilter {
    pub status: Option<String>,
    /// Customer external id.
    pub customer: Option<String>,
    pub po_number: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Free text: an order number or PO number prefix, or part of a customer name.
    pub q: Option<String>,
    /// Only this customer's orders, whatever else is asked (a customer user's own).
    #[serde(skip)]
    pub customer_id: Option<Uuid>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct OrderPage {
    pub items: Vec<OrderSummary>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

pub const MAX_PAGE: u64 = 200;

pub(crate) fn encode_cursor(at: DateTime<Utc>, id: Uuid) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}|{id}", at.timestamp_micros()))
}

pub(crate) fn decode_cursor(s: &str) -> Result<(DateTime<Utc>, Uuid)> {
    let bad = || Error::Invalid("the cursor is not valid; use next_cursor from the previous page".into());
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (ts, id) = text.split_once('|').ok_or_else(bad)?;
    let at = DateTime::from_timestamp_micros(ts.parse().map_err(|_| bad())?).ok_or_else(bad)?;
    Ok((at, id.parse().map_err(|_| bad())?))
}

impl OrderFilter {
    /// The filters as a person typed them (blank means "any"); dates must be `YYYY-MM-DD`.
    pub fn from_form(q: Option<String>, status: Option<String>, customer: Option<String>, from: Option<&str>, to: Option<&str>) -> Result<Self> {
        let date = |v: Option<&str>, field: &str| -> Result<Option<NaiveDate>> {
            match v.map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => v.parse().map(Some).map_err(|_| Error::Invalid(format!("{field}: {v:?} is not a date (YYYY-MM-DD)"))),
            }
        };
        let blank = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
        Ok(Self { status: blank(status), customer: blank(customer), po_number: None, from: date(from, "From")?, to: date(to, "To")?, q: blank(q), customer_id: None })
    }
}

/// One page of orders, newest first. Uses the `(ordered_at, id)` keyset so a page costs the
/// same at the millionth order as at the first.
pub async fn list<C: ConnectionTrait>(c: &C, f: &OrderFilter, limit: u64, after: Option<&str>) -> Result<OrderPage> {
    page(c, f, limit.clamp(1, MAX_PAGE), after).await
}

/// Rows per page of a CSV export: large pages, still one index range scan each.
pub const EXPORT_PAGE: u64 = 1000;

/// The header row of the order list's CSV export.
pub const CSV_HEADER: [&str; 11] =
    ["order", "customer_id", "customer", "po_number", "channel", "status", "currency", "total", "ordered_at_utc", "requested_date", "promised_date"];

/// A CSV cell as every export writes it: one that a spreadsheet would run as a formula gets
/// a leading `'` (CSV injection).
pub fn csv_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}").into() } else { s.into() }
}

/// One export page of orders in CSV (header included when `header` is set). Amounts are
/// decimal major units beside their currency; cells that a spreadsheet would run as a
/// formula are prefixed with `'` (CSV injection).
pub fn to_csv(items: &[OrderSummary], header: bool) -> Result<Vec<u8>> {
    use csv_cell as cell;
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::Internal(format!("csv: {e}"));
    if header {
        w.write_record(CSV_HEADER).map_err(fail)?;
    }
    for o in items {
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        w.write_record([
            cell(&o.number).as_ref(),
            &cell(&o.customer),
            &cell(&o.customer_name),
            &cell(o.po_number.as_deref().unwrap_or_default()),
            &o.channel,
            &o.status,
            &o.currency,
            &crate::money::decimal(o.total_minor, &o.currency),
            &o.ordered_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            &date(o.requested_date),
            &date(o.promised_date),
        ])
        .map_err(fail)?;
    }
    w.into_inner().map_err(|e| Error::Internal(format!("csv: {e}")))
}

/// One page of at most `limit` orders after the cursor `after`.
pub async fn page<C: ConnectionTrait>(c: &C, f: &OrderFilter, limit: u64, after: Option<&str>) -> Result<OrderPage> {
    let mut q = order::Entity::find();
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        if !crate::events::ORDER_STATUSES.contains(&s) {
            return Err(Error::Invalid(format!("unknown status {s:?}; statuses are {}", crate::events::ORDER_STATUSES.join(", "))));
        }
        q = q.filter(order::Column::Status.eq(s));
    }
    if let Some(ext) = f.customer.as_deref().filter(|s| !s.is_empty()) {
        match customer::Entity::find().filter(customer::Column::ExternalId.eq(ext)).one(c).await? {
            Some(cu) => q = q.filter(order::Column::CustomerId.eq(cu.id)),
            None => return Ok(OrderPage { items: vec![], next_cursor: None }),
        }
    }
    if let Some(id) = f.customer_id {
        q = q.filter(order::Column::CustomerId.eq(id));
    }
    if let Some(po) = f.po_number.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(order::Column::PoNumber.eq(po));
    }
    if let (Some(from), Some(to)) = (f.from, f.to) {
        if from > to {
            return Err(Error::Invalid("from must not be after to".into()));
        }
    }
    if let Some(from) = f.from {
        q = q.filter(order::Column::OrderedAt.gte(from.and_hms_opt(0, 0, 0).expect("midnight").and_utc()));
    }
    if let Some(to) = f.to {
        let next = to.succ_opt().ok_or_else(|| Error::Invalid("to is out of range".into()))?;
        q = q.filter(order::Column::OrderedAt.lt(next.and_hms_opt(0, 0, 0).expect("midnight").and_utc()));
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let like = format!("{}%", text.replace('%', "").replace('_', ""));
        let ids: Vec<Uuid> = customer::Entity::find()
            .filter(customer::Column::Name.contains(text))
            .select_only()
            .column(customer::Column::Id)
            .limit(500)
            .into_tuple()
            .all(c)
            .await?;
        let mut any = Condition::any().add(order::Column::Number.like(&like)).add(order::Column::PoNumber.like(&like));
        if !ids.is_empty() {
            any = any.add(order::Column::CustomerId.is_in(ids));
        }
        q = q.filter(any);
    }
    if let Some(cur) = after.filter(|s| !s.is_empty()) {
        let (at, id) = decode_cursor(cur)?;
        q = q.filter(
            Condition::any()
                .add(order::Column::OrderedAt.lt(at))
                .add(Condition::all().add(order::Column::OrderedAt.eq(at)).add(order::Column::Id.lt(id))),
        );
    }
    let mut rows = q.order_by_desc(order::Column::OrderedAt).order_by_desc(order::Column::Id).limit(limit + 1).all(c).await?;
    let next_cursor = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|o| encode_cursor(o.ordered_at, o.id))
    } else {
        None
    };
    let customers = customers_by_id(c, rows.iter().map(|o| o.customer_id).collect()).await?;
    Ok(OrderPage { items: rows.into_iter().map(|o| summary(o, &customers)).collect(), next_cursor })
}

async fn customers_by_id<C: ConnectionTrait>(c: &C, mut ids: Vec<Uuid>) -> Result<HashMap<Uuid, customer::Model>> {
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(customer::Entity::find().filter(customer::Column::Id.is_in(ids)).all(c).await?.into_iter().map(|c| (c.id, c)).collect())
}

fn summary(o: order::Model, customers: &HashMap<Uuid, customer::Model>) -> OrderSummary {
    let cu = customers.get(&o.customer_id);
    OrderSummary {
        number: o.number,
        customer: cu.map(|c| c.external_id.clone()).unwrap_or_default(),
        customer_name: cu.map(|c| c.name.clone()).unwrap_or_default(),
        po_number: o.po_number,
        channel: o.channel,
        status: o.status,
        currency: o.currency,
        total_minor: o.total_minor,
        ordered_at: o.ordered_at,
        requested_date: o.requested_date,
        promised_date: o.promised_date,
        requested_ship_date: o.requested_ship_date,
        cancel_after: o.cancel_after,
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct LineView {
    pub line: i32,
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub quantity_shipped: i64,
    pub quantity_invoiced: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct DocumentView {
    pub id: Uuid,
    pub kind: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

impl From<document::Model> for DocumentView {
    fn from(d: document::Model) -> Self {
        Self { id: d.id, kind: d.kind, filename: d.filename, content_type: d.content_type, size: d.size, sha256: d.sha256, created_at: d.created_at }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct InvoiceLineView {
    pub line: i32,
    pub order_line: Option<i32>,
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub amount_minor: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct InvoiceView {
    pub number: String,
    pub order_number: Option<String>,
    pub customer: String,
    /// `open`, `partially_paid`, `paid`, `disputed`, or `overdue` (open past its due date).
    pub status: String,
    pub currency: String,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub subtotal_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    pub paid_minor: i64,
    /// Given back by credit memos (resolved disputes).
    pub credited_minor: i64,
    /// What is still owed: total − paid − credited.
    pub open_minor: i64,
    pub delivered_at: Option<DateTime<Utc>>,
    pub viewed_at: Option<DateTime<Utc>>,
    pub lines: Vec<InvoiceLineView>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct AllocationView {
    pub invoice_number: String,
    pub payment_number: String,
    pub amount_minor: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PaymentView {
    pub number: String,
    pub customer: String,
    pub currency: String,
    pub amount_minor: i64,
    pub unapplied_minor: i64,
    pub received_on: NaiveDate,
    pub reference: Option<String>,
    pub allocations: Vec<AllocationView>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct TimelineEntry {
    pub occurred_at: DateTime<Utc>,
    #[serde(rename = "type")]
    pub kind: String,
    pub source: String,
    pub event_id: String,
    pub summary: String,
}

/// One order with everything that happened to it. (`PartialEq` only: packs carry weights.)
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct OrderDetail {
    #[serde(flatten)]
    pub order: OrderSummary,
    pub lines: Vec<LineView>,
    pub shipments: Vec<ShipmentView>,
    pub invoices: Vec<InvoiceView>,
    pub payments: Vec<AllocationView>,
    pub documents: Vec<DocumentView>,
    pub timeline: Vec<TimelineEntry>,
}

fn shown_invoice_status(i: &invoice::Model, today: NaiveDate) -> String {
    if matches!(i.status.as_str(), "open" | "partially_paid") && i.due_on < today { "overdue".into() } else { i.status.clone() }
}

async fn invoice_views<C: ConnectionTrait>(c: &C, rows: Vec<invoice::Model>) -> Result<Vec<InvoiceView>> {
    let (lines, customers, orders) = invoice_parts(c, &rows).await?;
    Ok(rows.into_iter().map(|i| invoice_view(i, &lines, &customers, &orders)).collect())
}

/// An invoice as the API shows it, with the customer and order it belongs to (one query each,
/// and one for the lines): what an EDI 810 prints.
pub async fn invoice_with_parties<C: ConnectionTrait>(c: &C, i: invoice::Model) -> Result<(InvoiceView, Option<customer::Model>, Option<order::Model>)> {
    let mut all = invoices_with_parties(c, vec![i]).await?;
    all.pop().ok_or_else(|| Error::Db(sea_orm::DbErr::Custom("an invoice's view went missing".into())))
}

/// [`invoice_with_parties`] of several invoices at once (three reads in all), in their order.
pub async fn invoices_with_parties<C: ConnectionTrait>(c: &C, rows: Vec<invoice::Model>) -> Result<Vec<(InvoiceView, Option<customer::Model>, Option<order::Model>)>> {
    let (lines, customers, orders) = invoice_parts(c, &rows).await?;
    let mut by_invoice: HashMap<Uuid, Vec<invoice_line::Model>> = HashMap::new();
    for l in lines {
        by_invoice.entry(l.invoice_id).or_default().push(l);
    }
    Ok(rows
        .into_iter()
        .map(|i| {
            let (cust, ord) = (customers.get(&i.customer_id).cloned(), i.order_id.and_then(|id| orders.get(&id).cloned()));
            let own = by_invoice.get(&i.id).map(Vec::as_slice).unwrap_or_default();
            (invoice_view(i, own, &customers, &orders), cust, ord)
        })
        .collect())
}

type InvoiceParts = (Vec<invoice_line::Model>, HashMap<Uuid, customer::Model>, HashMap<Uuid, order::Model>);

/// The lines, customers and orders of `rows`.
async fn invoice_parts<C: ConnectionTrait>(c: &C, rows: &[invoice::Model]) -> Result<InvoiceParts> {
    let ids: Vec<Uuid> = rows.iter().map(|i| i.id).collect();
    let lines = if ids.is_empty() { vec![] } else { invoice_line::Entity::find().filter(invoice_line::Column::InvoiceId.is_in(ids)).order_by_asc(invoice_line::Column::LineNo).all(c).await? };
    let customers = customers_by_id(c, rows.iter().map(|i| i.customer_id).collect()).await?;
    let order_ids: Vec<Uuid> = rows.iter().filter_map(|i| i.order_id).collect();
    let orders: HashMap<Uuid, order::Model> = if order_ids.is_empty() {
        HashMap::new()
    } else {
        order::Entity::find().filter(order::Column::Id.is_in(order_ids)).all(c).await?.into_iter().map(|o| (o.id, o)).collect()
    };
    Ok((lines, customers, orders))
}

fn invoice_view(i: invoice::Model, lines: &[invoice_line::Model], customers: &HashMap<Uuid, customer::Model>, orders: &HashMap<Uuid, order::Model>) -> InvoiceView {
    InvoiceView {
        open_minor: i.open_minor(),
        status: shown_invoice_status(&i, Utc::now().date_naive()),
        lines: lines
            .iter()
            .filter(|l| l.invoice_id == i.id)
            .map(|l| InvoiceLineView { line: l.line_no, order_line: l.order_line_no, sku: l.sku.clone(), description: l.description.clone(), quantity: l.quantity, unit_price_minor: l.unit_price_minor, amount_minor: l.amount_minor })
            .collect(),
        order_number: i.order_id.and_then(|id| orders.get(&id).map(|o| o.number.clone())),
        customer: customers.get(&i.customer_id).map(|c| c.external_id.clone()).unwrap_or_default(),
        number: i.number,
        currency: i.currency,
        issued_on: i.issued_on,
        due_on: i.due_on,
        subtotal_minor: i.subtotal_minor,
        tax_minor: i.tax_minor,
        total_minor: i.total_minor,
        paid_minor: i.paid_minor,
        credited_minor: i.credited_minor,
        delivered_at: i.delivered_at,
        viewed_at: i.viewed_at,
    }
}

async fn allocation_views<C: ConnectionTrait>(c: &C, rows: Vec<payment_allocation::Model>) -> Result<Vec<AllocationView>> {
    let inv_ids: Vec<Uuid> = rows.iter().map(|a| a.invoice_id).collect();
    let pay_ids: Vec<Uuid> = rows.iter().map(|a| a.payment_id).collect();
    let invs: HashMap<Uuid, String> = if inv_ids.is_empty() { HashMap::new() } else { invoice::Entity::find().filter(invoice::Column::Id.is_in(inv_ids)).all(c).await?.into_iter().map(|i| (i.id, i.number)).collect() };
    let pays: HashMap<Uuid, String> = if pay_ids.is_empty() { HashMap::new() } else { payment::Entity::find().filter(payment::Column::Id.is_in(pay_ids)).all(c).await?.into_iter().map(|p| (p.id, p.number)).collect() };
    Ok(rows
        .into_iter()
        .map(|a| AllocationView {
            invoice_number: invs.get(&a.invoice_id).cloned().unwrap_or_default(),
            payment_number: pays.get(&a.payment_id).cloned().unwrap_or_default(),
            amount_minor: a.amount_minor,
        })
        .collect())
}

/// One order with its lines, shipments, invoices, payments, documents and timeline.
pub async fn detail<C: ConnectionTrait>(c: &C, number: &str) -> Result<OrderDetail> {
    let o = order::Entity::find().filter(order::Column::Number.eq(number)).one(c).await?.ok_or(Error::NotFound)?;
    let customers = customers_by_id(c, vec![o.customer_id]).await?;
    let lines = order_line::Entity::find().filter(order_line::Column::OrderId.eq(o.id)).order_by_asc(order_line::Column::LineNo).all(c).await?;
    let ships = shipment::Entity::find().filter(shipment::Column::OrderId.eq(o.id)).order_by_asc(shipment::Column::CreatedAt).all(c).await?;
    let shipments = shipment_views(c, ships, &o.number).await?;
    let invs = invoice::Entity::find().filter(invoice::Column::OrderId.eq(o.id)).order_by_asc(invoice::Column::IssuedOn).all(c).await?;
    let inv_ids: Vec<Uuid> = invs.iter().map(|i| i.id).collect();
    let invoices = invoice_views(c, invs).await?;
    let allocs = if inv_ids.is_empty() { vec![] } else { payment_allocation::Entity::find().filter(payment_allocation::Column::InvoiceId.is_in(inv_ids)).order_by_asc(payment_allocation::Column::CreatedAt).all(c).await? };
    let payments = allocation_views(c, allocs).await?;
    let documents = shipments.iter().flat_map(|s| s.documents.clone()).collect();
    let timeline = event::Entity::find()
        .filter(event::Column::OrderId.eq(o.id))
        .filter(event::Column::Status.eq("applied"))
        .order_by_asc(event::Column::OccurredAt)
        // At the same moment, what was reported comes before what Throughline did about it.
        .order_by(event::Column::Source.eq(crate::workflow::raise::SOURCE), sea_orm::Order::Asc)
        .order_by_asc(event::Column::ReceivedAt)
        .all(c)
        .await?
        .into_iter()
        .map(|e| TimelineEntry { occurred_at: e.occurred_at, kind: e.kind, source: e.source, event_id: e.event_id, summary: e.summary.unwrap_or_default() })
        .collect();
    Ok(OrderDetail {
        order: summary(o, &customers),
        lines: lines
            .into_iter()
            .map(|l| LineView { line: l.line_no, sku: l.sku, description: l.description, quantity: l.quantity, unit_price_minor: l.unit_price_minor, quantity_shipped: l.quantity_shipped, quantity_invoiced: l.quantity_invoiced })
            .collect(),
        shipments,
        invoices,
        payments,
        documents,
        timeline,
    })
}

pub async fn invoice<C: ConnectionTrait>(c: &C, number: &str) -> Result<InvoiceView> {
    let i = invoice::Entity::find().filter(invoice::Column::Number.eq(number)).one(c).await?.ok_or(Error::NotFound)?;
    invoice_views(c, vec![i]).await?.pop().ok_or(Error::NotFound)
}

pub async fn payment<C: ConnectionTrait>(c: &C, number: &str) -> Result<PaymentView> {
    let p = payment::Entity::find().filter(payment::Column::Number.eq(number)).one(c).await?.ok_or(Error::NotFound)?;
    let customers = customers_by_id(c, vec![p.customer_id]).await?;
    let allocs = payment_allocation::Entity::find().filter(payment_allocation::Column::PaymentId.eq(p.id)).order_by_asc(payment_allocation::Column::CreatedAt).all(c).await?;
    Ok(PaymentView {
        allocations: allocation_views(c, allocs).await?,
        customer: customers.get(&p.customer_id).map(|c| c.external_id.clone()).unwrap_or_default(),
        number: p.number,
        currency: p.currency,
        amount_minor: p.amount_minor,
        unapplied_minor: p.unapplied_minor,
        received_on: p.received_on,
        reference: p.reference,
    })
}

/// Records a stored document against a shipment (and its order).
pub async fn attach_to_shipment<C: ConnectionTrait>(
    c: &C,
    shipment_number: &str,
    kind: &str,
    filename: &str,
    content_type: &str,
    stored: &crate::storage::Stored,
) -> Result<DocumentView> {
    let s = shipment::Entity::find().filter(shipment::Column::Number.eq(shipment_number)).one(c).await?.ok_or(Error::NotFound)?;
    let now = Utc::now();
    let links = crate::documents::Links { order_id: Some(s.order_id), shipment_id: Some(s.id), ..Default::default() };
    let m = crate::documents::record(c, kind, filename, content_type, stored, links).await?;
    if kind == "pod" {
        crate::workflow::on_pod_attached(c, &s, now).await?;
    }
    Ok(m)
}

/// A document's metadata and object key.
pub async fn document<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<(DocumentView, String)> {
    let d = document::Entity::find_by_id(id).one(c).await?.ok_or(Error::NotFound)?;
    let key = d.object_key.clone();
    Ok((d.into(), key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let at = DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap();
        let id = Uuid::new_v4();
        assert_eq!(decode_cursor(&encode_cursor(at, id)).unwrap(), (at, id));
        assert!(matches!(decode_cursor("not-a-cursor"), Err(Error::Invalid(_))));
        assert!(matches!(decode_cursor(""), Err(Error::Invalid(_))));
    }

    fn summary_row(number: &str, customer_name: &str, po: Option<&str>) -> OrderSummary {
        OrderSummary {
            number: number.into(),
            customer: "C-1".into(),
            customer_name: customer_name.into(),
            po_number: po.map(Into::into),
            channel: "api".into(),
            status: "shipped".into(),
            currency: "USD".into(),
            total_minor: 123450,
            ordered_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            requested_date: None,
            promised_date: NaiveDate::from_ymd_opt(2026, 3, 1),
            requested_ship_date: None,
            cancel_after: None,
        }
    }

    #[test]
    fn the_csv_export_quotes_names_and_defuses_formulas() {
        let rows = [summary_row("SO-1", "Smith, Jones & Co", Some("=HYPERLINK(\"x\")")), summary_row("SO-2", "Plain", None)];
        let text = String::from_utf8(to_csv(&rows, true).unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], CSV_HEADER.join(","));
        assert_eq!(lines[1], r#"SO-1,C-1,"Smith, Jones & Co","'=HYPERLINK(""x"")",api,shipped,USD,1234.50,2023-11-14T22:13:20Z,,2026-03-01"#);
        assert_eq!(lines[2], "SO-2,C-1,Plain,,api,shipped,USD,1234.50,2023-11-14T22:13:20Z,,2026-03-01");
        assert_eq!(to_csv(&rows[1..], false).unwrap(), format!("{}\n", lines[2]).into_bytes());
    }

    #[test]
    fn blank_filters_mean_any_and_bad_dates_are_named() {
        let f = OrderFilter::from_form(Some(" ".into()), Some("".into()), None, Some("2026-01-02"), Some("")).unwrap();
        assert_eq!(f, OrderFilter { from: NaiveDate::from_ymd_opt(2026, 1, 2), ..Default::default() });
        match OrderFilter::from_form(None, None, None, None, Some("31/12/2026")) {
            Err(Error::Invalid(m)) => assert!(m.starts_with("To: \"31/12/2026\""), "{m}"),
            other => panic!("expected a date error, got {other:?}"),
        }
    }
}
