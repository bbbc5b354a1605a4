//! `throughline`: the Throughline server.
use clap::{Parser, Subcommand};
use leptos::prelude::LeptosOptions;
use server::config::Config;
use tracing_subscriber::EnvFilter;

/// Throughline: one governed view of order-to-cash for distributors and their customers.
///
/// Configuration comes from the environment; see the README ("Configuration").
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate, seed the demo data on first start, and serve HTTP (the default).
    Serve,
    /// Migrate the platform schema and every tenant, then exit.
    Migrate,
}

fn leptos_options() -> Result<LeptosOptions, String> {
    let addr = std::env::var("LEPTOS_SITE_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
    Ok(LeptosOptions::builder()
        .output_name(std::env::var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|_| "throughline".into()))
        .site_root(std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into()))
        .site_pkg_dir(std::env::var("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|_| "pkg".into()))
        .site_addr(addr.parse::<std::net::SocketAddr>().map_err(|e| format!("LEPTOS_SITE_ADDR={addr:?}: {e}"))?)
        .build())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_env("THROUGHLINE_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn")))
        .init();
    let cli = Cli::parse();
    let result = async {
        let config = Config::from_env()?;
        tracing::info!(?config, "configuration");
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => server::serve(config, leptos_options()?).await,
            Command::Migrate => {
                let db = server::open_db(&config).await?;
                let n = domain::seed::migrate_all(&db).await?;
                println!("migrated the platform and {n} tenants");
                Ok(())
            }
        }
    }
    .await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("throughline: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
