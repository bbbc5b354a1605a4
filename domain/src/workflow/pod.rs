//! Timers that watch for what did not happen: a shipment delivered without a proof of
//! delivery on file, or never delivered (`missing_pod`), and an order whose promised date
//! passed without a dispatch (`shipment_delay`). Both run as periodic jobs; each opens one
//! exception per shipment or order, and filing the POD resolves `missing_pod` by itself.
use super::raise::{Raise, raise};
use super::rules::current;
use crate::entity::{order, shipment};
use crate::jobs::{Handler, JobCx, JobError};
use chrono::{DateTime, Duration, Utc};
use sea_orm::prelude::*;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

/// The exception reference of a shipment's missing POD.
fn reference(shipment_number: &str) -> String {
    format!("missing-pod:{shipment_number}")
}

/// At most this many exceptions per run and kind; the next run takes the rest.
const BATCH: u64 = 500;

/// Shipments without POD past the rule's time, not yet raised.
async fn overdue<C: ConnectionTrait>(c: &C, delivered_before: DateTime<Utc>, dispatched_before: DateTime<Utc>) -> Result<Vec<shipment::Model>, DbErr> {
    let backend = c.get_database_backend();
    let p: [&str; 2] = if backend == DbBackend::Postgres { ["$1", "$2"] } else { ["?1", "?2"] };
    let sql = format!(
        "SELECT s.* FROM shipments s WHERE ((s.status = 'delivered' AND s.delivered_at < {0}) OR (s.status <> 'delivered' AND s.dispatched_at < {1})) \
         AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.shipment_id = s.id AND d.kind = 'pod') \
         AND NOT EXISTS (SELECT 1 FROM exceptions x WHERE x.reference = 'missing-pod:' || s.number) LIMIT {BATCH}",
        p[0], p[1]
    );
    shipment::Entity::find().from_raw_sql(Statement::from_sql_and_values(backend, sql, [delivered_before.into(), dispatched_before.into()])).all(c).await
}

/// Opens `missing_pod` for every overdue shipment at `now`; answers how many.
pub async fn check_missing<C: ConnectionTrait>(c: &C, now: DateTime<Utc>) -> crate::Result<usize> {
    let rules = current(c).await?;
    if !rules.missing_pod.enabled {
        return Ok(0);
    }
    let cfg = &rules.missing_pod.config;
    let found = overdue(c, now - Duration::hours(cfg.after_delivery_hours), now - Duration::days(cfg.not_delivered_days)).await?;
    for s in &found {
        let detail = match s.delivered_at {
            Some(d) => format!("Shipment {} was delivered on {} and its proof of delivery is not on file after {} hours", s.number, d.format("%Y-%m-%d %H:%M UTC"), cfg.after_delivery_hours),
            None => format!("Shipment {} was dispatched {} days ago or more and is not reported delivered", s.number, cfg.not_delivered_days),
        };
        let o = order::Entity::find_by_id(s.order_id).one(c).await?;
        let mut r = Raise::new("missing_pod", &reference(&s.number), &detail, rules.actor("missing_pod"));
        r.order_id = Some(s.order_id);
        r.customer_id = o.map(|o| o.customer_id);
        raise(c, r, now).await?;
    }
    Ok(found.len())
}

/// The POD was filed: the shipment's `missing_pod` exception, if active, is resolved.
pub async fn resolve_missing<C: ConnectionTrait>(c: &C, s: &shipment::Model, at: DateTime<Utc>) -> crate::Result<()> {
    Ok(super::raise::resolve_by_system(c, &reference(&s.number), "fixed", "proof of delivery filed", at).await?)
}

/// Orders whose promised date passed with nothing dispatched, not yet raised.
async fn late_orders<C: ConnectionTrait>(c: &C, today: chrono::NaiveDate) -> Result<Vec<order::Model>, DbErr> {
    let backend = c.get_database_backend();
    let p = if backend == DbBackend::Postgres { "$1" } else { "?1" };
    let sql = format!(
        "SELECT o.* FROM orders o WHERE o.promised_date < {p} AND o.status IN ('accepted', 'credit_hold', 'released', 'backordered', 'allocated', 'pick_released') \
         AND NOT EXISTS (SELECT 1 FROM exceptions x WHERE x.reference = 'shipment-delay:' || o.number) LIMIT {BATCH}"
    );
    order::Entity::find().from_raw_sql(Statement::from_sql_and_values(backend, sql, [today.into()])).all(c).await
}

/// Opens `shipment_delay` for every order past its promised date at `now`; answers how many.
pub async fn check_delays<C: ConnectionTrait>(c: &C, now: DateTime<Utc>) -> crate::Result<usize> {
    let rules = current(c).await?;
    if !rules.shipment_delay.enabled {
        return Ok(0);
    }
    let late = late_orders(c, now.date_naive()).await?;
    for o in &late {
        let promised = o.promised_date.map(|d| d.to_string()).unwrap_or_default();
        let detail = format!("Order {} was promised for {promised} and nothing has been dispatched", o.number);
        let mut r = Raise::new("shipment_delay", &format!("shipment-delay:{}", o.number), &detail, rules.actor("shipment_delay"));
        (r.order_id, r.customer_id) = (Some(o.id), Some(o.customer_id));
        raise(c, r, now).await?;
    }
    Ok(late.len())
}

/// `pod.check` and `shipment.delay_check` (periodic).
pub struct WatchDeliveries;

#[async_trait::async_trait]
impl Handler for WatchDeliveries {
    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        while check_missing(cx.txn, cx.now).await? as u64 == BATCH {}
        while check_delays(cx.txn, cx.now).await? as u64 == BATCH {}
        Ok(())
    }
}
