//! Workers: claim a tenant's due jobs, run them, settle them; and the loops that keep them
//! busy in `serve` and in `throughline worker`.
use super::claim::{claim, complete, fail_all, still_held};
use super::entity as job;
use super::handlers::{BatchCx, JobCx, Registry};
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
    let mut failed = Vec::new();
    let (together, alone) = by_kind(claimed.jobs.iter().filter(|j| held.contains(&j.id)).collect(), registry);
    for j in alone {
        let res = run_one(&txn, tenant, registry, j, now).await?;
        settled(j, res, &mut done, &mut failed);
    }
    // The kinds run together come last: what they lock (the EDI control-number counter) is
    // held only from there to the commit.
    for (handler, jobs) in together {
        for (j, res) in run_together(&txn, tenant, registry, &handler, &jobs, now).await? {
            settled(j, res, &mut done, &mut failed);
        }
    }
    for (j, e) in &failed {
        tracing::warn!(tenant = %tenant, job = %j.id, kind = %j.kind, attempt = j.attempts, error = %e, "job failed");
    }
    let dead = fail_all(&txn, &failed, now).await?;
    complete(&txn, &done, now).await?;
    txn.commit().await?;
    out.done = done.len();
    out.dead = dead;
    out.retried = failed.len() - dead;
    Ok(out)
}

/// Sorts a job's outcome into the done and the failed.
fn settled<'a>(j: &'a job::Model, res: Result<(), JobError>, done: &mut Vec<uuid::Uuid>, failed: &mut Vec<(&'a job::Model, JobError)>) {
    match res {
        Ok(()) => done.push(j.id),
        Err(e) => failed.push((j, e)),
    }
}

/// Claimed jobs of one kind whose handler runs them together.
type Together<'a> = Vec<(Arc<dyn super::Handler>, Vec<&'a job::Model>)>;

/// The jobs whose handler runs them together, by kind (in the order each kind first comes),
/// and the others, in their order (they run first).
fn by_kind<'a>(jobs: Vec<&'a job::Model>, registry: &Registry) -> (Together<'a>, Vec<&'a job::Model>) {
    let (mut together, mut alone): (Together<'a>, Vec<&'a job::Model>) = (Vec::new(), Vec::new());
    for j in jobs {
        match registry.get(&j.kind).filter(|h| h.batches() && j.attempts <= j.max_attempts) {
            Some(h) => match together.iter_mut().find(|(_, js)| js[0].kind == j.kind) {
                Some((_, js)) => js.push(j),
                None => together.push((h.clone(), vec![j])),
            },
            None => alone.push(j),
        }
    }
    (together, alone)
}

/// Jobs in one handler call, in a savepoint, [`TOGETHER`] at a time; a call that fails as a
/// whole is rolled back and its jobs run one at a time instead.
async fn run_together<'a>(txn: &TenantTxn, tenant: &TenantSlug, registry: &Registry, handler: &Arc<dyn super::Handler>, jobs: &[&'a job::Model], now: DateTime<Utc>) -> Result<Vec<(&'a job::Model, Result<(), JobError>)>, DbErr> {
    let mut out = Vec::with_capacity(jobs.len());
    for chunk in jobs.chunks(TOGETHER) {
        let sp = txn.savepoint().await?;
        match handler.run_many(&BatchCx { txn: &sp, tenant, now }, chunk).await {
            Ok(outcomes) if outcomes.len() == chunk.len() => {
                sp.commit().await?;
                out.extend(chunk.iter().copied().zip(outcomes));
            }
            whole => {
                sp.rollback().await?;
                match whole {
                    Err(e) => tracing::warn!(tenant = %tenant, kind = %chunk[0].kind, jobs = chunk.len(), error = %e, "a batch of jobs failed; running them one at a time"),
                    Ok(o) => tracing::warn!(tenant = %tenant, kind = %chunk[0].kind, jobs = chunk.len(), outcomes = o.len(), "a batch of jobs answered the wrong number of outcomes; running them one at a time"),
                }
                for j in chunk {
                    out.push((*j, run_one(txn, tenant, registry, j, now).await?));
                }
            }
        }
    }
    Ok(out)
}

/// Jobs of one kind given to one [`super::Handler::run_many`] call at most.
const TOGETHER: usize = 500;

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
    let tenants = crate::tenancy::active_tenant_slugs(db).await?;
    let probed = probe_all(db, &tenants, periodic).await;
    schedule_tenants(db, &tenants, periodic, &probed, now, &mut Enqueued::new()).await;
    Ok(())
}

/// For each probe of `periodic`, the tenants of `tenants` where it finds a row. Asked of
/// all tenants at once, so that the statements stay the same from one round to the next
/// (each connection prepares them once).
async fn probe_all(db: &Db, tenants: &[TenantSlug], periodic: &[Periodic]) -> Probed {
    let mut probed = Probed::new();
    for probe in periodic.iter().filter_map(|p| p.when) {
        if !probed.contains_key(probe) {
            let found = db.tenants_with(tenants, probe).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "probing tenants for periodic jobs failed; each one runs them");
                tenants.to_vec()
            });
            probed.insert(probe, found.into_iter().collect());
        }
    }
    probed
}

/// The tenants each probe found a row in.
type Probed = std::collections::HashMap<&'static str, std::collections::HashSet<TenantSlug>>;

/// The slot of each periodic job this instance last enqueued per tenant: a job whose slot
/// has not moved on is not written again.
type Enqueued = std::collections::HashMap<(String, &'static str), i64>;

/// Enqueues the periodic jobs of `tenants` whose slot is new to `seen`: each one's
/// unconditional jobs, and those with a probe only where `probed` found a row. A tenant with
/// nothing new is not written to at all.
async fn schedule_tenants(db: &Db, tenants: &[TenantSlug], periodic: &[Periodic], probed: &Probed, now: DateTime<Utc>, seen: &mut Enqueued) {
    for tenant in tenants {
        let slot_of = |p: &Periodic| super::periodic::slot(now, p.every_secs, bucket(tenant.as_str(), p.every_secs.max(1) as u64) as i64).0;
        let mine: Vec<Periodic> = periodic
            .iter()
            .filter(|p| p.when.is_none_or(|probe| probed.get(probe).is_none_or(|found| found.contains(tenant))))
            .filter(|p| seen.get(&(tenant.as_str().to_owned(), p.name)) != Some(&slot_of(p)))
            .copied()
            .collect();
        if mine.is_empty() {
            continue;
        }
        let res = async {
            let txn = db.tenant_txn(tenant).await?;
            schedule(&txn, &mine, now).await?;
            txn.commit().await
        };
        match res.await {
            Ok(()) => seen.extend(mine.iter().map(|p| ((tenant.as_str().to_owned(), p.name), slot_of(p)))),
            Err(e) => tracing::warn!(tenant = %tenant, error = %e, "scheduling periodic jobs failed; skipped until the next round"),
        }
    }
}

/// Finds the tenants with a job that may be claimed now (see [`Db::tenants_with`]): the
/// partial index `jobs_due` answers each.
pub const DUE_PROBE: &str = "SELECT 1 FROM {schema}.jobs WHERE status IN ('queued', 'running') AND run_at <= now()";

/// Which of `buckets` a tenant's periodic scheduling falls in (FNV-1a of its slug): stable
/// across instances and restarts, and spread evenly.
pub fn bucket(slug: &str, buckets: u64) -> u64 {
    let hash = slug.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    hash % buckets.max(1)
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

/// Every poll: marks due the tenants that have a job to claim (jobs whose time came, lost
/// wake-ups), found by one probe per hundred tenants; and enqueues the periodic jobs of one
/// bucket of tenants, so that each tenant's are enqueued once a minute at its own moment
/// and a thousand tenants' upkeep is spread over the minute rather than run at its start.
async fn scheduler_loop(db: Db, settings: Settings, periodic: Vec<Periodic>) {
    let poll_ms = settings.poll.as_millis().max(1) as i64;
    let buckets = (60_000 / poll_ms).max(1) as u64;
    // Buckets follow the clock, and every bucket whose moment passed since the last round is
    // handled, so a round that ran long skips no tenant's minute.
    let mut last: Option<i64> = None;
    let mut seen = Enqueued::new();
    let mut probed = Probed::new();
    loop {
        match crate::tenancy::active_tenant_slugs(&db).await {
            Ok(tenants) => {
                let now = Utc::now();
                let slot = now.timestamp_millis().div_euclid(poll_ms);
                let from = last.map_or(slot, |l| (l + 1).max(slot - buckets as i64 + 1));
                // The conditional jobs' probes: of every tenant, once a minute.
                if last.is_none() || (from..=slot).any(|s| s.rem_euclid(buckets as i64) == 0) {
                    probed = probe_all(&db, &tenants, &periodic).await;
                }
                let due: std::collections::HashSet<u64> = (from..=slot).map(|s| s.rem_euclid(buckets as i64) as u64).collect();
                let mine: Vec<TenantSlug> = tenants.iter().filter(|t| due.contains(&bucket(t.as_str(), buckets))).cloned().collect();
                schedule_tenants(&db, &mine, &periodic, &probed, now, &mut seen).await;
                last = Some(slot);
                match db.tenants_with(&tenants, DUE_PROBE).await {
                    Ok(due) => db.job_signal().mark_all_due(due.iter().map(TenantSlug::as_str)),
                    Err(e) => tracing::warn!(error = %e, "looking for tenants with due jobs failed"),
                }
            }
            Err(e) => tracing::warn!(error = %e, "listing tenants for the job poll failed"),
        }
        tokio::time::sleep(settings.poll).await;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn buckets_are_stable_and_spread_tenants_over_the_minute() {
        assert_eq!(super::bucket("acme", 30), super::bucket("acme", 30));
        let mut counts = [0usize; 30];
        for i in 0..3000 {
            counts[super::bucket(&format!("bench-{i:04}"), 30) as usize] += 1;
        }
        assert!(counts.iter().all(|&n| (60..=140).contains(&n)), "3,000 tenants in 30 buckets: {counts:?}");
    }
}
