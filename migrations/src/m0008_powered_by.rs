//! Platform: the "powered by" line of a tenant, which only its partner switches on: the name it
//! shows (the partner's, as it was when switched on), empty while off.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut c = text("powered_by").default("").to_owned();
        m.alter_table(Table::alter().table("tenants").add_column(&mut c).to_owned()).await
    }
}
