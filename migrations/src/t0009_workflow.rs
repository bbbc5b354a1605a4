//! Tenant: the workflow engine's tables.
//! - `exceptions` gain what a queue needs: severity, queue (by role), SLA due time, assignee,
//!   the customer and invoice concerned, resolution code and note, who raised it (a rule and
//!   its version, an API client, the system) and an amount (a short payment, a credit hold's
//!   excess). Status is now open, claimed, escalated or resolved.
//! - `exception_events`: each exception's history (who did what, when, with what note).
//! - `rule_versions`: the tenant's rules; each change is a new version with who and when.
//! - `customer_exposure`: the open orders and open receivables of each customer with a credit
//!   limit, kept current by the changes that move them, so that a credit check is one row, not
//!   a sum over history.
use super::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let cols = [
            string("severity").default("medium").to_owned(),
            string("queue").default("customer_service").to_owned(),
            timestamp_with_time_zone_null("sla_due_at"),
            uuid_null("assignee_id"),
            string_null("assignee_name"),
            uuid_null("customer_id"),
            uuid_null("invoice_id"),
            string_null("resolution_code"),
            text_null("resolution_note"),
            string_null("raised_by"),
            uuid_null("raised_by_user"),
            big_integer_null("amount_minor"),
        ];
        // SQLite takes one ALTER per statement.
        for mut col in cols {
            m.alter_table(Table::alter().table("exceptions").add_column(&mut col).to_owned()).await?;
        }
        let db = m.get_connection();
        db.execute_unprepared("UPDATE exceptions SET queue = 'admin' WHERE kind = 'integration'").await?;
        db.execute_unprepared("UPDATE exceptions SET status = 'escalated' WHERE escalated AND status = 'open'").await?;
        // Exceptions from before SLAs have been open for a while: due now.
        db.execute_unprepared("UPDATE exceptions SET sla_due_at = opened_at WHERE sla_due_at IS NULL").await?;
        index(m, "exceptions", "exceptions_queue_status_sla", &["queue", "status", "sla_due_at"], false).await?;
        index(m, "exceptions", "exceptions_assignee_status", &["assignee_id", "status"], false).await?;
        index(m, "exceptions", "exceptions_customer", &["customer_id"], false).await?;
        index(m, "exceptions", "exceptions_order", &["order_id"], false).await?;
        index(m, "exceptions", "exceptions_status_sla", &["status", "sla_due_at"], false).await?;
        m.create_table(
            Table::create()
                .table("exception_events")
                .col(pk_uuid("id"))
                .col(uuid("exception_id"))
                .col(timestamp_with_time_zone("at"))
                .col(string("actor"))
                .col(string("action"))
                .col(text_null("note"))
                .foreign_key(ForeignKey::create().from("exception_events", "exception_id").to("exceptions", "id"))
                .to_owned(),
        )
        .await?;
        index(m, "exception_events", "exception_events_exception_at", &["exception_id", "at"], false).await?;
        m.create_table(
            Table::create()
                .table("rule_versions")
                .col(pk_uuid("id"))
                .col(string("rule"))
                .col(integer("version"))
                .col(boolean("enabled"))
                .col(text("config"))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        index(m, "rule_versions", "rule_versions_rule_version", &["rule", "version"], true).await?;
        m.create_table(
            Table::create()
                .table("customer_exposure")
                .col(uuid("customer_id").primary_key())
                .col(big_integer("open_orders_minor"))
                .col(big_integer("open_receivables_minor"))
                .to_owned(),
        )
        .await?;
        // Today's exposure from the orders not yet invoiced and the invoices not yet paid.
        db.execute_unprepared(
            "INSERT INTO customer_exposure (customer_id, open_orders_minor, open_receivables_minor) \
             SELECT c.id, \
               COALESCE((SELECT SUM(o.total_minor) FROM orders o WHERE o.customer_id = c.id AND o.status NOT IN ('invoiced', 'paid', 'cancelled')), 0), \
               COALESCE((SELECT SUM(i.total_minor - i.paid_minor) FROM invoices i WHERE i.customer_id = c.id AND i.status <> 'paid'), 0) \
             FROM customers c WHERE c.credit_limit_minor IS NOT NULL",
        )
        .await?;
        Ok(())
    }
}
