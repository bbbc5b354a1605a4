//! SLA breaches: a periodic job escalates every active exception whose SLA time has passed:
//! severity one step up, into the admin queue, status escalated, recorded in its history and
//! the audit trail, `exception.escalated` published. Escalated ones are not escalated again.
use super::actions::{Assignee, Change, apply_change};
use super::raise::{history, publish};
use crate::TenantTxn;
use crate::audit::{self, Actor};
use crate::entity::exception;
use crate::jobs::{Handler, JobCx, JobError};
use crate::o2c::exception::ExceptionStatus;
use chrono::{DateTime, Utc};
use sea_orm::QuerySelect;
use sea_orm::prelude::*;
use serde_json::json;

/// Escalates up to `limit` breached exceptions at `now`; answers how many.
pub async fn escalate_breached(txn: &TenantTxn, now: DateTime<Utc>, limit: u64) -> Result<usize, crate::AppError> {
    let breached = exception::Entity::find()
        .filter(exception::Column::Status.is_in([ExceptionStatus::Open.as_str(), ExceptionStatus::Claimed.as_str()]))
        .filter(exception::Column::SlaDueAt.lte(now))
        .limit(limit)
        .all(txn)
        .await?;
    let n = breached.len();
    let change = Change { status: ExceptionStatus::Escalated, assignee: Assignee::Keep, escalate: true, resolution: None };
    for x in breached {
        let due = x.sla_due_at;
        let updated = apply_change(txn, x, &change, now).await?;
        let note = format!("SLA breached (due {})", due.map(|d| d.to_rfc3339()).unwrap_or_default());
        history(txn, updated.id, &Actor::System, "escalated", Some(&note), now).await?;
        let payload = json!({"reference": updated.reference, "kind": updated.kind, "severity": updated.severity, "queue": updated.queue, "reason": "sla_breached"});
        publish(txn, "exception.escalated", updated.order_id, &payload, &format!("Exception {} escalated: {note}", updated.reference), now).await?;
        audit::record(txn, &Actor::System, "exception.escalated", "exception", &updated.reference, payload).await?;
    }
    Ok(n)
}

/// Finds the tenants with an open exception under an SLA, which [`escalate_breached`] may
/// have to escalate (see `Db::tenants_with`): only those run the minute's `sla.escalate`.
/// Without a time, so that the job itself judges the breach on its own clock.
pub const BREACHED_PROBE: &str = "SELECT 1 FROM {schema}.exceptions WHERE status IN ('open', 'claimed') AND sla_due_at IS NOT NULL";

/// The `sla.escalate` job (each minute).
pub struct EscalateBreached;

#[async_trait::async_trait]
impl Handler for EscalateBreached {
    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        loop {
            let n = escalate_breached(cx.txn, cx.now, 500).await?;
            if n < 500 {
                return Ok(());
            }
        }
    }
}
