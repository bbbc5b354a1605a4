//! What the tenant admin sees of the engine and may do: dead-lettered jobs with their
//! errors, retried or discarded one by one; counts by status.
use super::entity as job;
use super::JobStatus;
use crate::TenantTxn;
use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{QueryOrder, QuerySelect};

/// Jobs by status, for the admin's overview.
pub async fn counts(txn: &TenantTxn) -> Result<Vec<(String, i64)>, DbErr> {
    let rows: Vec<(String, i64)> = job::Entity::find()
        .select_only()
        .column(job::Column::Status)
        .column_as(job::Column::Id.count(), "n")
        .group_by(job::Column::Status)
        .into_tuple()
        .all(txn)
        .await?;
    Ok(rows)
}

/// The dead letter: newest first, at most `limit`.
pub async fn dead(txn: &TenantTxn, limit: u64) -> Result<Vec<job::Model>, DbErr> {
    job::Entity::find().filter(job::Column::Status.eq(JobStatus::Dead.as_str())).order_by_desc(job::Column::FinishedAt).limit(limit).all(txn).await
}

/// Queues a dead job again with a fresh set of attempts. `false` if no dead job has this id.
pub async fn retry(txn: &TenantTxn, id: Uuid, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let res = job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(JobStatus::Queued.as_str()))
        .col_expr(job::Column::Attempts, Expr::value(0))
        .col_expr(job::Column::RunAt, Expr::value(now))
        .col_expr(job::Column::FinishedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Status.eq(JobStatus::Dead.as_str()))
        .exec(txn)
        .await?;
    if res.rows_affected > 0 {
        txn.wake_workers_on_commit();
    }
    Ok(res.rows_affected > 0)
}

/// Removes a dead job for good. `false` if no dead job has this id.
pub async fn discard(txn: &TenantTxn, id: Uuid) -> Result<bool, DbErr> {
    let res = job::Entity::delete_many().filter(job::Column::Id.eq(id)).filter(job::Column::Status.eq(JobStatus::Dead.as_str())).exec(txn).await?;
    Ok(res.rows_affected > 0)
}

/// Deletes jobs that finished successfully before `cutoff`.
pub async fn delete_done_before(txn: &TenantTxn, cutoff: DateTime<Utc>) -> Result<u64, DbErr> {
    let res = job::Entity::delete_many().filter(job::Column::Status.eq(JobStatus::Done.as_str())).filter(job::Column::FinishedAt.lt(cutoff)).exec(txn).await?;
    Ok(res.rows_affected)
}
