//! Reading the queues: an exception as people see it, a queue with its filters (type,
//! customer, age, SLA state) sorted by SLA due time with keyset pages, counts per type,
//! "my work", and one exception with its history.
use super::entity::exception_event;
use super::kinds::Queue;
use crate::entity::{customer, exception, invoice, order};
use crate::o2c::exception::ExceptionStatus;
use crate::orders::{decode_cursor, encode_cursor};
use crate::{AppError, Result};
use chrono::{DateTime, Duration, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::Condition;
use sea_orm::{ConnectionTrait, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// An exception as the queue pages and the API show it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct ExceptionRow {
    pub id: Uuid,
    pub reference: String,
    pub kind: String,
    pub status: String,
    pub severity: String,
    pub queue: String,
    pub detail: String,
    pub escalated: bool,
    pub order_number: Option<String>,
    pub customer: Option<String>,
    pub customer_name: Option<String>,
    pub invoice_number: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub assignee: Option<String>,
    pub sla_due_at: Option<DateTime<Utc>>,
    /// `breached`, `due_soon` (within 2 hours) or `ok`; `none` once resolved.
    pub sla_state: String,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution_code: Option<String>,
    pub resolution_note: Option<String>,
    pub raised_by: Option<String>,
    pub amount_minor: Option<i64>,
}

/// Where an exception stands against its SLA at `now`.
pub fn sla_state(status: &str, due: Option<DateTime<Utc>>, now: DateTime<Utc>) -> &'static str {
    match (status, due) {
        ("resolved", _) | (_, None) => "none",
        (_, Some(d)) if d <= now => "breached",
        (_, Some(d)) if d <= now + Duration::hours(2) => "due_soon",
        _ => "ok",
    }
}

/// What a queue page asks for. Unset fields do not filter; `status` unset means every
/// status but resolved.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct QueueFilter {
    pub queue: Option<String>,
    pub kind: Option<String>,
    /// The customer's external id.
    pub customer: Option<String>,
    pub status: Option<String>,
    /// `breached`, `due_soon` or `ok`.
    pub sla: Option<String>,
    /// Opened at least this many hours ago.
    pub min_age_hours: Option<i64>,
    pub assignee: Option<Uuid>,
}

/// One page of a queue.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct QueuePage {
    pub items: Vec<ExceptionRow>,
    /// Pass as `after` for the next page.
    pub next: Option<String>,
}

/// The exceptions matching `f`, soonest SLA first, `limit` per page after the cursor `after`.
pub async fn list<C: ConnectionTrait>(c: &C, f: &QueueFilter, after: Option<&str>, limit: u64, now: DateTime<Utc>) -> Result<QueuePage> {
    let mut q = exception::Entity::find().filter(condition(c, f, now).await?);
    if let Some(cursor) = after.filter(|s| !s.is_empty()) {
        let (at, id) = decode_cursor(cursor)?;
        q = q.filter(Condition::any().add(exception::Column::SlaDueAt.gt(at)).add(Condition::all().add(exception::Column::SlaDueAt.eq(at)).add(exception::Column::Id.gt(id))));
    }
    let rows = q.order_by_asc(exception::Column::SlaDueAt).order_by_asc(exception::Column::Id).limit(limit + 1).all(c).await?;
    let more = rows.len() as u64 > limit;
    let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
    let next = if more { rows.last().and_then(|r| r.sla_due_at.map(|at| encode_cursor(at, r.id))) } else { None };
    Ok(QueuePage { items: describe(c, rows, now).await?, next })
}

async fn condition<C: ConnectionTrait>(c: &C, f: &QueueFilter, now: DateTime<Utc>) -> Result<Condition> {
    let mut cond = Condition::all();
    if let Some(q) = f.queue.as_deref().filter(|s| !s.is_empty()) {
        let queue: Queue = q.parse().map_err(|_| AppError::Invalid(format!("queue must be one of: {}", Queue::ALL.map(Queue::as_str).join(", "))))?;
        cond = cond.add(exception::Column::Queue.eq(queue.as_str()));
    }
    match f.status.as_deref().filter(|s| !s.is_empty()) {
        None | Some("active") => cond = cond.add(exception::Column::Status.ne(ExceptionStatus::Resolved.as_str())),
        Some("all") => {}
        Some(s) => {
            let st: ExceptionStatus = s.parse().map_err(|_| AppError::Invalid("status must be open, claimed, escalated, resolved, active or all".into()))?;
            cond = cond.add(exception::Column::Status.eq(st.as_str()));
        }
    }
    if let Some(k) = f.kind.as_deref().filter(|s| !s.is_empty()) {
        cond = cond.add(exception::Column::Kind.eq(k));
    }
    if let Some(ext) = f.customer.as_deref().filter(|s| !s.is_empty()) {
        let id = crate::o2c::find_customer(c, ext).await?.map(|c| c.id).unwrap_or(Uuid::nil());
        cond = cond.add(exception::Column::CustomerId.eq(id));
    }
    match f.sla.as_deref().filter(|s| !s.is_empty()) {
        None => {}
        Some("breached") => cond = cond.add(exception::Column::SlaDueAt.lte(now)),
        Some("due_soon") => cond = cond.add(exception::Column::SlaDueAt.gt(now)).add(exception::Column::SlaDueAt.lte(now + Duration::hours(2))),
        Some("ok") => cond = cond.add(exception::Column::SlaDueAt.gt(now + Duration::hours(2))),
        Some(_) => return Err(AppError::Invalid("sla must be breached, due_soon or ok".into())),
    }
    if let Some(h) = f.min_age_hours {
        if !(0..=24 * 3650).contains(&h) {
            return Err(AppError::Invalid("min_age_hours must be between 0 and 87600".into()));
        }
        cond = cond.add(exception::Column::OpenedAt.lte(now - Duration::hours(h)));
    }
    if let Some(a) = f.assignee {
        cond = cond.add(exception::Column::AssigneeId.eq(a));
    }
    Ok(cond)
}

/// Active exceptions per type matching `f` (its kind and status ignored), most first.
pub async fn counts_by_kind<C: ConnectionTrait>(c: &C, f: &QueueFilter, now: DateTime<Utc>) -> Result<Vec<(String, i64)>> {
    let base = QueueFilter { kind: None, status: None, ..f.clone() };
    let mut rows: Vec<(String, i64)> = exception::Entity::find()
        .select_only()
        .column(exception::Column::Kind)
        .column_as(exception::Column::Id.count(), "n")
        .filter(condition(c, &base, now).await?)
        .group_by(exception::Column::Kind)
        .into_tuple()
        .all(c)
        .await?;
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(rows)
}

/// One exception with its history, oldest step first.
pub async fn detail<C: ConnectionTrait>(c: &C, id: Uuid, now: DateTime<Utc>) -> Result<(ExceptionRow, Vec<exception_event::Model>)> {
    let Some(x) = exception::Entity::find_by_id(id).one(c).await? else { return Err(AppError::NotFound) };
    let history = super::raise::history_of(c, id).await?;
    let row = describe(c, vec![x], now).await?.pop().ok_or(AppError::NotFound)?;
    Ok((row, history))
}

/// The exception with this reference.
pub async fn by_reference<C: ConnectionTrait>(c: &C, reference: &str) -> Result<Uuid> {
    crate::o2c::exception::find(c, reference).await?.map(|x| x.id).ok_or(AppError::NotFound)
}

/// Rows as people see them: with order numbers, customer names and invoice numbers, looked
/// up once per page.
async fn describe<C: ConnectionTrait>(c: &C, rows: Vec<exception::Model>, now: DateTime<Utc>) -> Result<Vec<ExceptionRow>> {
    let ids = |f: fn(&exception::Model) -> Option<Uuid>| rows.iter().filter_map(f).collect::<Vec<_>>();
    let orders: HashMap<Uuid, String> = order::Entity::find().filter(order::Column::Id.is_in(ids(|x| x.order_id))).all(c).await?.into_iter().map(|o| (o.id, o.number)).collect();
    let customers: HashMap<Uuid, (String, String)> =
        customer::Entity::find().filter(customer::Column::Id.is_in(ids(|x| x.customer_id))).all(c).await?.into_iter().map(|cu| (cu.id, (cu.external_id, cu.name))).collect();
    let invoices: HashMap<Uuid, String> = invoice::Entity::find().filter(invoice::Column::Id.is_in(ids(|x| x.invoice_id))).all(c).await?.into_iter().map(|i| (i.id, i.number)).collect();
    Ok(rows
        .into_iter()
        .map(|x| {
            let cust = x.customer_id.and_then(|id| customers.get(&id).cloned());
            ExceptionRow {
                sla_state: sla_state(&x.status, x.sla_due_at, now).into(),
                order_number: x.order_id.and_then(|id| orders.get(&id).cloned()),
                invoice_number: x.invoice_id.and_then(|id| invoices.get(&id).cloned()),
                customer: cust.as_ref().map(|c| c.0.clone()),
                customer_name: cust.map(|c| c.1),
                id: x.id,
                reference: x.reference,
                kind: x.kind,
                status: x.status,
                severity: x.severity,
                queue: x.queue,
                detail: x.detail,
                escalated: x.escalated,
                assignee_id: x.assignee_id,
                assignee: x.assignee_name,
                sla_due_at: x.sla_due_at,
                opened_at: x.opened_at,
                resolved_at: x.resolved_at,
                resolution_code: x.resolution_code,
                resolution_note: x.resolution_note,
                raised_by: x.raised_by,
                amount_minor: x.amount_minor,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sla_state_follows_the_due_time() {
        let now = Utc::now();
        let cases = [
            ("open", Some(now - Duration::minutes(1)), "breached"),
            ("claimed", Some(now), "breached"),
            ("open", Some(now + Duration::minutes(90)), "due_soon"),
            ("escalated", Some(now + Duration::hours(3)), "ok"),
            ("resolved", Some(now - Duration::hours(3)), "none"),
            ("open", None, "none"),
        ];
        for (status, due, want) in cases {
            assert_eq!(sla_state(status, due, now), want, "{status} due {due:?}");
        }
    }
}
