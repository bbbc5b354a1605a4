//! PostgreSQL `LISTEN`/`NOTIFY` between instances: a commit of jobs in one instance wakes the
//! workers of all the others at once. Best effort: polling covers what is lost.
use crate::Db;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use std::time::Duration;

/// The notification channel; the payload is the tenant's slug.
pub const CHANNEL: &str = "throughline_jobs";

/// Sends one notification per tenant that committed jobs since the last round.
pub async fn announce(db: Db) {
    let signal = db.job_signal();
    loop {
        let tenants = signal.next_announcements().await;
        for t in tenants {
            let stmt = Statement::from_sql_and_values(DbBackend::Postgres, "SELECT pg_notify($1, $2)", [CHANNEL.into(), t.clone().into()]);
            if let Err(e) = db.platform().execute_raw(stmt).await {
                tracing::debug!(tenant = %t, error = %e, "job notification not sent; other instances poll");
            }
        }
        // Commits arriving meanwhile are gathered into the next round.
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Listens for other instances' notifications and marks their tenants due here.
pub async fn listen(db: Db) {
    loop {
        if let Err(e) = listen_once(&db).await {
            tracing::warn!(error = %e, "job notifications lost; listening again (polling meanwhile)");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn listen_once(db: &Db) -> Result<(), sea_orm::sqlx::Error> {
    let pool = db.platform().get_postgres_connection_pool();
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    loop {
        let n = listener.recv().await?;
        db.job_signal().mark_due(n.payload());
    }
}
