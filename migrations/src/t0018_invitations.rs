//! Tenant: `invitations`, people invited to become users of the tenant (see
//! `domain::invitations`): e-mail, role, who invited them, when it expires and when it was
//! accepted, the nonce its link's token is derived from and the token's SHA-256 (indexed: a
//! link finds its row).
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
                .table("invitations")
                .col(pk_uuid("id"))
                .col(string("email"))
                .col(string("name"))
                .col(string("role"))
                .col(uuid_null("customer_id"))
                .col(string("nonce"))
                .col(string("token_hash"))
                .col(string("invited_by"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("accepted_at"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        index(m, "invitations", "invitations_token", &["token_hash"], false).await?;
        index(m, "invitations", "invitations_email", &["email"], false).await
    }
}
