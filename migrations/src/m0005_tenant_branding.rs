//! Platform: the rest of a tenant's brand as its partner edits it: an accent colour, the
//! support contact (e-mail, phone) and a footer line, shown on the tenant's pages, e-mails and
//! PDFs. Existing tenants keep their look: the accent starts as their primary colour.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut accent = text("accent_color").default("#1d4ed8").to_owned();
        m.alter_table(Table::alter().table("tenants").add_column(&mut accent).to_owned()).await?;
        for col in ["support_email", "support_phone", "footer_text"] {
            let mut c = text(col).default("").to_owned();
            m.alter_table(Table::alter().table("tenants").add_column(&mut c).to_owned()).await?;
        }
        m.get_connection().execute_unprepared("UPDATE tenants SET accent_color = primary_color").await?;
        Ok(())
    }
}
