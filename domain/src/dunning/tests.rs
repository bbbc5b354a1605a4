use super::*;

fn date(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

#[test]
fn the_latest_step_whose_day_has_come_is_sent_once() {
    let days = [0, 7, 21, 45];
    let due = date(12, 1);
    // (today, last sent) → step to send
    let cases = [
        (date(11, 30), None, None),
        (date(12, 1), None, Some(0)),
        (date(12, 1), Some(0), None),
        (date(12, 8), Some(0), Some(1)),
        (date(12, 20), Some(1), None),
        // Paused through days 7 and 21: the customer gets the one that fits, not both.
        (date(12, 23), Some(0), Some(2)),
        (date(12, 31), Some(2), None),
        (NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(), Some(2), Some(3)),
        (NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(), Some(3), None),
    ];
    for (today, last, want) in cases {
        assert_eq!(next_step(&days, due, today, last), want, "{today} after {last:?}");
    }
}

#[test]
fn the_next_look_is_the_next_steps_day() {
    let days = [3, 10, 30];
    let due = date(12, 1);
    assert_eq!(next_check(&days, due, date(12, 1), None), Some(date(12, 4)));
    assert_eq!(next_check(&days, due, date(12, 4), Some(0)), Some(date(12, 11)));
    assert_eq!(next_check(&days, due, date(12, 31), Some(2)), None, "the sequence is done");
}

#[test]
fn disputes_and_unlapsed_promises_pause_reminders() {
    let today = date(12, 10);
    let cases = [
        ("open", None, None),
        ("disputed", None, Some(Pause::Dispute)),
        ("open", Some(date(12, 10)), Some(Pause::Promise(date(12, 10)))),
        ("partially_paid", Some(date(12, 20)), Some(Pause::Promise(date(12, 20)))),
        ("open", Some(date(12, 9)), None),
    ];
    for (status, promise, want) in cases {
        assert_eq!(pause(status, false, promise, today), want, "{status} {promise:?}");
    }
    assert_eq!(pause("open", true, None, today), Some(Pause::Dispute), "an open dispute the ERP's notes did not count");
    assert_eq!(Pause::Promise(date(12, 20)).recheck(today), date(12, 21));
    assert_eq!(Pause::Dispute.recheck(today), date(12, 11));
    assert_eq!(Pause::Promise(date(12, 20)).said(), "Paused: payment promised by 2026-12-20");
}

#[test]
fn templates_fill_known_placeholders_and_refuse_unknown_ones() {
    let fill = Fill { customer: "Initech".into(), invoice: "INV-7".into(), open_amount: "$90.00".into(), days_overdue: "3".into(), ..Default::default() };
    assert_eq!(render("Hello {customer}, {invoice} ({open_amount}) is {days_overdue} days late. {", &fill), "Hello Initech, INV-7 ($90.00) is 3 days late. {");
    assert_eq!(render("{customer}{customer}", &fill), "InitechInitech");
    assert!(unknown_placeholders("Dear {customer}").is_ok());
    let err = unknown_placeholders("Dear {name}, pay {amount}").unwrap_err();
    assert!(err.starts_with("{name}, {amount} is not a placeholder; use {customer}"), "{err}");
}

#[test]
fn a_segment_finds_its_sequence_or_the_default() {
    let d = Dunning::default();
    assert_eq!(d.for_segment(Some(" Key Accounts ")).unwrap().steps[0].days, 3);
    assert_eq!(d.for_segment(Some("contractor")).unwrap().steps[0].days, 0);
    assert_eq!(d.for_segment(None).unwrap().steps.len(), 4);
}

#[test]
fn settings_are_checked_and_each_problem_named() {
    assert!(Dunning::default().check().is_ok());
    let mut d = Dunning::default();
    d.sequences[0].steps[1].days = 3;
    d.sequences[0].steps[2].subject = "Pay {amount}".into();
    d.sequences[1].segment = "Key accounts".into();
    let err = d.check().unwrap_err();
    assert!(err.contains("two steps on day 3"), "{err}");
    assert!(err.contains("{amount} is not a placeholder"), "{err}");
    assert!(err.contains("listed twice"), "{err}");
    assert!(err.contains("a default sequence"), "{err}");
    let mut d = Dunning::default();
    d.sequences[1].steps[0].days = 400;
    d.sequences[1].steps.retain(|s| s.days != 7);
    let err = d.check().unwrap_err();
    assert!(err.contains("the default sequence, step 3: days must be between 0 and 365"), "{err}");
    let sorted = Dunning { sequences: vec![Sequence { segment: " ".into(), steps: vec![step(9, "b", "s", "b"), step(2, "a", "s", "b")] }] }.check().unwrap();
    assert_eq!(sorted.sequences[0].steps.iter().map(|s| s.days).collect::<Vec<_>>(), [2, 9]);
}

#[test]
fn promises_are_checked_field_by_field() {
    use promises::{PromiseIn, check};
    let today = date(12, 10);
    let p = |on: &str, amount: &str| PromiseIn { promised_on: on.into(), amount: amount.into(), note: String::new() };
    assert_eq!(check(&p("2026-12-20", ""), "USD", 9_000, today), Ok((date(12, 20), 9_000)));
    assert_eq!(check(&p("2026-12-10", "45.50"), "USD", 9_000, today), Ok((today, 4_550)));
    for (input, field) in [(p("2026-12-09", ""), "promised_on: 2026-12-09 has passed"), (p("2027-06-01", ""), "more than 90 days"), (p("soon", ""), "not a date"), (p("2026-12-20", "0"), "amount: must be more"), (p("2026-12-20", "91.00"), "more than the USD 90.00 open"), (p("2026-12-20", "lots"), "amount:")] {
        let err = check(&input, "USD", 9_000, today).unwrap_err();
        assert!(err.contains(field), "{err}");
    }
}

#[test]
fn the_last_step_sent_survives_edits_of_the_sequence() {
    // (step days now, days of the reminders sent) → index of the last step sent
    let cases: [(&[i32], &[i32], Option<usize>); 6] = [
        (&[0, 7, 21], &[], None),
        (&[0, 7, 21], &[0, 7], Some(1)),
        // "Reminder" moved from day 7 to day 8 after it went out: not sent again.
        (&[0, 8, 21], &[0, 7], Some(1)),
        // A step added at day 3 after days 0 and 7 went out: not sent late.
        (&[0, 3, 7, 21], &[0, 7], Some(2)),
        // Steps removed: the count never points past the end.
        (&[0], &[0, 7, 21], Some(0)),
        (&[5, 9], &[0], Some(0)),
    ];
    for (days, sent, want) in cases {
        assert_eq!(last_sent(days, sent), want, "{days:?} after {sent:?}");
    }
}
