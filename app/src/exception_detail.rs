//! What one exception's page shows: every field, its history, the linked order's timeline
//! and invoices, and which action forms the viewer gets. The forms shown are the ones
//! `domain::workflow::actions::decide` would allow (a dry run of the same rule the form
//! posts go through), so nobody is offered a button that can only be refused.
use crate::orders::{InvoiceRow, TimelineRow};
use crate::queues::QueueRow;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One step of an exception's history.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct HistoryRow {
    /// UTC, RFC 3339.
    pub at: String,
    /// `user Carl Clerk`, `rule credit_check v0`, `system`.
    pub actor: String,
    pub action: String,
    pub note: String,
}

/// A staff member the exception may be reassigned to.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StaffOption {
    pub email: String,
    /// `Carl Clerk (AR clerk)`.
    pub label: String,
}

/// The actions the viewer may take now.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Allowed {
    pub claim: bool,
    pub release: bool,
    pub reassign: bool,
    pub comment: bool,
    pub resolve: bool,
    pub escalate: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ExceptionPageData {
    pub row: QueueRow,
    pub queue: String,
    pub queue_label: String,
    pub detail: String,
    pub raised_by: String,
    /// Formatted with the order's or invoice's currency; empty when there is none.
    pub amount: String,
    pub resolution_code: String,
    pub resolution_note: String,
    pub resolved_at: Option<String>,
    pub history: Vec<HistoryRow>,
    /// The linked order's status, timeline and invoices.
    pub order_status: Option<String>,
    pub timeline: Vec<TimelineRow>,
    pub invoices: Vec<InvoiceRow>,
    pub allowed: Allowed,
    /// The resolution codes the viewer may use.
    pub codes: Vec<String>,
    pub credit_hold: bool,
    pub staff: Vec<StaffOption>,
    /// Why the viewer may only read and comment, when that is so.
    pub read_only_reason: Option<String>,
    /// The dispute this exception routes, with its thread (dispute exceptions only).
    pub dispute: Option<crate::portal::DisputePageData>,
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use domain::auth::{Principal, UserSummary};
    use domain::audit::Actor;
    use domain::types::Role;
    use domain::workflow::actions::{Act, Acting, CREDIT_HOLD_CODES, RESOLUTION_CODES, State, decide};
    use domain::workflow::queues::ExceptionRow;
    use domain::workflow::Queue;

    /// The decision-relevant state of an exception as the page reads it. Who raised it is
    /// known here only by name, so segregation of duties is judged by the actor label; the
    /// form post checks the stored user id, so a false match costs one refused post at most.
    pub fn state(x: &ExceptionRow, me: &Principal) -> Option<State> {
        let raised_by_me = x.raised_by.as_deref() == Some(Actor::User { id: me.user_id, name: me.name.clone() }.to_string().as_str());
        Some(State {
            kind: x.kind.clone(),
            status: x.status.parse().ok()?,
            queue: x.queue.parse().ok()?,
            assignee: x.assignee_id,
            raised_by_user: raised_by_me.then_some(me.user_id),
            amount_minor: x.amount_minor,
        })
    }

    /// Which forms to show and which resolution codes to offer: a dry run of `decide`.
    pub fn allowed(st: &State, me: &Principal, threshold: i64) -> (Allowed, Vec<String>) {
        let who = Acting { actor: Actor::User { id: me.user_id, name: me.name.clone() }, role: me.role };
        let ok = |a: Act| decide(st, &a, &who, threshold).is_ok();
        let all: &[&str] = if st.kind == "credit_hold" { &CREDIT_HOLD_CODES } else { &RESOLUTION_CODES };
        let codes: Vec<String> = all.iter().filter(|c| ok(Act::Resolve { code: c.to_string(), note: Some("a reason".into()) })).map(|c| c.to_string()).collect();
        let allowed = Allowed {
            claim: st.assignee != Some(me.user_id) && ok(Act::Claim),
            release: ok(Act::Release),
            // Any admin works every queue: whether the person chosen fits is checked on post.
            reassign: ok(Act::Reassign { to: me.user_id, to_name: String::new(), to_role: Role::TenantAdmin }),
            comment: ok(Act::Comment { note: "a note".into() }),
            resolve: !codes.is_empty(),
            escalate: ok(Act::Escalate { note: None }),
        };
        (allowed, codes)
    }

    /// Active staff who work `queue`, for the reassign select.
    pub fn staff_for(users: Vec<UserSummary>, queue: Queue) -> Vec<StaffOption> {
        users
            .into_iter()
            .filter(|u| !u.disabled && u.role != Role::Customer && queue.worked_by(u.role))
            .map(|u| StaffOption { label: format!("{} ({})", u.name, u.role.label()), email: u.email })
            .collect()
    }
}

/// One exception with everything the page shows; `None` when this tenant has no such
/// exception (another tenant's id included: the transaction only sees this tenant's rows).
#[server(prefix = "/sfn")]
pub async fn exception_page(id: String) -> Result<Option<ExceptionPageData>, ServerFnError> {
    use crate::orders::server::internal;
    use domain::workflow::{Queue, queues};
    let (db, t, me) = crate::queues::server::staff()?;
    let now = chrono::Utc::now();
    let txn = db.tenant_txn(&t.slug).await.map_err(internal)?;
    let found = match id.parse() {
        Ok(uuid) => queues::detail(&txn, uuid, now).await,
        Err(_) => match queues::by_reference(&txn, &id).await {
            Ok(uuid) => queues::detail(&txn, uuid, now).await,
            Err(e) => Err(e),
        },
    };
    let (x, steps) = match found {
        Ok(d) => d,
        Err(domain::Error::NotFound) => return Ok(None),
        Err(e) => return Err(internal(e)),
    };
    let order = match x.order_number.as_deref() {
        Some(n) => Some(domain::orders::detail(&txn, n).await.map_err(internal)?),
        None => None,
    };
    let mut invoices = order.as_ref().map(|o| o.invoices.clone()).unwrap_or_default();
    if let Some(n) = x.invoice_number.as_deref().filter(|n| !invoices.iter().any(|i| i.number == *n)) {
        invoices.push(domain::orders::invoice(&txn, n).await.map_err(internal)?);
    }
    let dispute = match x.reference.strip_prefix("dispute:") {
        Some(n) => {
            let d = domain::workflow::disputes::detail(&txn, n, None).await.map_err(internal)?;
            let names = domain::workflow::disputes::attachment_names(&txn, &d).await.map_err(internal)?;
            Some(crate::portal::dispute_data(d, &names))
        }
        None => None,
    };
    let threshold = domain::workflow::rules::current(&txn).await.map_err(internal)?.approvals.threshold_minor;
    let users = domain::auth::list_tenant_users(&txn).await.map_err(internal)?;
    txn.rollback().await.map_err(internal)?;

    let queue: Option<Queue> = x.queue.parse().ok();
    let (allowed, codes) = server::state(&x, &me).map(|st| server::allowed(&st, &me, threshold)).unwrap_or_default();
    let read_only_reason = queue.filter(|q| !q.worked_by(me.role)).map(|q| format!("The {} queue is not worked by your role ({}): you can read this exception and comment on it.", q.label(), me.role.label()));
    let currency = order.as_ref().map(|o| o.order.currency.clone()).or_else(|| invoices.first().map(|i| i.currency.clone()));
    let money = |m: i64| currency.as_deref().map_or_else(|| m.to_string(), |c| domain::money::format(m, c));
    Ok(Some(ExceptionPageData {
        queue: x.queue.clone(),
        queue_label: queue.map_or_else(|| x.queue.clone(), |q| q.label().to_owned()),
        detail: x.detail.clone(),
        raised_by: x.raised_by.clone().unwrap_or_default(),
        amount: x.amount_minor.map(money).unwrap_or_default(),
        resolution_code: x.resolution_code.clone().unwrap_or_default(),
        resolution_note: x.resolution_note.clone().unwrap_or_default(),
        resolved_at: x.resolved_at.map(|t| t.to_rfc3339()),
        history: steps.into_iter().map(|s| HistoryRow { at: s.at.to_rfc3339(), actor: s.actor, action: s.action, note: s.note.unwrap_or_default() }).collect(),
        order_status: order.as_ref().map(|o| o.order.status.clone()),
        timeline: order
            .as_ref()
            .map(|o| o.timeline.iter().map(|e| TimelineRow { at: e.occurred_at.to_rfc3339(), kind: e.kind.clone(), source: e.source.clone(), summary: e.summary.clone() }).collect())
            .unwrap_or_default(),
        invoices: invoices
            .iter()
            .map(|i| InvoiceRow {
                number: i.number.clone(),
                status: i.status.clone(),
                issued_on: i.issued_on.to_string(),
                due_on: i.due_on.to_string(),
                total: domain::money::format(i.total_minor, &i.currency),
                paid: domain::money::format(i.paid_minor, &i.currency),
            })
            .collect(),
        credit_hold: x.kind == "credit_hold",
        staff: queue.map(|q| server::staff_for(users, q)).unwrap_or_default(),
        allowed,
        codes,
        read_only_reason,
        dispute,
        row: crate::queues::server::row(x, now),
    }))
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::server::allowed;
    use domain::auth::Principal;
    use domain::o2c::exception::ExceptionStatus;
    use domain::types::Role;
    use domain::workflow::Queue;
    use domain::workflow::actions::State;

    fn person(n: u8, role: Role) -> Principal {
        let user_id = format!("00000000-0000-0000-0000-0000000000{n:02}").parse().unwrap();
        Principal { support_session: None, user_id, name: format!("user{n}"), email: format!("u{n}@acme.test"), role, customer_name: None, customer_id: None, partner_id: None }
    }

    #[test]
    fn the_page_offers_exactly_the_forms_decide_allows() {
        let (clerk, rep, admin) = (person(1, Role::ArClerk), person(2, Role::CustomerService), person(3, Role::TenantAdmin));
        let hold = |status, assignee: Option<&Principal>| State { kind: "credit_hold".into(), status, queue: Queue::Credit, assignee: assignee.map(|p| p.user_id), raised_by_user: None, amount_minor: Some(500) };
        // (what, state, viewer, [claim, release, reassign, comment, resolve, escalate], codes)
        let cases = [
            ("a clerk on an open hold", hold(ExceptionStatus::Open, None), &clerk, [true, false, true, true, true, true], vec!["released", "rejected"]),
            ("the clerk who holds it", hold(ExceptionStatus::Claimed, Some(&clerk)), &clerk, [false, true, true, true, true, true], vec!["released", "rejected"]),
            ("customer service reads and comments", hold(ExceptionStatus::Open, None), &rep, [false, false, false, true, false, false], vec![]),
            ("an admin takes over another's", hold(ExceptionStatus::Claimed, Some(&clerk)), &admin, [true, true, true, true, true, true], vec!["released", "rejected"]),
            ("resolved: comments only", hold(ExceptionStatus::Resolved, None), &admin, [false, false, false, true, false, false], vec![]),
        ];
        for (what, st, who, want, codes) in cases {
            let (a, got_codes) = allowed(&st, who, 100_000);
            assert_eq!([a.claim, a.release, a.reassign, a.comment, a.resolve, a.escalate], want, "{what}");
            assert_eq!(got_codes, codes, "{what}");
        }
    }
}
