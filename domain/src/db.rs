//! The one door to the databases. Platform data lives in the platform database; each
//! tenant's data lives in its own PostgreSQL schema or its own SQLite file, and
//! [`Db::tenant_txn`] is the only place that knows how to open it.
use crate::types::TenantSlug;
use migrations::{MigratorTrait, PlatformMigrator, TenantMigrator};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use crate::jobs::JobSignal;
use tokio::sync::Mutex;

/// A transaction in one tenant's data: the only way to reach it. Services that read or write
/// tenant data take a `&TenantTxn`, so they cannot be handed the platform connection or a
/// connection with no tenant chosen; everything a change causes (jobs, audit, events out)
/// is written through the same transaction and commits with it.
pub struct TenantTxn {
    txn: DatabaseTransaction,
    /// Shared by the transaction and its savepoints: whether jobs were enqueued, so that
    /// workers are woken when the outermost transaction commits.
    jobs: Arc<Enqueued>,
}

struct Enqueued {
    /// The [`Db`] it belongs to (caches key by it: one process may open several databases).
    db_id: u64,
    tenant: String,
    signal: Arc<JobSignal>,
    any: AtomicBool,
}

impl TenantTxn {
    fn new(txn: DatabaseTransaction, tenant: &TenantSlug, db: &Inner) -> Self {
        TenantTxn { txn, jobs: Arc::new(Enqueued { db_id: db.id, tenant: tenant.as_str().to_owned(), signal: db.signal.clone(), any: AtomicBool::new(false) }) }
    }

    /// Identifies the tenant's data across databases: the database's id and the slug.
    pub fn cache_key(&self) -> (u64, &str) {
        (self.jobs.db_id, &self.jobs.tenant)
    }

    /// Commits. If this is the outermost transaction and jobs were enqueued in it, the
    /// workers are woken now that the jobs are visible.
    pub async fn commit(self) -> Result<(), DbErr> {
        let outermost = Arc::strong_count(&self.jobs) == 1;
        self.txn.commit().await?;
        if outermost && self.jobs.any.load(Ordering::Relaxed) {
            self.jobs.signal.committed(&self.jobs.tenant);
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }

    /// A savepoint inside this transaction, still in the same tenant.
    pub async fn savepoint(&self) -> Result<TenantTxn, DbErr> {
        Ok(TenantTxn { txn: self.txn.begin().await?, jobs: self.jobs.clone() })
    }

    /// Called by [`crate::jobs::enqueue`]: wake the workers when this transaction commits.
    pub fn wake_workers_on_commit(&self) {
        self.jobs.any.store(true, Ordering::Relaxed);
    }

    /// The tenant this transaction is in.
    pub fn tenant(&self) -> &str {
        &self.jobs.tenant
    }
}

impl std::ops::Deref for TenantTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for TenantTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }
    async fn execute_raw(&self, stmt: sea_orm::Statement) -> Result<sea_orm::ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }
    async fn execute_unprepared(&self, sql: &str) -> Result<sea_orm::ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }
    async fn query_one_raw(&self, stmt: sea_orm::Statement) -> Result<Option<sea_orm::QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }
    async fn query_all_raw(&self, stmt: sea_orm::Statement) -> Result<Vec<sea_orm::QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

/// The advisory-lock key under which migrations run on PostgreSQL ("TLMG").
const MIGRATION_LOCK: i32 = 0x544c_4d47;
/// Tenants asked in one statement by [`Db::tenants_with`].
pub const PROBE_BATCH: usize = 100;

#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    /// Unique in this process.
    id: u64,
    platform: DatabaseConnection,
    signal: Arc<JobSignal>,
    kind: Kind,
}

enum Kind {
    Postgres,
    /// One file per tenant under `dir`; connections opened on first use and kept.
    Sqlite { dir: PathBuf, tenants: Mutex<HashMap<String, DatabaseConnection>> },
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.inner.kind {
            Kind::Postgres => "Db(postgres)",
            Kind::Sqlite { .. } => "Db(sqlite)",
        })
    }
}

fn next_db_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

async fn connect(url: &str, max: u32) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    // A pooled connection is pinged before use only after 30 s idle (when a server, proxy or
    // firewall may have dropped it), not on every checkout: the default ping cost a round
    // trip per transaction.
    opts.max_connections(max).min_connections(1).sqlx_logging(false).test_before_acquire_if_idle_for(std::time::Duration::from_secs(30));
    let conn = Database::connect(opts).await?;
    if conn.get_database_backend() == DbBackend::Sqlite {
        conn.execute_unprepared("PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;")
            .await?;
    }
    Ok(conn)
}

impl Db {
    /// Opens PostgreSQL at `url` with a pool of `max` connections.
    pub async fn postgres(url: &str, max: u32) -> Result<Self, DbErr> {
        let platform = connect(url, max).await?;
        Ok(Self { inner: Arc::new(Inner { id: next_db_id(), platform, signal: Arc::default(), kind: Kind::Postgres }) })
    }

    /// Opens the embedded SQLite layout: `dir/platform.db` and `dir/tenants/<slug>.db`.
    pub async fn sqlite(dir: PathBuf) -> Result<Self, DbErr> {
        std::fs::create_dir_all(dir.join("tenants")).map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
        let url = format!("sqlite://{}?mode=rwc", dir.join("platform.db").display());
        let platform = connect(&url, 4).await?;
        Ok(Self { inner: Arc::new(Inner { id: next_db_id(), platform, signal: Arc::default(), kind: Kind::Sqlite { dir, tenants: Mutex::new(HashMap::new()) } }) })
    }

    /// Wakes this instance's job workers (see [`crate::jobs`]).
    pub fn job_signal(&self) -> Arc<JobSignal> {
        self.inner.signal.clone()
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.inner.kind, Kind::Postgres)
    }

    /// The platform database (partners, tenants, sessions, platform users).
    pub fn platform(&self) -> &DatabaseConnection {
        &self.inner.platform
    }

    /// Migrates the platform schema. On PostgreSQL under a transaction-scoped advisory lock,
    /// so that N instances starting together migrate once: the others wait, then find
    /// nothing left to do.
    pub async fn migrate_platform(&self) -> Result<(), DbErr> {
        if !self.is_postgres() {
            return PlatformMigrator::up(self.platform(), None).await;
        }
        let txn = self.inner.platform.begin().await?;
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")).await?;
        PlatformMigrator::up(&txn, None).await?;
        txn.commit().await
    }

    async fn sqlite_tenant(&self, slug: &TenantSlug) -> Result<DatabaseConnection, DbErr> {
        let Kind::Sqlite { dir, tenants } = &self.inner.kind else { unreachable!("sqlite_tenant on postgres") };
        let mut map = tenants.lock().await;
        if let Some(c) = map.get(slug.as_str()) {
            return Ok(c.clone());
        }
        let url = format!("sqlite://{}?mode=rwc", dir.join("tenants").join(format!("{slug}.db")).display());
        let conn = connect(&url, 4).await?;
        map.insert(slug.as_str().to_owned(), conn.clone());
        Ok(conn)
    }

    /// Begins a transaction in the tenant's own data. On PostgreSQL this is `BEGIN` followed
    /// by `SET LOCAL search_path`, so the setting dies with the transaction and a pooled
    /// connection never carries one tenant's path into another tenant's request.
    pub async fn tenant_txn(&self, slug: &TenantSlug) -> Result<TenantTxn, DbErr> {
        match &self.inner.kind {
            Kind::Postgres => {
                let txn = self.inner.platform.begin().await?;
                txn.execute_unprepared(&format!("SET LOCAL search_path TO \"{}\"", slug.schema_name())).await?;
                Ok(TenantTxn::new(txn, slug, &self.inner))
            }
            // IMMEDIATE takes the file's write lock at the start, so concurrent writers wait
            // their turn (busy timeout) instead of failing with SQLITE_BUSY when a read lock
            // would have to become a write lock halfway through.
            Kind::Sqlite { .. } => {
                let options = TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() };
                Ok(TenantTxn::new(self.sqlite_tenant(slug).await?.begin_with_options(options).await?, slug, &self.inner))
            }
        }
    }

    /// Begins a transaction in the tenant's data whose first statement is a query the caller
    /// builds, and runs it: one round trip fewer than [`Db::tenant_txn`] and a query. `build`
    /// gets the prefix that names the tenant's tables (`"tenant_acme".` on PostgreSQL, nothing
    /// on SQLite) and must name every table with it. On PostgreSQL the query is wrapped so
    /// that the same statement sets the transaction's `search_path` (as `SET LOCAL` would),
    /// before anything else runs in the transaction; its answer always has a row.
    pub async fn tenant_txn_with_query(&self, slug: &TenantSlug, build: impl FnOnce(&str) -> (String, Vec<sea_orm::Value>)) -> Result<(TenantTxn, Option<sea_orm::QueryResult>), DbErr> {
        match &self.inner.kind {
            Kind::Postgres => {
                let txn = self.inner.platform.begin().await?;
                let schema = slug.schema_name();
                let (inner, values) = build(&format!("\"{schema}\"."));
                let sql = format!("SELECT set_config('search_path', '\"{schema}\"', true) AS tl_search_path, q.* FROM (SELECT 1 AS tl_one) tl_one LEFT JOIN ({inner}) q ON true");
                let row = txn.query_one_raw(sea_orm::Statement::from_sql_and_values(DbBackend::Postgres, sql, values)).await?;
                Ok((TenantTxn::new(txn, slug, &self.inner), row))
            }
            Kind::Sqlite { .. } => {
                let txn = self.tenant_txn(slug).await?;
                let (sql, values) = build("");
                let row = txn.query_one_raw(sea_orm::Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)).await?;
                Ok((txn, row))
            }
        }
    }

    /// Creates (if needed) and migrates a tenant's schema or file, in one transaction.
    pub async fn provision_tenant(&self, slug: &TenantSlug) -> Result<(), DbErr> {
        if self.is_postgres() {
            let txn = self.inner.platform.begin().await?;
            // One instance at a time per tenant (see `migrate_platform`).
            txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK}, hashtext('{}'))", slug.as_str())).await?;
            txn.execute_unprepared(&format!("CREATE SCHEMA IF NOT EXISTS \"{}\"", slug.schema_name())).await?;
            txn.execute_unprepared(&format!("SET LOCAL search_path TO \"{}\"", slug.schema_name())).await?;
            TenantMigrator::up(&txn, None).await?;
            txn.commit().await
        } else {
            let txn = self.tenant_txn(slug).await?;
            TenantMigrator::up(&*txn, None).await?;
            txn.commit().await
        }
    }

    /// Of `tenants`, those for which `probe` (a `SELECT` over the tenant's own tables, its
    /// schema written as `{schema}`) finds a row. On PostgreSQL one statement asks
    /// [`PROBE_BATCH`] tenants at once, so background loops find the few tenants with work
    /// among a thousand in a handful of index probes instead of a transaction each. On
    /// SQLite (a file per tenant, no statement reaches two) every tenant is answered: the
    /// caller looks at each, as before.
    pub async fn tenants_with(&self, tenants: &[TenantSlug], probe: &str) -> Result<Vec<TenantSlug>, DbErr> {
        if !self.is_postgres() {
            return Ok(tenants.to_vec());
        }
        let mut found = Vec::new();
        for chunk in tenants.chunks(PROBE_BATCH) {
            let sql = chunk
                .iter()
                .enumerate()
                .map(|(i, t)| format!("SELECT {i} AS n WHERE EXISTS ({})", probe.replace("{schema}", &format!("\"{}\"", t.schema_name()))))
                .collect::<Vec<_>>()
                .join(" UNION ALL ");
            // A batch that cannot be asked (a broken schema among them) counts as all found:
            // its tenants are looked at one by one, as before, and the others go on.
            match self.platform().query_all_raw(sea_orm::Statement::from_string(DbBackend::Postgres, sql)).await {
                Ok(rows) => {
                    for row in rows {
                        let n: i32 = row.try_get("", "n")?;
                        found.extend(chunk.get(n as usize).cloned());
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "a probe of {} tenants failed; each is looked at", chunk.len());
                    found.extend(chunk.iter().cloned());
                }
            }
        }
        Ok(found)
    }

    /// Answers whether the platform database responds.
    pub async fn ping(&self) -> bool {
        self.inner.platform.execute_unprepared("SELECT 1").await.is_ok()
    }
}
