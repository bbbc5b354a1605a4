//! The job engine against a real database: the outbox commits with its transaction, retries
//! and the dead letter on a clock the test drives, a worker that dies mid-job, and two
//! instances (and a second process) that never run one job twice.

use chrono::{Duration, Utc};
use crate::common::*;
use domain::jobs::{self, Handler, JobCx, JobError, NewJob, Registry, Settings};
use domain::types::TenantSlug;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

/// Adds one to the tenant counter `probe` (in the job's transaction).
struct Bump;

#[jobs::async_trait]
impl Handler for Bump {
    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        let sql = "INSERT INTO counters (name, value) VALUES ('probe', 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1";
        cx.txn.execute_unprepared(sql).await?;
        Ok(())
    }
}

/// Writes, then fails until its `attempts`-th attempt (its writes must not stay).
struct FailUntil(i32);

#[jobs::async_trait]
impl Handler for FailUntil {
    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        Bump.run(cx).await?;
        if cx.job.attempts < self.0 { Err(JobError::Retry(format!("remote said 503 on attempt {}", cx.job.attempts))) } else { Ok(()) }
    }
}

/// Runs its jobs together: one write for all the good ones; `{"bad": true}` fails alone (and
/// writes nothing); `{"poison": true}` fails the whole call, so the worker runs each alone.
struct Together;

#[jobs::async_trait]
impl Handler for Together {
    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        if cx.job.payload.contains("poison") {
            return Err(JobError::Permanent("poisoned alone".into()));
        }
        self.run_many(&cx.batch(), &[cx.job]).await?.pop().unwrap()
    }

    fn batches(&self) -> bool {
        true
    }

    async fn run_many(&self, cx: &jobs::BatchCx<'_>, js: &[&jobs::entity::Model]) -> Result<Vec<Result<(), JobError>>, JobError> {
        let good = js.iter().filter(|j| j.payload == "{}").count();
        let sql = format!("INSERT INTO counters (name, value) VALUES ('probe', {good}) ON CONFLICT (name) DO UPDATE SET value = counters.value + {good}");
        cx.txn.execute_unprepared(&sql).await?;
        // Each call, and how many jobs it was given.
        let sql = format!("INSERT INTO counters (name, value) VALUES ('calls', 1), ('given', {0}) ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value", js.len());
        cx.txn.execute_unprepared(&sql).await?;
        if js.iter().any(|j| j.payload.contains("poison")) {
            return Err(JobError::Retry("one of them is poisoned".into()));
        }
        Ok(js.iter().map(|j| if j.payload == "{}" { Ok(()) } else { Err(JobError::Permanent("bad on its own".into())) }).collect())
    }
}

fn registry() -> Registry {
    Registry::new().with("bump", Bump).with("flaky", FailUntil(3)).with("broken", FailUntil(i32::MAX)).with("together", Together)
}

fn settings() -> Settings {
    Settings { workers: 1, batch: 50, lease: Duration::seconds(60), poll: std::time::Duration::from_secs(1) }
}

async fn probe(app: &TestApp, t: &TenantSlug) -> i64 {
    counter(app, t, "probe").await
}

async fn counter(app: &TestApp, t: &TenantSlug, name: &str) -> i64 {
    let txn = app.db.tenant_txn(t).await.unwrap();
    let row = txn.query_one_raw(Statement::from_string(txn.get_database_backend(), format!("SELECT value FROM counters WHERE name = '{name}'"))).await.unwrap();
    row.map(|r| r.try_get::<i64>("", "value").unwrap()).unwrap_or(0)
}

/// Tenant acme without the jobs its demo data left (billing timers), so counts are this test's.
async fn acme_without_jobs(app: &TestApp) -> TenantSlug {
    let acme = app.tenant(ACME).await.slug;
    let txn = app.db.tenant_txn(&acme).await.unwrap();
    txn.execute_unprepared("DELETE FROM jobs").await.unwrap();
    txn.commit().await.unwrap();
    acme
}

async fn enqueue(app: &TestApp, t: &TenantSlug, jobs: Vec<NewJob>) {
    let txn = app.db.tenant_txn(t).await.unwrap();
    jobs::enqueue(&txn, jobs).await.unwrap();
    txn.commit().await.unwrap();
}

async fn job_rows(app: &TestApp, t: &TenantSlug) -> Vec<jobs::entity::Model> {
    use sea_orm::EntityTrait;
    let txn = app.db.tenant_txn(t).await.unwrap();
    jobs::entity::Entity::find().all(&*txn).await.unwrap()
}

#[tokio::test]
async fn a_job_exists_exactly_when_its_transaction_commits_and_wakes_the_workers() {
    let app = spawn_app().await;
    let acme = acme_without_jobs(&app).await;
    let now = Utc::now();
    let txn = app.db.tenant_txn(&acme).await.unwrap();
    jobs::enqueue(&txn, vec![NewJob::new("bump", json!({}), now)]).await.unwrap();
    txn.rollback().await.unwrap();
    assert!(job_rows(&app, &acme).await.is_empty(), "rolled back with its transaction");
    assert_eq!(app.db.job_signal().take_due(), None, "no wake-up for a rollback");

    enqueue(&app, &acme, vec![NewJob::new("bump", json!({}), now)]).await;
    assert_eq!(app.db.job_signal().take_due().as_deref(), Some("acme"), "the commit woke the workers");
    let o = jobs::drain_tenant(&app.db, &acme, &registry(), now, &settings()).await.unwrap();
    assert_eq!((o.claimed, o.done), (1, 1));
    assert_eq!(probe(&app, &acme).await, 1);
    let bg = app.tenant(BG).await.slug;
    assert_eq!(probe(&app, &bg).await, 0, "another tenant's jobs are its own");
    assert_eq!(job_rows(&app, &acme).await[0].status, "done");
}

#[tokio::test]
async fn a_failing_job_backs_off_on_the_clock_then_succeeds_or_is_dead_lettered_and_retried_by_the_admin() {
    let app = spawn_app().await;
    let acme = acme_without_jobs(&app).await;
    let (reg, s) = (registry(), settings());
    let t0 = Utc::now();
    enqueue(&app, &acme, vec![NewJob::new("flaky", json!({}), t0), NewJob::new("broken", json!({}), t0).attempts(2)]).await;

    let o = jobs::drain_tenant(&app.db, &acme, &reg, t0, &s).await.unwrap();
    assert_eq!((o.claimed, o.done, o.retried), (2, 0, 2));
    assert_eq!(probe(&app, &acme).await, 0, "a failed attempt's writes are rolled back");
    // attempt 1 waits 1 s (+ at most 10%): not yet at t0 + 0.9 s, due at t0 + 1.2 s.
    assert_eq!(jobs::drain_tenant(&app.db, &acme, &reg, t0 + Duration::milliseconds(900), &s).await.unwrap().claimed, 0);
    let o = jobs::drain_tenant(&app.db, &acme, &reg, t0 + Duration::milliseconds(1200), &s).await.unwrap();
    assert_eq!((o.claimed, o.retried, o.dead), (2, 1, 1), "broken had 2 attempts; flaky waits 16 s now");
    assert_eq!(jobs::drain_tenant(&app.db, &acme, &reg, t0 + Duration::seconds(16), &s).await.unwrap().claimed, 0);
    let o = jobs::drain_tenant(&app.db, &acme, &reg, t0 + Duration::seconds(20), &s).await.unwrap();
    assert_eq!(o.done, 1, "flaky succeeds on its third attempt");
    assert_eq!(probe(&app, &acme).await, 1, "only the successful attempt's write stays");

    let txn = app.db.tenant_txn(&acme).await.unwrap();
    let dead = jobs::admin::dead(&txn, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].kind, "broken");
    assert!(dead[0].last_error.as_deref().unwrap().contains("attempt 2: remote said 503"), "{:?}", dead[0].last_error);
    assert!(jobs::admin::retry(&txn, dead[0].id, t0 + Duration::seconds(30)).await.unwrap());
    assert!(!jobs::admin::retry(&txn, dead[0].id, t0).await.unwrap(), "only a dead job can be retried");
    txn.commit().await.unwrap();
    let o = jobs::drain_tenant(&app.db, &acme, &reg, t0 + Duration::seconds(30), &s).await.unwrap();
    assert_eq!((o.claimed, o.retried), (1, 1), "it runs again with fresh attempts");

    let o = jobs::drain_tenant(&app.db, &acme, &reg, t0 + Duration::seconds(40), &s).await.unwrap();
    assert_eq!(o.dead, 1);
    let txn = app.db.tenant_txn(&acme).await.unwrap();
    let id = jobs::admin::dead(&txn, 10).await.unwrap()[0].id;
    assert!(jobs::admin::discard(&txn, id).await.unwrap());
    assert!(jobs::admin::dead(&txn, 10).await.unwrap().is_empty());
    txn.commit().await.unwrap();
}

#[tokio::test]
async fn jobs_run_together_fail_alone_and_a_failed_batch_runs_one_at_a_time() {
    let app = spawn_app().await;
    let acme = acme_without_jobs(&app).await;
    let (reg, s) = (registry(), settings());
    let t0 = Utc::now();
    let job = |p: serde_json::Value| NewJob::new("together", p, t0).attempts(1);
    enqueue(&app, &acme, vec![job(json!({})), job(json!({"bad": true})), job(json!({})), NewJob::new("bump", json!({}), t0), job(json!({"bad": true}))]).await;
    let o = jobs::drain_tenant(&app.db, &acme, &reg, t0, &s).await.unwrap();
    assert_eq!((o.claimed, o.done, o.dead, o.retried), (5, 3, 2, 0));
    assert_eq!(probe(&app, &acme).await, 3, "two good ones in one write, and the bump");
    assert_eq!((counter(&app, &acme, "calls").await, counter(&app, &acme, "given").await), (1, 4), "the four ran in one call");
    let rows = job_rows(&app, &acme).await;
    let dead: Vec<_> = rows.iter().filter(|j| j.status == "dead").collect();
    assert_eq!(dead.len(), 2, "both bad ones are dead-lettered, with their reason");
    assert!(dead.iter().all(|j| j.payload.contains("bad") && j.last_error.as_deref() == Some("attempt 1: bad on its own")), "{dead:?}");

    // A poisoned batch: its writes are rolled back and each job runs alone.
    enqueue(&app, &acme, vec![job(json!({})), job(json!({"poison": true})), job(json!({}))]).await;
    let o = jobs::drain_tenant(&app.db, &acme, &reg, t0, &s).await.unwrap();
    assert_eq!((o.claimed, o.done, o.dead, o.retried), (3, 2, 1, 0));
    assert_eq!(probe(&app, &acme).await, 5, "each good job counted once, the failed batch's write is gone");
    assert_eq!((counter(&app, &acme, "calls").await, counter(&app, &acme, "given").await), (3, 6), "the failed call is rolled back; the two good jobs ran alone");
    let poisoned = job_rows(&app, &acme).await.into_iter().find(|j| j.payload.contains("poison")).unwrap();
    assert_eq!((poisoned.status.as_str(), poisoned.last_error.as_deref()), ("dead", Some("attempt 1: poisoned alone")));
}

#[tokio::test]
async fn a_job_whose_worker_died_runs_again_after_its_lease_and_takes_effect_once() {
    let app = spawn_app().await;
    let acme = acme_without_jobs(&app).await;
    let (reg, s) = (registry(), settings());
    let t0 = Utc::now();
    enqueue(&app, &acme, vec![NewJob::new("bump", json!({}), t0)]).await;
    // A worker claims the job, starts running it and dies before committing.
    let txn = app.db.tenant_txn(&acme).await.unwrap();
    let claim = jobs::claim(&txn, t0, 10, s.lease).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(claim.jobs.len(), 1);
    let txn = app.db.tenant_txn(&acme).await.unwrap();
    Bump.run(&JobCx { txn: &txn, job: &claim.jobs[0], tenant: &acme, now: t0 }).await.unwrap();
    drop(txn);

    assert_eq!(jobs::drain_tenant(&app.db, &acme, &reg, t0 + Duration::seconds(59), &s).await.unwrap().claimed, 0, "leased");
    let o = jobs::drain_tenant(&app.db, &acme, &reg, t0 + Duration::seconds(61), &s).await.unwrap();
    assert_eq!((o.claimed, o.done), (1, 1));
    assert_eq!(probe(&app, &acme).await, 1, "took effect once");
    assert_eq!(job_rows(&app, &acme).await[0].attempts, 2);
}

#[tokio::test]
async fn two_instances_draining_one_tenant_never_run_a_job_twice() {
    let app = spawn_app().await;
    let acme = acme_without_jobs(&app).await;
    let now = Utc::now();
    enqueue(&app, &acme, (0..400).map(|_| NewJob::new("bump", json!({}), now)).collect()).await;
    // A second instance: its own connection pool on the same database.
    let other = server::open_db(&app.config).await.unwrap();
    let reg = registry();
    let s = Settings { batch: 20, ..settings() };
    let (a, b) = tokio::join!(jobs::drain_tenant(&app.db, &acme, &reg, now, &s), jobs::drain_tenant(&other, &acme, &reg, now, &s));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.done + b.done, 400, "{a:?} {b:?}");
    assert_eq!(probe(&app, &acme).await, 400, "each job ran once");
    assert!(job_rows(&app, &acme).await.iter().all(|j| j.attempts == 1 && j.status == "done"));
}

#[tokio::test]
async fn periodic_work_is_enqueued_once_per_slot_however_many_instances_schedule_it() {
    let app = spawn_app().await;
    let other = server::open_db(&app.config).await.unwrap();
    let acme = acme_without_jobs(&app).await;
    // The demo's invoices queued e-mails that fail here (no SMTP server): not this test's.
    let bg = app.tenant(BG).await.slug;
    let txn = app.db.tenant_txn(&bg).await.unwrap();
    txn.execute_unprepared("DELETE FROM jobs").await.unwrap();
    txn.commit().await.unwrap();
    let at = Utc::now();
    // The server's periodic jobs, and one each minute in every tenant (the server's minute
    // jobs run only where their probe finds work).
    let mut periodic = server::workers::periodic_jobs();
    periodic.push(jobs::Periodic::every("noop", 60));
    let (a, b) = tokio::join!(jobs::schedule_all(&app.db, &periodic, at), jobs::schedule_all(&other, &periodic, at));
    (a.unwrap(), b.unwrap());
    jobs::schedule_all(&app.db, &periodic, at + Duration::seconds(1)).await.unwrap();
    let per_kind = |rows: &[jobs::entity::Model], kind: &str| rows.iter().filter(|j| j.kind == kind).count();
    let rows = job_rows(&app, &acme).await;
    let slot = |secs| jobs::periodic::slot(at, 60, secs).0 == jobs::periodic::slot(at + Duration::seconds(1), 60, secs).0;
    let offset = jobs::bucket(acme.as_str(), 60) as i64;
    assert_eq!(per_kind(&rows, "noop"), if slot(offset) { 1 } else { 2 }, "once per slot, whichever instance enqueued it");
    assert_eq!(per_kind(&rows, "jobs.cleanup"), 1);
    let before = per_kind(&rows, "noop");
    jobs::schedule_all(&app.db, &periodic, at + Duration::seconds(61)).await.unwrap();
    assert_eq!(per_kind(&job_rows(&app, &acme).await, "noop"), before + 1, "the next minute's run");
    let o = server::workers::run_due(&app.db, &app.config, at + Duration::seconds(61)).await.unwrap();
    // The dunning run's reminders of overdue demo invoices are e-mails that fail here (no
    // SMTP server); every other job of every tenant is done.
    let no_smtp = |j: &&jobs::entity::Model| j.status == "dead" && j.kind.ends_with(".email") && j.last_error.as_deref().is_some_and(|e| e.contains("no SMTP server"));
    let rows: Vec<jobs::entity::Model> = [job_rows(&app, &acme).await, job_rows(&app, &bg).await].concat();
    assert_eq!(rows.iter().filter(no_smtp).count(), o.dead, "{o:?}");
    assert!(rows.iter().all(|j| j.status == "done" || no_smtp(&j)), "{rows:?}");
}

#[tokio::test]
async fn a_worker_process_and_this_one_share_the_work_without_running_a_job_twice() {
    let app = spawn_app().await;
    let Some(url) = app.db_url.clone() else { return }; // one process per SQLite file
    let acme = acme_without_jobs(&app).await;
    let now = Utc::now();
    enqueue(&app, &acme, (0..3000).map(|_| NewJob::new("noop", json!({}), now)).collect()).await;
    let mut worker = std::process::Command::new(env!("CARGO_BIN_EXE_throughline"))
        .arg("worker")
        .env("DATABASE_URL", &url)
        .env("THROUGHLINE_WORKERS", "2")
        .env("THROUGHLINE_JOB_BATCH", "25")
        .env("THROUGHLINE_JOB_POLL_MS", "50")
        .env("THROUGHLINE_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start throughline worker");
    let reg = server::workers::registry(&app.db, &app.config);
    let s = Settings { batch: 25, ..settings() };
    let mut here = 0;
    let mut waited = 0;
    loop {
        let o = jobs::work_tenant(&app.db, &acme, &reg, Utc::now(), &s).await.unwrap();
        here += o.done;
        let rows = job_rows(&app, &acme).await;
        if rows.iter().filter(|j| j.kind == "noop").all(|j| j.status == "done") {
            break;
        }
        if o.claimed == 0 {
            waited += 1;
            assert!(waited < 600, "the jobs were not finished");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    worker.kill().ok();
    worker.wait().ok();
    let noop: Vec<_> = job_rows(&app, &acme).await.into_iter().filter(|j| j.kind == "noop").collect();
    assert_eq!(noop.len(), 3000);
    assert!(noop.iter().all(|j| j.attempts == 1), "no job was claimed twice");
    assert!(here < 3000, "the worker process did part of the work (this process did {here})");
}

#[tokio::test]
async fn a_notification_wakes_a_worker_process_long_before_its_next_poll() {
    let app = spawn_app().await;
    let Some(url) = app.db_url.clone() else { return }; // LISTEN/NOTIFY is PostgreSQL's
    let acme = acme_without_jobs(&app).await;
    let mut worker = std::process::Command::new(env!("CARGO_BIN_EXE_throughline"))
        .arg("worker")
        .env("DATABASE_URL", &url)
        .env("THROUGHLINE_WORKERS", "1")
        .env("THROUGHLINE_JOB_POLL_MS", "600000")
        .env("THROUGHLINE_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start throughline worker");
    // Its scheduler's first round (periodic jobs) shows it is up and has polled once.
    let mut waited = 0;
    while !job_rows(&app, &acme).await.iter().any(|j| j.kind == "jobs.cleanup" && j.status == "done") {
        waited += 1;
        assert!(waited < 600, "the worker process did not start");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // New work and a notification, as another instance sends after its commit.
    enqueue(&app, &acme, vec![NewJob::new("noop", json!({}), Utc::now())]).await;
    app.db.platform().execute_unprepared("SELECT pg_notify('throughline_jobs', 'acme')").await.unwrap();
    let started = std::time::Instant::now();
    while !job_rows(&app, &acme).await.iter().any(|j| j.kind == "noop" && j.status == "done") {
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "not woken: the next poll is 10 minutes away");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    worker.kill().ok();
    worker.wait().ok();
}
