//! Raising exceptions, recording their history, and publishing what happened on the
//! tenant's event log.
use super::entity::exception_event;
use super::kinds::policy;
use crate::audit::{self, Actor};
use crate::entity::{event, exception};
use crate::o2c::exception::ExceptionStatus;
use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde_json::json;

/// The source under which Throughline records the events it publishes itself.
pub const SOURCE: &str = "throughline";

/// An exception to raise.
#[derive(Clone, Debug)]
pub struct Raise {
    pub kind: String,
    /// Unique per exception; raising twice under one reference keeps the first.
    pub reference: String,
    pub detail: String,
    pub order_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub invoice_id: Option<Uuid>,
    pub event_id: Option<Uuid>,
    pub amount_minor: Option<i64>,
    pub raised_by: Actor,
    /// Whether to publish `exception.opened` (not when another system's event reported it:
    /// that event is on the log already).
    pub announce: bool,
}

impl Raise {
    pub fn new(kind: &str, reference: &str, detail: &str, raised_by: Actor) -> Self {
        Raise {
            kind: kind.into(),
            reference: reference.into(),
            detail: detail.into(),
            order_id: None,
            customer_id: None,
            invoice_id: None,
            event_id: None,
            amount_minor: None,
            raised_by,
            announce: true,
        }
    }
}

/// Raises an exception in its kind's queue with its kind's severity and SLA clock, records
/// it in its history and the audit trail, and publishes `exception.opened`. If one with
/// this reference exists already, nothing changes and that one is answered.
///
/// The exception, its first history step and the `exception.opened` event are one statement
/// ([`crate::family`]): the insert does nothing when the reference exists.
pub async fn raise<C: ConnectionTrait>(c: &C, r: Raise, at: DateTime<Utc>) -> Result<exception::Model, DbErr> {
    let p = policy(&r.kind);
    // The SLA is the tenant's policy (its own, its partner's default, or the catalogue's).
    let sla_hours = super::rules::sla(c).await?.hours_for(&r.kind);
    let now = Utc::now();
    let raised_by_user = match &r.raised_by {
        Actor::User { id, .. } => Some(*id),
        _ => None,
    };
    let am = exception::ActiveModel {
        id: Set(crate::new_id()),
        reference: Set(r.reference.clone()),
        kind: Set(r.kind.clone()),
        status: Set(ExceptionStatus::Open.as_str().into()),
        detail: Set(r.detail.clone()),
        order_id: Set(r.order_id),
        event_id: Set(r.event_id),
        opened_at: Set(at),
        resolved_at: Set(None),
        escalated: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        severity: Set(p.severity.as_str().into()),
        queue: Set(p.queue.as_str().into()),
        sla_due_at: Set(Some(at + chrono::Duration::hours(sla_hours))),
        assignee_id: Set(None),
        assignee_name: Set(None),
        customer_id: Set(r.customer_id),
        invoice_id: Set(r.invoice_id),
        resolution_code: Set(None),
        resolution_note: Set(None),
        raised_by: Set(Some(r.raised_by.to_string())),
        raised_by_user: Set(raised_by_user),
        amount_minor: Set(r.amount_minor),
    };
    let row: exception::Model = sea_orm::TryIntoModel::try_into_model(am.clone())?;
    let backend = c.get_database_backend();
    let unless_known = sea_orm::sea_query::OnConflict::column(exception::Column::Reference).do_nothing().to_owned();
    let head = sea_orm::QueryTrait::build(&exception::Entity::insert(am).on_conflict(unless_known), backend);
    let mut then = vec![sea_orm::QueryTrait::build(&exception_event::Entity::insert(history_row(row.id, &r.raised_by, "opened", Some(&r.detail), now)), backend)];
    let payload = json!({"reference": row.reference, "kind": row.kind, "queue": row.queue, "severity": row.severity, "sla_due_at": row.sla_due_at, "detail": row.detail});
    let event_id = crate::new_id();
    if r.announce {
        let summary = format!("Exception {} opened ({}) in the {} queue", row.reference, row.kind, p.queue.label());
        then.push(publish_statement(backend, event_id, "exception.opened", row.order_id, &payload, &summary, at));
    }
    if !crate::family::insert_with(c, head, then).await? {
        return crate::o2c::exception::find(c, &r.reference).await?.ok_or_else(|| DbErr::RecordNotFound(format!("exception {}", r.reference)));
    }
    if r.announce {
        published(c, event_id, "exception.opened", &payload, at).await?;
    }
    audit::record(c, &r.raised_by, "exception.opened", "exception", &row.reference, payload).await?;
    Ok(row)
}

/// Adds a step to an exception's history.
pub async fn history<C: ConnectionTrait>(c: &C, exception_id: Uuid, actor: &Actor, action: &str, note: Option<&str>, at: DateTime<Utc>) -> Result<(), DbErr> {
    exception_event::Entity::insert(history_row(exception_id, actor, action, note, at)).exec_without_returning(c).await?;
    Ok(())
}

fn history_row(exception_id: Uuid, actor: &Actor, action: &str, note: Option<&str>, at: DateTime<Utc>) -> exception_event::ActiveModel {
    exception_event::ActiveModel { id: Set(crate::new_id()), exception_id: Set(exception_id), at: Set(at), actor: Set(actor.to_string()), action: Set(action.into()), note: Set(note.map(str::to_owned)) }
}

/// An exception's history, oldest first.
pub async fn history_of<C: ConnectionTrait>(c: &C, exception_id: Uuid) -> Result<Vec<exception_event::Model>, DbErr> {
    use sea_orm::QueryOrder;
    exception_event::Entity::find()
        .filter(exception_event::Column::ExceptionId.eq(exception_id))
        .order_by_asc(exception_event::Column::At)
        .order_by_asc(exception_event::Column::Id)
        .all(c)
        .await
}

/// Records a business event that Throughline itself caused (`order.released` after a credit
/// release, `exception.claimed`…) on the tenant's event log under the source
/// [`SOURCE`]: it shows on the order's timeline, and outbound delivery reads it from there.
pub async fn publish<C: ConnectionTrait>(c: &C, kind: &str, order_id: Option<Uuid>, payload: &serde_json::Value, summary: &str, at: DateTime<Utc>) -> Result<(), DbErr> {
    let id = crate::new_id();
    event::Entity::insert(event_row(id, kind, order_id, payload, summary, at)).exec_without_returning(c).await?;
    crate::webhooks::fan_out(c, Some(id), kind, payload, at).await?;
    Ok(())
}

/// The insert of [`publish`]'s event `id`, for a caller that writes it as part of another
/// statement ([`crate::family`]); [`published`] then fans it out.
pub(crate) fn publish_statement(backend: sea_orm::DbBackend, id: Uuid, kind: &str, order_id: Option<Uuid>, payload: &serde_json::Value, summary: &str, at: DateTime<Utc>) -> sea_orm::Statement {
    sea_orm::QueryTrait::build(&event::Entity::insert(event_row(id, kind, order_id, payload, summary, at)), backend)
}

/// After [`publish_statement`] was written: the event goes to the tenant's webhooks.
pub(crate) async fn published<C: ConnectionTrait>(c: &C, id: Uuid, kind: &str, payload: &serde_json::Value, at: DateTime<Utc>) -> Result<(), DbErr> {
    crate::webhooks::fan_out(c, Some(id), kind, payload, at).await?;
    Ok(())
}

fn event_row(id: Uuid, kind: &str, order_id: Option<Uuid>, payload: &serde_json::Value, summary: &str, at: DateTime<Utc>) -> event::ActiveModel {
    let now = Utc::now();
    event::ActiveModel {
        id: Set(id),
        source: Set(SOURCE.into()),
        event_id: Set(id.to_string()),
        kind: Set(kind.into()),
        occurred_at: Set(at),
        received_at: Set(now),
        payload: Set(payload.to_string()),
        status: Set("applied".into()),
        waiting_for: Set(None),
        order_id: Set(order_id),
        summary: Set(Some(summary.into())),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// Resolves the exception with this reference, if it is still active, as the system
/// (what it was about has happened: the POD was filed, the payment fully applied).
pub async fn resolve_by_system<C: ConnectionTrait>(c: &C, reference: &str, code: &str, note: &str, at: DateTime<Utc>) -> Result<(), DbErr> {
    use sea_orm::ActiveModelTrait;
    let Some(x) = crate::o2c::exception::find(c, reference).await? else { return Ok(()) };
    if !x.status.parse().is_ok_and(ExceptionStatus::is_active) {
        return Ok(());
    }
    let mut am: exception::ActiveModel = x.clone().into();
    am.status = Set(ExceptionStatus::Resolved.as_str().into());
    am.resolution_code = Set(Some(code.into()));
    am.resolution_note = Set(Some(note.into()));
    am.resolved_at = Set(Some(at));
    am.updated_at = Set(Utc::now());
    am.update(c).await?;
    history(c, x.id, &Actor::System, "resolved", Some(note), at).await?;
    let payload = json!({"reference": x.reference, "kind": x.kind, "status": "resolved", "resolution_code": code, "note": note});
    publish(c, "exception.resolved", x.order_id, &payload, &format!("Exception {} resolved: {note}", x.reference), at).await?;
    audit::record(c, &Actor::System, "exception.resolved", "exception", &x.reference, payload).await
}
