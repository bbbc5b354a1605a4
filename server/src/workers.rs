//! Runs the domain's once-a-minute upkeep ([`domain::maintenance`]) in every app instance.
use crate::config::Config;
use domain::Db;
use domain::maintenance::SweepSettings;
use std::time::Duration;

pub use domain::maintenance::IDEMPOTENCY_HOURS;

pub async fn run(db: Db, config: Config) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        if let Err(e) = sweep(&db, &config).await {
            tracing::warn!(error = %e, "background sweep failed; will retry");
        }
    }
}

/// One pass of the upkeep with this instance's settings.
pub async fn sweep(db: &Db, config: &Config) -> domain::Result<usize> {
    let settings = SweepSettings { login_window_minutes: config.login_window_minutes, parked_event_minutes: config.parked_event_minutes };
    domain::maintenance::sweep(db, settings).await
}
