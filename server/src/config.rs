//! Typed settings from the environment. Secrets print redacted.
use std::fmt;
use std::path::PathBuf;

/// A value that never appears in logs or `Debug` output.
#[derive(Clone)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`: `postgres://…` selects PostgreSQL; unset selects embedded SQLite.
    pub database_url: Option<Secret>,
    /// `THROUGHLINE_DATA_DIR`: where SQLite files live (default `./data`).
    pub data_dir: PathBuf,
    /// `THROUGHLINE_BASE_DOMAIN`: tenants are served at `<slug>.<base domain>` (default `localhost`).
    pub base_domain: String,
    /// `THROUGHLINE_HTTPS`: `true` when served over https (Secure cookies, HSTS).
    pub https: bool,
    /// `THROUGHLINE_SEED_DEMO`: seed the demo data on first start (default `true`).
    pub seed_demo: bool,
    /// `THROUGHLINE_LOGIN_MAX_PER_ACCOUNT` / `_PER_IP` / `THROUGHLINE_LOGIN_WINDOW_MINUTES`.
    pub login_per_account: u64,
    pub login_per_ip: u64,
    pub login_window_minutes: i64,
    /// `THROUGHLINE_TRUST_PROXY`: take the client address from `X-Forwarded-For`.
    pub trust_proxy: bool,
    /// `THROUGHLINE_DB_POOL`: PostgreSQL pool size (default 10).
    pub db_pool: u32,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match var(name) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| format!("{name}={v:?} is not valid")),
    }
}

impl Config {
    pub fn from_env() -> Result<Self, String> {
        Ok(Self {
            database_url: var("DATABASE_URL").map(Secret),
            data_dir: var("THROUGHLINE_DATA_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("data")),
            base_domain: var("THROUGHLINE_BASE_DOMAIN").unwrap_or_else(|| "localhost".into()).to_ascii_lowercase(),
            https: parse("THROUGHLINE_HTTPS", false)?,
            seed_demo: parse("THROUGHLINE_SEED_DEMO", true)?,
            login_per_account: parse("THROUGHLINE_LOGIN_MAX_PER_ACCOUNT", 5)?,
            login_per_ip: parse("THROUGHLINE_LOGIN_MAX_PER_IP", 50)?,
            login_window_minutes: parse("THROUGHLINE_LOGIN_WINDOW_MINUTES", 15)?,
            trust_proxy: parse("THROUGHLINE_TRUST_PROXY", false)?,
            db_pool: parse("THROUGHLINE_DB_POOL", 10)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn a_secret_is_redacted_in_debug_output() {
        let s = Secret("postgres://u:hunter2@h/db".into());
        assert_eq!(format!("{s:?}"), "[redacted]");
    }
}
