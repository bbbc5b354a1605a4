//! Starting up: open the database (migrating it, and seeding the demo data in demo mode), the
//! document store and the signing keys; then serve until Ctrl-C or SIGTERM.
use crate::config::Config;
use crate::{anyhow_lite, router, session, workers};
use domain::Db;
use domain::api_clients::TokenKeys;
use domain::storage::{S3Settings, Storage};
use leptos::prelude::LeptosOptions;
use std::net::SocketAddr;

/// Opens the configured database: PostgreSQL when `DATABASE_URL` says so, else SQLite files.
pub async fn open_db(config: &Config) -> Result<Db, sea_orm::DbErr> {
    match &config.database_url {
        Some(url) if url.0.starts_with("postgres") => Db::postgres(&url.0, config.db_pool).await,
        Some(url) if url.0.starts_with("sqlite:") => {
            Db::sqlite(url.0.trim_start_matches("sqlite://").trim_start_matches("sqlite:").into()).await
        }
        Some(_) => Err(sea_orm::DbErr::Custom("DATABASE_URL must start with postgres:// or sqlite://".into())),
        None => Db::sqlite(config.data_dir.clone()).await,
    }
}

/// Opens the configured document store: the S3-compatible bucket when one is configured,
/// else the local documents folder.
pub async fn open_storage(config: &Config) -> domain::Result<Storage> {
    match &config.s3 {
        Some(s3) => {
            Storage::s3(S3Settings {
                endpoint: s3.endpoint.clone(),
                bucket: s3.bucket.clone(),
                region: s3.region.clone(),
                access_key_id: s3.access_key_id.clone(),
                secret_access_key: s3.secret_access_key.0.clone(),
            })
            .await
        }
        None => Storage::local(config.documents_dir()),
    }
}

/// What the app runs on: the databases, the document store and the token keys.
#[derive(Clone)]
pub struct Backends {
    pub db: Db,
    pub storage: Storage,
    pub tokens: TokenKeys,
    /// Derived from the platform secret: signs anonymous CSRF tokens.
    pub csrf_key: Vec<u8>,
    /// Derives invitation links' tokens (see [`domain::invitations::key`]).
    pub invite_key: Vec<u8>,
}

/// Opens the database (migrating and seeding it as configured), the document store and the
/// token signing key.
pub async fn open(config: &Config) -> anyhow_lite::Result<(Backends, bool)> {
    let db = open_db(config).await?;
    let storage = open_storage(config).await?;
    let seeded = prepare(&db, &storage, config).await?;
    let secret = domain::api_clients::signing_secret(&db, config.jwt_secret.as_ref().map(|s| s.0.as_str())).await?;
    Ok((Backends { db, storage, tokens: TokenKeys::new(&secret), csrf_key: session::csrf_key(&secret), invite_key: domain::invitations::key(&secret) }, seeded))
}

/// Migrates the platform and every tenant, then seeds the demo data if configured.
pub async fn prepare(db: &Db, storage: &Storage, config: &Config) -> domain::Result<bool> {
    domain::seed::migrate_all(db).await?;
    if config.demo { domain::seed::seed_demo(db, storage, config.demo_orders).await } else { Ok(false) }
}


/// Runs the server until Ctrl-C or SIGTERM, finishing requests in flight.
pub async fn serve(config: Config, leptos_options: LeptosOptions) -> anyhow_lite::Result<()> {
    let (backends, seeded) = open(&config).await?;
    tracing::info!(storage = ?backends.storage, "documents");
    let backends_db = backends.db.clone();
    tokio::spawn(workers::run(backends.db.clone(), config.clone()));
    let addr = leptos_options.site_addr;
    let port = addr.port();
    let app = router(backends, config.clone(), leptos_options);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, seeded, "Throughline is listening");
    print_welcome(&backends_db, &config, port).await;
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

/// Tells the operator where to go: the demo sign-ins in demo mode, or how to create the first
/// partner admin on an empty platform. The demo password is printed in demo mode only.
async fn print_welcome(db: &Db, config: &Config, port: u16) {
    let base = &config.base_domain;
    println!("Throughline is running.");
    if config.demo {
        println!("  Partner console:  http://{base}:{port}   partner@northwind.test (partner admin), viewer@northwind.test (partner viewer)");
        println!("  Acme Order Hub:    http://acme.{base}:{port}   admin@acme.test, clerk@acme.test, service@acme.test, buyer@initech.test");
        println!("  Bluegrass Connect: http://bluegrass.{base}:{port}   admin@bluegrass.test, clerk@bluegrass.test, buyer@globex.test");
        println!("  Demo password (demo mode only): {}", domain::seed::DEMO_PASSWORD);
    } else if domain::seed::platform_is_empty(db).await.unwrap_or(false) {
        println!("  The platform is empty. Create the first partner and its admin:");
        println!("    throughline create-partner --name \"Your MSP\" --admin-email you@example.com");
        println!("  (the password is read from standard input, or generated and printed once)");
        println!("  Then sign in at http://{base}:{port}");
    } else {
        println!("  Partner console: http://{base}:{port}");
    }
}

async fn shutdown_signal() {
    let ctrl_c = async { tokio::signal::ctrl_c().await.ok(); };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) { s.recv().await; }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

