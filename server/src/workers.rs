//! Background work that every app instance runs once a minute: per tenant, parked events that
//! waited too long become integration exceptions and old idempotency keys are dropped; on the
//! platform, expired sessions and failed sign-ins older than the rate-limit window go.
use crate::config::Config;
use domain::Db;
use domain::entity::tenant;
use domain::session_store::SqlSessionStore;
use sea_orm::EntityTrait;
use tower_sessions::ExpiredDeletion;
use std::time::Duration;

/// Idempotency keys are kept at least this long.
pub const IDEMPOTENCY_HOURS: i64 = 25;

pub async fn run(db: Db, config: Config) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        if let Err(e) = sweep(&db, &config).await {
            tracing::warn!(error = %e, "background sweep failed; will retry");
        }
    }
}

/// One pass over the platform and every tenant. Returns how many exceptions were raised.
/// A failure is logged and skipped: one failing tenant never stops the sweep of the others.
pub async fn sweep(db: &Db, config: &Config) -> domain::Result<usize> {
    if let Err(e) = SqlSessionStore::new(db.clone()).delete_expired().await {
        tracing::warn!(error = %e, "session cleanup failed; skipped");
    }
    if let Err(e) = domain::auth::prune_rate_limits(db, config.login_window_minutes).await {
        tracing::warn!(error = %e, "rate-limit cleanup failed; skipped");
    }
    let cutoff = chrono::Utc::now() - chrono::Duration::minutes(config.parked_event_minutes);
    let mut raised = 0;
    for t in tenant::Entity::find().all(db.platform()).await? {
        let slug = t.slug.clone();
        let Ok(slug) = domain::types::TenantSlug::parse(&slug) else {
            tracing::warn!(tenant = %slug, "a tenant row has an invalid slug; skipped");
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

async fn sweep_tenant(db: &Db, slug: &domain::types::TenantSlug, cutoff: chrono::DateTime<chrono::Utc>) -> domain::Result<usize> {
    let txn = db.tenant_txn(slug).await?;
    domain::events::retry_parked(&txn).await?;
    let n = domain::events::escalate_parked(&txn, cutoff).await?;
    crate::api::purge_idempotency_keys(&txn, IDEMPOTENCY_HOURS).await?;
    txn.commit().await?;
    Ok(n)
}
