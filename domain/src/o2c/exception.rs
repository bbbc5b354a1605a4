//! Exceptions: problems another system reports (`exception.opened`, `.resolved`,
//! `.escalated`) and the integration exceptions Throughline raises itself for parked events.
use super::order::find_order;
use super::{Effect, parked, text_field};
use crate::entity::exception;
use crate::events::{Awaited, Fail, reject};
use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};

/// `exception.opened`, `exception.resolved`, `exception.escalated` from another system.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionIn {
    pub reference: String,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub order_number: Option<String>,
}

/// An exception's status, stored as its lowercase name: open in its queue, claimed by
/// someone, escalated (its SLA breached or a person escalated it), or resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionStatus {
    Open,
    Claimed,
    Escalated,
    Resolved,
}

impl ExceptionStatus {
    /// Every status.
    pub const ALL: [ExceptionStatus; 4] = [ExceptionStatus::Open, ExceptionStatus::Claimed, ExceptionStatus::Escalated, ExceptionStatus::Resolved];

    /// The stored text.
    pub const fn as_str(self) -> &'static str {
        match self {
            ExceptionStatus::Open => "open",
            ExceptionStatus::Claimed => "claimed",
            ExceptionStatus::Escalated => "escalated",
            ExceptionStatus::Resolved => "resolved",
        }
    }

    /// Whether it still needs someone.
    pub const fn is_active(self) -> bool {
        !matches!(self, ExceptionStatus::Resolved)
    }
}

stored_as_text!(ExceptionStatus);

/// What another system reports about an exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExceptionStep {
    Opened,
    Resolved,
    Escalated,
}

impl ExceptionStep {
    /// The verb in the timeline's summary.
    pub const fn verb(self) -> &'static str {
        match self {
            ExceptionStep::Opened => "opened",
            ExceptionStep::Resolved => "resolved",
            ExceptionStep::Escalated => "escalated",
        }
    }
}

/// An event about an exception, with its typed payload.
#[derive(Clone, Debug)]
pub struct ExceptionEvent(pub ExceptionStep, pub ExceptionIn);

/// What a reported step does to the exception with its reference; `E` is the exception
/// found, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action<E> {
    /// Open a new exception.
    Open,
    /// Nothing: it is open already (a repeated `opened`).
    Keep,
    /// Wait for the exception to be opened.
    Wait,
    /// Mark it `resolved` at the step's time.
    Resolve(E),
    /// Flag it escalated.
    Escalate(E),
}

/// What `step` does to `existing`, the exception with its reference if there is one.
pub fn action<E>(step: ExceptionStep, existing: Option<E>) -> Action<E> {
    match (step, existing) {
        (ExceptionStep::Opened, None) => Action::Open,
        (ExceptionStep::Opened, Some(_)) => Action::Keep,
        (_, None) => Action::Wait,
        (ExceptionStep::Resolved, Some(e)) => Action::Resolve(e),
        (ExceptionStep::Escalated, Some(e)) => Action::Escalate(e),
    }
}

/// Applies one exception event.
pub async fn apply<C: ConnectionTrait>(c: &C, event: ExceptionEvent, at: DateTime<Utc>) -> Result<Effect, Fail> {
    let ExceptionEvent(step, x) = event;
    text_field("payload.reference", &x.reference, 128)?;
    let order_id = match &x.order_number {
        Some(n) => match find_order(c, n).await? {
            Some(o) => Some(o.id),
            None => return parked(Awaited::Order, n),
        },
        None => None,
    };
    match action(step, find(c, &x.reference).await?) {
        Action::Open => {
            let kind = x.kind.clone().ok_or_else(|| reject("payload.kind", "is required when an exception is opened"))?;
            text_field("payload.kind", &kind, 64)?;
            let mut r = crate::workflow::Raise::new(&kind, &x.reference, x.detail.as_deref().unwrap_or(""), crate::audit::Actor::System);
            r.order_id = order_id;
            // The reporting event is on the log already.
            r.announce = false;
            crate::workflow::raise(c, r, at).await?;
        }
        Action::Keep => {}
        Action::Wait => return parked(Awaited::Exception, &x.reference),
        Action::Resolve(e) => {
            let mut am: exception::ActiveModel = e.into();
            am.status = Set(ExceptionStatus::Resolved.as_str().into());
            am.resolved_at = Set(Some(at));
            am.updated_at = Set(Utc::now());
            am.update(c).await?;
        }
        Action::Escalate(e) => {
            let severity: crate::workflow::Severity = e.severity.parse().unwrap_or(crate::workflow::Severity::Medium);
            let mut am: exception::ActiveModel = e.into();
            am.escalated = Set(true);
            am.status = Set(ExceptionStatus::Escalated.as_str().into());
            am.severity = Set(severity.raised().as_str().into());
            am.queue = Set(crate::workflow::Queue::Admin.as_str().into());
            am.updated_at = Set(Utc::now());
            am.update(c).await?;
        }
    }
    Ok(Effect {
        order_id,
        summary: format!("Exception {} {}", x.reference, step.verb()),
        // A repeated `opened` names the exception again: parked events it releases are
        // looked for once more, which is harmless.
        creates: if step == ExceptionStep::Opened { vec![Awaited::Exception.key(&x.reference)] } else { vec![] },
        waiting_for: None,
    })
}

/// The exception with this reference.
pub(crate) async fn find<C: ConnectionTrait>(c: &C, reference: &str) -> Result<Option<exception::Model>, DbErr> {
    exception::Entity::find().filter(exception::Column::Reference.eq(reference)).one(c).await
}

/// Opens an exception raised by the system (a parked event, a quantity mismatch) or
/// reported by another system: `kind` sorts it into a queue; `event_id` names the event it is about.
pub(crate) async fn open<C: ConnectionTrait>(
    c: &C,
    reference: &str,
    kind: &str,
    detail: &str,
    order_id: Option<Uuid>,
    event_id: Option<Uuid>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut r = crate::workflow::Raise::new(kind, reference, detail, crate::audit::Actor::System);
    r.order_id = order_id;
    r.event_id = event_id;
    crate::workflow::raise(c, r, at).await?;
    Ok(())
}

/// Resolves the exception with this reference if it is open (a parked event that applied
/// resolves the integration exception raised for it).
pub(crate) async fn resolve_if_open<C: ConnectionTrait>(c: &C, reference: &str) -> Result<(), DbErr> {
    let Some(e) = find(c, reference).await? else { return Ok(()) };
    if e.status.parse().is_ok_and(ExceptionStatus::is_active) {
        let mut am: exception::ActiveModel = e.into();
        am.status = Set(ExceptionStatus::Resolved.as_str().into());
        am.resolved_at = Set(Some(Utc::now()));
        am.updated_at = Set(Utc::now());
        am.update(c).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reported_step_opens_resolves_escalates_or_waits_for_the_exception() {
        let cases = [
            (ExceptionStep::Opened, None, Action::Open),
            (ExceptionStep::Opened, Some("X-1"), Action::Keep),
            (ExceptionStep::Resolved, Some("X-1"), Action::Resolve("X-1")),
            (ExceptionStep::Resolved, None, Action::Wait),
            (ExceptionStep::Escalated, Some("X-1"), Action::Escalate("X-1")),
            (ExceptionStep::Escalated, None, Action::Wait),
        ];
        for (step, existing, want) in cases {
            assert_eq!(action(step, existing), want, "{step:?} on {existing:?}");
        }
    }

    #[test]
    fn an_exception_step_is_summarised_by_its_verb() {
        let cases = [(ExceptionStep::Opened, "opened"), (ExceptionStep::Resolved, "resolved"), (ExceptionStep::Escalated, "escalated")];
        for (step, verb) in cases {
            assert_eq!(step.verb(), verb);
        }
    }

    #[test]
    fn exception_statuses_are_stored_as_their_lowercase_names() {
        for (status, text) in [(ExceptionStatus::Open, "open"), (ExceptionStatus::Claimed, "claimed"), (ExceptionStatus::Escalated, "escalated"), (ExceptionStatus::Resolved, "resolved")] {
            assert_eq!(status.as_str(), text);
            assert_eq!(text.parse::<ExceptionStatus>(), Ok(status));
            assert_eq!(serde_json::to_value(status).unwrap(), text);
        }
    }
}
