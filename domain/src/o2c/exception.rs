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

/// An exception's status, stored as its lowercase name. (Escalation is a flag beside it.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionStatus {
    Open,
    Resolved,
}

impl ExceptionStatus {
    /// Every status.
    pub const ALL: [ExceptionStatus; 2] = [ExceptionStatus::Open, ExceptionStatus::Resolved];

    /// The stored text.
    pub const fn as_str(self) -> &'static str {
        match self {
            ExceptionStatus::Open => "open",
            ExceptionStatus::Resolved => "resolved",
        }
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
            open(c, &x.reference, &kind, x.detail.as_deref().unwrap_or(""), order_id, None, at).await?;
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
            let mut am: exception::ActiveModel = e.into();
            am.escalated = Set(true);
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

/// Opens an exception: `kind` sorts it into a queue; `event_id` names the event it is about.
pub(crate) async fn open<C: ConnectionTrait>(
    c: &C,
    reference: &str,
    kind: &str,
    detail: &str,
    order_id: Option<Uuid>,
    event_id: Option<Uuid>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    exception::ActiveModel {
        id: Set(crate::new_id()),
        reference: Set(reference.into()),
        kind: Set(kind.into()),
        status: Set(ExceptionStatus::Open.as_str().into()),
        detail: Set(detail.into()),
        order_id: Set(order_id),
        event_id: Set(event_id),
        opened_at: Set(at),
        resolved_at: Set(None),
        escalated: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(c)
    .await?;
    Ok(())
}

/// Resolves the exception with this reference if it is open (a parked event that applied
/// resolves the integration exception raised for it).
pub(crate) async fn resolve_if_open<C: ConnectionTrait>(c: &C, reference: &str) -> Result<(), DbErr> {
    let Some(e) = find(c, reference).await? else { return Ok(()) };
    if e.status.parse() == Ok(ExceptionStatus::Open) {
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
        for (status, text) in [(ExceptionStatus::Open, "open"), (ExceptionStatus::Resolved, "resolved")] {
            assert_eq!(status.as_str(), text);
            assert_eq!(text.parse::<ExceptionStatus>(), Ok(status));
            assert_eq!(serde_json::to_value(status).unwrap(), text);
        }
    }
}
