//! Tenant: `support_sessions`, a partner user's time-limited entry into the tenant's workspace
//! (see `domain::support`): who asked and why, for how long, the state (`requested`,
//! `approved`, `denied`, `ended`), who approved it, when it runs out, and the hash of the
//! one-time link that carries the partner user across to the tenant's host.
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
                .table("support_sessions")
                .col(pk_uuid("id"))
                .col(uuid("partner_user_id"))
                .col(string("partner_user_name"))
                .col(string("partner_user_email"))
                .col(string("partner_name"))
                .col(text("reason"))
                .col(integer("minutes"))
                .col(string("status"))
                .col(text_null("decided_by"))
                .col(timestamp_with_time_zone("requested_at"))
                .col(timestamp_with_time_zone_null("expires_at"))
                .col(timestamp_with_time_zone_null("ended_at"))
                .col(text_null("enter_token_hash"))
                .col(timestamp_with_time_zone_null("enter_token_expires"))
                .to_owned(),
        )
        .await?;
        index(m, "support_sessions", "support_sessions_token", &["enter_token_hash"], false).await
    }
}
