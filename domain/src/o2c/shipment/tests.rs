//! Table-driven tests of the pure rules in [`super`].
use super::*;
use super::super::pack::PackItemIn;
use chrono::TimeZone;

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
    lines.iter().map(|&(line, quantity)| ShipmentLineIn { line, quantity, serials: vec![] }).collect()
}

fn t(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, hour, 0, 0).unwrap()
}

#[test]
fn a_shipment_adds_to_the_shipped_quantities_and_names_each_line_it_ships_past_the_order() {
    let over = |line, ordered, shipped| Overage { line, ordered, shipped };
    let cases: [(&[(i32, i64)], Result<([i64; 2], Vec<Overage>), (&str, &str)>); 6] = [
        (&[(1, 2)], Ok(([5, 0], vec![]))),
        (&[(1, 2), (2, 4)], Ok(([5, 4], vec![]))),
        (&[(1, 3)], Ok(([6, 0], vec![over(1, 5, 6)]))),
        (&[(2, 7), (1, 9)], Ok(([12, 7], vec![over(2, 4, 7), over(1, 5, 12)]))),
        (&[(3, 1)], Err(("payload.lines[0].line", "order SO-1 has no line 3"))),
        (&[(1, i64::MAX)], Err(("payload.lines[0].quantity", "the shipped total is too large"))),
    ];
    for (wanted, want) in cases {
        let mut lines = vec![line(1, 5, 3), line(2, 4, 0)];
        let got = match ship_lines("SO-1", &mut lines, &shipped(wanted)) {
            Ok(over) => Ok(([lines[0].quantity_shipped, lines[1].quantity_shipped], over)),
            Err(Fail::Reject(e)) => Err((e[0].field.clone(), e[0].reason.clone())),
            Err(Fail::Db(e)) => panic!("{e}"),
        };
        let want = want.map_err(|(field, reason)| (field.to_owned(), reason.to_owned()));
        assert_eq!(got, want, "{wanted:?}");
    }
    assert_eq!(over(1, 10, 12).excess(), 2);
}

#[test]
fn a_line_listed_twice_is_shipped_once_with_both_quantities_and_every_serial_once() {
    let l = |line: i32, quantity: i64, serials: &[&str]| ShipmentLineIn { line, quantity, serials: serials.iter().map(|s| (*s).to_owned()).collect() };
    let pack = |line: i32, quantity: i64, serials: &[&str]| PackIn {
        contents: vec![PackItemIn { line, quantity, serials: serials.iter().map(|s| (*s).to_owned()).collect() }],
        ..Default::default()
    };
    let cases: Vec<(Vec<ShipmentLineIn>, Vec<PackIn>, Vec<ShipmentLineIn>)> = vec![
        (vec![l(1, 6, &[]), l(2, 3, &[]), l(1, 4, &[])], vec![], vec![l(1, 10, &[]), l(2, 3, &[])]),
        (vec![l(1, 2, &["A"])], vec![pack(1, 1, &["A"]), pack(1, 1, &["B"])], vec![l(1, 2, &["A", "B"])]),
        (vec![l(2, 1, &[])], vec![pack(1, 1, &["X"])], vec![l(2, 1, &[])]),
    ];
    for (lines, packs, want) in cases {
        assert_eq!(merge_lines(&lines, &packs).ok(), Some(want.clone()), "{lines:?}");
    }
    assert!(merge_lines(&[l(1, i64::MAX, &[]), l(1, 1, &[])], &[]).is_err(), "an overflowing total is refused");
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
fn the_earliest_report_of_a_delivery_counts_whatever_order_they_arrive_in() {
    let cases = [(None, 12, 12), (Some(12), 10, 10), (Some(10), 12, 10), (Some(10), 10, 10)];
    for (recorded, at, want) in cases {
        assert_eq!(delivered_at(recorded.map(t), t(at)), t(want), "recorded {recorded:?}, reported at {at}h");
    }
    let in_order = delivered_at(Some(delivered_at(None, t(10))), t(12));
    let reversed = delivered_at(Some(delivered_at(None, t(12))), t(10));
    assert_eq!(in_order, reversed);
}

#[test]
fn an_order_is_delivered_when_its_last_shipment_was() {
    let cases: [(&[Option<u32>], Option<u32>); 4] = [(&[Some(10)], Some(10)), (&[Some(12), Some(10)], Some(12)), (&[Some(10), None], None), (&[], None)];
    for (shipments, want) in cases {
        let times: Vec<_> = shipments.iter().map(|s| s.map(t)).collect();
        assert_eq!(order_delivered_at(&times), want.map(t), "{shipments:?}");
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
        packs: vec![],
    };
    let cases: [(Box<dyn Fn(&mut ShipmentIn)>, Option<&str>); 8] = [
        (Box::new(|_| {}), None),
        (Box::new(|s| s.number = " ".into()), Some("payload.number")),
        (Box::new(|s| s.order_number = String::new()), Some("payload.order_number")),
        (Box::new(|s| s.tracking_url = Some("ftp://x".into())), Some("payload.tracking_url")),
        (Box::new(|s| s.lines.clear()), Some("payload.lines")),
        (Box::new(|s| s.lines = shipped(&[(1, 1), (2, 0)])), Some("payload.lines[1].quantity")),
        (Box::new(|s| s.lines[0].serials = vec!["x".repeat(65)]), Some("payload.lines[0].serials[0]")),
        (Box::new(|s| s.packs = vec![PackIn { contents: vec![PackItemIn { line: 1, quantity: 2, serials: vec![] }], ..Default::default() }]), Some("payload.packs[0].contents[0].quantity")),
    ];
    for (i, (change, want)) in cases.iter().enumerate() {
        let mut s = base();
        change(&mut s);
        let got = match validate(&s) {
            Ok(_) => None,
            Err(Fail::Reject(e)) => Some(e[0].field.clone()),
            Err(Fail::Db(e)) => panic!("{e}"),
        };
        assert_eq!(got.as_deref(), *want, "case {i}");
    }
}

#[test]
fn a_shipment_without_packs_reads_and_writes_as_before() {
    let s: ShipmentIn = serde_json::from_value(serde_json::json!({"number": "SH-1", "order_number": "SO-1", "lines": [{"line": 1, "quantity": 2}]})).unwrap();
    assert!(s.packs.is_empty() && s.lines[0].serials.is_empty());
    let v = serde_json::to_value(&s).unwrap();
    assert!(v.get("packs").is_none() && v["lines"][0].get("serials").is_none(), "{v}");
}

#[test]
fn shipment_statuses_are_stored_as_their_lowercase_names() {
    for (status, text) in [(ShipmentStatus::Dispatched, "dispatched"), (ShipmentStatus::Delivered, "delivered")] {
        assert_eq!(status.as_str(), text);
        assert_eq!(text.parse::<ShipmentStatus>(), Ok(status));
        assert_eq!(serde_json::to_value(status).unwrap(), text);
    }
}
