//! Invoices: posting (with its due date from the customer's terms), delivery and viewing,
//! disputes, reminders, and the status a payment leaves them in.
use super::order::{OrderStatus, find_order, lines_of, move_to};
use super::{Effect, checked_total, currency_field, find_customer, parked, text_field};
use crate::entity::{customer, invoice, invoice_line, order, order_line};
use crate::events::{Awaited, Fail, reject};
use crate::money;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};

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

/// One line of a posted invoice, optionally billing an order line.
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

/// An invoice's status, stored as its lowercase name. (`overdue` is not stored: views derive
/// it from the due date.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Open,
    PartiallyPaid,
    Paid,
    Disputed,
}

impl InvoiceStatus {
    /// Every status.
    pub const ALL: [InvoiceStatus; 4] = [InvoiceStatus::Open, InvoiceStatus::PartiallyPaid, InvoiceStatus::Paid, InvoiceStatus::Disputed];

    /// The stored text.
    pub const fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Open => "open",
            InvoiceStatus::PartiallyPaid => "partially_paid",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Disputed => "disputed",
        }
    }

    /// The status an undisputed invoice has for what was paid of its total.
    pub const fn for_amounts(paid_minor: i64, total_minor: i64) -> Self {
        if paid_minor >= total_minor {
            InvoiceStatus::Paid
        } else if paid_minor > 0 {
            InvoiceStatus::PartiallyPaid
        } else {
            InvoiceStatus::Open
        }
    }
}

stored_as_text!(InvoiceStatus);

/// What happened to a posted invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvoiceNote {
    Delivered,
    Viewed,
    Disputed,
    DisputeResolved,
    ReminderSent,
}

impl InvoiceNote {
    /// The status change the note asks for, if any.
    pub const fn change(self) -> Option<Change> {
        match self {
            InvoiceNote::Disputed => Some(Change::Disputed),
            InvoiceNote::DisputeResolved => Some(Change::DisputeResolved),
            InvoiceNote::Delivered | InvoiceNote::Viewed | InvoiceNote::ReminderSent => None,
        }
    }

    /// The timeline's line for the note on invoice `number`.
    pub fn summary(self, number: &str, r: InvoiceRef) -> String {
        let colon = |text: Option<String>| text.map(|t| format!(": {t}")).unwrap_or_default();
        match self {
            InvoiceNote::Delivered => format!("Invoice {number} delivered{}", r.channel.map(|c| format!(" by {c}")).unwrap_or_default()),
            InvoiceNote::Viewed => format!("Invoice {number} viewed"),
            InvoiceNote::Disputed => format!("Invoice {number} disputed{}", colon(r.reason)),
            InvoiceNote::DisputeResolved => format!("Dispute on invoice {number} resolved{}", colon(r.reason)),
            InvoiceNote::ReminderSent => format!("Reminder sent for invoice {number}"),
        }
    }
}

/// An event about an invoice, with its typed payload.
#[derive(Clone, Debug)]
pub enum InvoiceEvent {
    /// `invoice.posted`.
    Posted(InvoiceIn),
    /// `invoice.delivered`, `invoice.viewed`, `invoice.disputed`, `dispute.resolved`,
    /// `reminder.sent`.
    Noted(InvoiceNote, InvoiceRef),
}

/// An invoice's status as stored, with what decides its next one. `status` is `None` for
/// stored text this version does not know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    pub status: Option<InvoiceStatus>,
    pub since: DateTime<Utc>,
    /// Paid or credited: a credit memo settles an invoice as a payment does.
    pub paid_minor: i64,
    pub total_minor: i64,
}

impl Standing {
    /// The standing of a stored invoice.
    pub fn of(inv: &invoice::Model) -> Self {
        Standing { status: inv.status.parse().ok(), since: inv.status_at, paid_minor: inv.settled_minor(), total_minor: inv.total_minor }
    }
}

/// A change that may move an invoice's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Disputed,
    DisputeResolved,
    /// A payment was applied or a credit memo issued; `paid_minor` is the new amount paid
    /// and credited.
    Paid { paid_minor: i64 },
}

/// Why an invoice kept its status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kept {
    /// The event happened before the current status was reached.
    Older,
    /// A paid invoice is not disputed.
    AlreadyPaid,
    /// Only a disputed invoice has a dispute to resolve.
    NotDisputed,
    /// A disputed invoice stays disputed while paid; its amount paid still grows.
    InDispute,
}

/// The status (and its time) an invoice moves to on `change` at `at`. Disputes and their
/// resolution move by when they happened; a payment moves an undisputed invoice whenever it
/// is applied, and never moves its status time back.
pub fn next(s: Standing, change: Change, at: DateTime<Utc>) -> Result<(InvoiceStatus, DateTime<Utc>), Kept> {
    match change {
        Change::Disputed if at < s.since => Err(Kept::Older),
        Change::Disputed if s.status == Some(InvoiceStatus::Paid) => Err(Kept::AlreadyPaid),
        Change::Disputed => Ok((InvoiceStatus::Disputed, at)),
        Change::DisputeResolved if at < s.since => Err(Kept::Older),
        Change::DisputeResolved if s.status != Some(InvoiceStatus::Disputed) => Err(Kept::NotDisputed),
        Change::DisputeResolved => Ok((InvoiceStatus::for_amounts(s.paid_minor, s.total_minor), at)),
        Change::Paid { .. } if s.status == Some(InvoiceStatus::Disputed) => Err(Kept::InDispute),
        Change::Paid { paid_minor } => Ok((InvoiceStatus::for_amounts(paid_minor, s.total_minor), at.max(s.since))),
    }
}

/// Whether an event at `at` is the first of its kind (delivery, viewing) so far: the
/// earliest one counts, whatever order they arrive in.
pub fn is_first(recorded: Option<DateTime<Utc>>, at: DateTime<Utc>) -> bool {
    recorded.is_none_or(|d| at < d)
}

/// The earliest business date accepted (order, invoice and payment dates).
pub const FIRST_DATE: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid date");
/// The latest business date accepted.
pub const LAST_DATE: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).expect("a valid date");

/// An invoice's due date: `issued_on` plus the terms' days, or `None` when either date falls
/// outside [`FIRST_DATE`]..=[`LAST_DATE`] (checked: a far-future date must not overflow).
pub fn due_date(issued_on: NaiveDate, days: i64) -> Option<NaiveDate> {
    let due = issued_on.checked_add_signed(chrono::Duration::try_days(days)?)?;
    let ok = |d: NaiveDate| (FIRST_DATE..=LAST_DATE).contains(&d);
    (ok(issued_on) && ok(due)).then_some(due)
}

/// Days of credit in payment terms: `NET30` → 30, `DUE_ON_RECEIPT` → 0.
pub fn terms_days(terms: &str) -> Option<i64> {
    if terms == "DUE_ON_RECEIPT" {
        return Some(0);
    }
    terms.strip_prefix("NET").and_then(|d| d.parse::<i64>().ok()).filter(|d| (0..=365).contains(d))
}

/// Applies one invoice event.
pub async fn apply<C: ConnectionTrait>(c: &C, event: InvoiceEvent, at: DateTime<Utc>) -> Result<Effect, Fail> {
    match event {
        InvoiceEvent::Posted(inv) => post(c, inv, at).await,
        InvoiceEvent::Noted(note, r) => noted(c, note, r, at).await,
    }
}

/// The invoice with this number.
pub(crate) async fn find<C: ConnectionTrait>(c: &C, number: &str) -> Result<Option<invoice::Model>, DbErr> {
    invoice::Entity::find().filter(invoice::Column::Number.eq(number)).one(c).await
}

/// Checks a posted invoice without the database; the first problem is answered. Answers the
/// normalised currency.
pub fn validate(inv: &InvoiceIn) -> Result<String, Fail> {
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
    Ok(currency)
}

/// An invoice's subtotal and total (with tax), or a rejection when either overflows.
pub fn totals(inv: &InvoiceIn) -> Result<(i64, i64), Fail> {
    let subtotal = checked_total(inv.lines.iter().map(|l| (l.quantity, l.unit_price_minor)));
    match subtotal.and_then(|s| s.checked_add(inv.tax_minor).map(|total| (s, total))) {
        Some(sums) => Ok(sums),
        None => Err(reject("payload.lines", "the invoice total is too large")),
    }
}

/// `invoice.posted`. An invoice is posted once; its order, if named, must be the customer's.
pub(crate) async fn post<C: ConnectionTrait>(c: &C, inv: InvoiceIn, at: DateTime<Utc>) -> Result<Effect, Fail> {
    validate(&inv)?;
    let Some(cust) = find_customer(c, &inv.customer).await? else { return parked(Awaited::Customer, &inv.customer) };
    let ord = match &inv.order_number {
        Some(n) => match find_order(c, n).await? {
            Some(o) => Some(o),
            None => return parked(Awaited::Order, n),
        },
        None => None,
    };
    if let Some(o) = ord.as_ref().filter(|o| o.customer_id != cust.id) {
        return Err(reject("payload.customer", format!("order {} belongs to another customer", o.number)));
    }
    let known = Posting { customer: &cust, order: ord.as_ref(), order_lines: None, generated: false, with: None };
    Ok(post_known(c, inv, known, at).await?.effect)
}

/// What posting an invoice already knows: its customer, its order (if any), and whether
/// Throughline generated it (then the caller records which shipment it bills).
pub(crate) struct Posting<'a> {
    pub customer: &'a customer::Model,
    pub order: Option<&'a order::Model>,
    /// The order's lines, when the caller has them in hand and writes them itself (a dispatch
    /// that generates its invoice writes each order line and the order once): the answer
    /// carries them with this invoice's quantities added, and the order's status is the
    /// caller's to move. `None`: the lines are read, updated and the order moved here.
    pub order_lines: Option<Vec<order_line::Model>>,
    pub generated: bool,
    /// More writes for the invoice's own statement ([`crate::family`]), built from the
    /// invoice's id and the summary of its posting: a generated invoice's `invoice.posted`
    /// event and the record of the shipment it bills.
    pub with: Option<&'a (dyn Fn(Uuid, &str) -> Vec<sea_orm::Statement> + Sync)>,
}

/// What posting an invoice did.
pub(crate) struct Posted {
    pub effect: Effect,
    /// The order's lines with this invoice's quantities, when the caller writes them.
    pub order_lines: Option<Vec<order_line::Model>>,
}

/// Posts an invoice whose customer and order are known (see [`post`]). An invoice number
/// already posted is refused.
pub(crate) async fn post_known<C: ConnectionTrait>(c: &C, inv: InvoiceIn, known: Posting<'_>, at: DateTime<Utc>) -> Result<Posted, Fail> {
    let currency = validate(&inv)?;
    let (cust, ord) = (known.customer, known.order);
    let (subtotal, total) = totals(&inv)?;
    let days = terms_days(&cust.payment_terms).unwrap_or(30);
    let due_on = due_date(inv.issued_on, days).ok_or_else(|| reject("payload.issued_on", format!("{} is out of range: dates run from {} to {}", inv.issued_on, FIRST_DATE, LAST_DATE)))?;
    // The invoice, its lines, its deliveries and their jobs, and (for customers with a limit:
    // the only ones tracked) what was an open order becoming a receivable: one statement.
    let invoice_id = crate::new_id();
    let deliveries = crate::outbound::plan(c, cust, invoice_id, at).await?;
    let webhook = deliveries.webhook;
    let backend = c.get_database_backend();
    let mut then = deliveries.statements(backend);
    if cust.credit_limit_minor.is_some() {
        then.push(crate::workflow::credit::exposure_add_statement(backend, cust.id, if ord.is_some() { -subtotal } else { 0 }, total));
    }
    let summary = format!("Invoice {} posted: {}, due {due_on}", inv.number, money::format(total, &currency));
    if let Some(with) = known.with {
        then.extend(with(invoice_id, &summary));
    }
    if !insert(c, invoice_id, &inv, (cust, ord), &currency, (subtotal, total, due_on), at, then).await? {
        return Err(reject("payload.number", format!("invoice {} was already posted", inv.number)));
    }
    if let (Some(o), false) = (ord, known.generated) {
        crate::workflow::billing::on_invoice_posted(c, o.id, invoice_id, at).await?;
    }
    if webhook {
        crate::outbound::queue_webhook(c, cust, invoice_id, at).await?;
    }
    let mut order_lines = None;
    if let Some(o) = ord {
        match known.order_lines {
            Some(mut lines) => {
                add_invoiced(&o.number, &mut lines, &inv.lines)?;
                order_lines = Some(lines);
            }
            None => bill_order_lines(c, o, &inv.lines, at).await?,
        }
    }
    let effect = Effect {
        order_id: ord.map(|o| o.id),
        summary,
        creates: vec![Awaited::Invoice.key(&inv.number)],
        waiting_for: None,
    };
    Ok(Posted { effect, order_lines })
}

/// Inserts posted invoice `id`, `open`, its lines and the writes `then` that follow it (see
/// [`crate::family`]). Answers `false` when an invoice with its number exists: nothing is
/// written then.
#[allow(clippy::too_many_arguments)]
async fn insert<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    inv: &InvoiceIn,
    (cust, ord): (&customer::Model, Option<&order::Model>),
    currency: &str,
    (subtotal, total, due_on): (i64, i64, NaiveDate),
    at: DateTime<Utc>,
    then: Vec<sea_orm::Statement>,
) -> Result<bool, DbErr> {
    let now = Utc::now();
    let row = invoice::ActiveModel {
        id: Set(id),
        number: Set(inv.number.clone()),
        order_id: Set(ord.map(|o| o.id)),
        customer_id: Set(cust.id),
        currency: Set(currency.to_owned()),
        issued_on: Set(inv.issued_on),
        due_on: Set(due_on),
        subtotal_minor: Set(subtotal),
        tax_minor: Set(inv.tax_minor),
        total_minor: Set(total),
        paid_minor: Set(0),
        credited_minor: Set(0),
        dunning_next_on: Set(Some(due_on)),
        status: Set(InvoiceStatus::Open.as_str().into()),
        status_at: Set(at),
        delivered_at: Set(None),
        viewed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
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
    let backend = c.get_database_backend();
    let unless_known = sea_orm::sea_query::OnConflict::column(invoice::Column::Number).do_nothing().to_owned();
    let head = sea_orm::QueryTrait::build(&invoice::Entity::insert(row).on_conflict(unless_known), backend);
    let mut all = vec![sea_orm::QueryTrait::build(&invoice_line::Entity::insert_many(rows), backend)];
    all.extend(then);
    crate::family::insert_with(c, head, all).await
}

/// Adds an invoice's quantities to the order lines it bills, one update per invoice line, and
/// makes the order `invoiced` once every line is invoiced in full.
async fn bill_order_lines<C: ConnectionTrait>(c: &C, o: &order::Model, billed: &[InvoiceLineIn], at: DateTime<Utc>) -> Result<(), Fail> {
    let now = Utc::now();
    let mut lines = lines_of(c, o.id).await?;
    for no in add_invoiced(&o.number, &mut lines, billed)? {
        let Some(ol) = lines.iter().find(|ol| ol.line_no == no) else { continue };
        let mut am: order_line::ActiveModel = ol.clone().into();
        am.quantity_invoiced = Set(ol.quantity_invoiced);
        am.updated_at = Set(now);
        am.update(c).await?;
    }
    if fully_invoiced(&lines) {
        move_to(c, o, OrderStatus::Invoiced, at).await?;
    }
    Ok(())
}

/// Adds an invoice's quantities to the order lines it bills (order `number`'s `lines`);
/// answers the line numbers billed, in invoice order. A line the order does not have is
/// refused.
pub fn add_invoiced(number: &str, lines: &mut [order_line::Model], billed: &[InvoiceLineIn]) -> Result<Vec<i32>, Fail> {
    let mut touched = Vec::new();
    for (i, l) in billed.iter().enumerate() {
        let Some(no) = l.order_line else { continue };
        let Some(ol) = lines.iter_mut().find(|ol| ol.line_no == no) else {
            return Err(reject(format!("payload.lines[{i}].order_line"), format!("order {number} has no line {no}")));
        };
        ol.quantity_invoiced = ol.quantity_invoiced.saturating_add(l.quantity);
        if !touched.contains(&no) {
            touched.push(no);
        }
    }
    Ok(touched)
}

/// Whether every line of an order is invoiced in full.
pub fn fully_invoiced(lines: &[order_line::Model]) -> bool {
    lines.iter().all(|l| l.quantity_invoiced >= l.quantity)
}

/// Delivery, viewing, dispute, resolution or reminder of a posted invoice.
async fn noted<C: ConnectionTrait>(c: &C, note: InvoiceNote, r: InvoiceRef, at: DateTime<Utc>) -> Result<Effect, Fail> {
    text_field("payload.invoice_number", &r.invoice_number, 64)?;
    if r.amount_minor.is_some_and(|a| a < 0) {
        return Err(reject("payload.amount_minor", "must not be negative"));
    }
    let Some(inv) = find(c, &r.invoice_number).await? else { return parked(Awaited::Invoice, &r.invoice_number) };
    let mut am: invoice::ActiveModel = inv.clone().into();
    if let Some(Ok((status, since))) = note.change().map(|change| next(Standing::of(&inv), change, at)) {
        am.status = Set(status.as_str().into());
        am.status_at = Set(since);
    }
    if note == InvoiceNote::Delivered && is_first(inv.delivered_at, at) {
        am.delivered_at = Set(Some(at));
    }
    if note == InvoiceNote::Viewed && is_first(inv.viewed_at, at) {
        am.viewed_at = Set(Some(at));
    }
    am.updated_at = Set(Utc::now());
    am.update(c).await?;
    Ok(Effect { order_id: inv.order_id, summary: note.summary(&inv.number, r), ..Default::default() })
}

#[cfg(test)]
mod tests;
