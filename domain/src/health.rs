//! Health across tenants. Each tenant's `health.snapshot` job (every [`EVERY_SECS`]) measures
//! the tenant in its own schema and writes one row per tenant and day into the platform's
//! `tenant_health`; the partner console reads only that table, so no request reads across
//! tenant schemas, and a console of a thousand tenants is one indexed read.
//!
//! What is measured: open exceptions and those past their SLA, the oldest open one, dead
//! (dead-lettered) jobs, webhook attempts and failures in the last 24 hours, undelivered
//! invoices (a failed or bounced delivery, or one queued for over an hour), the last event
//! received, events in the last hour and today, and ingestion errors (events parked for want
//! of their order or shipment for over 15 minutes). [`trouble`] weighs them into one score the
//! console sorts by.
use crate::db::{Db, TenantTxn};
use crate::jobs::{Handler, JobCx, JobError, async_trait};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, Statement};
use uuid::Uuid;

/// The job, and how often each tenant runs it.
pub const JOB: &str = "health.snapshot";
pub const EVERY_SECS: i64 = 300;
/// Days the console's sparkline shows.
pub const DAYS: i64 = 14;
/// Days of rows kept; older ones are deleted by the platform's minute sweep ([`prune`]).
pub const KEEP_DAYS: i64 = 90;

pub mod entity {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tenant_health")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: Date,
        pub open_exceptions: i32,
        pub sla_breaches: i32,
        pub oldest_open_at: Option<ChronoDateTimeUtc>,
        pub dead_jobs: i32,
        pub webhook_attempts: i32,
        pub webhook_failures: i32,
        pub undelivered_invoices: i32,
        pub last_event_at: Option<ChronoDateTimeUtc>,
        pub events_last_hour: i32,
        pub events_day: i32,
        pub ingestion_errors: i32,
        pub trouble: i32,
        pub measured_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}
pub use entity::Model as Health;

/// One measurement of a tenant.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Measured {
    pub open_exceptions: i32,
    pub sla_breaches: i32,
    pub oldest_open_at: Option<DateTime<Utc>>,
    pub dead_jobs: i32,
    pub webhook_attempts: i32,
    pub webhook_failures: i32,
    pub undelivered_invoices: i32,
    pub last_event_at: Option<DateTime<Utc>>,
    pub events_last_hour: i32,
    pub events_day: i32,
    pub ingestion_errors: i32,
}

/// How much trouble a tenant is in (pure; higher is worse): SLA breaches weigh most, then
/// what is stuck (dead jobs, undelivered invoices, ingestion errors), then webhook failures
/// (by rate, once there are a few attempts), then open exceptions; and a tenant that received
/// events before but none for a day is in trouble too.
pub fn trouble(m: &Measured, now: DateTime<Utc>) -> i32 {
    let failure_pct = if m.webhook_attempts >= 5 { m.webhook_failures * 100 / m.webhook_attempts.max(1) } else { 0 };
    let silent = m.last_event_at.is_some_and(|t| now - t > Duration::hours(24));
    m.sla_breaches * 20 + m.dead_jobs * 10 + m.undelivered_invoices * 10 + m.ingestion_errors * 5 + failure_pct / 2 + m.open_exceptions + if silent { 50 } else { 0 }
}

fn param(backend: DbBackend, i: usize) -> String {
    if backend == DbBackend::Postgres { format!("${i}") } else { format!("?{i}") }
}

async fn one<C: ConnectionTrait>(c: &C, sql: String, values: Vec<sea_orm::Value>) -> Result<sea_orm::QueryResult, sea_orm::DbErr> {
    let backend = c.get_database_backend();
    c.query_one_raw(Statement::from_sql_and_values(backend, sql, values)).await?.ok_or_else(|| sea_orm::DbErr::RecordNotFound("an aggregate row".into()))
}

fn int(r: &sea_orm::QueryResult, col: &str) -> i32 {
    r.try_get::<Option<i64>>("", col).ok().flatten().or_else(|| r.try_get::<Option<i32>>("", col).ok().flatten().map(i64::from)).unwrap_or(0) as i32
}

/// Measures the tenant of `txn` at `now`.
pub async fn measure(txn: &TenantTxn, now: DateTime<Utc>) -> Result<Measured, sea_orm::DbErr> {
    let b = txn.get_database_backend();
    let p = |i| param(b, i);
    let ex = one(txn, format!("SELECT count(*) AS n, min(opened_at) AS oldest, sum(CASE WHEN sla_due_at < {} THEN 1 ELSE 0 END) AS breached FROM exceptions WHERE status <> 'resolved'", p(1)), vec![now.into()]).await?;
    let jobs = one(txn, "SELECT count(*) AS n FROM jobs WHERE status = 'dead'".into(), vec![]).await?;
    let hooks = one(txn, format!("SELECT count(*) AS n, sum(CASE WHEN status IS NULL OR status < 200 OR status > 299 THEN 1 ELSE 0 END) AS failed FROM webhook_attempts WHERE at >= {}", p(1)), vec![(now - Duration::hours(24)).into()]).await?;
    let undelivered = one(
        txn,
        format!("SELECT count(DISTINCT invoice_id) AS n FROM invoice_deliveries WHERE status IN ('failed', 'bounced') OR (status = 'queued' AND created_at < {})", p(1)),
        vec![(now - Duration::hours(1)).into()],
    )
    .await?;
    let last = one(txn, "SELECT max(received_at) AS last FROM events".into(), vec![]).await?;
    let day_start = now.date_naive().and_hms_opt(0, 0, 0).map(|d| d.and_utc()).unwrap_or(now);
    let hour_ago = now - Duration::hours(1);
    let recent = one(
        txn,
        format!("SELECT sum(CASE WHEN received_at >= {} THEN 1 ELSE 0 END) AS hour, sum(CASE WHEN received_at >= {} THEN 1 ELSE 0 END) AS day FROM events WHERE received_at >= {}", p(1), p(2), p(3)),
        vec![hour_ago.into(), day_start.into(), day_start.min(hour_ago).into()],
    )
    .await?;
    let parked = one(txn, format!("SELECT count(*) AS n FROM events WHERE status = 'parked' AND received_at < {}", p(1)), vec![(now - Duration::minutes(15)).into()]).await?;
    Ok(Measured {
        open_exceptions: int(&ex, "n"),
        sla_breaches: int(&ex, "breached"),
        oldest_open_at: ex.try_get::<Option<DateTime<Utc>>>("", "oldest").ok().flatten(),
        dead_jobs: int(&jobs, "n"),
        webhook_attempts: int(&hooks, "n"),
        webhook_failures: int(&hooks, "failed"),
        undelivered_invoices: int(&undelivered, "n"),
        last_event_at: last.try_get::<Option<DateTime<Utc>>>("", "last").ok().flatten(),
        events_last_hour: int(&recent, "hour"),
        events_day: int(&recent, "day"),
        ingestion_errors: int(&parked, "n"),
    })
}

/// Writes tenant `tenant_id`'s measurement as its row for today (replacing an earlier one).
pub async fn record(db: &Db, tenant_id: Uuid, m: &Measured, now: DateTime<Utc>) -> Result<(), sea_orm::DbErr> {
    use sea_orm::ActiveValue::Set;
    use entity::Column as C;
    let row = entity::ActiveModel {
        tenant_id: Set(tenant_id),
        day: Set(now.date_naive()),
        open_exceptions: Set(m.open_exceptions),
        sla_breaches: Set(m.sla_breaches),
        oldest_open_at: Set(m.oldest_open_at),
        dead_jobs: Set(m.dead_jobs),
        webhook_attempts: Set(m.webhook_attempts),
        webhook_failures: Set(m.webhook_failures),
        undelivered_invoices: Set(m.undelivered_invoices),
        last_event_at: Set(m.last_event_at),
        events_last_hour: Set(m.events_last_hour),
        events_day: Set(m.events_day),
        ingestion_errors: Set(m.ingestion_errors),
        trouble: Set(trouble(m, now)),
        measured_at: Set(now),
    };
    let cols = [
        C::OpenExceptions, C::SlaBreaches, C::OldestOpenAt, C::DeadJobs, C::WebhookAttempts, C::WebhookFailures, C::UndeliveredInvoices, C::LastEventAt, C::EventsLastHour, C::EventsDay,
        C::IngestionErrors, C::Trouble, C::MeasuredAt,
    ];
    entity::Entity::insert(row).on_conflict(OnConflict::columns([C::TenantId, C::Day]).update_columns(cols).to_owned()).exec(db.platform()).await?;
    Ok(())
}

/// Deletes the rows of days more than [`KEEP_DAYS`] before `today`; answers how many.
pub async fn prune(db: &Db, today: NaiveDate) -> Result<u64, sea_orm::DbErr> {
    Ok(entity::Entity::delete_many().filter(entity::Column::Day.lt(today - Duration::days(KEEP_DAYS))).exec(db.platform()).await?.rows_affected)
}

/// The last [`DAYS`] days of each of `tenants`, oldest first: one read of the platform table.
pub async fn recent(db: &Db, tenants: &[Uuid], today: NaiveDate) -> Result<Vec<Health>, sea_orm::DbErr> {
    if tenants.is_empty() {
        return Ok(Vec::new());
    }
    entity::Entity::find()
        .filter(entity::Column::TenantId.is_in(tenants.iter().copied()))
        .filter(entity::Column::Day.gt(today - Duration::days(DAYS)))
        .order_by_asc(entity::Column::Day)
        .all(db.platform())
        .await
}

/// `health.snapshot`: measures the job's tenant and records it.
pub struct SnapshotJob(pub Db);

#[async_trait]
impl Handler for SnapshotJob {
    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        let Some(t) = crate::tenancy::tenant_by_slug(&self.0, cx.tenant).await? else { return Ok(()) };
        let m = measure(cx.txn, cx.now).await?;
        Ok(record(&self.0, t.id, &m, cx.now).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trouble_weighs_breaches_then_what_is_stuck_then_failures_then_open_work() {
        let now = Utc::now();
        let base = Measured { last_event_at: Some(now), ..Default::default() };
        let cases: [(&str, Measured, i32); 8] = [
            ("healthy", base.clone(), 0),
            ("two open exceptions", Measured { open_exceptions: 2, ..base.clone() }, 2),
            ("one breach of three open", Measured { open_exceptions: 3, sla_breaches: 1, ..base.clone() }, 23),
            ("a dead job", Measured { dead_jobs: 1, ..base.clone() }, 10),
            ("an undelivered invoice", Measured { undelivered_invoices: 1, ..base.clone() }, 10),
            ("half the webhook attempts fail", Measured { webhook_attempts: 10, webhook_failures: 5, ..base.clone() }, 25),
            ("too few attempts to judge", Measured { webhook_attempts: 2, webhook_failures: 2, ..base.clone() }, 0),
            ("silent for two days", Measured { last_event_at: Some(now - Duration::hours(48)), ..base.clone() }, 50),
        ];
        for (what, m, want) in cases {
            assert_eq!(trouble(&m, now), want, "{what}");
        }
        assert_eq!(trouble(&Measured::default(), now), 0, "a tenant that never received an event is new, not silent");
    }
}
