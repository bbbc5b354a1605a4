//! Workers: claim a tenant's due jobs, run them, settle them; and the loops that keep them
//! busy in `serve` and in `throughline worker`.
use super::claim::{claim, complete, fail, still_held};
use super::entity as job;
use super::handlers::{JobCx, Registry};
use super::periodic::{Periodic, schedule};
use super::{JobError, JobSignal};
use crate::types::TenantSlug;
use crate::{Db, TenantTxn};
use chrono::{DateTime, Utc};
use sea_orm::DbErr;
use std::sync::Arc;
use std::time::Duration;

/// How the workers of one instance run.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Worker tasks (0: this instance runs no jobs). SQLite always uses one.
    pub workers: usize,
    /// Jobs claimed at once.
    pub batch: u64,
    /// How long a claim holds its jobs before another worker may take them.
    pub lease: chrono::Duration,
    /// How often every tenant is looked at even without a wake-up.
    pub poll: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { workers: 2, batch: 200, lease: chrono::Duration::minutes(5), poll: Duration::from_secs(2) }
    }
}

/// What one round of [`work_tenant`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkOutcome {
    pub claimed: usize,
    pub done: usize,
    pub retried: usize,
    pub dead: usize,
}

impl std::ops::AddAssign for WorkOutcome {
    fn add_assign(&mut self, o: Self) {
        self.claimed += o.claimed;
        self.done += o.done;
        self.retried += o.retried;
        self.dead += o.dead;
    }
}

/// Claims one batch of `tenant`'s jobs due at `now` and runs it: all in one transaction,
/// each job that writes in its own savepoint, completions in one statement.
pub async fn work_tenant(db: &Db, tenant: &TenantSlug, registry: &Registry, now: DateTime<Utc>, settings: &Settings) -> Result<WorkOutcome, DbErr> {
    // A suspended tenant's work waits, however it was woken (a commit, NOTIFY, a full batch).
    if !crate::tenancy::is_active(db, tenant).await? {
        return Ok(WorkOutcome::default());
    }
    let txn = db.tenant_txn(tenant).await?;
    let claimed = claim(&txn, now, settings.batch, settings.lease).await?;
    txn.commit().await?;
    let mut out = WorkOutcome { claimed: claimed.jobs.len(), ..Default::default() };
    if claimed.jobs.is_empty() {
        return Ok(out);
    }
    let txn = db.tenant_txn(tenant).await?;
    let held = still_held(&txn, claimed.id).await?;
    let mut done = Vec::with_capacity(claimed.jobs.len());
    for j in claimed.jobs.iter().filter(|j| held.contains(&j.id)) {
        match run_one(&txn, tenant, registry, j, now).await? {
            Ok(()) => done.push(j.id),
            Err(e) => {
                tracing::warn!(tenant = %tenant, job = %j.id, kind = %j.kind, attempt = j.attempts, error = %e, "job failed");
                if fail(&txn, j, &e, now).await? {
                    out.dead += 1;
                } else {
                    out.retried += 1;
                }
            }
        }
    }
    complete(&txn, &done, now).await?;
    txn.commit().await?;
    out.done = done.len();
    Ok(out)
}

/// Runs one job; its writes are kept only if it succeeds.
async fn run_one(txn: &TenantTxn, tenant: &TenantSlug, registry: &Registry, j: &job::Model, now: DateTime<Utc>) -> Result<Result<(), JobError>, DbErr> {
    if j.attempts > j.max_attempts {
        return Ok(Err(JobError::Permanent("its worker stopped during the last attempt".into())));
    }
    let Some(handler) = registry.get(&j.kind) else {
        return Ok(Err(JobError::Permanent(format!("no handler for jobs of kind {:?}", j.kind))));
    };
    if !handler.writes() {
        return Ok(handler.run(&JobCx { txn, job: j, tenant, now }).await);
    }
    let sp = txn.savepoint().await?;
    let res = handler.run(&JobCx { txn: &sp, job: j, tenant, now }).await;
    match res {
        Ok(()) => sp.commit().await?,
        Err(_) => sp.rollback().await?,
    }
    Ok(res)
}

/// Runs every due job of `tenant` at `now` until none is left that is due (tests, and the
/// CLI's one-off runs).
pub async fn drain_tenant(db: &Db, tenant: &TenantSlug, registry: &Registry, now: DateTime<Utc>, settings: &Settings) -> Result<WorkOutcome, DbErr> {
    let mut total = WorkOutcome::default();
    loop {
        let o = work_tenant(db, tenant, registry, now, settings).await?;
        total += o;
        if o.claimed == 0 {
            return Ok(total);
        }
    }
}

/// Enqueues `periodic` for every tenant at `now` (unique per slot, so any number of
/// instances may do it). A failing tenant is logged and skipped.
pub async fn schedule_all(db: &Db, periodic: &[Periodic], now: DateTime<Utc>) -> Result<(), DbErr> {
    for tenant in crate::tenancy::active_tenant_slugs(db).await? {
        let res = async {
            let txn = db.tenant_txn(&tenant).await?;
            schedule(&txn, periodic, now).await?;
            txn.commit().await
        };
        if let Err(e) = res.await {
            tracing::warn!(tenant = %tenant, error = %e, "scheduling periodic jobs failed; skipped until the next round");
        }
    }
    Ok(())
}

/// The job engine of one instance: `settings.workers` workers, the scheduler of periodic
/// jobs and polling, and on PostgreSQL the listener that wakes them when another instance
/// commits jobs. Runs until the process ends.
pub async fn run_workers(db: Db, registry: Arc<Registry>, settings: Settings, periodic: Vec<Periodic>) {
    let workers = if db.is_postgres() { settings.workers } else { settings.workers.min(1) };
    if workers == 0 {
        tracing::info!("job workers disabled in this instance");
        return;
    }
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..workers {
        tasks.spawn(worker_loop(db.clone(), registry.clone(), settings, n));
    }
    tasks.spawn(scheduler_loop(db.clone(), settings, periodic));
    if db.is_postgres() {
        tasks.spawn(super::notify::listen(db.clone()));
        tasks.spawn(super::notify::announce(db.clone()));
    }
    while let Some(res) = tasks.join_next().await {
        if let Err(e) = res {
            tracing::error!(error = %e, "a job engine task stopped");
        }
    }
}

async fn worker_loop(db: Db, registry: Arc<Registry>, settings: Settings, n: usize) {
    let signal: Arc<JobSignal> = db.job_signal();
    loop {
        while let Some(slug) = signal.take_due() {
            let Ok(tenant) = TenantSlug::parse(&slug) else { continue };
            // A panicking handler must not take the worker with it: the batch runs in its own
            // task; its transaction rolls back and its jobs run again after the lease.
            let (db2, reg, t) = (db.clone(), registry.clone(), tenant.clone());
            let res = tokio::spawn(async move { work_tenant(&db2, &t, &reg, Utc::now(), &settings).await }).await;
            match res {
                Ok(Ok(o)) if o.claimed as u64 >= settings.batch => signal.mark_due(&slug),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(worker = n, tenant = %tenant, error = %e, "claiming or settling jobs failed; will retry"),
                Err(e) => tracing::error!(worker = n, tenant = %tenant, error = %e, "a job batch panicked; its jobs run again after their lease"),
            }
        }
        signal.wait(settings.poll).await;
    }
}

/// Every poll: marks every tenant due (jobs whose time came, lost wake-ups). Every minute:
/// enqueues the periodic jobs.
async fn scheduler_loop(db: Db, settings: Settings, periodic: Vec<Periodic>) {
    let mut last_minute = i64::MIN;
    loop {
        let now = Utc::now();
        match crate::tenancy::active_tenant_slugs(&db).await {
            Ok(tenants) => db.job_signal().mark_all_due(tenants.iter().map(TenantSlug::as_str)),
            Err(e) => tracing::warn!(error = %e, "listing tenants for the job poll failed"),
        }
        let minute = now.timestamp().div_euclid(60);
        if minute != last_minute {
            last_minute = minute;
            if let Err(e) = schedule_all(&db, &periodic, now).await {
                tracing::warn!(error = %e, "scheduling periodic jobs failed");
            }
        }
        tokio::time::sleep(settings.poll).await;
    }
}
