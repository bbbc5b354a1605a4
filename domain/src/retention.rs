//! Retention: the hourly `retention.purge` job deletes finished records older than the tenant's
//! retention policy (the `retention` rule, its own or its partner's default): webhook messages
//! whose every delivery succeeded or died, with their deliveries and attempts; and data-export
//! archives (the file goes from the document store; the request stays, marked `expired`).
use crate::TenantTxn;
use crate::data_export::entity as export;
use crate::error::Result;
use crate::webhooks::entity::{attempt, delivery, message};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

/// The job's name.
pub const JOB: &str = "retention.purge";

/// Deletes up to `limit` finished webhook messages created before `cutoff` whose every delivery
/// finished (succeeded or dead) before it, with those deliveries and their attempts. A delivery
/// made pending again meanwhile (a replay) stays, and so does its message. Answers how many
/// messages went.
pub async fn purge_webhooks(txn: &TenantTxn, cutoff: DateTime<Utc>, limit: u64) -> Result<u64> {
    let live = || Query::select().column(delivery::Column::MessageId).from(delivery::Entity).and_where(Expr::col(delivery::Column::Status).eq("pending").or(Expr::col(delivery::Column::UpdatedAt).gte(cutoff))).to_owned();
    let old: Vec<uuid::Uuid> = message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .filter(message::Column::CreatedAt.lt(cutoff))
        .filter(message::Column::Id.not_in_subquery(live()))
        .limit(limit)
        .into_tuple()
        .all(txn)
        .await?;
    if old.is_empty() {
        return Ok(0);
    }
    let finished = || {
        Query::select()
            .column(delivery::Column::Id)
            .from(delivery::Entity)
            .and_where(Expr::col(delivery::Column::MessageId).is_in(old.clone()))
            .and_where(Expr::col(delivery::Column::Status).ne("pending"))
            .and_where(Expr::col(delivery::Column::UpdatedAt).lt(cutoff))
            .to_owned()
    };
    attempt::Entity::delete_many().filter(attempt::Column::DeliveryId.in_subquery(finished())).exec(txn).await?;
    delivery::Entity::delete_many().filter(delivery::Column::Id.in_subquery(finished())).exec(txn).await?;
    let kept = Query::select().column(delivery::Column::MessageId).from(delivery::Entity).and_where(Expr::col(delivery::Column::MessageId).is_in(old.clone())).to_owned();
    Ok(message::Entity::delete_many().filter(message::Column::Id.is_in(old)).filter(message::Column::Id.not_in_subquery(kept)).exec(txn).await?.rows_affected)
}

/// Archives built before `cutoff` and still kept (at most `limit`).
pub async fn exports_due(txn: &TenantTxn, cutoff: DateTime<Utc>, limit: u64) -> Result<Vec<export::Model>> {
    Ok(export::Entity::find().filter(export::Column::Status.eq("ready")).filter(export::Column::FinishedAt.lt(cutoff)).limit(limit).all(txn).await?)
}

/// Marks an archive's file deleted: the request stays, `expired`.
pub async fn expired(txn: &TenantTxn, e: export::Model) -> Result<()> {
    let mut am: export::ActiveModel = e.into();
    am.status = Set("expired".into());
    am.object_key = Set(None);
    am.update(txn).await?;
    Ok(())
}
