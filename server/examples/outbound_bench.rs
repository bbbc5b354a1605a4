//! `make bench`'s outbound measurements against the bench's database (tenant `acme`, seeded
//! by the server). Usage: `outbound_bench <database-url> <messages> <emails>`
//! 1. Webhooks: ten endpoints on a local receiver; `messages` events fanned out to all ten;
//!    the delivery loop of one process (what a worker instance runs) sends them: deliveries
//!    per second.
//! 2. The same with one of the ten endpoints hanging (answers after 20 s, past the 15 s
//!    limit): the rate the nine healthy endpoints keep, and its ratio to step 1.
//! 3. E-mails: `emails` invoices of a customer invoiced by e-mail, each rendered to a PDF and
//!    sent to a local SMTP server by eight job workers (`BENCH_MAIL_WORKERS`; rendering
//!    overlaps sending): e-mails per second.
//! Prints `key=value` lines.
// The server's allocator (see server/src/main.rs): the e-mail phase runs the server's job
// workers in this process, and their PDF rendering allocates heavily.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[allow(dead_code)]
#[path = "../tests/it/common/smtp.rs"]
mod smtp;

use axum::extract::Path;
use chrono::Utc;
use domain::Db;
use domain::audit::Actor;
use domain::types::TenantSlug;
use domain::webhooks::endpoints::{self, EndpointInput};
use domain::webhooks::guard::Allow;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use server::webhooks::Sender;
use std::time::{Duration, Instant};

async fn receive(Path(path): Path<String>) -> axum::http::StatusCode {
    if path == "hang" {
        tokio::time::sleep(Duration::from_secs(20)).await;
    }
    axum::http::StatusCode::NO_CONTENT
}

async fn receiver() -> String {
    let app = axum::Router::new().route("/{path}", axum::routing::post(receive));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://127.0.0.1:{port}")
}

async fn count(db: &Db, tenant: &TenantSlug, sql: &str) -> i64 {
    let txn = db.tenant_txn(tenant).await.unwrap();
    let row = txn.query_one_raw(Statement::from_string(txn.get_database_backend(), sql.to_owned())).await.unwrap().unwrap();
    let n: i64 = row.try_get("", "n").unwrap();
    txn.commit().await.unwrap();
    n
}

/// Fans `n` events out to every enabled endpoint, 500 to a transaction.
async fn fan_out(db: &Db, tenant: &TenantSlug, n: usize, tag: &str) {
    for chunk in 0..n.div_ceil(500) {
        let txn = db.tenant_txn(tenant).await.unwrap();
        for i in chunk * 500..((chunk + 1) * 500).min(n) {
            let data = json!({"number": format!("{tag}-{i}"), "customer": "C-1001"});
            domain::webhooks::fan_out(&txn, None, "order.accepted", &data, Utc::now()).await.unwrap();
        }
        txn.commit().await.unwrap();
    }
}

/// Vacuums the webhook tables so that each measured phase starts from the same state:
/// every phase leaves tens of thousands of dead row versions (a delivery is updated when
/// claimed and when settled), and an autovacuum of them that happens to start during the
/// next phase takes one of the two cores from it alone.
async fn vacuum(db: &Db) {
    let sql = "VACUUM ANALYZE tenant_acme.webhook_deliveries, tenant_acme.webhook_attempts, tenant_acme.webhook_messages";
    db.platform().execute_unprepared(sql).await.unwrap();
}

/// Runs the delivery loop until `done` deliveries match `sql`; answers the rate.
async fn deliver(db: &Db, tenant: &TenantSlug, sender: &Sender, sql: &str, done: i64) -> f64 {
    let start = Instant::now();
    let runner = tokio::spawn(server::webhooks::run(db.clone(), sender.clone()));
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if count(db, tenant, sql).await >= done || start.elapsed() > Duration::from_secs(300) {
            break;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    runner.abort();
    done as f64 / secs
}

async fn webhooks(db: &Db, tenant: &TenantSlug, messages: usize) {
    let base = receiver().await;
    let allow = Allow::parse("127.0.0.1").unwrap();
    let txn = db.tenant_txn(tenant).await.unwrap();
    txn.execute_unprepared("DELETE FROM webhook_attempts; DELETE FROM webhook_deliveries; DELETE FROM webhook_messages; DELETE FROM webhook_endpoints").await.unwrap();
    for i in 0..10 {
        let input = EndpointInput { url: format!("{base}/ep{i}"), description: format!("bench {i}"), event_types: vec!["order.*".into()], enabled: true, customer: None };
        endpoints::create(&txn, &Actor::System, &input, &allow).await.unwrap();
    }
    txn.commit().await.unwrap();
    let sender = Sender::new(allow).unwrap();
    fan_out(db, tenant, messages, "H").await;
    vacuum(db).await;
    let total = (messages * 10) as i64;
    let rate = deliver(db, tenant, &sender, "SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'succeeded'", total).await;
    println!("webhook_deliveries_per_sec={rate:.0}");

    // One endpoint now hangs past the limit; the nine others' pace is what counts.
    let txn = db.tenant_txn(tenant).await.unwrap();
    txn.execute_unprepared(&format!("UPDATE webhook_endpoints SET url = '{base}/hang' WHERE description = 'bench 0'")).await.unwrap();
    txn.commit().await.unwrap();
    fan_out(db, tenant, messages, "S").await;
    vacuum(db).await;
    let healthy = "SELECT count(*) AS n FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.status = 'succeeded' AND e.description <> 'bench 0'";
    let before = count(db, tenant, healthy).await;
    let nine = deliver(db, tenant, &sender, &format!("SELECT ({healthy_inner}) - {before} AS n", healthy_inner = healthy.replace("count(*) AS n", "count(*)")), (messages * 9) as i64).await;
    println!("webhook_healthy_per_sec_with_one_hanging={nine:.0}");
    println!("webhook_healthy_ratio={:.2}", nine / rate);
}

async fn emails(db: &Db, tenant: &TenantSlug, n: usize) {
    let smtp = smtp::SmtpServer::start().await;
    let mut config = server::config::Config::defaults(std::env::temp_dir(), None);
    config.smtp_url = Some(server::config::Secret(smtp.url()));
    config.smtp_from = "billing@acme.test".into();
    let txn = db.tenant_txn(tenant).await.unwrap();
    txn.execute_unprepared("UPDATE customers SET invoice_channels = 'portal email', invoice_emails = 'ap@bench.test' WHERE external_id = 'C-1001'").await.unwrap();
    txn.execute_unprepared("DELETE FROM jobs WHERE kind = 'invoice.email'").await.unwrap();
    txn.commit().await.unwrap();
    let tag = Utc::now().timestamp();
    for chunk in 0..n.div_ceil(100) {
        let txn = db.tenant_txn(tenant).await.unwrap();
        for i in chunk * 100..((chunk + 1) * 100).min(n) {
            let payload = json!({"number": format!("MAIL-{tag}-{i}"), "customer": "C-1001", "currency": "USD", "issued_on": "2026-12-01", "tax_minor": 150,
                "lines": (1..=20).map(|l| json!({"line": l, "sku": format!("BRG-{l}"), "description": "Deep groove ball bearing", "quantity": 4, "unit_price_minor": 745})).collect::<Vec<_>>()});
            let ev = domain::events::EventIn { event_id: format!("mail-{tag}-{i}"), kind: "invoice.posted".into(), occurred_at: Utc::now(), source: "bench".into(), payload };
            domain::events::apply_now(&txn, &ev).await.unwrap();
        }
        txn.commit().await.unwrap();
    }
    let registry = std::sync::Arc::new(server::workers::registry(db, &config));
    // A worker runs its batch's jobs one after another (one transaction), so the workers are
    // the e-mails in flight; each waits on the database, the PDF render and the SMTP server.
    let workers = std::env::var("BENCH_MAIL_WORKERS").ok().and_then(|w| w.parse().ok()).unwrap_or(8);
    let settings = domain::jobs::Settings { workers, batch: 10, lease: chrono::Duration::minutes(5), poll: Duration::from_millis(50) };
    let start = Instant::now();
    let runner = tokio::spawn(domain::jobs::run_workers(db.clone(), registry, settings, Vec::new()));
    while smtp.count() < n && start.elapsed() < Duration::from_secs(300) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let secs = start.elapsed().as_secs_f64();
    runner.abort();
    let sent = smtp.count();
    assert!(sent >= n, "only {sent} of {n} e-mails arrived");
    assert!(smtp.mails()[0].attachment("application/pdf").is_some_and(|p| p.starts_with(b"%PDF")), "each carries the invoice PDF");
    println!("emails_per_sec={:.0}", sent as f64 / secs);
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (url, messages, mails) = (&args[1], args[2].parse().unwrap(), args[3].parse().unwrap());
    let db = Db::postgres(url, 20).await.expect("the bench database");
    let tenant = TenantSlug::parse("acme").unwrap();
    webhooks(&db, &tenant, messages).await;
    emails(&db, &tenant, mails).await;
}
