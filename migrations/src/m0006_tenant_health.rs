//! Platform: `tenant_health`, one row per tenant and day, written by each tenant's
//! `health.snapshot` job (see `domain::health`) and read by the partner console, so that no
//! request reads across tenant schemas.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("tenant_health")
                .col(uuid("tenant_id"))
                .col(date("day"))
                .col(integer("open_exceptions"))
                .col(integer("sla_breaches"))
                .col(timestamp_with_time_zone_null("oldest_open_at"))
                .col(integer("dead_jobs"))
                .col(integer("webhook_attempts"))
                .col(integer("webhook_failures"))
                .col(integer("undelivered_invoices"))
                .col(timestamp_with_time_zone_null("last_event_at"))
                .col(integer("events_last_hour"))
                .col(integer("events_day"))
                .col(integer("ingestion_errors"))
                .col(integer("trouble"))
                .col(timestamp_with_time_zone("measured_at"))
                .primary_key(Index::create().col("tenant_id").col("day"))
                .to_owned(),
        )
        .await
    }
}
