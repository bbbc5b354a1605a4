//! Platform: whether a tenant's admins must approve each support session before its partner
//! may enter the workspace (the tenant admin's choice; off by default).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut c = boolean("support_approval").default(false).to_owned();
        m.alter_table(Table::alter().table("tenants").add_column(&mut c).to_owned()).await
    }
}
