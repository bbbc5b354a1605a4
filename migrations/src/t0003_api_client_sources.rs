//! Tenant: the event sources each API client may write under (space-separated). Empty means
//! the client's own name only, so one integration cannot pre-claim another's event ids.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("api_clients")
                .add_column(ColumnDef::new("sources").text().not_null().default(""))
                .to_owned(),
        )
        .await
    }
}
