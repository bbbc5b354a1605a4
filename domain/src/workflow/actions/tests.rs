use super::*;

fn user(n: u128, role: Role) -> Acting {
    Acting { actor: Actor::User { id: Uuid::from_u128(n), name: format!("user{n}") }, role }
}

fn state(kind: &str, status: ExceptionStatus, queue: Queue, assignee: Option<u128>) -> State {
    State { kind: kind.into(), status, queue, assignee: assignee.map(Uuid::from_u128), raised_by_user: None, amount_minor: None }
}

fn resolve(code: &str, note: Option<&str>) -> Act {
    Act::Resolve { code: code.into(), note: note.map(str::to_owned) }
}

/// The status code of a refusal, or the status after the action.
fn outcome(r: Result<Change, AppError>) -> Result<ExceptionStatus, u16> {
    r.map(|c| c.status).map_err(|e| e.status())
}

#[test]
fn who_may_do_what_to_an_exception() {
    use ExceptionStatus::*;
    use Role::*;
    let clerk = user(1, ArClerk);
    let other_clerk = user(2, ArClerk);
    let rep = user(3, CustomerService);
    let admin = user(4, TenantAdmin);
    let api = Acting { actor: Actor::ApiClient { id: Uuid::nil(), name: "acme-erp".into() }, role: TenantAdmin };
    let hold = |status, assignee| state("credit_hold", status, Queue::Credit, assignee);
    let cases: Vec<(&str, State, Act, &Acting, Result<ExceptionStatus, u16>)> = vec![
        ("a clerk claims an open credit hold", hold(Open, None), Act::Claim, &clerk, Ok(Claimed)),
        ("customer service cannot act on a credit hold", hold(Open, None), Act::Claim, &rep, Err(403)),
        ("customer service cannot release a hold's order", hold(Open, None), resolve("released", None), &rep, Err(403)),
        ("a clerk cannot take one someone else holds", hold(Claimed, Some(2)), Act::Claim, &clerk, Err(409)),
        ("an admin can take it over", hold(Claimed, Some(2)), Act::Claim, &admin, Ok(Claimed)),
        ("the holder releases it back to the queue", hold(Claimed, Some(1)), Act::Release, &clerk, Ok(Open)),
        ("another clerk cannot release it", hold(Claimed, Some(1)), Act::Release, &other_clerk, Err(403)),
        ("an escalated one released stays escalated", hold(Escalated, Some(1)), Act::Release, &clerk, Ok(Escalated)),
        ("nothing to release", hold(Open, None), Act::Release, &clerk, Err(409)),
        ("a credit hold resolves by releasing its order", hold(Claimed, Some(1)), resolve("released", None), &clerk, Ok(Resolved)),
        ("rejecting needs a reason", hold(Claimed, Some(1)), resolve("rejected", None), &clerk, Err(422)),
        ("rejecting with a reason", hold(Claimed, Some(1)), resolve("rejected", Some("past due 90 days")), &clerk, Ok(Resolved)),
        ("a credit hold has its own codes", hold(Open, None), resolve("fixed", None), &clerk, Err(422)),
        ("a resolved one stays resolved", hold(Resolved, None), Act::Claim, &admin, Err(409)),
        ("anyone on the staff may comment", hold(Open, None), Act::Comment { note: "called the buyer".into() }, &rep, Ok(Open)),
        ("an empty comment is refused", hold(Open, None), Act::Comment { note: " ".into() }, &clerk, Err(422)),
        ("an API client cannot claim", hold(Open, None), Act::Claim, &api, Err(422)),
        ("an API client may resolve", hold(Open, None), resolve("released", None), &api, Ok(Resolved)),
        ("escalating", hold(Claimed, Some(1)), Act::Escalate { note: None }, &clerk, Ok(Escalated)),
        ("escalating twice", hold(Escalated, Some(1)), Act::Escalate { note: None }, &clerk, Err(409)),
        ("customer service works backorders", state("backorder", Open, Queue::CustomerService, None), resolve("fixed", None), &rep, Ok(Resolved)),
        ("a clerk does not", state("backorder", Open, Queue::CustomerService, None), Act::Claim, &clerk, Err(403)),
        ("unknown codes are refused", state("short_pay", Open, Queue::Ar, None), resolve("whatever", None), &clerk, Err(422)),
    ];
    for (what, st, act, who, want) in cases {
        assert_eq!(outcome(decide(&st, &act, who, 100_000)), want, "{what}");
    }
}

#[test]
fn reassigning_goes_only_to_someone_who_works_the_queue() {
    let clerk = user(1, Role::ArClerk);
    let st = state("short_pay", ExceptionStatus::Open, Queue::Ar, None);
    let to = |role| Act::Reassign { to: Uuid::from_u128(9), to_name: "Sam".into(), to_role: role };
    let c = decide(&st, &to(Role::ArClerk), &clerk, 0).unwrap();
    assert_eq!(c.assignee, Assignee::Set(Uuid::from_u128(9), "Sam".into()));
    assert_eq!(decide(&st, &to(Role::CustomerService), &clerk, 0).unwrap_err().status(), 422);
}

#[test]
fn credits_above_the_threshold_need_someone_other_than_who_raised_them() {
    let raiser = user(1, Role::ArClerk);
    let approver = user(2, Role::ArClerk);
    let mut st = state("short_pay", ExceptionStatus::Open, Queue::Ar, None);
    st.raised_by_user = Some(Uuid::from_u128(1));
    let cases = [(50_000, "credited", &raiser, Ok(ExceptionStatus::Resolved)), (150_000, "credited", &raiser, Err(403)), (150_000, "written_off", &raiser, Err(403)), (150_000, "written_off", &approver, Ok(ExceptionStatus::Resolved)), (150_000, "fixed", &raiser, Ok(ExceptionStatus::Resolved))];
    for (amount, code, who, want) in cases {
        st.amount_minor = Some(amount);
        assert_eq!(outcome(decide(&st, &resolve(code, None), who, 100_000)), want, "{code} of {amount} by {}", who.actor);
    }
}

#[test]
fn escalation_raises_severity_and_moves_to_the_admin_queue() {
    let c = decide(&state("backorder", ExceptionStatus::Open, Queue::CustomerService, None), &Act::Escalate { note: None }, &user(3, Role::CustomerService), 0).unwrap();
    assert!(c.escalate);
    assert_eq!(c.status, ExceptionStatus::Escalated);
}
