//! Background work that every app instance runs once a minute: per tenant, parked events that
//! waited too long become integration exceptions and old idempotency keys are dropped; on the
//! platform, expired sessions and failed sign-ins older than the rate-limit window go.
use crate::config::Config;
use domain::Db;
use domain::entity::tenant;
use domain::tenancy::TenantInfo;
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
pub async fn sweep(db: &Db, config: &Config) -> domain::Result<usize> {
    SqlSessionStore::new(db.clone()).delete_expired().await.map_err(|e| domain::Error::Internal(format!("session cleanup: {e}")))?;
    domain::auth::prune_login_failures(db, config.login_window_minutes).await?;
    let cutoff = chrono::Utc::now() - chrono::Duration::minutes(config.parked_event_minutes);
    let mut raised = 0;
    for t in tenant::Entity::find().all(db.platform()).await? {
        let t = TenantInfo::from(t);
        let txn = db.tenant_txn(&t.slug).await?;
        domain::events::retry_parked(&txn).await?;
        let n = domain::events::escalate_parked(&txn, cutoff).await?;
        crate::api::purge_idempotency_keys(&txn, IDEMPOTENCY_HOURS).await?;
        txn.commit().await?;
        if n > 0 {
            tracing::info!(tenant = %t.slug, raised = n, "parked events became integration exceptions");
        }
        raised += n;
    }
    Ok(raised)
}
