//! Tenant: `data_exports`, archives of the tenant's business records that its partner asks
//! for (see `domain::data_export`): who asked, the state (`queued`, `ready`, `failed`), and when
//! ready the archive's key in the document store, its size and SHA-256.
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
                .table("data_exports")
                .col(pk_uuid("id"))
                .col(string("requested_by"))
                .col(string("status"))
                .col(text_null("object_key"))
                .col(big_integer_null("size"))
                .col(text_null("sha256"))
                .col(text_null("error"))
                .col(timestamp_with_time_zone("requested_at"))
                .col(timestamp_with_time_zone_null("finished_at"))
                .to_owned(),
        )
        .await?;
        index(m, "data_exports", "data_exports_requested_at", &["requested_at"], false).await
    }
}
