//! Credit: each customer's exposure (open orders not yet invoiced + open receivables), kept
//! current by the changes that move it, and the credit check rule on `order.accepted`.
use super::raise::{Raise, publish, raise};
use super::rules::{CreditDecider, current};
use crate::audit::Actor;
use crate::entity::{customer, exception, order};
use crate::o2c::order::{OrderStatus, move_to};
use crate::{AppError, money};
use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

/// Adds to a tracked customer's open orders and open receivables (negative amounts take
/// away; neither goes below zero) in one atomic statement, and answers the new exposure
/// (their sum), or `None` when the customer is not tracked.
///
/// Only customers with a credit limit are tracked: the others are never checked, and one
/// busy customer's orders need not queue on one row. Setting a limit starts tracking
/// ([`recompute`]).
pub async fn exposure_add<C: ConnectionTrait>(c: &C, customer_id: Uuid, orders_delta: i64, receivables_delta: i64) -> Result<Option<i64>, DbErr> {
    let mut st = exposure_add_statement(c.get_database_backend(), customer_id, orders_delta, receivables_delta);
    st.sql.push_str(" RETURNING open_orders_minor + open_receivables_minor AS exposure");
    match c.query_one_raw(st).await? {
        Some(row) => Ok(Some(row.try_get::<i64>("", "exposure")?)),
        None => Ok(None),
    }
}

/// The update of [`exposure_add`] without its answer, for a caller that runs it as part of
/// another statement ([`crate::family`]).
pub(crate) fn exposure_add_statement(backend: DbBackend, customer_id: Uuid, orders_delta: i64, receivables_delta: i64) -> Statement {
    let p: [&str; 3] = if backend == DbBackend::Postgres { ["$1", "$2", "$3"] } else { ["?1", "?2", "?3"] };
    let add = |col: &str, delta: &str| format!("CASE WHEN {col} + {delta} < 0 THEN 0 ELSE {col} + {delta} END");
    let sql = format!("UPDATE customer_exposure SET open_orders_minor = {}, open_receivables_minor = {} WHERE customer_id = {}", add("open_orders_minor", p[1]), add("open_receivables_minor", p[2]), p[0]);
    let values: [sea_orm::Value; 3] = [customer_id.into(), orders_delta.into(), receivables_delta.into()];
    Statement::from_sql_and_values(backend, sql, values)
}

/// The exposure update of a new order of `cust` (only customers with a credit limit are
/// tracked), with what it answers, to run in the order's own statement
/// ([`crate::family::insert_answering`]) before [`on_order_accepted`].
pub(crate) fn order_exposure(backend: DbBackend, cust: &customer::Model, order_total: i64) -> Option<(Statement, &'static str)> {
    cust.credit_limit_minor.map(|_| (exposure_add_statement(backend, cust.id, order_total, 0), "open_orders_minor + open_receivables_minor"))
}

/// Computes a customer's exposure from its orders not yet invoiced and its invoices not yet
/// paid, and tracks it from now on (a credit limit was set). Answers the exposure.
pub async fn recompute<C: ConnectionTrait>(c: &C, customer_id: Uuid) -> Result<i64, DbErr> {
    let backend = c.get_database_backend();
    let p = if backend == DbBackend::Postgres { "$1" } else { "?1" };
    let sql = format!(
        "INSERT INTO customer_exposure (customer_id, open_orders_minor, open_receivables_minor) SELECT {p}, \
           COALESCE((SELECT SUM(o.total_minor) FROM orders o WHERE o.customer_id = {p} AND o.status NOT IN ('invoiced', 'paid', 'cancelled')), 0), \
           COALESCE((SELECT SUM(i.total_minor - i.paid_minor - i.credited_minor) FROM invoices i WHERE i.customer_id = {p} AND i.status <> 'paid'), 0) \
         WHERE true ON CONFLICT (customer_id) DO UPDATE SET open_orders_minor = excluded.open_orders_minor, open_receivables_minor = excluded.open_receivables_minor"
    );
    c.execute_raw(Statement::from_sql_and_values(backend, sql, [customer_id.into()])).await?;
    exposure_of(c, customer_id).await
}

/// Stops tracking a customer's exposure (its credit limit was removed).
pub async fn untrack<C: ConnectionTrait>(c: &C, customer_id: Uuid) -> Result<(), DbErr> {
    use super::entity::customer_exposure;
    customer_exposure::Entity::delete_by_id(customer_id).exec(c).await?;
    Ok(())
}

/// A customer's exposure now (0 when not tracked).
pub async fn exposure_of<C: ConnectionTrait>(c: &C, customer_id: Uuid) -> Result<i64, DbErr> {
    use super::entity::customer_exposure;
    Ok(customer_exposure::Entity::find_by_id(customer_id).one(c).await?.map_or(0, |e| e.open_orders_minor + e.open_receivables_minor))
}

/// Whether an order that brings exposure to `exposure` exceeds `limit` (no limit: never).
pub fn over_limit(exposure: i64, limit: Option<i64>) -> Option<i64> {
    limit.filter(|l| exposure > *l).map(|l| exposure - l)
}

/// The credit check on `order.accepted`: adds the order to its customer's exposure and, when
/// Throughline decides credit and the exposure passes the limit, puts the order on credit
/// hold with a `credit_hold` exception in the credit queue. Orders at or under the limit pass
/// untouched. Answers words for the event's summary when it held the order.
///
/// `added` is what [`order_exposure`], written with the order, answered: the exposure with
/// the order in it (`None`: the customer was not tracked yet).
pub async fn on_order_accepted<C: ConnectionTrait>(c: &C, o: &order::Model, cust: &customer::Model, added: Option<i64>, at: DateTime<Utc>) -> Result<Option<String>, AppError> {
    if cust.credit_limit_minor.is_none() {
        return Ok(None);
    }
    let exposure = match added {
        Some(e) => e,
        // The limit was set by a path that did not start tracking: start now (this order included).
        None => recompute(c, cust.id).await?,
    };
    let rules = current(c).await?;
    if !rules.credit_check.enabled || rules.credit_check.config.decider != CreditDecider::Throughline {
        return Ok(None);
    }
    let Some(excess) = over_limit(exposure, cust.credit_limit_minor) else { return Ok(None) };
    move_to(c, o, OrderStatus::CreditHold, at).await?;
    let limit = money::format(cust.credit_limit_minor.unwrap_or(0), &cust.currency);
    let detail = format!(
        "Order {} for {} ({}) brings the exposure to {}, {} over the credit limit of {limit}",
        o.number,
        cust.name,
        money::format(o.total_minor, &o.currency),
        money::format(exposure, &cust.currency),
        money::format(excess, &cust.currency)
    );
    let actor = rules.actor("credit_check");
    hold(c, o, cust.id, &detail, Some(excess), actor.clone(), at).await?;
    publish(c, "order.credit_hold", Some(o.id), &json!({"order_number": o.number, "reason": detail, "rule": actor.to_string()}), &format!("Order {} on credit hold ({actor})", o.number), at).await?;
    Ok(Some(format!("; on credit hold by {actor}")))
}

/// `order.credit_hold` from the ERP, where the ERP decides credit: the same exception.
pub async fn on_erp_credit_hold<C: ConnectionTrait>(c: &C, o: &order::Model, reason: Option<&str>, source: Actor, at: DateTime<Utc>) -> Result<(), AppError> {
    if current(c).await?.credit_check.config.decider != CreditDecider::Erp {
        return Ok(());
    }
    let detail = format!("The ERP put order {} on credit hold{}", o.number, reason.map(|r| format!(": {r}")).unwrap_or_default());
    hold(c, o, o.customer_id, &detail, None, source, at).await
}

async fn hold<C: ConnectionTrait>(c: &C, o: &order::Model, customer_id: Uuid, detail: &str, excess: Option<i64>, by: Actor, at: DateTime<Utc>) -> Result<(), AppError> {
    let mut r = Raise::new("credit_hold", &format!("credit-hold:{}", o.number), detail, by);
    r.order_id = Some(o.id);
    r.customer_id = Some(customer_id);
    r.amount_minor = excess;
    raise(c, r, at).await?;
    Ok(())
}

/// A clerk released (`release`) or rejected a credit hold: the order continues
/// (`order.released`) or is cancelled (`order.rejected`, and leaves the exposure).
pub async fn settle_hold<C: ConnectionTrait>(c: &C, x: &exception::Model, release: bool, reason: Option<&str>, who: &super::Acting, now: DateTime<Utc>) -> Result<(), AppError> {
    let Some(order_id) = x.order_id else { return Ok(()) };
    let Some(o) = order::Entity::find_by_id(order_id).one(c).await? else { return Ok(()) };
    let (status, kind, verb) = if release { (OrderStatus::Released, "order.released", "released") } else { (OrderStatus::Cancelled, "order.rejected", "rejected") };
    move_to(c, &o, status, now).await?;
    if !release {
        exposure_add(c, o.customer_id, -o.total_minor, 0).await?;
    }
    let reason_words = reason.map(|r| format!(": {r}")).unwrap_or_default();
    publish(c, kind, Some(o.id), &json!({"order_number": o.number, "reason": reason, "by": who.actor.to_string()}), &format!("Order {} {verb} from credit hold by {}{reason_words}", o.number, who.actor), now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_is_held_only_when_the_exposure_passes_the_limit() {
        let cases = [(10_000, Some(10_000), None), (10_001, Some(10_000), Some(1)), (9_999, Some(10_000), None), (1_000_000, None, None), (1, Some(0), Some(1)), (0, Some(0), None)];
        for (exposure, limit, want) in cases {
            assert_eq!(over_limit(exposure, limit), want, "{exposure} against {limit:?}");
        }
    }
}
