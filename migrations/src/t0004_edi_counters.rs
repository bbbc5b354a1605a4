//! Tenant: named counters, e.g. the EDI interchange control number. One atomic upsert hands
//! out the next value inside the caller's transaction, so N instances never issue the same
//! number and none comes from the clock.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(Table::create().table("counters").col(string("name").primary_key()).col(big_integer("value")).to_owned()).await
    }
}
