//! Platform: fixed-window rate-limit counters, one row per key, incremented with one atomic
//! upsert per check so that concurrent requests on any number of app instances cannot race
//! past a limit. Replaces `login_failures`, which was counted before and written after the
//! password check (a race: 40 parallel attempts all saw zero failures).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("rate_limits")
                .col(string("key").primary_key())
                // Unix seconds: compared as integers the same way on PostgreSQL and SQLite.
                .col(big_integer("window_start"))
                .col(big_integer("count"))
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table("login_failures").if_exists().to_owned()).await
    }
}
