//! Tenant: webhooks out.
//! - `webhook_endpoints`: where other systems hear about business events. `event_types` is a
//!   space-separated list of kinds (`invoice.posted`) or prefixes (`invoice.*`), `*` for all.
//!   `secret` signs (`whsec_…`); after a rotation `previous_secret` signs too until
//!   `previous_until`. `failing_since` is the first failure after the last success; an
//!   endpoint failing for 5 days gets `disabled_at` and a reason.
//! - `webhook_messages`: one per business event that at least one endpoint subscribed to,
//!   with the exact body sent (its id is the stable `webhook-id`).
//! - `webhook_deliveries`: one per message and endpoint: `pending` (due at `next_at`, which
//!   also ends a sender's lease), `succeeded` or `dead` after its last attempt.
//! - `webhook_attempts`: each request: headers sent, status, response excerpt, duration.
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
                    .table("webhook_endpoints")
                    .col(pk_uuid("id"))
                    .col(text("url"))
                    .col(text("description"))
                    .col(text("event_types"))
                    .col(boolean("enabled"))
                    .col(text("secret"))
                    .col(text_null("previous_secret"))
                    .col(timestamp_with_time_zone_null("previous_until"))
                    .col(timestamp_with_time_zone_null("failing_since"))
                    .col(timestamp_with_time_zone_null("disabled_at"))
                    .col(text_null("disabled_reason")),
            )
            .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("webhook_messages")
                .col(pk_uuid("id"))
                .col(uuid_null("event_id"))
                .col(string("kind"))
                .col(text("body"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            stamps(
                Table::create()
                    .table("webhook_deliveries")
                    .col(pk_uuid("id"))
                    .col(uuid("endpoint_id"))
                    .col(uuid("message_id"))
                    .col(string("status"))
                    .col(integer("attempts"))
                    .col(timestamp_with_time_zone("next_at"))
                    .col(integer_null("last_status"))
                    .col(text_null("last_error")),
            )
            .to_owned(),
        )
        .await?;
        index(m, "webhook_deliveries", "webhook_deliveries_due", &["status", "next_at"], false).await?;
        index(m, "webhook_deliveries", "webhook_deliveries_endpoint", &["endpoint_id", "created_at"], false).await?;
        index(m, "webhook_deliveries", "webhook_deliveries_once", &["message_id", "endpoint_id"], true).await?;
        m.create_table(
            Table::create()
                .table("webhook_attempts")
                .col(pk_uuid("id"))
                .col(uuid("delivery_id"))
                .col(timestamp_with_time_zone("at"))
                .col(text("request_headers"))
                .col(integer_null("status"))
                .col(text("response_excerpt"))
                .col(text_null("error"))
                .col(integer("duration_ms"))
                .to_owned(),
        )
        .await?;
        index(m, "webhook_attempts", "webhook_attempts_delivery", &["delivery_id", "at"], false).await
    }
}
