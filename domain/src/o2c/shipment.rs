//! Shipments: dispatch (with the quantities shipped per order line, and the packs they travel
//! in) and delivery, and what they do to the order's status.
//!
//! Goods that left the warehouse are recorded as shipped even when they are more than was
//! ordered: the shipment is kept and a `quantity_mismatch` exception names the line and the
//! difference, for a person to settle with the customer.
use super::exception;
use super::order::{OrderStatus, find_order, lines_of, move_to};
use super::pack::{self, PackIn};
use super::{Effect, parked, text_field};
use crate::entity::{order, order_line, shipment, shipment_line};
use crate::events::{Awaited, Fail, reject};
use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};

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
    /// What the shipment carries per order line. A line listed twice counts once, with both
    /// quantities added.
    pub lines: Vec<ShipmentLineIn>,
    /// The cartons and pallets the goods travel in, with what each holds (optional).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packs: Vec<PackIn>,
}

/// One line of a shipment: how much of an order line it carries.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipmentLineIn {
    /// The order line number.
    pub line: i32,
    pub quantity: i64,
    /// Serial numbers of the units shipped (optional; those listed in packs are added).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serials: Vec<String>,
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

/// A shipment's status, stored as its lowercase name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShipmentStatus {
    Dispatched,
    Delivered,
}

impl ShipmentStatus {
    /// Every status, in the order they happen.
    pub const ALL: [ShipmentStatus; 2] = [ShipmentStatus::Dispatched, ShipmentStatus::Delivered];

    /// The stored text.
    pub const fn as_str(self) -> &'static str {
        match self {
            ShipmentStatus::Dispatched => "dispatched",
            ShipmentStatus::Delivered => "delivered",
        }
    }
}

stored_as_text!(ShipmentStatus);

/// An event about a shipment, with its typed payload.
#[derive(Clone, Debug)]
pub enum ShipmentEvent {
    /// `shipment.dispatched`.
    Dispatched(ShipmentIn),
    /// `shipment.delivered`.
    Delivered(DeliveryIn),
}

/// What a shipment event knows when the shipment may meet the billing condition, so that
/// billing need not read it again.
pub struct Shipped<'a> {
    pub shipment: &'a shipment::Model,
    /// The order as it now stands, if at hand (else it is looked up).
    pub order: Option<&'a order::Model>,
    /// The order's lines as they now stand and what this shipment carries per line, when the
    /// event has just written them (else they are looked up).
    pub lines: Option<(&'a [order_line::Model], &'a [ShipmentLineIn])>,
    /// The event created the shipment: it cannot have been billable before.
    pub new: bool,
}

/// Applies one shipment event.
pub async fn apply<C: ConnectionTrait>(c: &C, event: ShipmentEvent, at: DateTime<Utc>) -> Result<Effect, Fail> {
    match event {
        ShipmentEvent::Dispatched(s) => dispatch(c, s, at).await,
        ShipmentEvent::Delivered(d) => deliver(c, d, at).await,
    }
}

/// The shipment with this number.
pub(crate) async fn find<C: ConnectionTrait>(c: &C, number: &str) -> Result<Option<shipment::Model>, DbErr> {
    shipment::Entity::find().filter(shipment::Column::Number.eq(number)).one(c).await
}

/// Checks a dispatch without the database; the first problem is answered. Answers its lines
/// with one entry per order line ([`merge_lines`]).
pub fn validate(s: &ShipmentIn) -> Result<Vec<ShipmentLineIn>, Fail> {
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
        pack::validate_serials(&format!("payload.lines[{i}].serials"), &l.serials)?;
    }
    let lines = merge_lines(&s.lines, &s.packs)?;
    pack::validate(&s.packs, &lines)?;
    Ok(lines)
}

/// One entry per order line, in the order the lines first appear: the quantities of a line
/// listed more than once added, its serial numbers (its own, then those in packs) once each.
pub fn merge_lines(lines: &[ShipmentLineIn], packs: &[PackIn]) -> Result<Vec<ShipmentLineIn>, Fail> {
    let mut out: Vec<ShipmentLineIn> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        match out.iter_mut().find(|o| o.line == l.line) {
            Some(o) => {
                o.quantity = o.quantity.checked_add(l.quantity).ok_or_else(|| reject(format!("payload.lines[{i}].quantity"), "the line's total is too large"))?;
                o.serials.extend(l.serials.iter().cloned());
            }
            None => out.push(l.clone()),
        }
    }
    let packed = packs.iter().flat_map(|p| &p.contents).flat_map(|item| item.serials.iter().map(move |s| (item.line, s)));
    for (line, serial) in packed {
        if let Some(o) = out.iter_mut().find(|o| o.line == line) {
            o.serials.push(serial.clone());
        }
    }
    for o in &mut out {
        let mut seen = std::collections::HashSet::new();
        o.serials.retain(|s| seen.insert(s.clone()));
    }
    Ok(out)
}

/// More shipped on an order line than was ordered, once a shipment is counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overage {
    /// The order line number.
    pub line: i32,
    /// Ordered on the line.
    pub ordered: i64,
    /// Shipped in all, this shipment included.
    pub shipped: i64,
}

impl Overage {
    /// How many more were shipped than ordered.
    pub fn excess(&self) -> i64 {
        self.shipped - self.ordered
    }
}

/// Adds a shipment's quantities (one entry per line, see [`merge_lines`]) to the order's
/// lines. A line the order does not have is refused; more than was ordered is counted, and
/// answered as an [`Overage`] for each line this shipment takes past its ordered quantity.
pub fn ship_lines(order_number: &str, lines: &mut [order_line::Model], shipped: &[ShipmentLineIn]) -> Result<Vec<Overage>, Fail> {
    let mut over = Vec::new();
    for (i, l) in shipped.iter().enumerate() {
        let Some(ol) = lines.iter_mut().find(|ol| ol.line_no == l.line) else {
            return Err(reject(format!("payload.lines[{i}].line"), format!("order {order_number} has no line {}", l.line)));
        };
        let total = ol.quantity_shipped.checked_add(l.quantity).ok_or_else(|| reject(format!("payload.lines[{i}].quantity"), "the shipped total is too large"))?;
        if total > ol.quantity {
            over.push(Overage { line: l.line, ordered: ol.quantity, shipped: total });
        }
        ol.quantity_shipped = total;
    }
    Ok(over)
}

/// The status a dispatch asks for: `shipped` once every line is shipped in full.
pub fn status_after_dispatch(lines: &[order_line::Model]) -> OrderStatus {
    if lines.iter().all(|l| l.quantity_shipped >= l.quantity) { OrderStatus::Shipped } else { OrderStatus::PartiallyShipped }
}

/// Whether a delivery makes the order `delivered`: every shipment of it is delivered, and
/// either everything was shipped or this delivery came before its dispatch (whose lines are
/// not known yet, so the delivery is taken at its word).
pub fn delivers_order(all_delivered: bool, fully_shipped: bool, before_dispatch: bool) -> bool {
    all_delivered && (fully_shipped || before_dispatch)
}

/// When a shipment was delivered, given the time recorded so far and a delivery reported at
/// `at`: the earliest report counts, whatever order the reports arrive in (as for invoices).
pub fn delivered_at(recorded: Option<DateTime<Utc>>, at: DateTime<Utc>) -> DateTime<Utc> {
    match recorded {
        Some(r) if !super::invoice::is_first(Some(r), at) => r,
        _ => at,
    }
}

/// When an order became delivered: when the last of its shipments was delivered. `None`
/// while a shipment has no delivery time.
pub fn order_delivered_at(shipments: &[Option<DateTime<Utc>>]) -> Option<DateTime<Utc>> {
    shipments.iter().try_fold(None, |latest: Option<DateTime<Utc>>, s| s.map(|t| Some(latest.map_or(t, |l| l.max(t)))))?
}

/// `shipment.dispatched`. A repeated dispatch updates the carrier details; its lines and
/// packs count only the first time (so an over-shipment opens one exception, not two).
async fn dispatch<C: ConnectionTrait>(c: &C, s: ShipmentIn, at: DateTime<Utc>) -> Result<Effect, Fail> {
    let shipped = validate(&s)?;
    let Some(o) = find_order(c, &s.order_number).await? else { return parked(Awaited::Order, &s.order_number) };
    let existing = find(c, &s.number).await?;
    if existing.as_ref().is_some_and(|e| e.order_id != o.id) {
        return Err(reject("payload.order_number", format!("shipment {} belongs to another order", s.number)));
    }
    let already_has_lines = match &existing {
        Some(e) => shipment_line::Entity::find().filter(shipment_line::Column::ShipmentId.eq(e.id)).count(c).await? > 0,
        None => false,
    };
    let mut lines = lines_of(c, o.id).await?;
    let over = if already_has_lines { vec![] } else { ship_lines(&o.number, &mut lines, &shipped)? };
    let new = existing.is_none();
    let stored = upsert_dispatched(c, existing, &s, &o, at).await?;
    let mut target = status_after_dispatch(&lines);
    if !already_has_lines {
        record_lines(c, stored.id, &shipped).await?;
        pack::record(c, stored.id, &s.packs).await?;
        open_overages(c, &o, &s.number, &over, at).await?;
        // Billing on dispatch may invoice the shipment at once: then each order line is written
        // once, shipped and invoiced, and the order moves once.
        let known = Shipped { shipment: &stored, order: Some(&o), lines: Some((&lines, &shipped)), new };
        if let Some(billed) = crate::workflow::billing::on_shipment(c, known, crate::customers::prefs::BillingRule::Dispatch, at).await? {
            lines = billed;
            if super::invoice::fully_invoiced(&lines) {
                target = OrderStatus::Invoiced;
            }
        }
        write_order_lines(c, &lines, &shipped).await?;
    }
    move_to(c, &o, target, at).await?;
    let via = s.carrier.as_deref().map(|c| format!(" via {c}")).unwrap_or_default();
    let track = s.tracking_number.as_deref().map(|t| format!(", tracking {t}")).unwrap_or_default();
    let packs = if s.packs.is_empty() { String::new() } else { format!(" in {} packs", s.packs.len()) };
    let over_text: String = over.iter().map(|v| format!("; line {} shipped {} more than ordered", v.line, v.excess())).collect();
    Ok(Effect {
        order_id: Some(o.id),
        summary: format!("Shipment {} dispatched{packs}{via}{track}{over_text}", s.number),
        creates: vec![Awaited::Shipment.key(&s.number)],
        waiting_for: None,
    })
}

/// Opens a `quantity_mismatch` exception for each line a shipment takes past its ordered
/// quantity. The reference names the shipment and the line, so a repeat opens none.
async fn open_overages<C: ConnectionTrait>(c: &C, o: &order::Model, shipment_number: &str, over: &[Overage], at: DateTime<Utc>) -> Result<(), DbErr> {
    for v in over {
        let reference = format!("quantity_mismatch:{shipment_number}:{}", v.line);
        if exception::find(c, &reference).await?.is_some() {
            continue;
        }
        let detail = format!(
            "Shipment {shipment_number} brings line {} of order {} to {} shipped of {} ordered: {} more than ordered",
            v.line,
            o.number,
            v.shipped,
            v.ordered,
            v.excess()
        );
        exception::open(c, &reference, "quantity_mismatch", &detail, Some(o.id), None, at).await?;
    }
    Ok(())
}

/// Writes a dispatched shipment: the carrier details of one already known (a delivery may
/// have come first; its status stays), or a new `dispatched` shipment. Answers it as stored.
async fn upsert_dispatched<C: ConnectionTrait>(c: &C, existing: Option<shipment::Model>, s: &ShipmentIn, o: &order::Model, at: DateTime<Utc>) -> Result<shipment::Model, DbErr> {
    let now = Utc::now();
    if let Some(e) = existing {
        let mut am: shipment::ActiveModel = e.into();
        am.carrier = Set(s.carrier.clone());
        am.service = Set(s.service.clone());
        am.tracking_number = Set(s.tracking_number.clone());
        am.tracking_url = Set(s.tracking_url.clone());
        am.warehouse = Set(s.warehouse.clone());
        am.dispatched_at = Set(Some(at));
        am.updated_at = Set(now);
        return am.update(c).await;
    }
    shipment::ActiveModel {
        id: Set(crate::new_id()),
        number: Set(s.number.clone()),
        order_id: Set(o.id),
        status: Set(ShipmentStatus::Dispatched.as_str().into()),
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
    .await
}

/// Stores a shipment's lines (one per order line).
async fn record_lines<C: ConnectionTrait>(c: &C, shipment_id: Uuid, shipped: &[ShipmentLineIn]) -> Result<(), DbErr> {
    let now = Utc::now();
    let rows: Vec<shipment_line::ActiveModel> = shipped
        .iter()
        .map(|l| shipment_line::ActiveModel {
            id: Set(crate::new_id()),
            shipment_id: Set(shipment_id),
            line_no: Set(l.line),
            quantity: Set(l.quantity),
            serials: Set(pack::serials_text(&l.serials)),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    shipment_line::Entity::insert_many(rows).exec(c).await?;
    Ok(())
}

/// Writes the shipped (and invoiced) quantities of the order lines a shipment carries.
async fn write_order_lines<C: ConnectionTrait>(c: &C, lines: &[order_line::Model], shipped: &[ShipmentLineIn]) -> Result<(), DbErr> {
    let now = Utc::now();
    for ol in lines.iter().filter(|ol| shipped.iter().any(|l| l.line == ol.line_no)) {
        let mut am: order_line::ActiveModel = ol.clone().into();
        am.quantity_shipped = Set(ol.quantity_shipped);
        am.quantity_invoiced = Set(ol.quantity_invoiced);
        am.updated_at = Set(now);
        am.update(c).await?;
    }
    Ok(())
}

/// `shipment.delivered`. A delivery that comes before its dispatch records the shipment as
/// delivered; the dispatch fills in carrier and lines when it comes. Of several reports of one
/// delivery the earliest counts, so the result does not depend on the order they arrive in.
async fn deliver<C: ConnectionTrait>(c: &C, d: DeliveryIn, at: DateTime<Utc>) -> Result<Effect, Fail> {
    text_field("payload.shipment_number", &d.shipment_number, 64)?;
    let Some(o) = find_order(c, &d.order_number).await? else { return parked(Awaited::Order, &d.order_number) };
    let created = match find(c, &d.shipment_number).await? {
        Some(s) => {
            if s.order_id != o.id {
                return Err(reject("payload.order_number", format!("shipment {} belongs to another order", d.shipment_number)));
            }
            let when = delivered_at(s.delivered_at, at);
            let mut am: shipment::ActiveModel = s.into();
            am.status = Set(ShipmentStatus::Delivered.as_str().into());
            am.delivered_at = Set(Some(when));
            am.updated_at = Set(Utc::now());
            let stored = am.update(c).await?;
            let known = Shipped { shipment: &stored, order: Some(&o), lines: None, new: false };
            crate::workflow::billing::on_shipment(c, known, crate::customers::prefs::BillingRule::Delivery, when).await?;
            false
        }
        None => {
            insert_delivered(c, &d.shipment_number, &o, at).await?;
            true
        }
    };
    let shipments = shipment::Entity::find().filter(shipment::Column::OrderId.eq(o.id)).all(c).await?;
    let all_delivered = shipments.iter().all(|s| s.status.parse() == Ok(ShipmentStatus::Delivered));
    let fully_shipped = lines_of(c, o.id).await?.iter().all(|l| l.quantity_shipped >= l.quantity);
    if delivers_order(all_delivered, fully_shipped, created) {
        let times: Vec<_> = shipments.iter().map(|s| s.delivered_at).collect();
        settle_delivered(c, &o, order_delivered_at(&times).unwrap_or(at)).await?;
    }
    let by = d.signed_by.map(|s| format!(", signed by {s}")).unwrap_or_default();
    Ok(Effect {
        order_id: Some(o.id),
        summary: format!("Shipment {} delivered{by}", d.shipment_number),
        creates: if created { vec![Awaited::Shipment.key(&d.shipment_number)] } else { vec![] },
        waiting_for: None,
    })
}

/// Records a shipment known only from its delivery, as delivered at `at`.
async fn insert_delivered<C: ConnectionTrait>(c: &C, number: &str, o: &order::Model, at: DateTime<Utc>) -> Result<(), DbErr> {
    let now = Utc::now();
    shipment::ActiveModel {
        id: Set(crate::new_id()),
        number: Set(number.to_owned()),
        order_id: Set(o.id),
        status: Set(ShipmentStatus::Delivered.as_str().into()),
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
    Ok(())
}

/// Makes the order `delivered` as of `when`. An order already delivered since a later time
/// (a later report arrived first) is delivered since `when`, as if the reports had arrived
/// in order; otherwise [`move_to`] decides.
async fn settle_delivered<C: ConnectionTrait>(c: &C, o: &order::Model, when: DateTime<Utc>) -> Result<(), DbErr> {
    if o.status.parse() == Ok(OrderStatus::Delivered) && when < o.status_at {
        let mut am: order::ActiveModel = o.clone().into();
        am.status_at = Set(when);
        am.updated_at = Set(Utc::now());
        am.update(c).await?;
        return Ok(());
    }
    move_to(c, o, OrderStatus::Delivered, when).await?;
    Ok(())
}

#[cfg(test)]
mod tests;
