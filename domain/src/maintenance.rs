//! Background upkeep that every app instance runs once a minute: per tenant, parked events
//! whose object arrived are released, events parked too long become integration exceptions
//! and old idempotency keys go; on the platform, expired sessions and old rate-limit counters
//! go. A failure is logged and skipped: one failing tenant or row never stops the others.
use crate::entity::{idempotency_key, tenant};
use crate::session_store::SqlSessionStore;
use crate::types::TenantSlug;
use crate::{Db, Result, TenantTxn};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use tower_sessions::ExpiredDeletion;

/// Idempotency keys are kept at least this long.
pub const IDEMPOTENCY_HOURS: i64 = 25;

/// What the sweep needs to know.
#[derive(Clone, Copy, Debug)]
pub struct SweepSettings {
    /// The sign-in rate-limit window (counters older than it, and at least an hour, go).
    pub login_window_minutes: i64,
    /// An event parked this long becomes an integration exception.
    pub parked_event_minutes: i64,
}

/// One pass over the platform and every tenant. Returns how many exceptions were raised.
pub async fn sweep(db: &Db, settings: SweepSettings) -> Result<usize> {
    if let Err(e) = SqlSessionStore::new(db.clone()).delete_expired().await {
        tracing::warn!(error = %e, "session cleanup failed; skipped");
    }
    if let Err(e) = crate::auth::prune_rate_limits(db, settings.login_window_minutes).await {
        tracing::warn!(error = %e, "rate-limit cleanup failed; skipped");
    }
    let cutoff = Utc::now() - chrono::Duration::minutes(settings.parked_event_minutes);
    let mut raised = 0;
    for t in tenant::Entity::find().all(db.platform()).await? {
        let Ok(slug) = TenantSlug::parse(&t.slug) else {
            tracing::warn!(tenant = %t.slug, "a tenant row has an invalid slug; skipped");
            continue;
        };
        match sweep_tenant(db, &slug, cutoff).await {
            Ok(n) if n > 0 => {
                tracing::info!(tenant = %slug, raised = n, "parked events became integration exceptions");
                raised += n;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(tenant = %slug, error = %e, "the sweep of this tenant failed; skipped until the next minute"),
        }
    }
    Ok(raised)
}

async fn sweep_tenant(db: &Db, slug: &TenantSlug, cutoff: DateTime<Utc>) -> Result<usize> {
    let txn = db.tenant_txn(slug).await?;
    crate::events::retry_parked(&txn).await?;
    let n = crate::events::escalate_parked(&txn, cutoff).await?;
    purge_idempotency_keys(&txn, IDEMPOTENCY_HOURS).await?;
    txn.commit().await?;
    Ok(n)
}

/// Deletes idempotency keys older than `hours` in one tenant.
pub async fn purge_idempotency_keys(txn: &TenantTxn, hours: i64) -> std::result::Result<u64, DbErr> {
    let cutoff = Utc::now() - chrono::Duration::hours(hours);
    Ok(idempotency_key::Entity::delete_many().filter(idempotency_key::Column::CreatedAt.lt(cutoff)).exec(txn).await?.rows_affected)
}
