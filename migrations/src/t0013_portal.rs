//! Tenant: what the customer portal needs.
//! - `invoice_views`: who opened which invoice in the portal, once per user (the first view
//!   publishes `invoice.viewed`; the primary key makes a second one a no-op on any instance).
//! - A customer's invoices newest first, for the portal's keyset pages.
//! - Documents attached to a dispute's thread (evidence), so the portal can check that a
//!   customer downloads only their own.
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
                .table("invoice_views")
                .col(uuid("invoice_id"))
                .col(uuid("user_id"))
                .col(timestamp_with_time_zone("viewed_at"))
                .primary_key(Index::create().col("invoice_id").col("user_id"))
                .to_owned(),
        )
        .await?;
        index(m, "invoices", "invoices_customer_issued", &["customer_id", "issued_on", "id"], false).await?;
        let mut dispute = uuid_null("dispute_id").to_owned();
        m.alter_table(Table::alter().table("documents").add_column(&mut dispute).to_owned()).await?;
        let mut customer = uuid_null("customer_id").to_owned();
        m.alter_table(Table::alter().table("documents").add_column(&mut customer).to_owned()).await?;
        index(m, "documents", "documents_dispute", &["dispute_id"], false).await
    }
}
