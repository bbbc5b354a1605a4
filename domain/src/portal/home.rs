//! The portal's home: what is open, in transit, due and overdue, open disputes, and the
//! latest things that happened to the customer's orders.
use super::aging::{Aging, aging};
use crate::Result;
use crate::entity::{event, order};
use crate::workflow::disputes::{DisputeStatus, dispute};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Order statuses that are neither shipped nor finished.
pub const OPEN_ORDER_STATUSES: [&str; 6] = ["accepted", "credit_hold", "released", "backordered", "allocated", "pick_released"];
/// Order statuses of goods on their way.
pub const IN_TRANSIT_STATUSES: [&str; 2] = ["partially_shipped", "shipped"];

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Activity {
    pub at: DateTime<Utc>,
    pub order_number: String,
    pub summary: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Home {
    pub open_orders: i64,
    pub in_transit: i64,
    pub aging: Aging,
    pub open_disputes: i64,
    pub activity: Vec<Activity>,
}

/// The customer's home figures as of `today`.
pub async fn home<C: ConnectionTrait>(c: &C, customer: Uuid, today: NaiveDate) -> Result<Home> {
    let counts: Vec<(String, i64)> = order::Entity::find()
        .select_only()
        .column(order::Column::Status)
        .column_as(order::Column::Id.count(), "n")
        .filter(order::Column::CustomerId.eq(customer))
        .group_by(order::Column::Status)
        .into_tuple()
        .all(c)
        .await?;
    let count = |statuses: &[&str]| counts.iter().filter(|(s, _)| statuses.contains(&s.as_str())).map(|(_, n)| n).sum();
    let open_disputes = dispute::Entity::find()
        .filter(dispute::Column::CustomerId.eq(customer))
        .filter(dispute::Column::Status.eq(DisputeStatus::Open.as_str()))
        .count(c)
        .await? as i64;
    Ok(Home { open_orders: count(&OPEN_ORDER_STATUSES), in_transit: count(&IN_TRANSIT_STATUSES), aging: aging(c, customer, today).await?, open_disputes, activity: activity(c, customer, 8).await? })
}

/// The latest `limit` events of the customer's 20 most recent orders, newest first.
async fn activity<C: ConnectionTrait>(c: &C, customer: Uuid, limit: u64) -> Result<Vec<Activity>> {
    let recent: Vec<(Uuid, String)> = order::Entity::find()
        .select_only()
        .columns([order::Column::Id, order::Column::Number])
        .filter(order::Column::CustomerId.eq(customer))
        .order_by_desc(order::Column::OrderedAt)
        .limit(20)
        .into_tuple()
        .all(c)
        .await?;
    if recent.is_empty() {
        return Ok(vec![]);
    }
    let numbers: HashMap<Uuid, String> = recent.into_iter().collect();
    let events = event::Entity::find()
        .filter(event::Column::OrderId.is_in(numbers.keys().copied()))
        .filter(event::Column::Status.eq("applied"))
        .order_by_desc(event::Column::OccurredAt)
        .limit(limit)
        .all(c)
        .await?;
    Ok(events
        .into_iter()
        .map(|e| Activity {
            at: e.occurred_at,
            order_number: e.order_id.and_then(|o| numbers.get(&o).cloned()).unwrap_or_default(),
            summary: e.summary.unwrap_or_else(|| e.kind.replace('.', " ")),
        })
        .collect())
}
