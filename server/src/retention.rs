//! The `retention.purge` job (hourly, see [`domain::retention`]): what the tenant's retention
//! policy says is old enough goes — webhook messages and their attempts, and data-export
//! archives from the document store.
use crate::config::Config;
use domain::jobs::{Handler, JobCx, JobError, async_trait};
use domain::storage::Storage;

/// Deleted per run at most; the next hour takes the rest.
const BATCH: u64 = 5_000;

pub struct RetentionJob {
    pub config: Config,
    pub storage: tokio::sync::OnceCell<Storage>,
}

#[async_trait]
impl Handler for RetentionJob {
    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        let policy = domain::workflow::rules::current(cx.txn).await?.retention.config.clone();
        let webhooks = domain::retention::purge_webhooks(cx.txn, cx.now - chrono::Duration::days(policy.webhook_days), BATCH).await?;
        let due = domain::retention::exports_due(cx.txn, cx.now - chrono::Duration::days(policy.export_days), 100).await?;
        let mut archives = 0;
        if !due.is_empty() {
            let storage = self.storage.get_or_try_init(|| crate::startup::open_storage(&self.config)).await?;
            for e in due {
                if let Some(key) = e.object_key.clone() {
                    // A file already gone is as good as deleted; another failure waits an hour.
                    if let Err(err) = storage.delete(cx.tenant, &key).await {
                        tracing::warn!(tenant = %cx.tenant, key, error = %err, "an expired export could not be deleted; retried next hour");
                        continue;
                    }
                }
                domain::retention::expired(cx.txn, e).await?;
                archives += 1;
            }
        }
        if webhooks + archives > 0 {
            tracing::info!(tenant = %cx.tenant, webhooks, archives, "retention purged old records");
        }
        Ok(())
    }
}
