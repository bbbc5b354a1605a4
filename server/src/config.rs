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
    /// `THROUGHLINE_DEMO`: demo mode — seed the demo partner, tenants, users and API clients
    /// on first start and print their sign-ins (default `false`: an empty platform).
    pub demo: bool,
    /// `THROUGHLINE_DEMO_ORDERS`: orders per demo tenant (default 300).
    pub demo_orders: usize,
    /// `THROUGHLINE_LOGIN_MAX_PER_ACCOUNT_ADDRESS` (default 5): sign-in attempts per account
    /// from one address in a window.
    pub login_per_account_address: u64,
    /// `THROUGHLINE_LOGIN_MAX_PER_ACCOUNT` (default 50): per account from all addresses.
    pub login_per_account: u64,
    /// `THROUGHLINE_LOGIN_MAX_PER_IP` (default 100): per address across accounts.
    pub login_per_ip: u64,
    /// `THROUGHLINE_LOGIN_WINDOW_MINUTES` (default 15).
    pub login_window_minutes: i64,
    /// `THROUGHLINE_TOKEN_MAX_PER_CLIENT` / `THROUGHLINE_TOKEN_MAX_PER_IP` (defaults 30 and
    /// 120): `POST /api/v1/oauth/token` calls per minute per client id and per address.
    pub token_per_client: u64,
    pub token_per_ip: u64,
    /// `THROUGHLINE_SESSION_IDLE_MINUTES` (default 60): a session ends after this long
    /// without a request.
    pub session_idle_minutes: i64,
    /// `THROUGHLINE_SESSION_ABSOLUTE_HOURS` (default 12): a session ends this long after
    /// sign-in, however active.
    pub session_absolute_hours: i64,
    /// `THROUGHLINE_API_RATE_PER_CLIENT` (default 1000): API requests per second per client
    /// on each instance (bursts of as many); past it 429.
    pub api_rate_per_client: u32,
    /// `THROUGHLINE_TENANT_DB_SHARE` (default 75): the percentage of the database pool that
    /// one tenant's concurrent API requests may use, so others always find a connection.
    pub tenant_db_share: u32,
    /// `THROUGHLINE_EDI_MAX_SEGMENTS` / `_MAX_ELEMENTS` / `_MAX_ELEMENT_LEN`: bounds on an
    /// inbound X12 interchange (defaults 100,000 segments, 64 elements per segment, 4,096
    /// characters per element).
    pub edi_limits: domain::edi::EdiLimits,
    /// `THROUGHLINE_TRUST_PROXY`: take the client address from `X-Forwarded-For`.
    pub trust_proxy: bool,
    /// `THROUGHLINE_PROXY_HOPS` (default 1): how many trusted proxies append to
    /// `X-Forwarded-For`; the client address is that many entries from the right.
    pub proxy_hops: usize,
    /// `THROUGHLINE_DB_POOL`: PostgreSQL pool size (default 10).
    pub db_pool: u32,
    /// `THROUGHLINE_DOCUMENTS_DIR`: where documents go when no S3 server is configured
    /// (default `<data dir>/documents`).
    pub documents_dir: Option<PathBuf>,
    /// `THROUGHLINE_S3_ENDPOINT` and friends: store documents in an S3-compatible bucket.
    pub s3: Option<S3Config>,
    /// `THROUGHLINE_JWT_SECRET`: signs API access tokens. Unset: a random secret is made once
    /// and kept in the platform database, so every instance on that database agrees.
    pub jwt_secret: Option<Secret>,
    /// `THROUGHLINE_TOKEN_MINUTES`: lifetime of an API access token (default 15).
    pub token_minutes: i64,
    /// `THROUGHLINE_PARKED_EVENT_MINUTES`: an event still waiting for what it refers to after
    /// this long becomes an integration exception (default 60).
    pub parked_event_minutes: i64,
}

/// An S3-compatible server: `THROUGHLINE_S3_ENDPOINT`, `THROUGHLINE_S3_BUCKET` (default
/// `throughline`), `THROUGHLINE_S3_REGION` (default `us-east-1`), and the keys
/// `THROUGHLINE_S3_ACCESS_KEY_ID` / `THROUGHLINE_S3_SECRET_ACCESS_KEY` (falling back to
/// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`).
#[derive(Clone, Debug)]
pub struct S3Config {
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
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
    /// The settings used when nothing is set, with the given data folder and database.
    pub fn defaults(data_dir: PathBuf, database_url: Option<String>) -> Self {
        Self {
            database_url: database_url.map(Secret),
            data_dir,
            base_domain: "localhost".into(),
            https: false,
            demo: false,
            demo_orders: 300,
            login_per_account_address: 5,
            login_per_account: 50,
            login_per_ip: 100,
            token_per_client: 30,
            token_per_ip: 120,
            proxy_hops: 1,
            edi_limits: domain::edi::EdiLimits::default(),
            api_rate_per_client: 1000,
            tenant_db_share: 75,
            session_idle_minutes: 60,
            session_absolute_hours: 12,
            login_window_minutes: 15,
            trust_proxy: false,
            db_pool: 10,
            documents_dir: None,
            s3: None,
            jwt_secret: None,
            token_minutes: 15,
            parked_event_minutes: 60,
        }
    }

    /// Where documents go on the local disk when no S3 server is configured.
    pub fn documents_dir(&self) -> PathBuf {
        self.documents_dir.clone().unwrap_or_else(|| self.data_dir.join("documents"))
    }

    pub fn from_env() -> Result<Self, String> {
        let s3 = match var("THROUGHLINE_S3_ENDPOINT") {
            None => None,
            Some(endpoint) => Some(S3Config {
                endpoint,
                bucket: var("THROUGHLINE_S3_BUCKET").unwrap_or_else(|| "throughline".into()),
                region: var("THROUGHLINE_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
                access_key_id: var("THROUGHLINE_S3_ACCESS_KEY_ID")
                    .or_else(|| var("AWS_ACCESS_KEY_ID"))
                    .ok_or("THROUGHLINE_S3_ENDPOINT is set but THROUGHLINE_S3_ACCESS_KEY_ID is not")?,
                secret_access_key: Secret(
                    var("THROUGHLINE_S3_SECRET_ACCESS_KEY")
                        .or_else(|| var("AWS_SECRET_ACCESS_KEY"))
                        .ok_or("THROUGHLINE_S3_ENDPOINT is set but THROUGHLINE_S3_SECRET_ACCESS_KEY is not")?,
                ),
            }),
        };
        if parse("THROUGHLINE_EDI_MAX_ELEMENTS", 64usize)? < 16 {
            return Err("THROUGHLINE_EDI_MAX_ELEMENTS must be at least 16 (an ISA segment has 16 elements)".into());
        }
        let token_minutes: i64 = parse("THROUGHLINE_TOKEN_MINUTES", 15)?;
        if !(1..=1440).contains(&token_minutes) {
            return Err("THROUGHLINE_TOKEN_MINUTES must be between 1 and 1440".into());
        }
        Ok(Self {
            documents_dir: var("THROUGHLINE_DOCUMENTS_DIR").map(PathBuf::from),
            s3,
            jwt_secret: var("THROUGHLINE_JWT_SECRET").map(Secret),
            token_minutes,
            parked_event_minutes: parse("THROUGHLINE_PARKED_EVENT_MINUTES", 60)?,
            database_url: var("DATABASE_URL").map(Secret),
            data_dir: var("THROUGHLINE_DATA_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("data")),
            base_domain: var("THROUGHLINE_BASE_DOMAIN").unwrap_or_else(|| "localhost".into()).to_ascii_lowercase(),
            https: parse("THROUGHLINE_HTTPS", false)?,
            demo: parse("THROUGHLINE_DEMO", false)?,
            demo_orders: parse("THROUGHLINE_DEMO_ORDERS", 300)?,
            login_per_account_address: parse("THROUGHLINE_LOGIN_MAX_PER_ACCOUNT_ADDRESS", 5)?,
            login_per_account: parse("THROUGHLINE_LOGIN_MAX_PER_ACCOUNT", 50)?,
            login_per_ip: parse("THROUGHLINE_LOGIN_MAX_PER_IP", 100)?,
            token_per_client: parse("THROUGHLINE_TOKEN_MAX_PER_CLIENT", 30)?,
            token_per_ip: parse("THROUGHLINE_TOKEN_MAX_PER_IP", 120)?,
            proxy_hops: parse("THROUGHLINE_PROXY_HOPS", 1)?,
            edi_limits: {
                let d = domain::edi::EdiLimits::default();
                domain::edi::EdiLimits {
                    max_segments: parse("THROUGHLINE_EDI_MAX_SEGMENTS", d.max_segments)?,
                    max_elements: parse("THROUGHLINE_EDI_MAX_ELEMENTS", d.max_elements)?,
                    max_element_len: parse("THROUGHLINE_EDI_MAX_ELEMENT_LEN", d.max_element_len)?,
                }
            },
            api_rate_per_client: parse("THROUGHLINE_API_RATE_PER_CLIENT", 1000)?,
            tenant_db_share: parse("THROUGHLINE_TENANT_DB_SHARE", 75)?,
            session_idle_minutes: parse("THROUGHLINE_SESSION_IDLE_MINUTES", 60)?,
            session_absolute_hours: parse("THROUGHLINE_SESSION_ABSOLUTE_HOURS", 12)?,
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
