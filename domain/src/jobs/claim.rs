//! Claiming due jobs in batches, and settling them after they ran.
use super::entity as job;
use super::{JobError, JobStatus, after_failure};
use crate::TenantTxn;
use chrono::{DateTime, Duration, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{DbBackend, Statement};

/// One claimed batch: the claim's id (held in `locked_by`) and its jobs.
#[derive(Debug)]
pub struct Claim {
    pub id: Uuid,
    pub jobs: Vec<job::Model>,
}

/// Claims up to `n` jobs due at `now` for `lease`: each becomes `running`, counts an attempt
/// and may be claimed again when the lease ends (its worker died). A job being run right
/// now is locked by its worker's transaction and skipped, whatever its lease says.
pub async fn claim(txn: &TenantTxn, now: DateTime<Utc>, n: u64, lease: Duration) -> Result<Claim, DbErr> {
    let backend = txn.get_database_backend();
    let id = Uuid::new_v4();
    let (p, lock) = match backend {
        DbBackend::Postgres => (["$1", "$2", "$3", "$4"], " FOR UPDATE SKIP LOCKED"),
        // SQLite: tenant transactions are IMMEDIATE, so one writer claims at a time.
        _ => (["?1", "?2", "?3", "?4"], ""),
    };
    let sql = format!(
        "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = {0}, run_at = {1}, updated_at = {2} \
         WHERE id IN (SELECT id FROM jobs WHERE status IN ('queued', 'running') AND run_at <= {2} ORDER BY run_at LIMIT {3}{lock}) \
         RETURNING *",
        p[0], p[1], p[2], p[3]
    );
    let values: [sea_orm::Value; 4] = [id.into(), (now + lease).into(), now.into(), (n as i64).into()];
    let mut jobs = job::Entity::find().from_raw_sql(Statement::from_sql_and_values(backend, sql, values)).all(txn).await?;
    jobs.sort_by_key(|j| (j.run_at, j.id));
    Ok(Claim { id, jobs })
}

/// The claimed jobs still held by `claim`, locked until `txn` ends: a lease that ran out
/// may have let another worker claim one again, and that worker's run is the one that counts.
pub async fn still_held(txn: &TenantTxn, claim: Uuid) -> Result<Vec<Uuid>, DbErr> {
    let backend = txn.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "SELECT id FROM jobs WHERE locked_by = $1 FOR UPDATE",
        _ => "SELECT id FROM jobs WHERE locked_by = ?",
    };
    let rows = txn.query_all_raw(Statement::from_sql_and_values(backend, sql, [claim.into()])).await?;
    rows.iter().map(|r| r.try_get::<Uuid>("", "id")).collect()
}

/// Marks `ids` done in one statement.
pub async fn complete(txn: &TenantTxn, ids: &[Uuid], now: DateTime<Utc>) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(JobStatus::Done.as_str()))
        .col_expr(job::Column::FinishedAt, Expr::value(Some(now)))
        .col_expr(job::Column::LockedBy, Expr::value(Option::<Uuid>::None))
        .col_expr(job::Column::LastError, Expr::value(Option::<String>::None))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.is_in(ids.iter().copied()))
        .exec(txn)
        .await?;
    Ok(())
}

/// Records the failed attempts of `failed`: each queued again after its backoff, or
/// dead-lettered; one statement per distinct outcome (a run of jobs dead-lettered for the
/// same reason is one). Answers how many are dead now.
pub async fn fail_all(txn: &TenantTxn, failed: &[(&job::Model, JobError)], now: DateTime<Utc>) -> Result<usize, DbErr> {
    type Outcome = (&'static str, DateTime<Utc>, Option<DateTime<Utc>>, String);
    let mut groups: std::collections::HashMap<Outcome, Vec<Uuid>> = Default::default();
    for (j, error) in failed {
        let next = after_failure(j.attempts, j.max_attempts, error, now, rand::random::<f64>());
        let (status, run_at, finished) = match next {
            Some(at) => (JobStatus::Queued, at, None),
            None => (JobStatus::Dead, now, Some(now)),
        };
        let mut message = error.to_string();
        message.truncate(message.floor_char_boundary(2000));
        groups.entry((status.as_str(), run_at, finished, format!("attempt {}: {message}", j.attempts))).or_default().push(j.id);
    }
    let mut dead = 0;
    for ((status, run_at, finished, error), ids) in groups {
        if status == JobStatus::Dead.as_str() {
            dead += ids.len();
        }
        job::Entity::update_many()
            .col_expr(job::Column::Status, Expr::value(status))
            .col_expr(job::Column::RunAt, Expr::value(run_at))
            .col_expr(job::Column::FinishedAt, Expr::value(finished))
            .col_expr(job::Column::LockedBy, Expr::value(Option::<Uuid>::None))
            .col_expr(job::Column::LastError, Expr::value(Some(error)))
            .col_expr(job::Column::UpdatedAt, Expr::value(now))
            .filter(job::Column::Id.is_in(ids))
            .exec(txn)
            .await?;
    }
    Ok(dead)
}
