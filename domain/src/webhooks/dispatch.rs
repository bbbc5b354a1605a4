//! Sending: claim due deliveries, and settle what came of them.
//!
//! A claim moves each delivery's `next_at` to the end of a lease and counts the attempt, so
//! that another sender skips it, and a sender that died lets it be claimed again when the
//! lease ends. At most `per_endpoint` deliveries of one endpoint are taken per claim, so a
//! backlog for one receiver never crowds out the others. Outcomes are settled in one
//! transaction per batch: the attempts are recorded, each delivery succeeds, waits for its
//! next attempt ([`super::schedule`]) or is dead-lettered with an `endpoint` exception for
//! the admin, and an endpoint failing for 5 days is disabled.
use super::entity::{attempt, delivery, endpoint, message};
use super::{DeliveryStatus, schedule, webhook_id};
use crate::audit::Actor;
use crate::workflow::raise::{self, Raise};
use crate::{Db, TenantTxn};
use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{DbBackend, QuerySelect, Statement};
use std::collections::HashMap;

/// A delivery to send now.
#[derive(Clone)]
pub struct Due {
    pub delivery_id: Uuid,
    pub endpoint_id: Uuid,
    pub url: String,
    pub webhook_id: String,
    pub body: String,
    /// `application/json`, or `application/edi-x12` for an 810 to a trading partner.
    pub content_type: &'static str,
    pub secret: String,
    pub previous_secret: Option<String>,
    /// This attempt's number, from 1.
    pub attempt: i32,
}

impl std::fmt::Debug for Due {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Due").field("delivery_id", &self.delivery_id).field("endpoint_id", &self.endpoint_id).field("url", &self.url).field("attempt", &self.attempt).finish_non_exhaustive()
    }
}

/// What one attempt came to.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub delivery_id: Uuid,
    pub endpoint_id: Uuid,
    pub attempt: i32,
    pub at: DateTime<Utc>,
    pub request_headers: String,
    pub status: Option<u16>,
    pub response_excerpt: String,
    pub error: Option<String>,
    pub duration_ms: i32,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(schedule::is_success)
    }
}

/// How long a claimed delivery is held before another sender may take it.
pub const LEASE: Duration = Duration::seconds(schedule::TIMEOUT_SECS as i64 + 45);

/// Claims up to `n` due deliveries of this tenant, at most `per_endpoint` for one endpoint
/// and none for the endpoints in `busy` (those this sender already has enough in flight for).
pub async fn claim(db: &Db, tenant: &crate::types::TenantSlug, now: DateTime<Utc>, n: u64, per_endpoint: u64, busy: &[Uuid]) -> Result<Vec<Due>, DbErr> {
    let txn = db.tenant_txn(tenant).await?;
    let backend = txn.get_database_backend();
    let p = |i: usize| if backend == DbBackend::Postgres { format!("${i}") } else { format!("?{i}") };
    let skip = if busy.is_empty() { String::new() } else { format!(" AND endpoint_id NOT IN ({})", (0..busy.len()).map(|i| p(5 + i)).collect::<Vec<_>>().join(", ")) };
    // The status and time are checked again on the row itself: on PostgreSQL a concurrent
    // claim that took the row first moved its `next_at`, and this one then skips it.
    let sql = format!(
        "UPDATE webhook_deliveries SET next_at = {lease}, attempts = attempts + 1, updated_at = {now} \
         WHERE status = 'pending' AND next_at <= {now} AND id IN ( \
           SELECT id FROM (SELECT id, next_at, row_number() OVER (PARTITION BY endpoint_id ORDER BY next_at, id) AS rn \
                           FROM webhook_deliveries WHERE status = 'pending' AND next_at <= {now}{skip} \
                                 AND endpoint_id IN (SELECT id FROM webhook_endpoints WHERE enabled)) d \
           WHERE rn <= {per} ORDER BY next_at LIMIT {n}) \
         RETURNING *",
        lease = p(1),
        now = p(2),
        per = p(3),
        n = p(4)
    );
    let mut values: Vec<sea_orm::Value> = vec![(now + LEASE).into(), now.into(), (per_endpoint as i64).into(), (n as i64).into()];
    values.extend(busy.iter().map(|id| sea_orm::Value::from(*id)));
    let claimed = delivery::Entity::find().from_raw_sql(Statement::from_sql_and_values(backend, sql, values)).all(&txn).await?;
    let due = if claimed.is_empty() { Vec::new() } else { describe(&txn, claimed, now).await? };
    txn.commit().await?;
    Ok(due)
}

async fn describe(txn: &TenantTxn, claimed: Vec<delivery::Model>, now: DateTime<Utc>) -> Result<Vec<Due>, DbErr> {
    let ep_ids: Vec<Uuid> = claimed.iter().map(|d| d.endpoint_id).collect();
    let msg_ids: Vec<Uuid> = claimed.iter().map(|d| d.message_id).collect();
    let eps: HashMap<Uuid, endpoint::Model> = endpoint::Entity::find().filter(endpoint::Column::Id.is_in(ep_ids)).all(txn).await?.into_iter().map(|e| (e.id, e)).collect();
    let msgs: HashMap<Uuid, message::Model> = message::Entity::find().filter(message::Column::Id.is_in(msg_ids)).all(txn).await?.into_iter().map(|m| (m.id, m)).collect();
    Ok(claimed
        .into_iter()
        .filter_map(|d| {
            let e = eps.get(&d.endpoint_id)?;
            let m = msgs.get(&d.message_id)?;
            Some(Due {
                delivery_id: d.id,
                endpoint_id: e.id,
                url: e.url.clone(),
                webhook_id: webhook_id(m.id),
                body: m.body.clone(),
                content_type: super::content_type(&m.kind),
                secret: e.secret.clone(),
                previous_secret: super::endpoints::previous_secret(e, now).map(str::to_owned),
                attempt: d.attempts,
            })
        })
        .collect())
}

/// Records a batch of outcomes and moves each delivery on.
pub async fn settle(db: &Db, tenant: &crate::types::TenantSlug, outcomes: &[Outcome], now: DateTime<Utc>) -> Result<(), DbErr> {
    if outcomes.is_empty() {
        return Ok(());
    }
    let txn = db.tenant_txn(tenant).await?;
    let rows = outcomes.iter().map(|o| attempt::ActiveModel {
        id: Set(crate::new_id()),
        delivery_id: Set(o.delivery_id),
        at: Set(o.at),
        request_headers: Set(o.request_headers.clone()),
        status: Set(o.status.map(i32::from)),
        response_excerpt: Set(o.response_excerpt.clone()),
        error: Set(o.error.clone()),
        duration_ms: Set(o.duration_ms),
    });
    attempt::Entity::insert_many(rows).exec_without_returning(&txn).await?;
    let mut endpoint_ok: HashMap<Uuid, bool> = HashMap::new();
    let mut finished = Vec::new();
    for o in outcomes {
        if settle_one(&txn, o, now).await? != DeliveryStatus::Pending {
            finished.push(o);
        }
        let ok = endpoint_ok.entry(o.endpoint_id).or_insert(false);
        *ok |= o.succeeded();
    }
    for (id, ok) in endpoint_ok {
        endpoint_health(&txn, id, ok, now).await?;
    }
    invoice_channel(&txn, &finished, now).await?;
    txn.commit().await
}

/// Settles the invoice deliveries (webhook channel) that finished deliveries carried: the
/// first success sends the invoice; a dead letter fails it unless another endpoint took it.
async fn invoice_channel(txn: &TenantTxn, finished: &[&Outcome], now: DateTime<Utc>) -> Result<(), DbErr> {
    if finished.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = finished.iter().map(|o| o.delivery_id).collect();
    let carried: Vec<(Uuid, Option<Uuid>)> =
        delivery::Entity::find().select_only().column(delivery::Column::Id).column(delivery::Column::InvoiceDeliveryId).filter(delivery::Column::Id.is_in(ids)).filter(delivery::Column::InvoiceDeliveryId.is_not_null()).into_tuple().all(txn).await?;
    for (id, carries) in carried {
        let (Some(o), Some(carries)) = (finished.iter().find(|o| o.delivery_id == id), carries) else { continue };
        crate::outbound::webhook_settled(txn, carries, o.succeeded(), &o.error.clone().or_else(|| o.status.map(|s| format!("HTTP {s}"))).unwrap_or_default(), now).await?;
    }
    Ok(())
}

/// Settles one attempt; answers the delivery's status after it.
async fn settle_one(txn: &TenantTxn, o: &Outcome, now: DateTime<Utc>) -> Result<DeliveryStatus, DbErr> {
    let error = o.error.clone().or_else(|| o.status.map(|s| format!("HTTP {s}")));
    let (status, next_at) = if o.succeeded() {
        (DeliveryStatus::Succeeded, now)
    } else {
        match schedule::next_wait(o.attempt) {
            Some(wait) => (DeliveryStatus::Pending, now + wait),
            None => (DeliveryStatus::Dead, now),
        }
    };
    delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(status.as_str()))
        .col_expr(delivery::Column::NextAt, Expr::value(next_at))
        .col_expr(delivery::Column::LastStatus, Expr::value(o.status.map(i32::from)))
        .col_expr(delivery::Column::LastError, Expr::value(if o.succeeded() { None } else { error.clone() }))
        .col_expr(delivery::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(delivery::Column::Id.eq(o.delivery_id))
        .filter(delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
        // Only the claim that made this attempt settles it: a replay in the meantime reset
        // the count, and its own attempt decides.
        .filter(delivery::Column::Attempts.eq(o.attempt))
        .exec(txn)
        .await?;
    if status == DeliveryStatus::Dead {
        // One exception per endpoint and day, not announced as an event: announcing it would
        // send `exception.opened` to the very endpoint that is failing.
        let mut r = Raise::new(
            "endpoint",
            &format!("webhook-dead:{}:{}", o.endpoint_id, now.format("%Y-%m-%d")),
            &format!("A webhook was not delivered after {} attempts: {}. Replay what failed from the endpoint's page once the receiver works.", o.attempt, error.unwrap_or_default()),
            Actor::System,
        );
        r.announce = false;
        raise::raise(txn, r, now).await?;
    }
    Ok(status)
}

/// A success ends the endpoint's failure streak; a failure starts one, and a streak of
/// [`schedule::DISABLE_AFTER`] disables the endpoint and tells the admin.
async fn endpoint_health(txn: &TenantTxn, id: Uuid, ok: bool, now: DateTime<Utc>) -> Result<(), DbErr> {
    let Some(e) = endpoint::Entity::find_by_id(id).one(txn).await? else { return Ok(()) };
    let mut am: endpoint::ActiveModel = e.clone().into();
    match (ok, e.failing_since) {
        (true, None) => return Ok(()),
        (true, Some(_)) => am.failing_since = Set(None),
        (false, None) => am.failing_since = Set(Some(now)),
        (false, Some(since)) if e.enabled && now - since >= schedule::DISABLE_AFTER => {
            am.enabled = Set(false);
            am.disabled_at = Set(Some(now));
            let why = format!("every delivery failed since {}", since.format("%Y-%m-%d %H:%M UTC"));
            am.disabled_reason = Set(Some(why.clone()));
            let mut r = Raise::new("endpoint", &format!("webhook-disabled:{id}:{}", now.timestamp()), &format!("The webhook endpoint {} was disabled: {why}. Fix the receiver, then enable it and replay what failed.", e.url), Actor::System);
            r.announce = false;
            raise::raise(txn, r, now).await?;
        }
        (false, Some(_)) => return Ok(()),
    }
    am.updated_at = Set(Utc::now());
    am.update(txn).await?;
    Ok(())
}

/// Queues a message again for one endpoint (a replay): a fresh pending delivery, due now.
/// The receiver sees the same `webhook-id` and can drop it if it had it already.
pub async fn replay(txn: &TenantTxn, endpoint_id: Uuid, delivery_id: Uuid, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let Some(d) = delivery::Entity::find_by_id(delivery_id).one(txn).await?.filter(|d| d.endpoint_id == endpoint_id) else { return Ok(false) };
    let mut am: delivery::ActiveModel = d.into();
    am.status = Set(DeliveryStatus::Pending.as_str().into());
    am.attempts = Set(0);
    am.next_at = Set(now);
    am.updated_at = Set(Utc::now());
    am.update(txn).await?;
    Ok(true)
}

/// Replays every delivery of `endpoint` that failed (dead, or still retrying) since `since`.
pub async fn replay_failed_since(txn: &TenantTxn, endpoint: Uuid, since: DateTime<Utc>, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let res = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(DeliveryStatus::Pending.as_str()))
        .col_expr(delivery::Column::Attempts, Expr::value(0))
        .col_expr(delivery::Column::NextAt, Expr::value(now))
        .col_expr(delivery::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(delivery::Column::EndpointId.eq(endpoint))
        .filter(delivery::Column::CreatedAt.gte(since))
        .filter(delivery::Column::Status.ne(DeliveryStatus::Succeeded.as_str()))
        .filter(delivery::Column::Attempts.gt(0))
        .exec(txn)
        .await?;
    Ok(res.rows_affected)
}
