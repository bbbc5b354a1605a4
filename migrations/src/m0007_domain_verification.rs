//! Platform: what verifying a custom domain needs.
//!
//! - Its token (the value of its TXT record `_throughline.<domain>`), when it was last checked
//!   and verified, and what the last check found when it did not verify.
//! - A name is unique among *verified* domains only: several tenants may claim a name, the
//!   one whose token the name's DNS holds gets it, so an unverified claim cannot keep the
//!   rightful tenant out. One tenant claims a name once.
//! - Domains verified before DNS checks existed keep serving for 14 days (`grace_until`) while
//!   their owners publish the token shown for them; a check that finds it ends the grace.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_unique_domain(m).await?;
        let mut token = text("token").default("").to_owned();
        m.alter_table(Table::alter().table("tenant_domains").add_column(&mut token).to_owned()).await?;
        for col in ["checked_at", "verified_at", "grace_until"] {
            let mut c = timestamp_with_time_zone_null(col).to_owned();
            m.alter_table(Table::alter().table("tenant_domains").add_column(&mut c).to_owned()).await?;
        }
        let mut error = text_null("check_error").to_owned();
        m.alter_table(Table::alter().table("tenant_domains").add_column(&mut error).to_owned()).await?;
        // Each earlier domain gets a token of its own (its id is random); a verified one its
        // verification time and its grace.
        let backend = m.get_database_backend();
        let (id_hex, grace) = match backend {
            DbBackend::Postgres => ("replace(CAST(id AS TEXT), '-', '')", "now() + interval '14 days'"),
            _ => ("lower(hex(id))", "strftime('%Y-%m-%d %H:%M:%f+00:00', 'now', '+14 days')"),
        };
        let sql = format!("UPDATE tenant_domains SET token = 'throughline-verify=' || {id_hex}, verified_at = CASE WHEN verified THEN updated_at END, grace_until = CASE WHEN verified THEN {grace} END");
        m.get_connection().execute_unprepared(&sql).await?;
        let db = m.get_connection();
        db.execute_raw(Statement::from_string(backend, "CREATE UNIQUE INDEX tenant_domains_verified_domain ON tenant_domains (domain) WHERE verified")).await?;
        db.execute_raw(Statement::from_string(backend, "CREATE UNIQUE INDEX tenant_domains_tenant_domain ON tenant_domains (tenant_id, domain)")).await?;
        Ok(())
    }
}

/// Drops the uniqueness of `domain` alone (a column constraint since the platform's first
/// migration). SQLite cannot drop a column constraint: the table is made again without it.
async fn drop_unique_domain(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    if m.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("ALTER TABLE tenant_domains DROP CONSTRAINT IF EXISTS tenant_domains_domain_key").await?;
        return Ok(());
    }
    let row = db.query_one_raw(Statement::from_string(DbBackend::Sqlite, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'tenant_domains'")).await?;
    let create: String = row.ok_or_else(|| DbErr::Migration("tenant_domains is missing".into()))?.try_get("", "sql")?;
    let column = "\"domain\" varchar NOT NULL UNIQUE";
    if !create.contains(column) {
        return Err(DbErr::Migration(format!("tenant_domains is not as expected: {create}")));
    }
    let without = create.replacen(column, "\"domain\" varchar NOT NULL", 1);
    db.execute_unprepared("ALTER TABLE tenant_domains RENAME TO tenant_domains_before").await?;
    db.execute_unprepared(&without).await?;
    db.execute_unprepared("INSERT INTO tenant_domains SELECT * FROM tenant_domains_before").await?;
    db.execute_unprepared("DROP TABLE tenant_domains_before").await?;
    Ok(())
}
