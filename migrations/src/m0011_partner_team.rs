//! Platform: a partner's team. `partner_invitations` are open invitations of partner admins
//! and viewers (the link's token kept only as its SHA-256, as for tenant invitations) and the
//! outbox of their e-mails (`next_send_at` set while one is to be sent); `partner_audit` is
//! the append-only record of the partner's own changes (invitations, members enabled or
//! disabled), written in the change's transaction.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("partner_invitations")
                .col(pk_uuid("id"))
                .col(uuid("partner_id"))
                .col(string("email"))
                .col(string("name"))
                .col(string("role"))
                .col(string("nonce"))
                .col(string_uniq("token_hash"))
                .col(string("invited_by"))
                .col(uuid("invited_by_id"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("accepted_at"))
                .col(timestamp_with_time_zone_null("next_send_at"))
                .col(integer("send_attempts").default(0))
                .col(text_null("last_error"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(ForeignKey::create().from("partner_invitations", "partner_id").to("partners", "id"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("partner_invitations_partner").table("partner_invitations").col("partner_id").col("email").to_owned()).await?;
        m.create_index(Index::create().name("partner_invitations_send").table("partner_invitations").col("next_send_at").to_owned()).await?;
        m.create_table(
            Table::create()
                .table("partner_audit")
                .col(pk_uuid("id"))
                .col(uuid("partner_id"))
                .col(timestamp_with_time_zone("at"))
                .col(string("actor"))
                .col(string("action"))
                .col(string("subject"))
                .col(text("detail"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("partner_audit_partner_at").table("partner_audit").col("partner_id").col("at").to_owned()).await
    }
}
