//! Tenant: indexes that keep the `health.snapshot` job's reads short on a large tenant: events
//! by arrival, webhook attempts by time, invoice deliveries by status.
use super::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        index(m, "events", "events_received", &["received_at"], false).await?;
        index(m, "webhook_attempts", "webhook_attempts_at", &["at"], false).await?;
        index(m, "invoice_deliveries", "invoice_deliveries_status", &["status", "created_at"], false).await
    }
}
