//! Background upkeep. The tenant part (parked events released or escalated, old idempotency
//! keys purged) runs as periodic jobs ([`crate::jobs::periodic`]); the platform part here
//! (expired sessions, old rate-limit counters) runs once a minute in every instance. A
//! failure is logged and skipped: one failing tenant or row never stops the others.
use crate::entity::idempotency_key;
use crate::session_store::SqlSessionStore;
use crate::{Db, TenantTxn};
use chrono::Utc;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use tower_sessions::ExpiredDeletion;

/// Idempotency keys are kept at least this long.
pub const IDEMPOTENCY_HOURS: i64 = 25;

/// The platform's part of the upkeep: expired sessions and rate-limit counters older than
/// the sign-in window (and at least an hour). A failure is logged and skipped.
pub async fn sweep_platform(db: &Db, login_window_minutes: i64) {
    if let Err(e) = SqlSessionStore::new(db.clone()).delete_expired().await {
        tracing::warn!(error = %e, "session cleanup failed; skipped");
    }
    if let Err(e) = crate::auth::prune_rate_limits(db, login_window_minutes).await {
        tracing::warn!(error = %e, "rate-limit cleanup failed; skipped");
    }
    if let Err(e) = crate::health::prune(db, Utc::now().date_naive()).await {
        tracing::warn!(error = %e, "health history cleanup failed; skipped");
    }
}

/// Deletes idempotency keys older than `hours` in one tenant.
pub async fn purge_idempotency_keys(txn: &TenantTxn, hours: i64) -> std::result::Result<u64, DbErr> {
    let cutoff = Utc::now() - chrono::Duration::hours(hours);
    Ok(idempotency_key::Entity::delete_many().filter(idempotency_key::Column::CreatedAt.lt(cutoff)).exec(txn).await?.rows_affected)
}
