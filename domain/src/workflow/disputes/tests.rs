use super::*;
use crate::workflow::kinds::{Queue, policy};
use crate::workflow::{Act, Acting};

/// Two invoice lines: 10 × 2.50 and 4 × 10.00.
fn billed() -> Vec<Billed> {
    vec![
        Billed { line_no: 1, quantity: 10, unit_price_minor: 250, amount_minor: 2_500 },
        Billed { line_no: 2, quantity: 4, unit_price_minor: 1_000, amount_minor: 4_000 },
    ]
}

fn dispute(reason: &str, lines: &[(i32, Option<i64>, Option<i64>)]) -> DisputeIn {
    DisputeIn {
        invoice_number: "INV-1".into(),
        reason: reason.into(),
        description: "two hoses arrived split".into(),
        lines: lines.iter().map(|&(line, quantity, amount_minor)| DisputeLineIn { line, quantity, amount_minor }).collect(),
    }
}

/// The fields refused, or the total disputed.
fn outcome(r: Result<Checked, Vec<FieldError>>) -> Result<i64, Vec<String>> {
    r.map(|c| c.total_minor).map_err(|errs| errs.into_iter().map(|e| e.field).collect())
}

#[test]
fn a_dispute_is_checked_line_by_line_against_the_invoice_and_its_open_amount() {
    let cases: Vec<(&str, &str, Vec<(i32, Option<i64>, Option<i64>)>, i64, Result<i64, Vec<&str>>)> = vec![
        ("a quantity is priced at the line's unit price", "damaged", vec![(2, Some(2), None)], 6_500, Ok(2_000)),
        ("an amount stands as given", "pricing", vec![(1, None, Some(300))], 6_500, Ok(300)),
        ("both: the amount counts", "quantity_short", vec![(2, Some(1), Some(900))], 6_500, Ok(900)),
        ("several lines add up", "pricing", vec![(1, None, Some(500)), (2, Some(1), None)], 6_500, Ok(1_500)),
        ("the whole invoice", "duplicate_billing", vec![(1, None, Some(2_500)), (2, None, Some(4_000))], 6_500, Ok(6_500)),
        ("an unknown line", "pricing", vec![(3, None, Some(100))], 6_500, Err(vec!["lines[0].line"])),
        ("a line twice", "pricing", vec![(1, None, Some(100)), (1, None, Some(100))], 6_500, Err(vec!["lines[1].line"])),
        ("more units than invoiced", "quantity_short", vec![(2, Some(5), None)], 6_500, Err(vec!["lines[0].quantity"])),
        ("no units", "quantity_short", vec![(2, Some(0), None)], 6_500, Err(vec!["lines[0].quantity"])),
        ("more than the line", "pricing", vec![(1, None, Some(2_501))], 6_500, Err(vec!["lines[0].amount_minor"])),
        ("a negative amount", "pricing", vec![(1, None, Some(-5))], 6_500, Err(vec!["lines[0].amount_minor"])),
        ("neither quantity nor amount", "pricing", vec![(1, None, None)], 6_500, Err(vec!["lines[0]"])),
        ("no lines", "pricing", vec![], 6_500, Err(vec!["lines"])),
        ("more than is open and not in dispute", "pricing", vec![(2, None, Some(4_000))], 3_999, Err(vec!["lines"])),
        ("an unknown reason", "too_expensive", vec![(1, None, Some(100))], 6_500, Err(vec!["reason"])),
        ("every problem at once", "nope", vec![(9, None, Some(1)), (1, None, Some(0))], 6_500, Err(vec!["reason", "lines[0].line", "lines[1].amount_minor"])),
    ];
    for (what, reason, lines, available, want) in cases {
        let got = outcome(check(&dispute(reason, &lines), &billed(), available, "USD"));
        assert_eq!(got, want.map_err(|v| v.into_iter().map(String::from).collect()), "{what}");
    }
}

#[test]
fn a_dispute_says_what_is_wrong_in_its_description() {
    let mut d = dispute("other", &[(1, None, Some(100))]);
    d.description = "   ".into();
    assert_eq!(outcome(check(&d, &billed(), 6_500, "USD")), Err(vec!["description".to_owned()]));
    d.description = "x".repeat(MAX_TEXT + 1);
    assert_eq!(outcome(check(&d, &billed(), 6_500, "USD")), Err(vec!["description".to_owned()]));
}

#[test]
fn the_refusal_of_too_much_names_both_amounts() {
    let errs = check(&dispute("pricing", &[(2, None, Some(4_000))]), &billed(), 1_000, "USD").unwrap_err();
    assert!(errs[0].reason.contains("USD 40.00") && errs[0].reason.contains("USD 10.00"), "{}", errs[0].reason);
}

#[test]
fn each_reason_routes_to_its_category_queue() {
    let cases = [
        (Reason::Pricing, Queue::Ar),
        (Reason::Tax, Queue::Ar),
        (Reason::DuplicateBilling, Queue::Ar),
        (Reason::Other, Queue::Ar),
        (Reason::QuantityShort, Queue::CustomerService),
        (Reason::Damaged, Queue::CustomerService),
        (Reason::NotReceived, Queue::CustomerService),
    ];
    for (reason, queue) in cases {
        assert_eq!(policy(&reason.kind()).queue, queue, "{reason}");
        assert_eq!(reason.as_str().parse::<Reason>(), Ok(reason));
    }
    for s in DisputeStatus::ALL {
        assert_eq!(s.as_str().parse::<DisputeStatus>(), Ok(s));
    }
}

fn resolve_in(outcome: &str, amount_minor: Option<i64>, note: Option<&str>, reason: Option<&str>) -> ResolveIn {
    ResolveIn { outcome: outcome.into(), amount_minor, note: note.map(String::from), reason: reason.map(String::from) }
}

#[test]
fn a_resolution_is_a_credit_with_an_amount_or_a_rejection_with_a_reason() {
    let field = |r: Result<Resolution, Vec<FieldError>>| r.map_err(|e| e[0].field.clone());
    let cases = [
        (resolve_in("credit", Some(500), Some(" price list error "), None), Ok(Resolution::Credit { amount_minor: 500, note: Some("price list error".into()) })),
        (resolve_in("credit", Some(500), Some("  "), None), Ok(Resolution::Credit { amount_minor: 500, note: None })),
        (resolve_in("credit", None, None, None), Err("amount_minor".to_owned())),
        (resolve_in("credit", Some(0), None, None), Err("amount_minor".to_owned())),
        (resolve_in("reject", None, None, Some("delivered as ordered, signed POD")), Ok(Resolution::Reject { reason: "delivered as ordered, signed POD".into() })),
        (resolve_in("reject", None, None, None), Err("reason".to_owned())),
        (resolve_in("reject", None, None, Some(" ")), Err("reason".to_owned())),
        (resolve_in("refund", Some(1), None, None), Err("outcome".to_owned())),
    ];
    for (input, want) in cases {
        assert_eq!(field(Resolution::parse(&input)), want, "{input:?}");
    }
}

#[test]
fn a_credit_is_never_more_than_is_disputed_or_still_open() {
    let cases = [(500, 1_000, 2_000, true), (1_000, 1_000, 1_000, true), (1_001, 1_000, 2_000, false), (800, 1_000, 700, false)];
    for (amount, disputed, open, ok) in cases {
        assert_eq!(credit_allowed(amount, disputed, open, "USD").is_ok(), ok, "{amount} on {disputed} disputed, {open} open");
    }
}

#[test]
fn a_dispute_exception_closes_credited_or_rejected_with_a_reason_and_the_raiser_cannot_credit_a_large_one() {
    use crate::o2c::exception::ExceptionStatus;
    use crate::workflow::actions::{State, decide};
    let clerk = |n: u128| Acting { actor: Actor::User { id: Uuid::from_u128(n), name: format!("clerk {n}") }, role: Role::ArClerk };
    let state = State { kind: "dispute_pricing".into(), status: ExceptionStatus::Open, queue: Queue::Ar, assignee: None, raised_by_user: Some(Uuid::from_u128(1)), amount_minor: Some(50_000) };
    let resolve = |code: &str, note: Option<&str>| Act::Resolve { code: code.into(), note: note.map(String::from) };
    let status = |r: Result<crate::workflow::actions::Change, AppError>| r.map(|c| c.status).map_err(|e| e.status());
    let cases = [
        ("rejected with a reason", resolve("rejected", Some("priced as quoted")), clerk(2), 100_000, Ok(ExceptionStatus::Resolved)),
        ("rejected without one", resolve("rejected", None), clerk(2), 100_000, Err(422)),
        ("credited under the threshold by whoever raised it", resolve("credited", None), clerk(1), 100_000, Ok(ExceptionStatus::Resolved)),
        ("credited above it by whoever raised it", resolve("credited", None), clerk(1), 10_000, Err(403)),
        ("credited above it by someone else", resolve("credited", None), clerk(2), 10_000, Ok(ExceptionStatus::Resolved)),
        ("a credit hold's release is not a dispute's", resolve("released", None), clerk(2), 100_000, Err(422)),
    ];
    for (what, act, who, threshold, want) in cases {
        assert_eq!(status(decide(&state, &act, &who, threshold)), want, "{what}");
    }
}
