//! What people (and API clients) do with exceptions: claim, release, reassign, comment,
//! resolve, escalate. [`decide`] is the pure rule of who may do what in which state;
//! [`act`] applies it with the history, the audit trail and the published event.
use super::kinds::{Queue, Severity};
use super::raise::{history, publish};
use crate::audit::{self, Actor};
use crate::entity::exception;
use crate::o2c::exception::ExceptionStatus;
use crate::types::Role;
use crate::{AppError, TenantTxn};
use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::ActiveValue::Set;
use serde_json::json;

/// Who acts, with the role that decides what they may do. An API client acts for the system
/// of record and may do what a tenant admin may (segregation of duties binds people).
#[derive(Clone, Debug)]
pub struct Acting {
    pub actor: Actor,
    pub role: Role,
}

impl Acting {
    fn user_id(&self) -> Option<Uuid> {
        match &self.actor {
            Actor::User { id, .. } => Some(*id),
            _ => None,
        }
    }
}

/// An action on one exception.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Act {
    Claim,
    Release,
    Reassign { to: Uuid, to_name: String, to_role: Role },
    Comment { note: String },
    Resolve { code: String, note: Option<String> },
    Escalate { note: Option<String> },
}

impl Act {
    /// The verb recorded in the history and published as `exception.<verb>`.
    pub fn verb(&self) -> &'static str {
        match self {
            Act::Claim => "claimed",
            Act::Release => "released",
            Act::Reassign { .. } => "reassigned",
            Act::Comment { .. } => "commented",
            Act::Resolve { .. } => "resolved",
            Act::Escalate { .. } => "escalated",
        }
    }
}

/// The parts of an exception that decide what may happen to it.
#[derive(Clone, Debug)]
pub struct State {
    pub kind: String,
    pub status: ExceptionStatus,
    pub queue: Queue,
    pub assignee: Option<Uuid>,
    pub raised_by_user: Option<Uuid>,
    pub amount_minor: Option<i64>,
}

/// Who holds the exception after an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Assignee {
    Keep,
    Set(Uuid, String),
    Clear,
}

/// What an allowed action changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub status: ExceptionStatus,
    pub assignee: Assignee,
    /// Escalation: severity one step up, into the admin queue.
    pub escalate: bool,
    pub resolution: Option<(String, Option<String>)>,
}

/// Resolution codes any exception may be closed with; a credit hold closes only by
/// releasing or rejecting its order.
pub const RESOLUTION_CODES: [&str; 6] = ["fixed", "credited", "written_off", "duplicate", "no_action", "other"];
pub const CREDIT_HOLD_CODES: [&str; 2] = ["released", "rejected"];

/// Decides whether `who` may do `act` to an exception in `state`, and what changes.
/// `approval_threshold_minor`: credits and write-offs above it need someone other than the
/// person who raised the exception (segregation of duties).
pub fn decide(state: &State, act: &Act, who: &Acting, approval_threshold_minor: i64) -> Result<Change, AppError> {
    use ExceptionStatus as S;
    let keep = |status| Change { status, assignee: Assignee::Keep, escalate: false, resolution: None };
    if let Act::Comment { note } = act {
        if note.trim().is_empty() {
            return Err(AppError::Invalid("a comment needs text".into()));
        }
        return Ok(keep(state.status));
    }
    if state.status == S::Resolved {
        return Err(AppError::Conflict("this exception is resolved already".into()));
    }
    if !state.queue.worked_by(who.role) {
        return Err(AppError::Forbidden(format!("the {} queue is not worked by your role ({})", state.queue.label(), who.role.label())));
    }
    let me = who.user_id();
    let held_by_other = state.status == S::Claimed && state.assignee.is_some() && state.assignee != me;
    let open_again = if state.status == S::Escalated { S::Escalated } else { S::Open };
    match act {
        Act::Claim => {
            let Some(id) = me else { return Err(AppError::Invalid("an API client cannot claim; reassign to a person instead".into())) };
            if held_by_other && who.role != Role::TenantAdmin {
                return Err(AppError::Conflict("someone else has claimed this exception; ask them or an admin to reassign it".into()));
            }
            Ok(Change { status: S::Claimed, assignee: Assignee::Set(id, who.actor.name().to_owned()), escalate: false, resolution: None })
        }
        Act::Release => {
            if state.assignee.is_none() {
                return Err(AppError::Conflict("nobody has claimed this exception".into()));
            }
            if held_by_other && who.role != Role::TenantAdmin {
                return Err(AppError::Forbidden("only the person who claimed it or an admin may release it".into()));
            }
            Ok(Change { status: open_again, assignee: Assignee::Clear, escalate: false, resolution: None })
        }
        Act::Reassign { to, to_name, to_role } => {
            if !state.queue.worked_by(*to_role) {
                return Err(AppError::Invalid(format!("{to_name} ({}) does not work the {} queue", to_role.label(), state.queue.label())));
            }
            if held_by_other && who.role != Role::TenantAdmin {
                return Err(AppError::Forbidden("only the person who claimed it or an admin may reassign it".into()));
            }
            Ok(Change { status: S::Claimed, assignee: Assignee::Set(*to, to_name.clone()), escalate: false, resolution: None })
        }
        Act::Resolve { code, note } => {
            resolution_allowed(state, code, note.as_deref(), who, approval_threshold_minor)?;
            Ok(Change { status: S::Resolved, assignee: Assignee::Keep, escalate: false, resolution: Some((code.clone(), note.clone())) })
        }
        Act::Escalate { .. } => {
            if state.status == S::Escalated {
                return Err(AppError::Conflict("this exception is escalated already".into()));
            }
            Ok(Change { status: S::Escalated, assignee: Assignee::Keep, escalate: true, resolution: None })
        }
        Act::Comment { .. } => unreachable!("handled above"),
    }
}

fn resolution_allowed(state: &State, code: &str, note: Option<&str>, who: &Acting, threshold: i64) -> Result<(), AppError> {
    // A dispute ends in a credit memo or a rejection with a reason (the customer sees it).
    let dispute_codes: Vec<&str> = RESOLUTION_CODES.iter().copied().chain(["rejected"]).collect();
    let codes: &[&str] = match state.kind.as_str() {
        "credit_hold" => &CREDIT_HOLD_CODES,
        k if k.starts_with("dispute_") => &dispute_codes,
        _ => &RESOLUTION_CODES,
    };
    if !codes.contains(&code) {
        return Err(AppError::Invalid(format!("resolution code must be one of: {}", codes.join(", "))));
    }
    if code == "rejected" && note.is_none_or(|n| n.trim().is_empty()) {
        let what = if state.kind == "credit_hold" { "an order" } else { "a dispute" };
        return Err(AppError::Invalid(format!("rejecting {what} needs a reason")));
    }
    let needs_approval = matches!(code, "credited" | "written_off") && state.amount_minor.unwrap_or(0) > threshold;
    if needs_approval && who.user_id().is_some() && who.user_id() == state.raised_by_user {
        return Err(AppError::Forbidden("segregation of duties: you raised this amount above the approval threshold, so another person must approve it".into()));
    }
    Ok(())
}

/// Applies `act` by `who` to the exception `id` at `now`: the row, its history, the audit
/// trail and `exception.<verb>` on the event log; resolving a credit hold releases or
/// rejects its order, and resolving a dispute's exception resolves the dispute (`credited`:
/// a credit memo of the disputed amount; `rejected`: the note is the reason). Answers the
/// exception as it is now.
pub async fn act(txn: &TenantTxn, id: Uuid, act: Act, who: &Acting, now: DateTime<Utc>) -> Result<exception::Model, AppError> {
    let Some(x) = exception::Entity::find_by_id(id).one(txn).await? else { return Err(AppError::NotFound) };
    if let (Act::Resolve { code, note }, Some(number)) = (&act, x.reference.strip_prefix("dispute:")) {
        use super::disputes::Resolution;
        let how = match code.as_str() {
            "credited" => Resolution::Credit { amount_minor: x.amount_minor.unwrap_or(0), note: note.clone() },
            "rejected" => Resolution::Reject { reason: note.clone().unwrap_or_default() },
            _ => return Err(AppError::Invalid("a dispute ends with credited (a credit memo of the disputed amount) or rejected (with a reason)".into())),
        };
        super::disputes::resolve(txn, number, &how, who, now).await.map_err(AppError::from)?;
        return exception::Entity::find_by_id(id).one(txn).await?.ok_or(AppError::NotFound);
    }
    apply_act(txn, x, act, who, now).await
}

/// [`act`] on a loaded exception, without handing disputes over to their own resolution
/// (which calls this).
pub(crate) async fn apply_act(txn: &TenantTxn, x: exception::Model, act: Act, who: &Acting, now: DateTime<Utc>) -> Result<exception::Model, AppError> {
    let id = x.id;
    let threshold = super::rules::current(txn).await?.approvals.threshold_minor;
    let change = decide(&state_of(&x)?, &act, who, threshold)?;
    let note = match &act {
        Act::Comment { note } => Some(note.clone()),
        Act::Resolve { note, .. } | Act::Escalate { note } => note.clone(),
        Act::Reassign { to_name, .. } => Some(format!("to {to_name}")),
        _ => None,
    };
    let updated = apply_change(txn, x.clone(), &change, now).await?;
    if let Some((code, _)) = &change.resolution {
        if x.kind == "credit_hold" {
            super::credit::settle_hold(txn, &x, code == "released", note.as_deref(), who, now).await?;
        }
    }
    history(txn, id, &who.actor, act.verb(), note.as_deref(), now).await?;
    let payload = json!({"reference": x.reference, "kind": x.kind, "status": updated.status, "assignee": updated.assignee_name, "resolution_code": updated.resolution_code, "note": note});
    let verb = act.verb();
    publish(txn, &format!("exception.{verb}"), x.order_id, &payload, &format!("Exception {} {verb} by {}", x.reference, who.actor), now).await?;
    audit::record(txn, &who.actor, &format!("exception.{verb}"), "exception", &x.reference, payload).await?;
    Ok(updated)
}

/// A staff member of this tenant by e-mail, for reassigning: id, name and role. Customers
/// and disabled users are not staff.
pub async fn staff_member(txn: &TenantTxn, email: &str) -> Result<(Uuid, String, Role), AppError> {
    use crate::entity::user;
    let u = user::Entity::find().filter(user::Column::Email.eq(email.trim().to_lowercase())).one(txn).await?;
    let found = u.filter(|u| !u.disabled).and_then(|u| Role::parse(&u.role).ok().map(|r| (u.id, u.name, r)));
    match found {
        Some((id, name, role)) if role != Role::Customer => Ok((id, name, role)),
        _ => Err(AppError::Invalid(format!("{email} is not an active staff member of this tenant"))),
    }
}

/// The decision-relevant state of a stored exception.
pub fn state_of(x: &exception::Model) -> Result<State, AppError> {
    let bad = |what: &str, v: &str| AppError::Internal(format!("exception {} has an unknown {what} {v:?}", x.reference));
    Ok(State {
        kind: x.kind.clone(),
        status: x.status.parse().map_err(|_| bad("status", &x.status))?,
        queue: x.queue.parse().map_err(|_| bad("queue", &x.queue))?,
        assignee: x.assignee_id,
        raised_by_user: x.raised_by_user,
        amount_minor: x.amount_minor,
    })
}

/// Writes a change to the exception row.
pub async fn apply_change(txn: &TenantTxn, x: exception::Model, change: &Change, now: DateTime<Utc>) -> Result<exception::Model, AppError> {
    let severity: Severity = x.severity.parse().unwrap_or(Severity::Medium);
    let mut am: exception::ActiveModel = x.into();
    am.status = Set(change.status.as_str().into());
    match &change.assignee {
        Assignee::Keep => {}
        Assignee::Set(id, name) => {
            am.assignee_id = Set(Some(*id));
            am.assignee_name = Set(Some(name.clone()));
        }
        Assignee::Clear => {
            am.assignee_id = Set(None);
            am.assignee_name = Set(None);
        }
    }
    if change.escalate {
        am.escalated = Set(true);
        am.severity = Set(severity.raised().as_str().into());
        am.queue = Set(Queue::Admin.as_str().into());
    }
    if let Some((code, note)) = &change.resolution {
        am.resolution_code = Set(Some(code.clone()));
        am.resolution_note = Set(note.clone());
        am.resolved_at = Set(Some(now));
    }
    am.updated_at = Set(Utc::now());
    Ok(am.update(txn).await?)
}

#[cfg(test)]
mod tests;
