//! Tenant: the audit trail (`audit_log`), append-only and hash-chained.
//!
//! `seq` is the entry's position in the chain (1, 2, …): its unique index is the last line of
//! defence against a fork, since two writers that somehow read the same last entry cannot
//! both insert the next position. `payload` is text rather than `jsonb` because the hash
//! covers the exact bytes written; `jsonb` would reorder keys and change them.
//!
//! Both backends refuse to change or remove a row: PostgreSQL with a trigger function raising
//! an exception (also on TRUNCATE, which bypasses row triggers), SQLite with `RAISE(ABORT)`
//! triggers. The chain still detects what someone with the power to drop a trigger does.
use super::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The message both backends refuse a change with.
const REFUSAL: &str = "the audit trail is append-only";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("audit_log")
                .col(pk_uuid("id"))
                .col(big_integer_uniq("seq"))
                .col(timestamp_with_time_zone("at"))
                .col(string("actor_kind"))
                .col(text_null("actor_id"))
                .col(text("actor_name"))
                .col(text("action"))
                .col(text("entity_kind"))
                .col(text("entity_id"))
                .col(text("payload"))
                .col(string("prev_hash"))
                .col(string("hash"))
                .to_owned(),
        )
        .await?;
        // The history of one object, newest first: `seq` last so the index also gives the order.
        index(m, "audit_log", "audit_log_entity_seq", &["entity_kind", "entity_id", "seq"], false).await?;
        index(m, "audit_log", "audit_log_at", &["at"], false).await?;
        match m.get_database_backend() {
            DbBackend::Postgres => postgres_guard(m).await,
            DbBackend::Sqlite => sqlite_guard(m).await,
            _ => Ok(()),
        }
    }
}

/// The trigger function is created unqualified: the tenant migration runs with `SET LOCAL
/// search_path` to the tenant's schema, so each tenant schema gets its own copy and dropping
/// one tenant's schema takes its function with it.
async fn postgres_guard(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let c = m.get_connection();
    c.execute_unprepared(&format!(
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$"
    ))
    .await?;
    c.execute_unprepared(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log \
         FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    )
    .await?;
    c.execute_unprepared(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log \
         FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
    )
    .await?;
    Ok(())
}

/// SQLite has no TRUNCATE; a `DELETE` without `WHERE` still fires row triggers when a table
/// has any, so these two cover every change.
async fn sqlite_guard(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let c = m.get_connection();
    for op in ["UPDATE", "DELETE"] {
        let name = format!("audit_log_no_{}", op.to_ascii_lowercase());
        c.execute_unprepared(&format!("CREATE TRIGGER {name} BEFORE {op} ON audit_log BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"))
            .await?;
    }
    Ok(())
}
