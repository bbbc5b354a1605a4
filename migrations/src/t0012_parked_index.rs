//! Tenant: the index of parked events covers only parked events. Applied events (nearly all)
//! have no `waiting_for`; indexing their NULLs cost an index entry per event ingested, and
//! every lookup (`waiting_for = key`, the first non-null) is of parked events only.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let c = m.get_connection();
        c.execute_unprepared("DROP INDEX IF EXISTS events_waiting_for").await?;
        c.execute_unprepared("CREATE INDEX events_waiting_for ON events (waiting_for) WHERE waiting_for IS NOT NULL").await?;
        Ok(())
    }
}
