//! `throughline`: the Throughline server.
use clap::{Parser, Subcommand};
use leptos::prelude::LeptosOptions;
use server::config::Config;
use tracing_subscriber::EnvFilter;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Throughline: one governed view of order-to-cash for distributors and their customers.
///
/// Configuration comes from the environment; see the README ("Configuration").
#[derive(Parser)]
#[command(version, about, after_long_help = server::config::help_text())]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate and serve HTTP (the default). With `THROUGHLINE_DEMO=true`, seed the demo
    /// partner, tenants, users and API clients on first start.
    Serve,
    /// Create a partner (MSP) and its first partner admin, e.g. on a fresh platform. The
    /// password is read from standard input when it is not a terminal, else generated and
    /// printed once.
    CreatePartner {
        /// The partner's name, e.g. "Northwind Partners".
        #[arg(long)]
        name: String,
        /// The partner admin's e-mail (their sign-in).
        #[arg(long)]
        admin_email: String,
        /// The partner admin's display name (default: the e-mail).
        #[arg(long)]
        admin_name: Option<String>,
    },
    /// Migrate the platform schema and every tenant, then exit.
    Migrate,
    /// Run job workers (and the periodic scheduler) without serving HTTP, against the same
    /// database as the servers: add workers without adding web servers. `THROUGHLINE_WORKERS`
    /// sets how many (default 2).
    Worker,
    /// Import an X12 interchange (850 purchase orders, 856 ship notices) for one tenant and
    /// print the result and the 997 acknowledgement.
    EdiImport {
        /// The tenant's slug, e.g. `acme`.
        #[arg(long)]
        tenant: String,
        /// The interchange file.
        file: std::path::PathBuf,
    },
    /// Check the hash chain of a tenant's audit trail (or every tenant's) and report the
    /// first broken link. Exits non-zero when a chain is broken or cannot be read.
    VerifyAudit {
        /// The tenant's slug, e.g. `acme`.
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        tenant: Option<String>,
        /// Every tenant, active or not.
        #[arg(long)]
        all: bool,
    },
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

/// The password for `create-partner`: the first line of standard input when it is piped, else
/// a new random one (returned with `true` so that it is printed once).
fn partner_password() -> Result<(String, bool), String> {
    use std::io::{BufRead, IsTerminal};
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line).map_err(|e| format!("cannot read the password from standard input: {e}"))?;
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        if !line.is_empty() {
            return Ok((line, false));
        }
    }
    Ok((domain::password::generate(), true))
}

async fn create_partner(config: &Config, name: &str, email: &str, admin_name: Option<&str>) -> server::anyhow_lite::Result<()> {
    let (password, generated) = partner_password()?;
    let db = server::open_db(config).await?;
    domain::seed::migrate_all(&db).await?;
    domain::seed::create_partner_with_admin(&db, name, email, admin_name.unwrap_or(email), &password).await?;
    println!("created partner {name:?} with partner admin {email}");
    if generated {
        println!("password (shown once): {password}");
    }
    Ok(())
}

/// `verify-audit`: one line per tenant, e.g. "tenant acme: 1234 entries, chain intact". A
/// tenant whose trail cannot be read is reported and the others are still checked. Nothing is
/// migrated or written: a check must not change what it checks.
async fn verify_audit(config: &Config, tenant: Option<String>) -> server::anyhow_lite::Result<()> {
    let db = server::open_db(config).await?;
    let slugs = match tenant {
        Some(t) => {
            let slug = domain::types::TenantSlug::parse(&t)?;
            domain::tenancy::tenant_by_slug(&db, &slug).await?.ok_or_else(|| format!("there is no tenant {t}"))?;
            vec![slug]
        }
        None => domain::tenancy::all_tenant_slugs(&db).await?,
    };
    let mut failed = 0;
    for slug in &slugs {
        match domain::audit::verify_tenant(&db, slug).await {
            Ok(v) => {
                println!("tenant {slug}: {v}");
                failed += usize::from(!v.is_intact());
            }
            Err(e) => {
                println!("tenant {slug}: cannot verify the audit trail: {e}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        return Err(format!("{failed} of {} audit trails failed verification", slugs.len()).into());
    }
    Ok(())
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
            Command::Worker => {
                let db = server::open_db(&config).await?;
                domain::seed::migrate_all(&db).await?;
                println!("throughline worker: {} workers", if db.is_postgres() { config.workers } else { config.workers.min(1) });
                server::workers::run(db, config).await;
                Ok(())
            }
            Command::CreatePartner { name, admin_email, admin_name } => create_partner(&config, &name, &admin_email, admin_name.as_deref()).await,
            Command::EdiImport { tenant, file } => {
                let text = std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
                let db = server::open_db(&config).await?;
                domain::seed::migrate_all(&db).await?;
                let slug = domain::types::TenantSlug::parse(&tenant)?;
                let known = domain::tenancy::tenant_by_slug(&db, &slug).await?.ok_or_else(|| format!("there is no tenant {tenant}"))?;
                let txn = db.tenant_txn(&known.slug).await?;
                let result = domain::edi::import(&txn, &text, &config.edi_limits).await?;
                match result {
                    Ok(r) => {
                        txn.commit().await?;
                        for s in &r.sets {
                            println!("{} {} {}{}{}", s.set_id, s.control, s.result, s.reference.as_deref().map(|r| format!(" {r}")).unwrap_or_default(),
                                if s.errors.is_empty() { String::new() } else { format!(": {}", s.errors.join("; ")) });
                        }
                        print!("{}", r.ack_997);
                        Ok(())
                    }
                    Err(e) => Err(format!("{}: {e}", file.display()).into()),
                }
            }
            Command::VerifyAudit { tenant, all: _ } => verify_audit(&config, tenant).await,
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
