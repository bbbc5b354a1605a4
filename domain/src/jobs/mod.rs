//! Durable jobs and timers: the engine the workflow runs on.
//!
//! A job is a row in the tenant's `jobs` table, written through the [`TenantTxn`] of the
//! change that causes it (a transactional outbox: the job exists exactly when the change
//! committed). Workers claim due jobs in batches ([`work_tenant`]): on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`, so that any number of workers in any number of processes
//! never claim one job twice; on SQLite through the file's single writer. A claim is a lease:
//! the job's `run_at` becomes the lease's end, and a job whose worker died is claimed again
//! after it. Each batch then runs in one transaction, each job in its own savepoint, and the
//! handler's writes commit together with the job's completion: a job takes effect once.
//!
//! A failed job is retried after `attempt⁴` seconds plus jitter (capped at a day) and
//! dead-lettered after its last attempt; the tenant admin sees it with its error and retries
//! or discards it ([`admin`]). Periodic work goes through the same table under a unique
//! `name@slot` key ([`periodic`]). Time is always passed in (`now`), so tests drive the
//! clock and nothing waits for real time.
pub mod admin;
mod claim;
pub mod entity;
pub mod handlers;
pub mod periodic;
mod notify;
mod signal;
mod worker;

pub use claim::{Claim, claim};
pub use handlers::{BatchCx, Handler, JobCx, Registry};
/// Handlers are written with this attribute (re-exported so that callers need no dependency of their own).
pub use async_trait::async_trait;
pub use periodic::Periodic;
pub use signal::JobSignal;
pub use worker::{Settings, WorkOutcome, bucket, drain_tenant, run_workers, schedule_all, work_tenant};

use crate::TenantTxn;
use chrono::{DateTime, Duration, Utc};
use entity as job;
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;

/// The stored status of a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Dead,
}

impl JobStatus {
    pub const ALL: [JobStatus; 4] = [JobStatus::Queued, JobStatus::Running, JobStatus::Done, JobStatus::Dead];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Dead => "dead",
        }
    }
}

/// Attempts before a job is dead-lettered, unless its kind says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 20;
/// The longest wait between two attempts.
pub const MAX_BACKOFF_SECS: i64 = 24 * 3600;

/// A job to enqueue.
#[derive(Clone, Debug)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: DateTime<Utc>,
    pub max_attempts: i32,
    /// At most one job ever exists under this key (periodic runs: `name@slot`).
    pub unique_key: Option<String>,
}

impl NewJob {
    /// A job of `kind` with `payload`, to run at `run_at`.
    pub fn new(kind: &str, payload: serde_json::Value, run_at: DateTime<Utc>) -> Self {
        NewJob { kind: kind.to_owned(), payload, run_at, max_attempts: DEFAULT_MAX_ATTEMPTS, unique_key: None }
    }

    pub fn unique(mut self, key: String) -> Self {
        self.unique_key = Some(key);
        self
    }

    pub fn attempts(mut self, max: i32) -> Self {
        self.max_attempts = max.max(1);
        self
    }

    /// The queued row of this job.
    fn row(self, now: DateTime<Utc>) -> job::ActiveModel {
        job::ActiveModel {
            id: Set(crate::new_id()),
            kind: Set(self.kind),
            payload: Set(self.payload.to_string()),
            status: Set(JobStatus::Queued.as_str().into()),
            run_at: Set(self.run_at),
            attempts: Set(0),
            max_attempts: Set(self.max_attempts),
            locked_by: Set(None),
            last_error: Set(None),
            unique_key: Set(self.unique_key),
            finished_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
    }
}

/// Writes `jobs` through the transaction of the change that causes them; workers are woken
/// when it commits. Jobs under a unique key that already exists are skipped. Answers how
/// many were written.
pub async fn enqueue(txn: &TenantTxn, jobs: Vec<NewJob>) -> Result<u64, DbErr> {
    let now = Utc::now();
    let mut written = 0;
    for j in jobs {
        let unique = j.unique_key.is_some();
        let row = j.row(now);
        let insert = job::Entity::insert(row);
        let done = if unique { insert.on_conflict_do_nothing_on([job::Column::UniqueKey]).exec_without_returning(txn).await? } else { insert.exec_without_returning(txn).await.map(sea_orm::TryInsertResult::Inserted)? };
        if crate::inserted(&done) {
            written += 1;
        }
    }
    if written > 0 {
        txn.wake_workers_on_commit();
    }
    Ok(written)
}

/// Writes a timer (a job due later) through any connection of the tenant, such as the
/// savepoint a rule runs in. No wake-up is sent: workers find it by polling when it is due.
pub async fn enqueue_timer<C: sea_orm::ConnectionTrait>(c: &C, j: NewJob) -> Result<(), DbErr> {
    job::Entity::insert(j.row(Utc::now())).on_conflict_do_nothing_on([job::Column::UniqueKey]).exec_without_returning(c).await?;
    Ok(())
}

/// The jobs with these unique keys, by key (what a delivery or reminder shows of its job).
pub async fn by_unique_keys<C: sea_orm::ConnectionTrait>(c: &C, keys: Vec<String>) -> Result<std::collections::HashMap<String, job::Model>, DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    if keys.is_empty() {
        return Ok(Default::default());
    }
    Ok(job::Entity::find().filter(job::Column::UniqueKey.is_in(keys)).all(c).await?.into_iter().filter_map(|j| j.unique_key.clone().map(|k| (k, j))).collect())
}

/// The statement that writes `jobs` as timers (see [`enqueue_timer`]), for a caller that runs
/// it as part of another ([`crate::family`]); `None` for no jobs.
pub(crate) fn timers_statement(backend: sea_orm::DbBackend, jobs: Vec<NewJob>) -> Option<sea_orm::Statement> {
    if jobs.is_empty() {
        return None;
    }
    let now = Utc::now();
    let unless_known = sea_orm::sea_query::OnConflict::column(job::Column::UniqueKey).do_nothing().to_owned();
    Some(sea_orm::QueryTrait::build(&job::Entity::insert_many(jobs.into_iter().map(|j| j.row(now))).on_conflict(unless_known), backend))
}

/// Writes several timers in one statement (see [`enqueue_timer`]).
pub async fn enqueue_timers<C: sea_orm::ConnectionTrait>(c: &C, jobs: Vec<NewJob>) -> Result<(), DbErr> {
    if jobs.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    job::Entity::insert_many(jobs.into_iter().map(|j| j.row(now))).on_conflict_do_nothing_on([job::Column::UniqueKey]).exec_without_returning(c).await?;
    Ok(())
}

/// How a job failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth another attempt (a timeout, a database hiccup, a 5xx of a remote system).
    #[error("{0}")]
    Retry(String),
    /// No attempt can succeed (bad payload, a permanent refusal): dead-lettered at once.
    #[error("{0}")]
    Permanent(String),
}

impl From<DbErr> for JobError {
    fn from(e: DbErr) -> Self {
        JobError::Retry(format!("database: {e}"))
    }
}

impl From<crate::AppError> for JobError {
    fn from(e: crate::AppError) -> Self {
        JobError::Retry(e.to_string())
    }
}

/// The wait before the next attempt after `attempt` attempts: `attempt⁴` seconds plus up to
/// 10% jitter (`jitter` in 0..1), at most [`MAX_BACKOFF_SECS`].
pub fn backoff(attempt: i32, jitter: f64) -> Duration {
    let a = i64::from(attempt.max(1));
    let base = a.saturating_pow(4).min(MAX_BACKOFF_SECS);
    let extra = (base as f64 * 0.1 * jitter.clamp(0.0, 1.0)) as i64;
    Duration::seconds((base + extra).min(MAX_BACKOFF_SECS))
}

/// What happens to a job after a failed attempt: its next run, or `None` for the dead letter.
pub fn after_failure(attempts: i32, max_attempts: i32, error: &JobError, now: DateTime<Utc>, jitter: f64) -> Option<DateTime<Utc>> {
    match error {
        JobError::Permanent(_) => None,
        JobError::Retry(_) if attempts >= max_attempts => None,
        JobError::Retry(_) => Some(now + backoff(attempts, jitter)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_as_the_fourth_power_of_the_attempt_with_bounded_jitter_and_a_cap() {
        let cases = [(1, 0.0, 1), (2, 0.0, 16), (3, 0.0, 81), (5, 0.0, 625), (10, 0.0, 10_000), (10, 1.0, 11_000), (10, 0.5, 10_500), (30, 0.0, MAX_BACKOFF_SECS), (30, 1.0, MAX_BACKOFF_SECS), (0, 0.0, 1), (i32::MAX, 1.0, MAX_BACKOFF_SECS)];
        for (attempt, jitter, secs) in cases {
            assert_eq!(backoff(attempt, jitter).num_seconds(), secs, "attempt {attempt}, jitter {jitter}");
        }
    }

    #[test]
    fn a_failed_job_is_retried_until_its_last_attempt_then_dead_lettered() {
        let now = Utc::now();
        let retry = JobError::Retry("timeout".into());
        let permanent = JobError::Permanent("bad payload".into());
        let cases = [(1, 3, &retry, Some(now + Duration::seconds(1))), (2, 3, &retry, Some(now + Duration::seconds(16))), (3, 3, &retry, None), (4, 3, &retry, None), (1, 3, &permanent, None)];
        for (attempts, max, err, want) in cases {
            assert_eq!(after_failure(attempts, max, err, now, 0.0), want, "{attempts}/{max} {err:?}");
        }
    }

    #[test]
    fn statuses_have_distinct_stored_names() {
        let names: std::collections::HashSet<_> = JobStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names.len(), JobStatus::ALL.len());
    }
}
