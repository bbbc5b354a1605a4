//! Tenant: how each invoice went out on each of its customer's channels.
//! - `invoice_deliveries`: one row per invoice and channel (`portal`, `email`, `edi`,
//!   `webhook`), its `target` (the addresses, the mailbox), `status` (`queued`, `sent`,
//!   `delivered`, `failed`, `bounced`), a `detail` for people, and the unique key of the job that sends it
//!   (whose attempts and last error tell a retry from a failure).
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
                    .table("invoice_deliveries")
                    .col(pk_uuid("id"))
                    .col(uuid("invoice_id"))
                    .col(string("channel"))
                    .col(text("target"))
                    .col(string("status"))
                    .col(text("detail"))
                    .col(string_null("job_key"))
                    .col(timestamp_with_time_zone_null("sent_at")),
            )
            .to_owned(),
        )
        .await?;
        index(m, "invoice_deliveries", "invoice_deliveries_invoice", &["invoice_id", "channel"], true).await
    }
}
