//! Tenant: `invoice_ready`, one row per shipment whose billing condition was met (dispatch,
//! delivery or proof of delivery, by the tenant's billing rule or the customer's override):
//! when, and which invoice followed and when — the shipment-to-invoice latency of every
//! invoice — so that a missing invoice can be found (`invoice_delay`).
use super::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("invoice_ready")
                .col(pk_uuid("id"))
                .col(uuid_uniq("shipment_id"))
                .col(uuid("order_id"))
                .col(string("trigger"))
                .col(timestamp_with_time_zone("ready_at"))
                .col(uuid_null("invoice_id"))
                .col(timestamp_with_time_zone_null("invoiced_at"))
                .col(big_integer_null("latency_secs"))
                .to_owned(),
        )
        .await?;
        index(m, "invoice_ready", "invoice_ready_order", &["order_id", "ready_at"], false).await
    }
}
