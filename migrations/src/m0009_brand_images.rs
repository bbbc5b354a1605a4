//! Platform: a tenant's uploaded logo and favicon. The bytes live in `tenant_images` (one row
//! per tenant and kind) and are read only when served or printed; the tenant row carries each
//! image's etag (empty for none), so that the host cache, which holds tenant rows, stays small
//! and every page can name the current version in its URLs.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("tenant_images")
                .col(uuid("tenant_id"))
                .col(string("kind"))
                .col(text("content_type"))
                .col(blob("bytes"))
                .col(text("etag"))
                .col(timestamp_with_time_zone("updated_at"))
                .primary_key(Index::create().col("tenant_id").col("kind"))
                .to_owned(),
        )
        .await?;
        for col in ["logo_etag", "favicon_etag"] {
            let mut c = text(col).default("").to_owned();
            m.alter_table(Table::alter().table("tenants").add_column(&mut c).to_owned()).await?;
        }
        Ok(())
    }
}
