//! Packs: the cartons and pallets a shipment travels in (a pick-pack ship notice lists them),
//! what each holds by order line, and the serial numbers in it. They are written with the
//! shipment's lines, in the same transaction, and only the first time its lines are.
use super::shipment::ShipmentLineIn;
use crate::entity::{shipment_pack, shipment_pack_item};
use crate::events::{Fail, reject};
use chrono::Utc;
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Longest SSCC accepted: an SSCC-18, with room for the `00` application identifier and the
/// 48 characters of an X12 `MAN02`.
const MAX_SSCC: usize = 48;
/// Longest serial number accepted.
const MAX_SERIAL: usize = 64;
/// Longest unit code accepted (`LB`, `KG`, `IN`, `CM`, or a name such as `pound`).
const MAX_UNIT: usize = 16;
/// Rows per insert statement: well below the bind-parameter limits of SQLite and PostgreSQL.
const INSERT_CHUNK: usize = 500;

/// One carton or pallet of a shipment.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PackIn {
    /// The serial shipping container code on the pack's label: an SSCC-18 (18 digits).
    #[serde(default)]
    pub sscc: Option<String>,
    /// Gross weight, in `weight_unit`.
    #[serde(default)]
    pub weight: Option<f64>,
    /// Unit of `weight`: an X12 unit code such as `LB` or `KG`.
    #[serde(default)]
    pub weight_unit: Option<String>,
    /// Length, in `dimension_unit`.
    #[serde(default)]
    pub length: Option<f64>,
    /// Width, in `dimension_unit`.
    #[serde(default)]
    pub width: Option<f64>,
    /// Height, in `dimension_unit`.
    #[serde(default)]
    pub height: Option<f64>,
    /// Unit of length, width and height: an X12 unit code such as `IN` or `CM`.
    #[serde(default)]
    pub dimension_unit: Option<String>,
    /// What the pack holds, one entry per order line. Each line must be one the shipment
    /// carries, and the packs together hold no more of it than the shipment does.
    #[serde(default)]
    pub contents: Vec<PackItemIn>,
}

/// What a pack holds of one order line.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PackItemIn {
    /// The order line number.
    pub line: i32,
    /// Units of the line in this pack.
    pub quantity: i64,
    /// Serial numbers of those units.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serials: Vec<String>,
}

/// Checks serial numbers: none blank, none longer than [`MAX_SERIAL`].
pub(crate) fn validate_serials(field: &str, serials: &[String]) -> Result<(), Fail> {
    for (k, s) in serials.iter().enumerate() {
        if s.trim().is_empty() || s.len() > MAX_SERIAL {
            return Err(reject(format!("{field}[{k}]"), format!("must be 1 to {MAX_SERIAL} characters")));
        }
    }
    Ok(())
}

/// Checks a measurement: a finite number, not negative.
fn measurement(field: String, v: Option<f64>) -> Result<(), Fail> {
    match v {
        Some(x) if !x.is_finite() || x < 0.0 => Err(reject(field, "must be a number, not negative")),
        _ => Ok(()),
    }
}

/// Checks an optional short text: when present, 1 to `max` characters.
fn short_text(field: String, v: Option<&str>, max: usize) -> Result<(), Fail> {
    match v {
        Some(t) if t.trim().is_empty() || t.len() > max => Err(reject(field, format!("must be 1 to {max} characters"))),
        _ => Ok(()),
    }
}

/// Checks the packs of a shipment against its `lines` (one per order line); the first problem
/// is answered. A pack may only hold lines the shipment carries, and all packs together no
/// more of a line than the shipment carries (units may also travel unpacked).
pub fn validate(packs: &[PackIn], lines: &[ShipmentLineIn]) -> Result<(), Fail> {
    let mut packed: HashMap<i32, i64> = HashMap::new();
    for (i, p) in packs.iter().enumerate() {
        let f = |name: &str| format!("payload.packs[{i}].{name}");
        short_text(f("sscc"), p.sscc.as_deref(), MAX_SSCC)?;
        short_text(f("weight_unit"), p.weight_unit.as_deref(), MAX_UNIT)?;
        short_text(f("dimension_unit"), p.dimension_unit.as_deref(), MAX_UNIT)?;
        for (name, v) in [("weight", p.weight), ("length", p.length), ("width", p.width), ("height", p.height)] {
            measurement(f(name), v)?;
        }
        for (j, item) in p.contents.iter().enumerate() {
            let g = |name: &str| format!("payload.packs[{i}].contents[{j}].{name}");
            if item.quantity <= 0 {
                return Err(reject(g("quantity"), "must be greater than zero"));
            }
            let Some(shipped) = lines.iter().find(|l| l.line == item.line) else {
                return Err(reject(g("line"), format!("the shipment carries no line {}", item.line)));
            };
            validate_serials(&g("serials"), &item.serials)?;
            let total = packed.entry(item.line).or_default();
            *total = total.saturating_add(item.quantity);
            if *total > shipped.quantity {
                return Err(reject(g("quantity"), format!("the packs hold {total} of line {} but the shipment carries {}", item.line, shipped.quantity)));
            }
        }
    }
    Ok(())
}

/// Serial numbers as stored: a JSON array of text, or `None` for none.
pub(crate) fn serials_text(serials: &[String]) -> Option<String> {
    if serials.is_empty() { None } else { serde_json::to_string(serials).ok() }
}

/// Serial numbers as stored by [`serials_text`]; unreadable text reads as none.
pub fn serials_of(text: Option<&str>) -> Vec<String> {
    text.and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default()
}

/// Stores the packs of a shipment and what each holds, in the order given.
pub(crate) async fn record<C: ConnectionTrait>(c: &C, shipment_id: Uuid, packs: &[PackIn]) -> Result<(), DbErr> {
    let now = Utc::now();
    let mut pack_rows = Vec::with_capacity(packs.len());
    let mut item_rows = Vec::new();
    for (seq, p) in packs.iter().enumerate() {
        let id = crate::new_id();
        pack_rows.push(shipment_pack::ActiveModel {
            id: Set(id),
            shipment_id: Set(shipment_id),
            seq: Set(i32::try_from(seq).unwrap_or(i32::MAX)),
            sscc: Set(p.sscc.as_deref().map(|s| s.trim().to_owned())),
            weight: Set(p.weight),
            weight_unit: Set(p.weight_unit.clone()),
            length: Set(p.length),
            width: Set(p.width),
            height: Set(p.height),
            dimension_unit: Set(p.dimension_unit.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        });
        for item in merge_contents(&p.contents) {
            item_rows.push(shipment_pack_item::ActiveModel {
                id: Set(crate::new_id()),
                pack_id: Set(id),
                line_no: Set(item.line),
                quantity: Set(item.quantity),
                serials: Set(serials_text(&item.serials)),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
    }
    for chunk in pack_rows.chunks(INSERT_CHUNK) {
        shipment_pack::Entity::insert_many(chunk.to_vec()).exec(c).await?;
    }
    for chunk in item_rows.chunks(INSERT_CHUNK) {
        shipment_pack_item::Entity::insert_many(chunk.to_vec()).exec(c).await?;
    }
    Ok(())
}

/// A pack's contents with one entry per line (quantities added, serials joined), in the
/// order the lines first appear. [`validate`] has bounded the sums.
fn merge_contents(contents: &[PackItemIn]) -> Vec<PackItemIn> {
    let mut out: Vec<PackItemIn> = Vec::new();
    for item in contents {
        match out.iter_mut().find(|o| o.line == item.line) {
            Some(o) => {
                o.quantity = o.quantity.saturating_add(item.quantity);
                o.serials.extend(item.serials.iter().cloned());
            }
            None => out.push(item.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(line: i32, quantity: i64) -> ShipmentLineIn {
        ShipmentLineIn { line, quantity, serials: vec![] }
    }

    fn item(line: i32, quantity: i64) -> PackItemIn {
        PackItemIn { line, quantity, serials: vec![] }
    }

    fn field_of(r: Result<(), Fail>) -> Option<String> {
        match r {
            Ok(()) => None,
            Err(Fail::Reject(e)) => Some(e[0].field.clone()),
            Err(Fail::Db(e)) => panic!("{e}"),
        }
    }

    #[test]
    fn packs_are_refused_for_their_first_bad_field() {
        let lines = [line(1, 10), line(2, 3)];
        let pack = |contents: Vec<PackItemIn>| PackIn { sscc: Some("006141410000000017".into()), weight: Some(20.5), weight_unit: Some("LB".into()), contents, ..Default::default() };
        let cases: Vec<(Vec<PackIn>, Option<&str>)> = vec![
            (vec![pack(vec![item(1, 6)]), pack(vec![item(1, 4), item(2, 3)])], None),
            (vec![pack(vec![])], None),
            (vec![PackIn { sscc: Some(" ".into()), ..Default::default() }], Some("payload.packs[0].sscc")),
            (vec![PackIn { weight: Some(-1.0), ..Default::default() }], Some("payload.packs[0].weight")),
            (vec![PackIn { height: Some(f64::NAN), ..Default::default() }], Some("payload.packs[0].height")),
            (vec![PackIn { dimension_unit: Some("x".repeat(17)), ..Default::default() }], Some("payload.packs[0].dimension_unit")),
            (vec![pack(vec![item(3, 1)])], Some("payload.packs[0].contents[0].line")),
            (vec![pack(vec![item(2, 0)])], Some("payload.packs[0].contents[0].quantity")),
            (vec![pack(vec![item(1, 6)]), pack(vec![item(1, 5)])], Some("payload.packs[1].contents[0].quantity")),
            (vec![pack(vec![PackItemIn { line: 1, quantity: 1, serials: vec!["".into()] }])], Some("payload.packs[0].contents[0].serials[0]")),
        ];
        for (i, (packs, want)) in cases.into_iter().enumerate() {
            assert_eq!(field_of(validate(&packs, &lines)).as_deref(), want, "case {i}");
        }
    }

    #[test]
    fn serial_numbers_are_stored_as_a_json_array_and_none_as_nothing() {
        let cases: [(&[&str], Option<&str>); 3] = [(&[], None), (&["SN-1"], Some(r#"["SN-1"]"#)), (&["A\"1", "B"], Some(r#"["A\"1","B"]"#))];
        for (serials, want) in cases {
            let serials: Vec<String> = serials.iter().map(|s| (*s).to_owned()).collect();
            let text = serials_text(&serials);
            assert_eq!(text.as_deref(), want);
            assert_eq!(serials_of(text.as_deref()), serials);
        }
        assert!(serials_of(Some("not json")).is_empty());
    }

    #[test]
    fn one_line_listed_twice_in_a_pack_is_held_once_with_both_quantities() {
        let merged = merge_contents(&[PackItemIn { line: 1, quantity: 2, serials: vec!["A".into()] }, item(2, 1), PackItemIn { line: 1, quantity: 3, serials: vec!["B".into()] }]);
        assert_eq!(merged, vec![PackItemIn { line: 1, quantity: 5, serials: vec!["A".into(), "B".into()] }, item(2, 1)]);
    }
}
