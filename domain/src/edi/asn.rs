//! The 856 ship notice, flat or in pick-pack form, read without the database.
//!
//! Hierarchical levels (`HL`): `S` shipment (carrier `TD5`, tracking `REF*CN/BM/2I`, ship-from
//! `N1*SF`), `O` order (`PRF` purchase order), `T` tare and `P` pack (label `MAN*GM` SSCC-18,
//! `PO4` weight and dimensions, `TD1` weight), `I` item (`LIN` product and line, `SN1`
//! quantity, `REF*SE` serial numbers). An item belongs to the pack above it in the tree
//! (`HL02` names the parent); a sender that leaves parents out gets the nearest pack before
//! the item. Items of one order line in several packs are one shipment line.
use super::inbound::{date8, decimal_to_minor, product_id};
use super::{EdiError, Segment, Transaction, err};
use crate::o2c::pack::{PackIn, PackItemIn};
use crate::o2c::shipment::ShipmentLineIn;
use std::collections::HashMap;

/// What a ship notice says, before its items are matched to order lines.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct ShipNotice {
    /// Position of the BSN segment, for errors about the notice as a whole.
    pub position: usize,
    pub number: String,
    pub carrier: Option<String>,
    pub tracking: Option<String>,
    pub warehouse: Option<String>,
    /// The purchase order number (`PRF01`).
    pub po: String,
    pub items: Vec<Item>,
    /// The packs and tares in the order listed; their contents come from the items.
    pub packs: Vec<PackIn>,
}

/// One item level: a product, how many shipped, in which pack, with which serial numbers.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Item {
    pub line: Option<i32>,
    pub sku: Option<String>,
    pub quantity: i64,
    pub position: usize,
    /// Index into [`ShipNotice::packs`].
    pub pack: Option<usize>,
    pub serials: Vec<String>,
}

/// A hierarchical level; a tare is read as a pack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Shipment,
    Order,
    Pack,
    Item,
}

/// The reader's state while it walks the segments of one 856.
#[derive(Default)]
struct Reader {
    notice: ShipNotice,
    level: Option<Level>,
    /// Parent id of every HL id seen.
    parents: HashMap<String, String>,
    /// Pack index of every pack or tare HL id.
    pack_ids: HashMap<String, usize>,
    /// The pack or tare level last opened, until a shipment or order level.
    last_pack: Option<usize>,
    /// The pack the current item level is in.
    item_pack: Option<usize>,
    /// Items of the current item level (`None` quantity until its SN1).
    open: Vec<(Item, Option<i64>)>,
    po: Option<String>,
}

/// Reads an 856 into a [`ShipNotice`]; every error names its segment.
pub(super) fn read(t: &Transaction) -> Result<ShipNotice, EdiError> {
    let first = t.segments.first().map(|s| s.position).unwrap_or(0);
    let bsn = t.segments.iter().find(|s| s.id() == "BSN").ok_or_else(|| err(first, "BSN", "expected a BSN segment in the 856"))?;
    let mut r = Reader::default();
    r.notice.position = bsn.position;
    r.notice.number = bsn.require(2, "the shipment identification")?.to_owned();
    date8(bsn, 3)?;
    for s in &t.segments {
        r.segment(s)?;
    }
    r.close_items()?;
    r.notice.po = r.po.ok_or_else(|| err(bsn.position, "PRF", "expected an order level (HL…O) with a PRF purchase order number"))?;
    if r.notice.items.is_empty() {
        return Err(err(bsn.position, "SN1", "expected at least one item level (HL…I) with an SN1 quantity"));
    }
    Ok(r.notice)
}

impl Reader {
    fn segment(&mut self, s: &Segment) -> Result<(), EdiError> {
        match (s.id(), self.level) {
            ("HL", _) => self.hl(s)?,
            ("PRF", _) => {
                let po = s.require(1, "the purchase order number")?;
                match &self.po {
                    Some(p) if p != po => return Err(err(s.position, "PRF", format!("expected one purchase order per ship notice, found {p} and {po}"))),
                    _ => self.po = Some(po.to_owned()),
                }
            }
            ("TD5", Some(Level::Shipment)) => self.notice.carrier = Some(if s.el(5).is_empty() { s.el(3).to_owned() } else { s.el(5).to_owned() }),
            ("REF", Some(Level::Shipment)) if matches!(s.el(1), "CN" | "BM" | "2I") => self.notice.tracking = Some(s.el(2).to_owned()),
            ("N1", Some(Level::Shipment)) if s.el(1) == "SF" => self.notice.warehouse = Some(s.el(2).to_owned()),
            ("MAN", Some(Level::Pack)) if s.el(1) == "GM" => {
                let code = sscc(s.require(2, "the SSCC-18")?);
                if let Some(pack) = self.current_pack().filter(|p| p.sscc.is_none()) {
                    pack.sscc = Some(code);
                }
            }
            ("PO4", Some(Level::Pack)) => self.po4(s)?,
            ("TD1", Some(Level::Pack)) => {
                let (weight, unit) = (measure(s, 7)?, unit(s, 8));
                // PO4 is the pack's own record and wins over TD1, whichever comes first.
                if let Some(pack) = self.current_pack().filter(|p| p.weight.is_none()) {
                    (pack.weight, pack.weight_unit) = (weight, unit);
                }
            }
            ("LIN", Some(Level::Item)) => {
                let line = if s.el(1).is_empty() { None } else { Some(s.el(1).parse::<i32>().map_err(|_| err(s.position, "LIN", "expected a line number in element 01"))?) };
                let item = Item { line, sku: product_id(s, 2), position: s.position, pack: self.item_pack, ..Item::default() };
                self.open.push((item, None));
            }
            ("SN1", Some(Level::Item)) => self.sn1(s)?,
            ("REF", Some(Level::Item)) if s.el(1) == "SE" => {
                let serial = s.require(2, "the serial number")?.to_owned();
                let (item, _) = self.open.last_mut().ok_or_else(|| err(s.position, "REF", "expected a LIN or SN1 before the serial number of an item"))?;
                item.serials.push(serial);
            }
            _ => {}
        }
        Ok(())
    }

    /// A new hierarchical level: closes the items of the last one and finds the new one's pack.
    fn hl(&mut self, s: &Segment) -> Result<(), EdiError> {
        self.close_items()?;
        let level = match s.el(3) {
            "S" => Level::Shipment,
            "O" => Level::Order,
            "P" | "T" => Level::Pack,
            "I" => Level::Item,
            other => return Err(err(s.position, "HL", format!("expected hierarchical level S, O, P, T or I in element 03, found {other:?}"))),
        };
        let (id, parent) = (s.el(1).to_owned(), s.el(2).to_owned());
        match level {
            Level::Shipment | Level::Order => self.last_pack = None,
            Level::Pack => {
                self.notice.packs.push(PackIn::default());
                self.last_pack = Some(self.notice.packs.len() - 1);
                if !id.is_empty() {
                    self.pack_ids.insert(id.clone(), self.notice.packs.len() - 1);
                }
            }
            Level::Item => self.item_pack = self.pack_above(&parent),
        }
        if !id.is_empty() {
            self.parents.insert(id, parent);
        }
        self.level = Some(level);
        Ok(())
    }

    /// The nearest pack above the level with parent id `parent`; the last pack opened when
    /// the parent is not named or not known.
    fn pack_above(&self, parent: &str) -> Option<usize> {
        if !self.parents.contains_key(parent) {
            return self.last_pack;
        }
        let mut id = parent;
        // Bounded by the number of levels, so a loop of parents ends.
        for _ in 0..=self.parents.len() {
            if let Some(&i) = self.pack_ids.get(id) {
                return Some(i);
            }
            id = self.parents.get(id)?;
        }
        None
    }

    /// The pack of the current pack level (always there: the level opened it).
    fn current_pack(&mut self) -> Option<&mut PackIn> {
        self.last_pack.and_then(|i| self.notice.packs.get_mut(i))
    }

    /// `PO4`: gross weight (06, unit 07) and length, width, height (10–12, unit 13).
    fn po4(&mut self, s: &Segment) -> Result<(), EdiError> {
        let weight = measure(s, 6)?;
        let dims = (measure(s, 10)?, measure(s, 11)?, measure(s, 12)?);
        let Some(pack) = self.current_pack() else { return Ok(()) };
        if weight.is_some() {
            (pack.weight, pack.weight_unit) = (weight, unit(s, 7));
        }
        if dims != (None, None, None) {
            (pack.length, pack.width, pack.height) = dims;
            pack.dimension_unit = unit(s, 13);
        }
        Ok(())
    }

    /// `SN1`: the quantity of the item its LIN opened, or an item of its own (its line number
    /// in element 01) when there is none waiting.
    fn sn1(&mut self, s: &Segment) -> Result<(), EdiError> {
        let q = s.require(2, "the number of units shipped")?;
        let qty = decimal_to_minor(q, 0).ok_or_else(|| err(s.position, "SN1", format!("expected a whole quantity in element 02, found {q:?}")))?;
        let line = if s.el(1).is_empty() { None } else { s.el(1).parse::<i32>().ok() };
        match self.open.last_mut() {
            Some((item, quantity @ None)) => {
                *quantity = Some(qty);
                item.line = item.line.or(line);
            }
            _ => self.open.push((Item { line, position: s.position, pack: self.item_pack, ..Item::default() }, Some(qty))),
        }
        Ok(())
    }

    /// Moves the items of the level just ended to the notice; each needs its SN1.
    fn close_items(&mut self) -> Result<(), EdiError> {
        for (mut item, quantity) in self.open.drain(..) {
            item.quantity = quantity.ok_or_else(|| err(item.position, "LIN", "expected an SN1 quantity for the item"))?;
            self.notice.items.push(item);
        }
        Ok(())
    }
}

/// An SSCC as labels print it: `(00)` or `00` (its GS1 application identifier) before 18
/// digits, spaces between groups. Digits are kept without those; anything else as sent.
fn sscc(v: &str) -> String {
    let digits: String = v.chars().filter(|c| !matches!(c, ' ' | '(' | ')')).collect();
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if digits.len() == 20 && digits.starts_with("00") { digits[2..].to_owned() } else { digits }
    } else {
        v.trim().to_owned()
    }
}

/// A decimal number in element `n` (`12`, `12.5`), or `None` when it is empty.
fn measure(s: &Segment, n: usize) -> Result<Option<f64>, EdiError> {
    let v = s.el(n);
    if v.is_empty() {
        return Ok(None);
    }
    let plain = v.bytes().all(|b| b.is_ascii_digit() || b == b'.') && v.matches('.').count() <= 1 && v != ".";
    match v.parse::<f64>() {
        Ok(x) if plain && x.is_finite() => Ok(Some(x)),
        _ => Err(err(s.position, s.id(), format!("expected a decimal number in element {n:02}, found {v:?}"))),
    }
}

/// A unit code in element `n`, or `None` when it is empty.
fn unit(s: &Segment, n: usize) -> Option<String> {
    Some(s.el(n).to_owned()).filter(|u| !u.is_empty())
}

/// Matches the notice's items to order lines (their LIN or SN1 line number, else their SKU
/// through `line_of_sku`) and answers one shipment line per order line, with the quantities
/// and serial numbers of all its items, and the packs with what each holds.
pub(super) fn aggregate(notice: &ShipNotice, line_of_sku: impl Fn(&str) -> Option<i32>, order_number: &str) -> Result<(Vec<ShipmentLineIn>, Vec<PackIn>), EdiError> {
    let mut lines: Vec<ShipmentLineIn> = Vec::new();
    let mut packs = notice.packs.clone();
    for item in &notice.items {
        let line = match (item.line, &item.sku) {
            (Some(l), _) => l,
            (None, Some(sku)) => line_of_sku(sku).ok_or_else(|| err(item.position, "LIN", format!("expected a SKU of order {order_number}, found {sku:?}")))?,
            (None, None) => return Err(err(item.position, "LIN", "expected a line number or product id")),
        };
        let too_large = || err(item.position, "SN1", format!("expected a total quantity of line {line} that fits"));
        match lines.iter_mut().find(|l| l.line == line) {
            Some(l) => l.quantity = l.quantity.checked_add(item.quantity).ok_or_else(too_large)?,
            None => lines.push(ShipmentLineIn { line, quantity: item.quantity, serials: vec![] }),
        }
        if let Some(pack) = item.pack.and_then(|p| packs.get_mut(p)) {
            match pack.contents.iter_mut().find(|c| c.line == line) {
                Some(c) => {
                    c.quantity = c.quantity.checked_add(item.quantity).ok_or_else(too_large)?;
                    c.serials.extend(item.serials.iter().cloned());
                }
                None => pack.contents.push(PackItemIn { line, quantity: item.quantity, serials: item.serials.clone() }),
            }
        } else if let Some(l) = lines.iter_mut().find(|l| l.line == line) {
            // Serial numbers of unpacked units stay with the line (those in packs are added
            // to it when the shipment is recorded).
            l.serials.extend(item.serials.iter().cloned());
        }
    }
    Ok((lines, packs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edi::test_set;

    const HEAD: &str = "BSN*00*ASN-1*20261125*1400*0001~HL*1**S~TD5*B*2*UPSN*M*UPS Ground~REF*BM*BOL-7~N1*SF*Main DC~HL*2*1*O~PRF*PO-1~";

    /// The order of the tests: line 1 is SKU `A`, line 2 SKU `B`.
    fn line_of_sku(sku: &str) -> Option<i32> {
        match sku {
            "A" => Some(1),
            "B" => Some(2),
            _ => None,
        }
    }

    /// The notice read and aggregated: (line, quantity, serials) per line, and per pack its
    /// SSCC, weight and (line, quantity, serials) contents.
    #[allow(clippy::type_complexity)]
    fn read_body(body: &str) -> Result<(Vec<(i32, i64, Vec<String>)>, Vec<(Option<String>, Option<f64>, Vec<(i32, i64, Vec<String>)>)>), String> {
        let notice = read(&test_set("856", &format!("{HEAD}{body}"))).map_err(|e| e.to_string())?;
        let (lines, packs) = aggregate(&notice, line_of_sku, "SO-1").map_err(|e| e.to_string())?;
        let lines = lines.into_iter().map(|l| (l.line, l.quantity, l.serials)).collect();
        let packs = packs.into_iter().map(|p| (p.sscc, p.weight, p.contents.into_iter().map(|c| (c.line, c.quantity, c.serials)).collect())).collect();
        Ok((lines, packs))
    }

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn items_of_one_order_line_in_several_packs_are_one_shipment_line_and_each_pack_keeps_its_share() {
        let ssc1 = "006141410000000017";
        let ssc2 = "006141410000000024";
        type Want = (Vec<(i32, i64, Vec<String>)>, Vec<(Option<String>, Option<f64>, Vec<(i32, i64, Vec<String>)>)>);
        let cases: Vec<(&str, String, Want)> = vec![
            ("flat: items under the order", "HL*3*2*I~LIN*1*VP*A~SN1**10*EA~HL*4*2*I~LIN**VP*B~SN1**1*EA~".into(), (vec![(1, 10, vec![]), (2, 1, vec![])], vec![])),
            (
                "pick-pack: line 1 in both cartons",
                format!(
                    "HL*3*2*P~PO4*1*6*EA*CTN25*G*20.5*LB***16*12*10*IN~MAN*GM*00{ssc1}~HL*4*3*I~LIN*1*VP*A~SN1*1*6*EA~REF*SE*S1~REF*SE*S2~\
                     HL*5*2*P~MAN*GM*{ssc2}~PO4*1*4*EA*CTN25*G*12*LB~HL*6*5*I~LIN*1*VP*A~SN1*1*4*EA~REF*SE*S3~HL*7*5*I~LIN**VP*B~SN1**3*EA~"
                ),
                (
                    vec![(1, 10, vec![]), (2, 3, vec![])],
                    vec![(Some(ssc1.into()), Some(20.5), vec![(1, 6, v(&["S1", "S2"]))]), (Some(ssc2.into()), Some(12.0), vec![(1, 4, v(&["S3"])), (2, 3, vec![])])],
                ),
            ),
            (
                "a pallet (tare) of cartons: items belong to their carton",
                format!("HL*3*2*T~MAN*GM*{ssc1}~TD1*PLT94*1****G*400*LB~HL*4*3*P~MAN*GM*{ssc2}~HL*5*4*I~SN1*2*5*EA~"),
                (vec![(2, 5, vec![])], vec![(Some(ssc1.into()), Some(400.0), vec![]), (Some(ssc2.into()), None, vec![(2, 5, vec![])])]),
            ),
            (
                "no parent ids: an item is in the pack before it",
                "HL*3**P~MAN*GM*(00) 0 0614141 000000001 7~HL*4**I~LIN**VP*A~SN1**2*EA~REF*SE*X~HL*5**O~HL*6**I~LIN**VP*A~SN1**1*EA~REF*SE*Y~".into(),
                (vec![(1, 3, v(&["Y"]))], vec![(Some(ssc1.into()), None, vec![(1, 2, v(&["X"]))])]),
            ),
        ];
        for (name, body, want) in cases {
            assert_eq!(read_body(&body), Ok(want), "{name}");
        }
    }

    #[test]
    fn a_pack_keeps_its_weight_dimensions_and_units_from_po4_before_td1() {
        let notice = read(&test_set("856", &format!("{HEAD}HL*3*2*P~TD1*CTN25*1****G*9*KG~PO4*1*6*EA*CTN25*G*20.5*LB***16*12*10.5*IN~HL*4*3*I~SN1*1*1*EA~"))).unwrap();
        let p = &notice.packs[0];
        assert_eq!((p.weight, p.weight_unit.as_deref()), (Some(20.5), Some("LB")));
        assert_eq!((p.length, p.width, p.height, p.dimension_unit.as_deref()), (Some(16.0), Some(12.0), Some(10.5), Some("IN")));
        assert_eq!((notice.carrier.as_deref(), notice.tracking.as_deref(), notice.warehouse.as_deref(), notice.po.as_str()), (Some("UPS Ground"), Some("BOL-7"), Some("Main DC"), "PO-1"));
    }

    #[test]
    fn a_ship_notice_that_cannot_be_read_is_refused_naming_the_segment() {
        let cases = [
            ("HL*3*2*I~LIN**VP*Z~SN1**1*EA~", "segment 11 (LIN): expected a SKU of order SO-1, found \"Z\""),
            ("HL*3*2*I~LIN*1*VP*A~HL*4*2*I~SN1*2*1*EA~", "segment 11 (LIN): expected an SN1 quantity for the item"),
            ("HL*3*2*P~PO4*1*6*EA*CTN25*G*12,5*LB~HL*4*3*I~SN1*1*1*EA~", "segment 11 (PO4): expected a decimal number in element 06, found \"12,5\""),
            ("HL*3*2*I~SN1*1*1*EA~HL*4*1*O~PRF*PO-2~", "segment 13 (PRF): expected one purchase order per ship notice, found PO-1 and PO-2"),
            ("HL*3*2*I~REF*SE*X~SN1*1*1*EA~", "segment 11 (REF): expected a LIN or SN1 before the serial number of an item"),
            ("HL*3*2*X~", "segment 10 (HL): expected hierarchical level S, O, P, T or I in element 03, found \"X\""),
            ("", "segment 3 (SN1): expected at least one item level (HL…I) with an SN1 quantity"),
        ];
        for (body, want) in cases {
            assert_eq!(read_body(body).map(|_| ()), Err(want.to_owned()), "{body}");
        }
    }

    #[test]
    fn an_sscc_is_kept_as_its_eighteen_digits() {
        let cases = [
            ("00106141411234567897", "106141411234567897"),
            ("106141411234567897", "106141411234567897"),
            ("(00) 1 0614141 123456789 7", "106141411234567897"),
            ("0012", "0012"),
            ("CTN-7 ", "CTN-7"),
        ];
        for (label, want) in cases {
            assert_eq!(sscc(label), want, "{label:?}");
        }
    }
}
