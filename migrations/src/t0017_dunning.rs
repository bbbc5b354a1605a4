//! Tenant: dunning.
//! - `reminders`: each reminder of an invoice, unique per invoice and step day (a step is
//!   never sent twice), with its channel, status and the words it carried.
//! - `promises_to_pay`: promises (date, amount) made by a clerk or by the customer.
//! - `invoices.dunning_next_on`: the day the dunning run looks at an invoice next (its due
//!   date at first; none once its sequence is done or it is paid), indexed so that each run
//!   reads only the invoices whose day has come. Invoices already overdue when this runs get
//!   none: an upgrade does not send a wave of reminders nobody chose.
//! - `webhook_endpoints.customer_id`: an endpoint of one customer (its invoice channel), and
//!   `webhook_deliveries.invoice_delivery_id`: the invoice delivery such a delivery carries.
//! - `customers.invoice_channels` empty (new customers sent without channels): the customer
//!   follows the tenant's default channels (the `delivery` rule). Existing customers keep
//!   what they have; the admin switches each to the default on its page.
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
                .table("reminders")
                .col(pk_uuid("id"))
                .col(uuid("invoice_id"))
                .col(uuid("customer_id"))
                .col(integer("step_days"))
                .col(string("step_name"))
                .col(string("channel"))
                .col(text("target"))
                .col(string("status"))
                .col(text("subject"))
                .col(text("body"))
                .col(string_null("job_key"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("sent_at"))
                .to_owned(),
        )
        .await?;
        index(m, "reminders", "reminders_invoice_step", &["invoice_id", "step_days"], true).await?;
        index(m, "reminders", "reminders_customer", &["customer_id", "created_at"], false).await?;
        m.create_table(
            Table::create()
                .table("promises_to_pay")
                .col(pk_uuid("id"))
                .col(uuid("invoice_id"))
                .col(uuid("customer_id"))
                .col(date("promised_on"))
                .col(big_integer("amount_minor"))
                .col(string("currency"))
                .col(string("by_kind"))
                .col(string("by_name"))
                .col(text("note"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        index(m, "promises_to_pay", "promises_invoice", &["invoice_id", "created_at"], false).await?;
        let mut next = date_null("dunning_next_on").to_owned();
        m.alter_table(Table::alter().table("invoices").add_column(&mut next).to_owned()).await?;
        // Invoices not yet due start their sequences; those already overdue are not reminded
        // at once with whatever step fits (often a final notice) without anyone choosing it.
        m.exec_stmt(Query::update().table("invoices").value("dunning_next_on", Expr::col("due_on")).and_where(Expr::col("status").ne("paid")).and_where(Expr::col("due_on").gte(Expr::current_date())).to_owned()).await?;
        index(m, "invoices", "invoices_dunning_next", &["dunning_next_on"], false).await?;
        // A customer's own webhook endpoint (its invoices only), and the invoice delivery a
        // webhook delivery carries.
        let mut customer = uuid_null("customer_id").to_owned();
        m.alter_table(Table::alter().table("webhook_endpoints").add_column(&mut customer).to_owned()).await?;
        let mut carries = uuid_null("invoice_delivery_id").to_owned();
        m.alter_table(Table::alter().table("webhook_deliveries").add_column(&mut carries).to_owned()).await
    }
}
