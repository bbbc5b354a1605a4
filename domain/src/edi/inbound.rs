//! Inbound transaction sets: an 850 becomes an `order.accepted` payload, an 856 (read by
//! `asn.rs`) a `shipment.dispatched` payload. Customers are found once per party per
//! interchange.
use super::{EdiError, Interchange, Segment, Transaction, asn, err};
use crate::entity::customer;
use crate::money;
use crate::o2c::shipment::ShipmentIn;
use chrono::NaiveDate;
use sea_orm::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder};
use serde_json::json;
use std::collections::HashMap;

pub(super) fn date8(s: &Segment, n: usize) -> Result<NaiveDate, EdiError> {
    let v = s.require(n, "a date CCYYMMDD")?;
    NaiveDate::parse_from_str(v, "%Y%m%d").map_err(|_| err(s.position, s.id(), format!("expected a date CCYYMMDD in element {n:02}, found {v:?}")))
}

/// `12.50` in a currency with `exp` decimals → minor units.
pub(super) fn decimal_to_minor(v: &str, exp: u32) -> Option<i64> {
    let v = v.trim();
    let (neg, v) = match v.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, v),
    };
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    if whole.is_empty() && frac.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) || frac.len() > exp as usize {
        return None;
    }
    let w: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let f: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<width$}", width = exp as usize).parse().ok()? };
    let m = w.checked_mul(10i64.pow(exp))?.checked_add(f)?;
    Some(if neg { -m } else { m })
}

/// The product id of a PO1/LIN segment: the first of the preferred qualifiers present.
pub(super) fn product_id(s: &Segment, first_qualifier: usize) -> Option<String> {
    let mut pairs = Vec::new();
    let mut i = first_qualifier;
    while i + 1 < s.elements.len() {
        pairs.push((s.el(i).to_owned(), s.el(i + 1).to_owned()));
        i += 2;
    }
    for q in ["VP", "BP", "SK", "IN", "UP", "VN"] {
        if let Some((_, v)) = pairs.iter().find(|(k, v)| k == q && !v.is_empty()) {
            return Some(v.clone());
        }
    }
    pairs.into_iter().find(|(_, v)| !v.is_empty()).map(|(_, v)| v)
}

/// The candidates that name one trading party, in the order they are tried: its ids (N104s,
/// then the interchange sender) and its names (N102s), without blanks or repeats.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct PartyKey {
    ids: Vec<String>,
    names: Vec<String>,
}

impl PartyKey {
    fn new(ids: &[String], names: &[String]) -> Self {
        fn distinct(v: &[String]) -> Vec<String> {
            let mut out: Vec<String> = Vec::new();
            for s in v.iter().filter(|s| !s.is_empty()) {
                if !out.contains(s) {
                    out.push(s.clone());
                }
            }
            out
        }
        Self { ids: distinct(ids), names: distinct(names) }
    }
}

/// Lookups already made for this interchange, found or not, so that a hundred sets from one
/// party cost one query. It lives for one `import` only: a customer added or renamed later is
/// seen by the next interchange. Database errors are not remembered.
pub(super) struct Memo<V> {
    found: HashMap<PartyKey, Option<V>>,
}

impl<V> Default for Memo<V> {
    fn default() -> Self {
        Self { found: HashMap::new() }
    }
}

impl<V: Clone> Memo<V> {
    async fn get_or_find(&mut self, key: PartyKey, find: impl AsyncFnOnce(&PartyKey) -> Result<Option<V>, DbErr>) -> Result<Option<V>, DbErr> {
        if let Some(v) = self.found.get(&key) {
            return Ok(v.clone());
        }
        let v = find(&key).await?;
        self.found.insert(key, v.clone());
        Ok(v)
    }
}

/// The customers of one interchange's parties.
pub(super) type Parties = Memo<customer::Model>;

async fn find_customer<C: ConnectionTrait>(c: &C, key: &PartyKey) -> Result<Option<customer::Model>, DbErr> {
    for id in &key.ids {
        if let Some(m) = customer::Entity::find().filter(customer::Column::ExternalId.eq(id.as_str())).one(c).await? {
            return Ok(Some(m));
        }
    }
    for n in &key.names {
        if let Some(m) = customer::Entity::find().filter(customer::Column::Name.eq(n.as_str())).one(c).await? {
            return Ok(Some(m));
        }
    }
    Ok(None)
}

/// The customer an 850 is from: its N1 buyer, bill-to or ship-to by id or name, else the
/// interchange sender.
async fn customer_of_850<C: ConnectionTrait>(c: &C, ix: &Interchange, t: &Transaction, beg: &Segment, parties: &mut Parties) -> Result<customer::Model, EdiError> {
    let mut ids = Vec::new();
    let mut names = Vec::new();
    for n1 in t.segments.iter().filter(|s| s.id() == "N1" && matches!(s.el(1), "BY" | "BT" | "ST")) {
        ids.push(n1.el(4).to_owned());
        names.push(n1.el(2).to_owned());
    }
    ids.push(ix.sender.clone());
    let key = PartyKey::new(&ids, &names);
    parties
        .get_or_find(key.clone(), async |k: &PartyKey| find_customer(c, k).await)
        .await
        .map_err(|e| err(beg.position, "BEG", format!("database error: {e}")))?
        .ok_or_else(|| err(beg.position, "N1", format!("expected a known customer: none of the ids {:?} or names {:?} match", key.ids, key.names)))
}

/// 850 → an `order.accepted` event payload.
pub(super) async fn order_from_850<C: ConnectionTrait>(c: &C, ix: &Interchange, t: &Transaction, parties: &mut Parties) -> Result<serde_json::Value, EdiError> {
    let first = t.segments.first().map(|s| s.position).unwrap_or(0);
    let beg = t.segments.iter().find(|s| s.id() == "BEG").ok_or_else(|| err(first, "BEG", "expected a BEG segment in the 850"))?;
    let po = beg.require(3, "the purchase order number")?.to_owned();
    date8(beg, 5)?;
    let cust = customer_of_850(c, ix, t, beg, parties).await?;
    let currency = t.segments.iter().find(|s| s.id() == "CUR").map(|s| s.el(2).to_owned()).filter(|s| !s.is_empty()).unwrap_or_else(|| cust.currency.clone());
    let dates = OrderDates::of(t)?;
    let lines = po1_lines(t, money::exponent(&currency))?;
    if lines.is_empty() {
        return Err(err(beg.position, "BEG", "expected at least one PO1 line"));
    }
    Ok(json!({"number": format!("EDI-{po}"), "customer": cust.external_id, "po_number": po, "channel": "edi", "currency": currency,
              "requested_date": dates.delivery, "requested_ship_date": dates.ship, "cancel_after": dates.cancel_after, "lines": lines}))
}

/// The dates of an 850 by their `DTM` qualifier. The first `DTM` of each qualifier counts;
/// other qualifiers are not read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct OrderDates {
    /// Requested ship (`010`).
    ship: Option<NaiveDate>,
    /// Delivery requested (`002`).
    delivery: Option<NaiveDate>,
    /// Cancel after (`001`).
    cancel_after: Option<NaiveDate>,
}

impl OrderDates {
    fn of(t: &Transaction) -> Result<Self, EdiError> {
        let date = |qualifier: &str| t.segments.iter().find(|s| s.id() == "DTM" && s.el(1) == qualifier).map(|s| date8(s, 2)).transpose();
        Ok(Self { ship: date("010")?, delivery: date("002")?, cancel_after: date("001")? })
    }
}

/// The PO1 lines of an 850 (with their PID descriptions), checked against CTT.
fn po1_lines(t: &Transaction, exp: u32) -> Result<Vec<serde_json::Value>, EdiError> {
    let mut lines = Vec::new();
    let mut last: Option<usize> = None;
    for s in &t.segments {
        match s.id() {
            "PO1" => {
                let line = match s.el(1) {
                    "" => lines.len() as i64 + 1,
                    v => v.parse::<i64>().map_err(|_| err(s.position, "PO1", format!("expected a line number in element 01, found {v:?}")))?,
                };
                let qty_text = s.require(2, "the quantity")?;
                let qty = decimal_to_minor(qty_text, 0).ok_or_else(|| err(s.position, "PO1", format!("expected a whole quantity in element 02, found {qty_text:?}")))?;
                let price_text = s.require(4, "the unit price")?;
                let price = decimal_to_minor(price_text, exp).ok_or_else(|| err(s.position, "PO1", format!("expected a unit price with at most {exp} decimals in element 04, found {price_text:?}")))?;
                let sku = product_id(s, 6).ok_or_else(|| err(s.position, "PO1", "expected a product id (VP, BP, SK, IN…) from element 06"))?;
                lines.push(json!({"line": line, "sku": sku, "description": "", "quantity": qty, "unit_price_minor": price}));
                last = Some(lines.len() - 1);
            }
            "PID" => {
                if let Some(i) = last {
                    lines[i]["description"] = json!(s.el(5));
                }
            }
            "CTT" => {
                let n: usize = s.el(1).parse().map_err(|_| err(s.position, "CTT", "expected the number of line items in element 01"))?;
                if n != lines.len() {
                    return Err(err(s.position, "CTT", format!("expected {} line items, found {n}", lines.len())));
                }
            }
            _ => {}
        }
    }
    Ok(lines)
}

/// 856 → a `shipment.dispatched` event payload: the notice as read, its items matched to the
/// lines of the order with its PO number (the newest such order), one line per order line.
pub(super) async fn shipment_from_856<C: ConnectionTrait>(c: &C, t: &Transaction) -> Result<serde_json::Value, EdiError> {
    use crate::entity::{order, order_line};
    let notice = asn::read(t)?;
    let db = |e: DbErr| err(notice.position, "BSN", format!("database error: {e}"));
    let ord = order::Entity::find().filter(order::Column::PoNumber.eq(notice.po.as_str())).order_by_desc(order::Column::OrderedAt).one(c).await.map_err(db)?;
    let order_number = ord.as_ref().map(|o| o.number.clone()).unwrap_or_else(|| format!("EDI-{}", notice.po));
    let order_lines = match &ord {
        Some(o) => order_line::Entity::find().filter(order_line::Column::OrderId.eq(o.id)).all(c).await.map_err(db)?,
        None => vec![],
    };
    let line_of_sku = |sku: &str| order_lines.iter().find(|l| l.sku == sku).map(|l| l.line_no);
    let (lines, packs) = asn::aggregate(&notice, line_of_sku, &order_number)?;
    let shipment = ShipmentIn {
        number: notice.number.clone(),
        order_number,
        carrier: notice.carrier.clone(),
        service: None,
        tracking_number: notice.tracking.clone(),
        tracking_url: None,
        warehouse: notice.warehouse.clone(),
        lines,
        packs,
    };
    serde_json::to_value(&shipment).map_err(|e| err(notice.position, "BSN", format!("the shipment could not be written: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn decimals_convert_to_minor_units_exactly() {
        assert_eq!(decimal_to_minor("2.5", 2), Some(250));
        assert_eq!(decimal_to_minor("38.90", 2), Some(3890));
        assert_eq!(decimal_to_minor("10", 0), Some(10));
        assert_eq!(decimal_to_minor("1.234", 2), None);
        assert_eq!(decimal_to_minor("abc", 2), None);
        assert_eq!(decimal_to_minor("", 2), None);
        assert_eq!(decimal_to_minor("99999999999999999999", 2), None);
    }

    #[test]
    fn an_850_keeps_its_requested_ship_delivery_and_cancel_after_dates() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y%m%d").ok();
        let cases = [
            ("DTM*010*20261128~DTM*002*20261201~DTM*001*20261215~", Ok((d("20261128"), d("20261201"), d("20261215")))),
            ("DTM*002*20261201~", Ok((None, d("20261201"), None))),
            ("DTM*001*20261215~DTM*001*20261231~DTM*037*20261101~", Ok((None, None, d("20261215")))),
            ("", Ok((None, None, None))),
            ("DTM*010*2026-11-28~", Err("segment 4 (DTM): expected a date CCYYMMDD in element 02, found \"2026-11-28\"".to_owned())),
        ];
        for (dtm, want) in cases {
            let t = crate::edi::test_set("850", &format!("BEG*00*SA*PO-1**20261124~{dtm}PO1*1*1*EA*1**VP*A~"));
            let got = OrderDates::of(&t).map(|o| (o.ship, o.delivery, o.cancel_after)).map_err(|e| e.to_string());
            assert_eq!(got, want, "{dtm}");
        }
    }

    #[test]
    fn a_party_is_the_same_whatever_blanks_or_repeats_its_sets_carry() {
        let a = PartyKey::new(&s(&["C-1001", "", "INITECH"]), &s(&["Initech", ""]));
        let b = PartyKey::new(&s(&["C-1001", "INITECH", "C-1001"]), &s(&["", "Initech", "Initech"]));
        assert_eq!(a, b);
        assert_eq!(a.ids, s(&["C-1001", "INITECH"]), "the order of the candidates is kept");
        assert_ne!(a, PartyKey::new(&s(&["INITECH", "C-1001"]), &s(&["Initech"])), "another order may find another customer");
        assert_ne!(a, PartyKey::new(&s(&["C-1002", "INITECH"]), &s(&["Initech"])));
    }

    #[tokio::test]
    async fn a_hundred_sets_from_one_party_cost_one_lookup() {
        let calls = Cell::new(0);
        let mut memo: Memo<u32> = Memo::default();
        let find = async |k: &PartyKey| -> Result<Option<u32>, DbErr> {
            calls.set(calls.get() + 1);
            Ok(if k.ids.first().map(String::as_str) == Some("C-1001") { Some(7) } else { None })
        };
        for _ in 0..100 {
            assert_eq!(memo.get_or_find(PartyKey::new(&s(&["C-1001", ""]), &s(&["Initech"])), &find).await.unwrap(), Some(7));
        }
        assert_eq!(calls.get(), 1);
        for _ in 0..3 {
            assert_eq!(memo.get_or_find(PartyKey::new(&s(&["NOBODY"]), &[]), &find).await.unwrap(), None);
        }
        assert_eq!(calls.get(), 2, "a party not found is remembered too");
        let failing = async |_: &PartyKey| -> Result<Option<u32>, DbErr> { Err(DbErr::Custom("down".into())) };
        assert!(memo.get_or_find(PartyKey::new(&s(&["C-9"]), &[]), failing).await.is_err());
        assert_eq!(memo.get_or_find(PartyKey::new(&s(&["C-9"]), &[]), &find).await.unwrap(), None, "an error is not remembered");
        assert_eq!(calls.get(), 3);
    }
}
