//! Shipments: dispatch (with the quantities shipped per order line) and delivery, and what
//! they do to the order's status.
use super::order::{OrderStatus, find_order, lines_of, move_to};
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
    pub lines: Vec<ShipmentLineIn>,
}

/// One line of a shipment: how much of an order line it carries.
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

/// Checks a dispatch without the database; the first problem is answered.
pub fn validate(s: &ShipmentIn) -> Result<(), Fail> {
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
    Ok(())
}

/// Adds a shipment's quantities to the order's lines, refusing a line the order does not
/// have and more than was ordered.
pub fn ship_lines(order_number: &str, lines: &mut [order_line::Model], shipped: &[ShipmentLineIn]) -> Result<(), Fail> {
    for (i, l) in shipped.iter().enumerate() {
        let Some(ol) = lines.iter_mut().find(|ol| ol.line_no == l.line) else {
            return Err(reject(format!("payload.lines[{i}].line"), format!("order {order_number} has no line {}", l.line)));
        };
        if ol.quantity_shipped + l.quantity > ol.quantity {
            return Err(reject(
                format!("payload.lines[{i}].quantity"),
                format!("would ship {} of {} ordered on line {}", ol.quantity_shipped + l.quantity, ol.quantity, l.line),
            ));
        }
        ol.quantity_shipped += l.quantity;
    }
    Ok(())
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

/// `shipment.dispatched`. A repeated dispatch updates the carrier details; its lines count
/// only the first time.
async fn dispatch<C: ConnectionTrait>(c: &C, s: ShipmentIn, at: DateTime<Utc>) -> Result<Effect, Fail> {
    validate(&s)?;
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
    if !already_has_lines {
        ship_lines(&o.number, &mut lines, &s.lines)?;
    }
    let shipment_id = upsert_dispatched(c, existing, &s, &o, at).await?;
    if !already_has_lines {
        record_lines(c, shipment_id, &s.lines, &lines).await?;
    }
    move_to(c, &o, status_after_dispatch(&lines), at).await?;
    let via = s.carrier.as_deref().map(|c| format!(" via {c}")).unwrap_or_default();
    let track = s.tracking_number.as_deref().map(|t| format!(", tracking {t}")).unwrap_or_default();
    Ok(Effect {
        order_id: Some(o.id),
        summary: format!("Shipment {} dispatched{via}{track}", s.number),
        creates: vec![Awaited::Shipment.key(&s.number)],
        waiting_for: None,
    })
}

/// Writes a dispatched shipment: the carrier details of one already known (a delivery may
/// have come first; its status stays), or a new `dispatched` shipment. Answers its id.
async fn upsert_dispatched<C: ConnectionTrait>(c: &C, existing: Option<shipment::Model>, s: &ShipmentIn, o: &order::Model, at: DateTime<Utc>) -> Result<Uuid, DbErr> {
    let now = Utc::now();
    if let Some(e) = existing {
        let id = e.id;
        let mut am: shipment::ActiveModel = e.into();
        am.carrier = Set(s.carrier.clone());
        am.service = Set(s.service.clone());
        am.tracking_number = Set(s.tracking_number.clone());
        am.tracking_url = Set(s.tracking_url.clone());
        am.warehouse = Set(s.warehouse.clone());
        am.dispatched_at = Set(Some(at));
        am.updated_at = Set(now);
        am.update(c).await?;
        return Ok(id);
    }
    let id = crate::new_id();
    shipment::ActiveModel {
        id: Set(id),
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
    .await?;
    Ok(id)
}

/// Stores a shipment's lines and the order lines' new shipped quantities.
async fn record_lines<C: ConnectionTrait>(c: &C, shipment_id: Uuid, shipped: &[ShipmentLineIn], lines: &[order_line::Model]) -> Result<(), DbErr> {
    let now = Utc::now();
    let rows: Vec<shipment_line::ActiveModel> = shipped
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
    for ol in lines.iter().filter(|ol| shipped.iter().any(|l| l.line == ol.line_no)) {
        let mut am: order_line::ActiveModel = ol.clone().into();
        am.quantity_shipped = Set(ol.quantity_shipped);
        am.updated_at = Set(now);
        am.update(c).await?;
    }
    Ok(())
}

/// `shipment.delivered`. A delivery that comes before its dispatch records the shipment as
/// delivered; the dispatch fills in carrier and lines when it comes.
async fn deliver<C: ConnectionTrait>(c: &C, d: DeliveryIn, at: DateTime<Utc>) -> Result<Effect, Fail> {
    let now = Utc::now();
    text_field("payload.shipment_number", &d.shipment_number, 64)?;
    let Some(o) = find_order(c, &d.order_number).await? else { return parked(Awaited::Order, &d.order_number) };
    let created = match find(c, &d.shipment_number).await? {
        Some(s) => {
            if s.order_id != o.id {
                return Err(reject("payload.order_number", format!("shipment {} belongs to another order", d.shipment_number)));
            }
            let mut am: shipment::ActiveModel = s.into();
            am.status = Set(ShipmentStatus::Delivered.as_str().into());
            am.delivered_at = Set(Some(at));
            am.updated_at = Set(now);
            am.update(c).await?;
            false
        }
        None => {
            shipment::ActiveModel {
                id: Set(crate::new_id()),
                number: Set(d.shipment_number.clone()),
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
            true
        }
    };
    let shipments = shipment::Entity::find().filter(shipment::Column::OrderId.eq(o.id)).all(c).await?;
    let all_delivered = shipments.iter().all(|s| s.status.parse() == Ok(ShipmentStatus::Delivered));
    let fully_shipped = lines_of(c, o.id).await?.iter().all(|l| l.quantity_shipped >= l.quantity);
    if delivers_order(all_delivered, fully_shipped, created) {
        move_to(c, &o, OrderStatus::Delivered, at).await?;
    }
    let by = d.signed_by.map(|s| format!(", signed by {s}")).unwrap_or_default();
    Ok(Effect {
        order_id: Some(o.id),
        summary: format!("Shipment {} delivered{by}", d.shipment_number),
        creates: if created { vec![Awaited::Shipment.key(&d.shipment_number)] } else { vec![] },
        waiting_for: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(line_no: i32, quantity: i64, shipped: i64) -> order_line::Model {
        let now = Utc::now();
        order_line::Model {
            id: Uuid::nil(),
            order_id: Uuid::nil(),
            line_no,
            sku: "A".into(),
            description: String::new(),
            quantity,
            unit_price_minor: 100,
            quantity_shipped: shipped,
            quantity_invoiced: 0,
            created_at: now,
            updated_at: now,
        }
    }

    fn shipped(lines: &[(i32, i64)]) -> Vec<ShipmentLineIn> {
        lines.iter().map(|&(line, quantity)| ShipmentLineIn { line, quantity }).collect()
    }

    #[test]
    fn a_shipment_adds_to_the_shipped_quantities_and_never_ships_more_than_ordered() {
        let cases: [(&[(i32, i64)], Result<[i64; 2], (&str, &str)>); 6] = [
            (&[(1, 2)], Ok([5, 0])),
            (&[(1, 2), (2, 4)], Ok([5, 4])),
            (&[(1, 1), (1, 1)], Ok([5, 0])),
            (&[(1, 3)], Err(("payload.lines[0].quantity", "would ship 6 of 5 ordered on line 1"))),
            (&[(2, 1), (1, 2), (1, 1)], Err(("payload.lines[2].quantity", "would ship 6 of 5 ordered on line 1"))),
            (&[(3, 1)], Err(("payload.lines[0].line", "order SO-1 has no line 3"))),
        ];
        for (wanted, want) in cases {
            let mut lines = vec![line(1, 5, 3), line(2, 4, 0)];
            let got = match ship_lines("SO-1", &mut lines, &shipped(wanted)) {
                Ok(()) => Ok([lines[0].quantity_shipped, lines[1].quantity_shipped]),
                Err(Fail::Reject(e)) => Err((e[0].field.clone(), e[0].reason.clone())),
                Err(Fail::Db(e)) => panic!("{e}"),
            };
            let want = want.map_err(|(field, reason)| (field.to_owned(), reason.to_owned()));
            assert_eq!(got, want, "{wanted:?}");
        }
    }

    #[test]
    fn an_order_is_shipped_once_every_line_is_shipped_in_full() {
        let cases = [
            (vec![line(1, 5, 5), line(2, 4, 4)], OrderStatus::Shipped),
            (vec![line(1, 5, 5), line(2, 4, 3)], OrderStatus::PartiallyShipped),
            (vec![line(1, 5, 0)], OrderStatus::PartiallyShipped),
            (vec![line(1, 5, 6)], OrderStatus::Shipped),
        ];
        for (lines, want) in cases {
            assert_eq!(status_after_dispatch(&lines), want, "{lines:?}");
        }
    }

    #[test]
    fn an_order_is_delivered_when_every_shipment_is_and_nothing_is_left_to_ship() {
        let cases = [
            (true, true, false, true),
            (true, false, false, false),
            (true, false, true, true),
            (true, true, true, true),
            (false, true, false, false),
            (false, false, true, false),
            (false, true, true, false),
            (false, false, false, false),
        ];
        for (all_delivered, fully_shipped, before_dispatch, want) in cases {
            assert_eq!(delivers_order(all_delivered, fully_shipped, before_dispatch), want, "all delivered {all_delivered}, fully shipped {fully_shipped}, before dispatch {before_dispatch}");
        }
    }

    #[test]
    fn a_dispatch_is_refused_for_its_first_bad_field() {
        let base = || ShipmentIn {
            number: "SH-1".into(),
            order_number: "SO-1".into(),
            carrier: None,
            service: None,
            tracking_number: None,
            tracking_url: None,
            warehouse: None,
            lines: shipped(&[(1, 1)]),
        };
        let cases: [(Box<dyn Fn(&mut ShipmentIn)>, Option<&str>); 6] = [
            (Box::new(|_| {}), None),
            (Box::new(|s| s.number = " ".into()), Some("payload.number")),
            (Box::new(|s| s.order_number = String::new()), Some("payload.order_number")),
            (Box::new(|s| s.tracking_url = Some("ftp://x".into())), Some("payload.tracking_url")),
            (Box::new(|s| s.lines.clear()), Some("payload.lines")),
            (Box::new(|s| s.lines = shipped(&[(1, 1), (2, 0)])), Some("payload.lines[1].quantity")),
        ];
        for (i, (change, want)) in cases.iter().enumerate() {
            let mut s = base();
            change(&mut s);
            let got = match validate(&s) {
                Ok(()) => None,
                Err(Fail::Reject(e)) => Some(e[0].field.clone()),
                Err(Fail::Db(e)) => panic!("{e}"),
            };
            assert_eq!(got.as_deref(), *want, "case {i}");
        }
    }

    #[test]
    fn shipment_statuses_are_stored_as_their_lowercase_names() {
        for (status, text) in [(ShipmentStatus::Dispatched, "dispatched"), (ShipmentStatus::Delivered, "delivered")] {
            assert_eq!(status.as_str(), text);
            assert_eq!(text.parse::<ShipmentStatus>(), Ok(status));
            assert_eq!(serde_json::to_value(status).unwrap(), text);
        }
    }
}
