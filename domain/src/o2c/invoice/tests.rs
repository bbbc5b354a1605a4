//! Table-driven tests of the pure rules in [`super`].
use super::*;
use chrono::TimeZone;

fn t(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, hour, 0, 0).unwrap()
}

fn standing(status: Option<InvoiceStatus>, since: u32, paid_minor: i64) -> Standing {
    Standing { status, since: t(since), paid_minor, total_minor: 1000 }
}

#[test]
fn an_invoice_moves_through_disputes_and_payments_as_they_happen() {
    use InvoiceStatus::*;
    let cases = [
        (standing(Some(Open), 9, 0), Change::Disputed, 10, Ok((Disputed, t(10)))),
        (standing(Some(PartiallyPaid), 9, 400), Change::Disputed, 9, Ok((Disputed, t(9)))),
        (standing(Some(Open), 11, 0), Change::Disputed, 10, Err(Kept::Older)),
        (standing(Some(Paid), 9, 1000), Change::Disputed, 10, Err(Kept::AlreadyPaid)),
        (standing(Some(Disputed), 9, 0), Change::Disputed, 10, Ok((Disputed, t(10)))),
        (standing(Some(Disputed), 9, 0), Change::DisputeResolved, 10, Ok((Open, t(10)))),
        (standing(Some(Disputed), 9, 400), Change::DisputeResolved, 10, Ok((PartiallyPaid, t(10)))),
        (standing(Some(Disputed), 9, 1000), Change::DisputeResolved, 10, Ok((Paid, t(10)))),
        (standing(Some(Disputed), 11, 0), Change::DisputeResolved, 10, Err(Kept::Older)),
        (standing(Some(Open), 9, 0), Change::DisputeResolved, 10, Err(Kept::NotDisputed)),
        (standing(Some(Open), 9, 0), Change::Paid { paid_minor: 400 }, 10, Ok((PartiallyPaid, t(10)))),
        (standing(Some(PartiallyPaid), 9, 400), Change::Paid { paid_minor: 1000 }, 10, Ok((Paid, t(10)))),
        (standing(Some(Open), 11, 0), Change::Paid { paid_minor: 1000 }, 10, Ok((Paid, t(11)))),
        (standing(Some(Disputed), 9, 0), Change::Paid { paid_minor: 1000 }, 10, Err(Kept::InDispute)),
        (standing(None, 9, 0), Change::Disputed, 10, Ok((Disputed, t(10)))),
        (standing(None, 9, 0), Change::DisputeResolved, 10, Err(Kept::NotDisputed)),
    ];
    for (s, change, at, want) in cases {
        assert_eq!(next(s, change, t(at)), want, "{s:?} on {change:?} at {at}h");
    }
}

#[test]
fn an_invoice_status_follows_what_was_paid_of_its_total() {
    let cases = [(0, 1000, InvoiceStatus::Open), (1, 1000, InvoiceStatus::PartiallyPaid), (999, 1000, InvoiceStatus::PartiallyPaid), (1000, 1000, InvoiceStatus::Paid), (0, 0, InvoiceStatus::Paid)];
    for (paid, total, want) in cases {
        assert_eq!(InvoiceStatus::for_amounts(paid, total), want, "{paid} of {total}");
    }
}

#[test]
fn the_earliest_delivery_or_viewing_counts_whatever_order_they_arrive_in() {
    let cases = [(None, 10, true), (Some(11), 10, true), (Some(10), 10, false), (Some(9), 10, false)];
    for (recorded, at, want) in cases {
        assert_eq!(is_first(recorded.map(t), t(at)), want, "{recorded:?} then {at}h");
    }
}

#[test]
fn an_invoice_note_is_summarised_with_its_channel_or_reason() {
    let r = |reason: Option<&str>, channel: Option<&str>| InvoiceRef { invoice_number: "INV-1".into(), reason: reason.map(String::from), channel: channel.map(String::from), amount_minor: None };
    let cases = [
        (InvoiceNote::Delivered, r(None, Some("email")), "Invoice INV-1 delivered by email"),
        (InvoiceNote::Delivered, r(None, None), "Invoice INV-1 delivered"),
        (InvoiceNote::Viewed, r(Some("ignored"), None), "Invoice INV-1 viewed"),
        (InvoiceNote::Disputed, r(Some("short shipped"), None), "Invoice INV-1 disputed: short shipped"),
        (InvoiceNote::DisputeResolved, r(Some("credit issued"), None), "Dispute on invoice INV-1 resolved: credit issued"),
        (InvoiceNote::DisputeResolved, r(None, None), "Dispute on invoice INV-1 resolved"),
        (InvoiceNote::ReminderSent, r(None, Some("email")), "Reminder sent for invoice INV-1"),
    ];
    for (note, payload, want) in cases {
        assert_eq!(note.summary("INV-1", payload), want);
    }
}

#[test]
fn invoice_statuses_are_stored_as_their_lowercase_names() {
    for (status, text) in [(InvoiceStatus::Open, "open"), (InvoiceStatus::PartiallyPaid, "partially_paid"), (InvoiceStatus::Paid, "paid"), (InvoiceStatus::Disputed, "disputed")] {
        assert_eq!(status.as_str(), text);
        assert_eq!(text.parse::<InvoiceStatus>(), Ok(status));
        assert_eq!(serde_json::to_value(status).unwrap(), text);
    }
}

#[test]
fn an_invoice_adds_its_quantities_to_the_order_lines_it_bills() {
    let now = Utc::now();
    let line = |line_no, quantity, invoiced| order_line::Model { id: Uuid::nil(), order_id: Uuid::nil(), line_no, sku: "A".into(), description: String::new(), quantity, unit_price_minor: 100, quantity_shipped: quantity, quantity_invoiced: invoiced, created_at: now, updated_at: now };
    let billed = |lines: &[(Option<i32>, i64)]| -> Vec<InvoiceLineIn> {
        lines.iter().enumerate().map(|(i, &(order_line, quantity))| InvoiceLineIn { line: i as i32 + 1, order_line, sku: "A".into(), description: String::new(), quantity, unit_price_minor: 100 }).collect()
    };
    // (invoice lines, Ok((invoiced per order line, lines touched, fully invoiced)) or the refused field)
    let cases: [(&[(Option<i32>, i64)], Result<([i64; 2], Vec<i32>, bool), &str>); 5] = [
        (&[(Some(1), 2)], Ok(([2, 1], vec![1], false))),
        (&[(Some(1), 2), (Some(2), 2)], Ok(([2, 3], vec![1, 2], true))),
        (&[(Some(2), 1), (Some(2), 1)], Ok(([0, 3], vec![2], false))),
        (&[(None, 5)], Ok(([0, 1], vec![], false))),
        (&[(Some(1), 1), (Some(3), 1)], Err("payload.lines[1].order_line")),
    ];
    for (invoice, want) in cases {
        let mut lines = vec![line(1, 2, 0), line(2, 3, 1)];
        let got = add_invoiced("SO-1", &mut lines, &billed(invoice)).map(|touched| ([lines[0].quantity_invoiced, lines[1].quantity_invoiced], touched, fully_invoiced(&lines)));
        match (got, want) {
            (Ok(got), Ok(want)) => assert_eq!(got, want, "{invoice:?}"),
            (Err(Fail::Reject(e)), Err(field)) => assert_eq!(e[0].field, field, "{invoice:?}"),
            (got, want) => panic!("{invoice:?}: got {:?}, want {want:?}", got.map_err(|_| "refused")),
        }
    }
}

fn invoice_in(tax_minor: i64, lines: &[(i64, i64)]) -> InvoiceIn {
    InvoiceIn {
        number: "INV-1".into(),
        order_number: None,
        customer: "C-1".into(),
        currency: "USD".into(),
        issued_on: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        tax_minor,
        lines: lines
            .iter()
            .enumerate()
            .map(|(i, &(quantity, unit_price_minor))| InvoiceLineIn { line: i as i32 + 1, order_line: None, sku: "A".into(), description: String::new(), quantity, unit_price_minor })
            .collect(),
    }
}

#[test]
fn a_posted_invoice_is_refused_for_its_first_bad_field() {
    let cases: [(i64, &[(i64, i64)], Result<(i64, i64), &str>); 6] = [
        (100, &[(2, 500)], Ok((1000, 1100))),
        (0, &[], Err("payload.lines")),
        (-1, &[(1, 1)], Err("payload.tax_minor")),
        (0, &[(1, 1), (0, 1)], Err("payload.lines[1].quantity")),
        (0, &[(1, -1)], Err("payload.lines[0].unit_price_minor")),
        (1, &[(1, i64::MAX)], Err("payload.lines")),
    ];
    for (tax, lines, want) in cases {
        let inv = invoice_in(tax, lines);
        let got = match validate(&inv).and_then(|_| totals(&inv)) {
            Ok(sums) => Ok(sums),
            Err(Fail::Reject(e)) => Err(e[0].field.clone()),
            Err(Fail::Db(e)) => panic!("{e}"),
        };
        assert_eq!(got, want.map_err(String::from), "tax {tax}, lines {lines:?}");
    }
}

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
    let cases = [("NET30", Some(30)), ("NET0", Some(0)), ("DUE_ON_RECEIPT", Some(0)), ("NET", None), ("NET999", None), ("30 days", None)];
    for (terms, want) in cases {
        assert_eq!(terms_days(terms), want, "{terms}");
    }
}
