//! Platform: each tenant's postal address and remit-to lines (newline-separated text), printed
//! on its invoice and statement PDFs.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in ["address", "remit_to"] {
            let mut c = text(col).default("").to_owned();
            m.alter_table(Table::alter().table("tenants").add_column(&mut c).to_owned()).await?;
        }
        Ok(())
    }
}
