//! Platform: what verifying a custom domain needs: its token (the value of its TXT record
//! `_throughline.<domain>`), when it was last checked and verified, and what the last check
//! found when it did not verify. Domains added before keep their state, with a token of their
//! own for the next check.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut token = text("token").default("").to_owned();
        m.alter_table(Table::alter().table("tenant_domains").add_column(&mut token).to_owned()).await?;
        for col in ["checked_at", "verified_at"] {
            let mut c = timestamp_with_time_zone_null(col).to_owned();
            m.alter_table(Table::alter().table("tenant_domains").add_column(&mut c).to_owned()).await?;
        }
        let mut error = text_null("check_error").to_owned();
        m.alter_table(Table::alter().table("tenant_domains").add_column(&mut error).to_owned()).await?;
        // Each earlier domain gets a token of its own (the id is random), and a verified one
        // its verification time.
        let id_hex = match m.get_database_backend() {
            sea_orm::DbBackend::Postgres => "replace(CAST(id AS TEXT), '-', '')",
            _ => "lower(hex(id))",
        };
        let sql = format!("UPDATE tenant_domains SET token = 'throughline-verify=' || {id_hex}, verified_at = CASE WHEN verified THEN updated_at END");
        m.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }
}
