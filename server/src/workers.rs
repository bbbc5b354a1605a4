//! Background work of an instance: the job engine ([`domain::jobs`]) with its workers,
//! periodic tenant upkeep and wake-ups, and the platform's own minute sweep (expired
//! sessions, old rate-limit counters, custom domains due for a DNS check), which is not
//! tenant data and so not a job.
use crate::config::Config;
use domain::Db;
use domain::jobs::periodic::{self, Periodic, UpkeepSettings};
use domain::jobs::{Registry, Settings, WorkOutcome};
use std::sync::Arc;
use std::time::Duration;

pub use domain::maintenance::IDEMPOTENCY_HOURS;

/// Finished jobs are kept this long.
pub const DONE_JOB_HOURS: i64 = 24;

/// The engine's settings from the configuration.
pub fn settings(config: &Config) -> Settings {
    Settings {
        workers: config.workers,
        batch: config.job_batch,
        lease: chrono::Duration::seconds(config.job_lease_seconds),
        poll: Duration::from_millis(config.job_poll_ms),
    }
}

/// Every job handler of the application.
pub fn registry(db: &Db, config: &Config) -> Registry {
    periodic::upkeep_registry(UpkeepSettings { parked_event_minutes: config.parked_event_minutes, idempotency_hours: IDEMPOTENCY_HOURS, done_job_hours: DONE_JOB_HOURS })
        .with("sla.escalate", domain::workflow::sla::EscalateBreached)
        .with("billing.invoice_due", domain::workflow::billing::InvoiceDue)
        .with("deliveries.watch", domain::workflow::pod::WatchDeliveries)
        .with(domain::outbound::EMAIL_JOB, crate::outbound::EmailInvoice(sending(db, config)))
        .with(domain::dunning::engine::RUN_JOB, crate::outbound::reminders::RunDunning(sending(db, config)))
        .with(domain::dunning::engine::EMAIL_JOB, crate::outbound::reminders::EmailReminder(sending(db, config)))
        .with(domain::health::JOB, domain::health::SnapshotJob(db.clone()))
        .with(domain::data_export::JOB, crate::data_export::ExportJob { config: config.clone(), storage: Default::default() })
        .with(domain::retention::JOB, crate::retention::RetentionJob { config: config.clone(), storage: Default::default() })
        .with(domain::invitations::EMAIL_JOB, crate::outbound::invitations::EmailInvitation { sending: sending(db, config), configured_secret: config.jwt_secret.as_ref().map(|s| s.0.clone()), key: Default::default() })
        .with(domain::outbound::edi::EDI_JOB, domain::outbound::edi::EdiInvoice)
        .with(domain::outbound::edi::WATCH_JOB, domain::outbound::edi::WatchAcks)
}

/// What the e-mail jobs share: this process's SMTP pool and the portal's public address.
pub(crate) fn sending(db: &Db, config: &Config) -> crate::outbound::Sending {
    let mailer = config.smtp_url.as_ref().and_then(|u| match crate::outbound::email::Mailer::from_url(&u.0) {
        Ok(m) => Some(m),
        Err(e) => {
            tracing::error!(error = %e, "invoice e-mails cannot be sent");
            None
        }
    });
    // Links keep the port the app listens on, except behind TLS (a proxy on 443).
    let port = std::env::var("LEPTOS_SITE_ADDR").ok().and_then(|a| a.rsplit_once(':').map(|(_, p)| p.to_owned())).filter(|p| !config.https && p != "80").map(|p| format!(":{p}")).unwrap_or_default();
    let links = crate::outbound::PortalLinks { scheme: if config.https { "https" } else { "http" }, port, base_domain: config.base_domain.clone() };
    crate::outbound::Sending { db: db.clone(), mailer, from: config.smtp_from.clone(), links }
}

/// Every periodic job of the application.
pub fn periodic_jobs() -> Vec<Periodic> {
    let mut all = periodic::UPKEEP.to_vec();
    all.push(Periodic::every("sla.escalate", 60).when(domain::workflow::sla::BREACHED_PROBE));
    all.push(Periodic::every("deliveries.watch", 900));
    all.push(Periodic::every(domain::health::JOB, domain::health::EVERY_SECS));
    all.push(Periodic::every(domain::outbound::edi::WATCH_JOB, 900));
    all.push(Periodic::every(domain::dunning::engine::RUN_JOB, 3600));
    all.push(Periodic::every(domain::retention::JOB, 3600));
    all
}

/// Runs the job engine and the platform sweep until the process ends.
pub async fn run(db: Db, config: Config) {
    tokio::spawn(platform_loop(db.clone(), config.clone()));
    if config.workers > 0 {
        match crate::webhooks::Sender::new(config.webhook_allow.clone()) {
            Ok(sender) => drop(tokio::spawn(crate::webhooks::run(db.clone(), sender))),
            Err(e) => tracing::error!(error = %e, "webhooks will not be sent by this instance"),
        }
    }
    domain::jobs::run_workers(db.clone(), Arc::new(registry(&db, &config)), settings(&config), periodic_jobs()).await;
}

async fn platform_loop(db: Db, config: Config) {
    let dns = crate::dns::resolver(&config);
    let sending = sending(&db, &config);
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        domain::maintenance::sweep_platform(&db, config.login_window_minutes).await;
        domain::domains::sweep(&db, dns.as_ref(), chrono::Utc::now()).await;
        send_partner_invitations(&db, &config, &sending, chrono::Utc::now()).await;
        sync_policies(&db).await;
    }
}

/// Tenants behind their partner's defaults are brought up to them (see `domain::policies`).
pub(crate) async fn sync_policies(db: &Db) {
    if let Err(e) = domain::policies::sync(db, 500).await {
        tracing::warn!(error = %e, "partner defaults could not be applied; the next sweep tries again");
    }
}

/// Partner team invitations still to be e-mailed (see `outbound::partner_invitations`).
async fn send_partner_invitations(db: &Db, config: &Config, sending: &crate::outbound::Sending, now: chrono::DateTime<chrono::Utc>) {
    match domain::api_clients::signing_secret(db, config.jwt_secret.as_ref().map(|s| s.0.as_str())).await {
        Ok(secret) => drop(crate::outbound::partner_invitations::send_due(sending, &domain::invitations::key(&secret), now).await),
        Err(e) => tracing::warn!(error = %e, "partner invitation e-mails wait: the platform secret could not be read"),
    }
}

/// One pass of all background work at `now`, as the engine would do it: the platform sweep,
/// this slot's periodic jobs for every tenant, and every job due by `now`. Tests pass the
/// time they want; nothing waits.
pub async fn run_due(db: &Db, config: &Config, now: chrono::DateTime<chrono::Utc>) -> domain::Result<WorkOutcome> {
    domain::maintenance::sweep_platform(db, config.login_window_minutes).await;
    domain::domains::sweep(db, crate::dns::resolver(config).as_ref(), now).await;
    send_partner_invitations(db, config, &sending(db, config), now).await;
    sync_policies(db).await;
    domain::jobs::schedule_all(db, &periodic_jobs(), now).await?;
    let (registry, settings) = (registry(db, config), settings(config));
    let mut total = WorkOutcome::default();
    for tenant in domain::tenancy::active_tenant_slugs(db).await? {
        total += domain::jobs::drain_tenant(db, &tenant, &registry, now, &settings).await?;
    }
    Ok(total)
}
