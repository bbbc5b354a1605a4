//! Periodic work through the job table. Every instance's scheduler enqueues each periodic
//! job of each tenant under the key `name@slot` (the slot is the period's number since the
//! epoch); the unique key lets only the first of N instances write it, so each run happens
//! once however many instances there are.
use super::handlers::{Handler, JobCx, Registry};
use super::{JobError, NewJob, enqueue};
use crate::TenantTxn;
use chrono::{DateTime, TimeZone, Utc};
use sea_orm::DbErr;

/// A job run every `every_secs` seconds; with `when`, only in the tenants where that probe
/// (see [`crate::Db::tenants_with`]) finds a row, so that an idle tenant costs no job.
#[derive(Clone, Copy, Debug)]
pub struct Periodic {
    pub name: &'static str,
    pub every_secs: i64,
    pub when: Option<&'static str>,
}

impl Periodic {
    pub const fn every(name: &'static str, every_secs: i64) -> Self {
        Periodic { name, every_secs, when: None }
    }

    /// Only where `probe` finds a row.
    pub const fn when(self, probe: &'static str) -> Self {
        Periodic { when: Some(probe), ..self }
    }
}

/// Events waiting for their order or shipment.
pub const PARKED_PROBE: &str = "SELECT 1 FROM {schema}.events WHERE status = 'parked'";

/// The tenant upkeep that the minute sweep used to do, and the engine's own clean-up.
pub const UPKEEP: [Periodic; 4] = [
    // Parked events whose object arrived in a transaction that crossed theirs.
    Periodic::every("parked.retry", 60).when(PARKED_PROBE),
    // Events parked too long become integration exceptions.
    Periodic::every("parked.escalate", 60).when(PARKED_PROBE),
    Periodic::every("idempotency.purge", 3600),
    Periodic::every("jobs.cleanup", 3600),
];

/// The slot of `now` for a job run every `every_secs` and shifted by `offset` seconds (a
/// tenant's own, so that tenants' runs spread over the period), and when that slot began.
pub fn slot(now: DateTime<Utc>, every_secs: i64, offset: i64) -> (i64, DateTime<Utc>) {
    let every = every_secs.max(1);
    let n = (now.timestamp() - offset).div_euclid(every);
    (n, Utc.timestamp_opt(n * every + offset, 0).single().unwrap_or(now))
}

/// Enqueues this slot's run of each of `periodic` (those already enqueued are skipped).
/// Answers how many were new.
pub async fn schedule(txn: &TenantTxn, periodic: &[Periodic], now: DateTime<Utc>) -> Result<u64, DbErr> {
    let jobs = periodic
        .iter()
        .map(|p| {
            let offset = super::worker::bucket(txn.tenant(), p.every_secs.max(1) as u64) as i64;
            let (n, start) = slot(now, p.every_secs, offset);
            NewJob::new(p.name, serde_json::Value::Null, start).unique(format!("{}@{n}", p.name)).attempts(3)
        })
        .collect();
    enqueue(txn, jobs).await
}

/// What the upkeep jobs need to know.
#[derive(Clone, Copy, Debug)]
pub struct UpkeepSettings {
    /// An event parked this long becomes an integration exception.
    pub parked_event_minutes: i64,
    /// Idempotency keys are kept this long.
    pub idempotency_hours: i64,
    /// Finished jobs (done) are kept this long; dead ones stay until the admin acts.
    pub done_job_hours: i64,
}

/// The registry with the engine's own handlers: `noop` and the upkeep.
pub fn upkeep_registry(settings: UpkeepSettings) -> Registry {
    Registry::new()
        .with("noop", super::handlers::Noop)
        .with("parked.retry", RetryParked)
        .with("parked.escalate", EscalateParked(settings.parked_event_minutes))
        .with("idempotency.purge", PurgeIdempotency(settings.idempotency_hours))
        .with("jobs.cleanup", CleanupJobs(settings.done_job_hours))
}

struct RetryParked;

#[async_trait::async_trait]
impl Handler for RetryParked {
    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        crate::events::retry_parked(cx.txn).await?;
        Ok(())
    }
}

struct EscalateParked(i64);

#[async_trait::async_trait]
impl Handler for EscalateParked {
    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        let raised = crate::events::escalate_parked(cx.txn, cx.now - chrono::Duration::minutes(self.0)).await?;
        if raised > 0 {
            tracing::info!(tenant = %cx.tenant, raised, "parked events became integration exceptions");
        }
        Ok(())
    }
}

struct PurgeIdempotency(i64);

#[async_trait::async_trait]
impl Handler for PurgeIdempotency {
    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        crate::maintenance::purge_idempotency_keys(cx.txn, self.0).await?;
        Ok(())
    }
}

struct CleanupJobs(i64);

#[async_trait::async_trait]
impl Handler for CleanupJobs {
    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        super::admin::delete_done_before(cx.txn, cx.now - chrono::Duration::hours(self.0)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_numbers_the_period_and_starts_at_its_beginning() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let cases = [
            ("2026-11-26T10:00:00Z", 60, "2026-11-26T10:00:00Z"),
            ("2026-11-26T10:00:59Z", 60, "2026-11-26T10:00:00Z"),
            ("2026-11-26T10:01:00Z", 60, "2026-11-26T10:01:00Z"),
            ("2026-11-26T10:59:59Z", 3600, "2026-11-26T10:00:00Z"),
            ("1969-12-31T23:59:30Z", 60, "1969-12-31T23:59:00Z"),
        ];
        for (now, every, start) in cases {
            let (n, begins) = slot(at(now), every, 0);
            assert_eq!(begins, at(start), "{now} every {every}s");
            assert_eq!(n * every, begins.timestamp());
        }
        assert_ne!(slot(at("2026-11-26T10:00:59Z"), 60, 0).0, slot(at("2026-11-26T10:01:00Z"), 60, 0).0);
        // Shifted by a tenant's offset: its hourly slot begins at 17 past.
        assert_eq!(slot(at("2026-11-26T10:16:59Z"), 3600, 17 * 60).1, at("2026-11-26T09:17:00Z"));
        assert_eq!(slot(at("2026-11-26T10:17:00Z"), 3600, 17 * 60).1, at("2026-11-26T10:17:00Z"));
    }
}
