//! Tenant: disputes and credit memos.
//! - `disputes`: a customer's (or a clerk's) objection to an invoice, with its reason code,
//!   the amount in dispute, the exception that routes it to a queue with an SLA, and how it
//!   ended (a credit memo or a rejection with a reason).
//! - `dispute_lines`: the invoice lines disputed, each with a quantity (when the objection is
//!   about units) and the amount.
//! - `dispute_messages`: the thread between the customer and the staff; attachments are
//!   document ids (JSON text), the evidence stored like any other document.
//! - `credit_memos`: money given back against an invoice. `invoices.credited_minor` sums
//!   them, so an invoice's open amount is total − paid − credited without a join.
use super::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut credited = big_integer("credited_minor").default(0).to_owned();
        m.alter_table(Table::alter().table("invoices").add_column(&mut credited).to_owned()).await?;
        credit_memos(m).await?;
        disputes(m).await?;
        m.create_table(
            Table::create()
                .table("dispute_lines")
                .col(pk_uuid("id"))
                .col(uuid("dispute_id"))
                .col(integer("line_no"))
                .col(big_integer_null("quantity"))
                .col(big_integer("amount_minor"))
                .foreign_key(ForeignKey::create().from("dispute_lines", "dispute_id").to("disputes", "id"))
                .to_owned(),
        )
        .await?;
        index(m, "dispute_lines", "dispute_lines_dispute_line", &["dispute_id", "line_no"], true).await?;
        m.create_table(
            Table::create()
                .table("dispute_messages")
                .col(pk_uuid("id"))
                .col(uuid("dispute_id"))
                .col(timestamp_with_time_zone("at"))
                .col(string("author"))
                .col(string("author_kind"))
                .col(text("body"))
                .col(text_null("attachments"))
                .foreign_key(ForeignKey::create().from("dispute_messages", "dispute_id").to("disputes", "id"))
                .to_owned(),
        )
        .await?;
        index(m, "dispute_messages", "dispute_messages_dispute_at", &["dispute_id", "at"], false).await
    }
}

async fn credit_memos(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table("credit_memos")
            .col(pk_uuid("id"))
            .col(string_uniq("number"))
            .col(uuid("invoice_id"))
            .col(uuid("customer_id"))
            .col(big_integer("amount_minor"))
            .col(string("currency"))
            .col(text("reason"))
            .col(string("created_by"))
            .col(timestamp_with_time_zone("created_at"))
            .foreign_key(ForeignKey::create().from("credit_memos", "invoice_id").to("invoices", "id"))
            .foreign_key(ForeignKey::create().from("credit_memos", "customer_id").to("customers", "id"))
            .to_owned(),
    )
    .await?;
    index(m, "credit_memos", "credit_memos_invoice", &["invoice_id"], false).await
}

async fn disputes(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table("disputes")
            .col(pk_uuid("id"))
            .col(string_uniq("number"))
            .col(uuid("invoice_id"))
            .col(uuid("customer_id"))
            .col(string("reason"))
            .col(text("description"))
            .col(string("status"))
            .col(big_integer("disputed_amount_minor"))
            .col(uuid_null("exception_id"))
            .col(string("opened_by"))
            .col(uuid_null("opened_by_user"))
            .col(text_null("resolution_note"))
            .col(uuid_null("credit_memo_id"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("updated_at"))
            .col(timestamp_with_time_zone_null("resolved_at"))
            .foreign_key(ForeignKey::create().from("disputes", "invoice_id").to("invoices", "id"))
            .foreign_key(ForeignKey::create().from("disputes", "customer_id").to("customers", "id"))
            .foreign_key(ForeignKey::create().from("disputes", "credit_memo_id").to("credit_memos", "id"))
            .to_owned(),
    )
    .await?;
    index(m, "disputes", "disputes_invoice_status", &["invoice_id", "status"], false).await?;
    index(m, "disputes", "disputes_customer", &["customer_id", "id"], false).await?;
    index(m, "disputes", "disputes_status", &["status", "id"], false).await
}
