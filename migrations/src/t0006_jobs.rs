//! Tenant: the job table, the transactional outbox of the workflow engine. A job is written
//! in the same transaction as the change that causes it and run by a worker later.
//! - `status`: queued, running, done or dead (dead-lettered after its last attempt).
//! - `run_at`: when a queued job may run; for a running job, when its lease ends (after that
//!   it may be claimed again), so one partial index serves both.
//! - `locked_by`: the claim that holds a running job (one id per claimed batch).
//! - `unique_key`: periodic work is enqueued under `name@slot`, so that N instances enqueue
//!   each run once.
use super::{index, stamps};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            stamps(
                Table::create()
                    .table("jobs")
                    .col(pk_uuid("id"))
                    .col(string("kind"))
                    .col(text("payload"))
                    .col(string("status"))
                    .col(timestamp_with_time_zone("run_at"))
                    .col(integer("attempts"))
                    .col(integer("max_attempts"))
                    .col(uuid_null("locked_by"))
                    .col(text_null("last_error"))
                    .col(string_null("unique_key"))
                    .col(timestamp_with_time_zone_null("finished_at")),
            )
            .to_owned(),
        )
        .await?;
        index(m, "jobs", "jobs_unique_key", &["unique_key"], true).await?;
        index(m, "jobs", "jobs_locked_by", &["locked_by"], false).await?;
        // Claiming reads only what may run; done and dead rows stay out of the index.
        m.get_connection().execute_unprepared("CREATE INDEX jobs_due ON jobs (run_at) WHERE status IN ('queued', 'running')").await?;
        m.get_connection().execute_unprepared("CREATE INDEX jobs_finished ON jobs (status, finished_at)").await?;
        Ok(())
    }
}
