//! Tenant: what the workflow rules need to know about each customer beyond terms and limit.
//! - `invoicing_hold`: no invoice is raised for the customer while set.
//! - `billing_rule`: `dispatch`, `delivery` or `pod`; NULL follows the tenant's default, so a
//!   change of the default reaches every customer without an override.
//! - `invoice_channels`: space-separated channels (`portal email edi webhook`); `portal` is
//!   always among them.
//! - `invoice_emails`: space-separated AP addresses (empty: none).
//! - `reminder_channel`: `email`, `portal` or `none`; NULL follows the tenant's default.
//!
//! Values are checked by the service (`domain::customers`), not by CHECK constraints: the
//! lists are text, and new channels should not need a migration.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one ALTER per statement; existing rows get the defaults.
        for mut col in [
            boolean("invoicing_hold").default(false).to_owned(),
            string_null("billing_rule"),
            string("invoice_channels").default("portal").to_owned(),
            text("invoice_emails").default("").to_owned(),
            string_null("reminder_channel"),
        ] {
            m.alter_table(Table::alter().table("customers").add_column(&mut col).to_owned()).await?;
        }
        Ok(())
    }
}
