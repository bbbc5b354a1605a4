//! Tenant: the outbound EDI mailbox. Each invoice of a customer invoiced by EDI is rendered as
//! an X12 810 into `edi_outbox` under its interchange control number (`control`, also the
//! functional group's); the EDI gateway polls the unacknowledged ones and answers with a 997,
//! which sets `acknowledged_at` and `ack_code` (`A`, `E`, `P` or `R` from AK9).
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
                .table("edi_outbox")
                .col(pk_uuid("id"))
                .col(uuid("invoice_id"))
                .col(uuid("delivery_id"))
                .col(big_integer("control"))
                .col(text("document"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("acknowledged_at"))
                .col(string_null("ack_code"))
                .to_owned(),
        )
        .await?;
        index(m, "edi_outbox", "edi_outbox_control", &["control"], true).await?;
        index(m, "edi_outbox", "edi_outbox_pending", &["acknowledged_at", "created_at"], false).await
    }
}
