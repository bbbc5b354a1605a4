//! Orders: acceptance (and amendment by a repeated acceptance), and the steps the ERP and the
//! warehouse report until shipping. Later statuses (shipped, delivered, invoiced, paid) are set
//! by the shipment, invoice and payment rules through [`move_to`].
use super::{Effect, checked_total, currency_field, find_customer, parked, text_field};
use crate::entity::{order, order_line};
use crate::events::{Awaited, Fail, FieldError, reject};
use crate::money;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// How an order reached the ERP.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Edi,
    Portal,
    Api,
    InsideSales,
}

impl Channel {
    /// The stored text.
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
    /// The delivery date the customer asked for (850 `DTM*002`).
    #[serde(default)]
    pub requested_date: Option<NaiveDate>,
    /// The ship date the customer asked for (850 `DTM*010`).
    #[serde(default)]
    pub requested_ship_date: Option<NaiveDate>,
    /// Cancel the order if it has not shipped by this date (850 `DTM*001`).
    #[serde(default)]
    pub cancel_after: Option<NaiveDate>,
    #[serde(default)]
    pub promised_date: Option<NaiveDate>,
    pub lines: Vec<OrderLineIn>,
}

/// One line of an accepted order.
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

/// An order's status, stored as its lowercase name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Accepted,
    CreditHold,
    Released,
    Backordered,
    Allocated,
    PickReleased,
    PartiallyShipped,
    Shipped,
    Delivered,
    Invoiced,
    Paid,
    /// Rejected (a credit hold a clerk rejected) or cancelled.
    Cancelled,
}

impl OrderStatus {
    /// Every status, in the order they normally happen.
    pub const ALL: [OrderStatus; 12] = [
        OrderStatus::Accepted,
        OrderStatus::CreditHold,
        OrderStatus::Released,
        OrderStatus::Backordered,
        OrderStatus::Allocated,
        OrderStatus::PickReleased,
        OrderStatus::PartiallyShipped,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Invoiced,
        OrderStatus::Paid,
        OrderStatus::Cancelled,
    ];

    /// The stored text.
    pub const fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Accepted => "accepted",
            OrderStatus::CreditHold => "credit_hold",
            OrderStatus::Released => "released",
            OrderStatus::Backordered => "backordered",
            OrderStatus::Allocated => "allocated",
            OrderStatus::PickReleased => "pick_released",
            OrderStatus::PartiallyShipped => "partially_shipped",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Invoiced => "invoiced",
            OrderStatus::Paid => "paid",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// The status in words, as event summaries use it (`credit hold`).
    pub fn words(self) -> String {
        self.as_str().replace('_', " ")
    }
}

stored_as_text!(OrderStatus);

/// Order statuses in the order they normally happen, as stored text.
pub const ORDER_STATUSES: &[&str] = &{
    let mut names = [""; OrderStatus::ALL.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = OrderStatus::ALL[i].as_str();
        i += 1;
    }
    names
};

/// A step the ERP or the warehouse reports for an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderStep {
    CreditHold,
    Released,
    Backordered,
    Allocated,
    PickReleased,
}

impl OrderStep {
    /// The status the step asks for.
    pub const fn status(self) -> OrderStatus {
        match self {
            OrderStep::CreditHold => OrderStatus::CreditHold,
            OrderStep::Released => OrderStatus::Released,
            OrderStep::Backordered => OrderStatus::Backordered,
            OrderStep::Allocated => OrderStatus::Allocated,
            OrderStep::PickReleased => OrderStatus::PickReleased,
        }
    }
}

/// An event about an order, with its typed payload.
#[derive(Clone, Debug)]
pub enum OrderEvent {
    /// `order.accepted`.
    Accepted(OrderIn),
    /// `order.credit_hold`, `order.released`, `order.backordered`, `order.allocated`,
    /// `pick.released`.
    Stepped(OrderStep, OrderRef),
}

/// Why an order kept its status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kept {
    /// The event happened before the current status was reached.
    Older,
    /// The order already has that status.
    Unchanged,
}

/// The status an order moves to when an event that happened at `at` asks for `target`.
/// Statuses move by when things happened, so an event older than the current status (reached
/// at `since`) does not move it back. `current` is `None` for stored text this version does
/// not know, which any newer event replaces.
pub fn next(current: Option<OrderStatus>, since: DateTime<Utc>, target: OrderStatus, at: DateTime<Utc>) -> Result<OrderStatus, Kept> {
    if at < since {
        Err(Kept::Older)
    } else if current == Some(target) {
        Err(Kept::Unchanged)
    } else {
        Ok(target)
    }
}

/// Applies one order event.
pub async fn apply<C: ConnectionTrait>(c: &C, event: OrderEvent, at: DateTime<Utc>) -> Result<Effect, Fail> {
    match event {
        OrderEvent::Accepted(o) => accept(c, o, at).await,
        OrderEvent::Stepped(step, r) => stepped(c, step, r, at).await,
    }
}

/// The order with this number.
pub async fn find_order<C: ConnectionTrait>(c: &C, number: &str) -> Result<Option<order::Model>, DbErr> {
    order::Entity::find().filter(order::Column::Number.eq(number)).one(c).await
}

/// The order's lines, by line number.
pub(crate) async fn lines_of<C: ConnectionTrait>(c: &C, order_id: Uuid) -> Result<Vec<order_line::Model>, DbErr> {
    order_line::Entity::find().filter(order_line::Column::OrderId.eq(order_id)).order_by_asc(order_line::Column::LineNo).all(c).await
}

/// Moves an order to `target` if [`next`] allows it; `true` when it moved.
pub(crate) async fn move_to<C: ConnectionTrait>(c: &C, o: &order::Model, target: OrderStatus, at: DateTime<Utc>) -> Result<bool, DbErr> {
    let Ok(status) = next(o.status.parse().ok(), o.status_at, target, at) else { return Ok(false) };
    let mut am: order::ActiveModel = o.clone().into();
    am.status = Set(status.as_str().into());
    am.status_at = Set(at);
    am.updated_at = Set(Utc::now());
    am.update(c).await?;
    Ok(true)
}

/// Checks an accepted order without the database. Answers its normalised currency and its
/// total; every bad line field is named, not only the first.
pub fn validate(o: &OrderIn) -> Result<(String, i64), Fail> {
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
    let Some(total) = checked_total(o.lines.iter().map(|l| (l.quantity, l.unit_price_minor))) else {
        return Err(reject("payload.lines", "the order total is too large"));
    };
    Ok((currency, total))
}

/// `order.accepted`. Inserts first: a new order (the usual case) costs no lookup. If the number
/// exists, nothing is inserted and this is a repeat of the acceptance (an amendment), which
/// updates the header only.
async fn accept<C: ConnectionTrait>(c: &C, o: OrderIn, at: DateTime<Utc>) -> Result<Effect, Fail> {
    let now = Utc::now();
    let (currency, total) = validate(&o)?;
    let Some(cust) = find_customer(c, &o.customer).await? else { return parked(Awaited::Customer, &o.customer) };
    if cust.currency != currency {
        return Err(reject("payload.currency", format!("customer {} is billed in {}", o.customer, cust.currency)));
    }
    let id = crate::new_id();
    let new_order = order::ActiveModel {
        id: Set(id),
        number: Set(o.number.clone()),
        customer_id: Set(cust.id),
        po_number: Set(o.po_number.clone()),
        channel: Set(o.channel.unwrap_or(Channel::Api).as_str().into()),
        status: Set(OrderStatus::Accepted.as_str().into()),
        status_at: Set(at),
        currency: Set(currency.clone()),
        total_minor: Set(total),
        requested_date: Set(o.requested_date),
        promised_date: Set(o.promised_date),
        ordered_at: Set(at),
        requested_ship_date: Set(o.requested_ship_date),
        cancel_after: Set(o.cancel_after),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let stored: order::Model = sea_orm::TryIntoModel::try_into_model(new_order.clone())?;
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
    let exposure = crate::workflow::credit::order_exposure(c.get_database_backend(), &cust, total);
    let (inserted, added) = insert_new(c, new_order, lines, exposure).await?;
    if !inserted {
        return amend(c, &o).await;
    }
    let held = crate::workflow::credit::on_order_accepted(c, &stored, &cust, added, at).await.map_err(rule_failed)?.unwrap_or_default();
    Ok(Effect {
        order_id: Some(id),
        summary: format!("Order {} accepted for {}: {} lines, {}{held}", o.number, cust.name, o.lines.len(), money::format(total, &currency)),
        creates: vec![Awaited::Order.key(&o.number)],
        waiting_for: None,
    })
}

/// Inserts a new order and its lines, and adds it to its customer's exposure (`exposure`, when
/// tracked), unless an order with its number exists: then nothing is written and the answer is
/// `false`. On PostgreSQL in one statement (see [`crate::family`]). Answers too the exposure
/// with the order in it.
async fn insert_new<C: ConnectionTrait>(c: &C, new_order: order::ActiveModel, lines: Vec<order_line::ActiveModel>, exposure: Option<(sea_orm::Statement, &str)>) -> Result<(bool, Option<i64>), DbErr> {
    let backend = c.get_database_backend();
    let unless_known = sea_orm::sea_query::OnConflict::column(order::Column::Number).do_nothing().to_owned();
    let head = sea_orm::QueryTrait::build(&order::Entity::insert(new_order).on_conflict(unless_known), backend);
    crate::family::insert_answering(c, head, vec![sea_orm::QueryTrait::build(&order_line::Entity::insert_many(lines), backend)], exposure).await
}

/// A rule that failed on the database fails the event; any other failure is a bug.
fn rule_failed(e: crate::AppError) -> Fail {
    match e {
        crate::AppError::Db(e) => Fail::Db(e),
        other => Fail::Db(DbErr::Custom(other.to_string())),
    }
}

/// A repeated `order.accepted` for an existing order: updates the header's references and
/// dates; lines and status stay.
async fn amend<C: ConnectionTrait>(c: &C, o: &OrderIn) -> Result<Effect, Fail> {
    let Some(existing) = find_order(c, &o.number).await? else { return Err(reject("payload.number", "the order could not be stored")) };
    let mut am: order::ActiveModel = existing.clone().into();
    am.po_number = Set(o.po_number.clone());
    am.requested_date = Set(o.requested_date);
    am.requested_ship_date = Set(o.requested_ship_date);
    am.cancel_after = Set(o.cancel_after);
    am.promised_date = Set(o.promised_date);
    am.updated_at = Set(Utc::now());
    am.update(c).await?;
    Ok(Effect { order_id: Some(existing.id), summary: format!("Order {} re-accepted", o.number), ..Default::default() })
}

/// A step reported for an order: moves its status unless the step is older than it.
async fn stepped<C: ConnectionTrait>(c: &C, step: OrderStep, r: OrderRef, at: DateTime<Utc>) -> Result<Effect, Fail> {
    text_field("payload.order_number", &r.order_number, 64)?;
    let Some(o) = find_order(c, &r.order_number).await? else { return parked(Awaited::Order, &r.order_number) };
    let moved = move_to(c, &o, step.status(), at).await?;
    if moved {
        crate::workflow::rules_on_step(c, &o, step, r.reason.as_deref(), at).await.map_err(rule_failed)?;
    }
    let what = step.status().words();
    let reason = r.reason.map(|r| format!(": {r}")).unwrap_or_default();
    // `moved` is also false for a repeat of the current status, which this text calls older.
    let summary = if moved { format!("Order {} {what}{reason}", o.number) } else { format!("Order {} {what}{reason} (older than the current status; status kept)", o.number) };
    Ok(Effect { order_id: Some(o.id), summary, ..Default::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    use chrono::TimeZone;

    fn t(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, hour, 0, 0).unwrap()
    }

    #[test]
    fn an_order_moves_by_when_things_happened_never_back() {
        use OrderStatus::*;
        let cases = [
            (Some(Accepted), 9, Released, 10, Ok(Released)),
            (Some(Accepted), 9, CreditHold, 9, Ok(CreditHold)),
            (Some(Shipped), 12, Allocated, 10, Err(Kept::Older)),
            (Some(Released), 9, Released, 10, Err(Kept::Unchanged)),
            (Some(Paid), 9, Released, 10, Ok(Released)),
            (Some(Invoiced), 11, Paid, 11, Ok(Paid)),
            (None, 9, Accepted, 10, Ok(Accepted)),
            (None, 9, Accepted, 8, Err(Kept::Older)),
        ];
        for (current, since, target, at, want) in cases {
            assert_eq!(next(current, t(since), target, t(at)), want, "{current:?} since {since}h, {target:?} at {at}h");
        }
    }

    #[test]
    fn every_order_step_asks_for_its_own_status() {
        let cases = [
            (OrderStep::CreditHold, "credit_hold", "credit hold"),
            (OrderStep::Released, "released", "released"),
            (OrderStep::Backordered, "backordered", "backordered"),
            (OrderStep::Allocated, "allocated", "allocated"),
            (OrderStep::PickReleased, "pick_released", "pick released"),
        ];
        for (step, stored, words) in cases {
            assert_eq!(step.status().as_str(), stored);
            assert_eq!(step.status().words(), words);
        }
    }

    #[test]
    fn order_statuses_are_stored_as_their_lowercase_names_in_their_usual_sequence() {
        let want = ["accepted", "credit_hold", "released", "backordered", "allocated", "pick_released", "partially_shipped", "shipped", "delivered", "invoiced", "paid", "cancelled"];
        assert_eq!(ORDER_STATUSES, want);
        for status in OrderStatus::ALL {
            assert_eq!(status.as_str().parse::<OrderStatus>(), Ok(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        assert!("overdue".parse::<OrderStatus>().is_err());
    }

    fn order_in(lines: serde_json::Value) -> OrderIn {
        serde_json::from_value(serde_json::json!({"number": "SO-1", "customer": "C-1", "currency": "USD", "lines": lines})).unwrap()
    }

    #[test]
    fn an_accepted_order_names_every_bad_line_field() {
        let line = |line: i32, sku: &str, quantity: i64, price: i64| serde_json::json!({"line": line, "sku": sku, "quantity": quantity, "unit_price_minor": price});
        let cases: Vec<(serde_json::Value, Result<i64, Vec<&str>>)> = vec![
            (serde_json::json!([line(1, "A", 2, 500), line(2, "B", 1, 25)]), Ok(1025)),
            (serde_json::json!([]), Err(vec!["payload.lines"])),
            (serde_json::json!([line(1, "A", 0, 5)]), Err(vec!["payload.lines[0].quantity"])),
            (serde_json::json!([line(1, "A", 1, -1)]), Err(vec!["payload.lines[0].unit_price_minor"])),
            (serde_json::json!([line(1, " ", 1, 1)]), Err(vec!["payload.lines[0].sku"])),
            (serde_json::json!([line(1, "A", 1, 1), line(1, "B", 0, 1)]), Err(vec!["payload.lines[1].line", "payload.lines[1].quantity"])),
            (serde_json::json!([line(0, "A", 1, 1)]), Err(vec!["payload.lines[0].line"])),
            (serde_json::json!([line(1, "A", i64::MAX, 2)]), Err(vec!["payload.lines"])),
        ];
        for (lines, want) in cases {
            let got = match validate(&order_in(lines.clone())) {
                Ok((currency, total)) => {
                    assert_eq!(currency, "USD");
                    Ok(total)
                }
                Err(Fail::Reject(e)) => Err(e.into_iter().map(|e| e.field).collect::<Vec<_>>()),
                Err(Fail::Db(e)) => panic!("{e}"),
            };
            let want = want.map_err(|fields| fields.into_iter().map(String::from).collect::<Vec<_>>());
            assert_eq!(got, want, "{lines}");
        }
    }

    #[test]
    fn an_accepted_order_needs_a_number_a_customer_and_a_known_currency() {
        let cases = [("", "C-1", "USD", "payload.number"), ("SO-1", "", "USD", "payload.customer"), ("SO-1", "C-1", "XX", "payload.currency")];
        for (number, customer, currency, field) in cases {
            let mut o = order_in(serde_json::json!([{"line": 1, "sku": "A", "quantity": 1, "unit_price_minor": 1}]));
            (o.number, o.customer, o.currency) = (number.into(), customer.into(), currency.into());
            match validate(&o) {
                Err(Fail::Reject(e)) => assert_eq!(e[0].field, field),
                other => panic!("{field}: expected a rejection, got {other:?}"),
            }
        }
    }
}
