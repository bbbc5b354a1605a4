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
    /// `THROUGHLINE_TENANT_DB_SHARE` (default 85): the percentage of the database pool that
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
    /// `THROUGHLINE_WORKERS` (default 2; 0 disables): job workers in this instance (SQLite
    /// runs one). `throughline worker` runs workers without serving HTTP.
    pub workers: usize,
    /// `THROUGHLINE_JOB_BATCH` (default 200): jobs a worker claims at once.
    pub job_batch: u64,
    /// `THROUGHLINE_JOB_LEASE_SECONDS` (default 300): a claimed job whose worker died runs
    /// again after this long.
    pub job_lease_seconds: i64,
    /// `THROUGHLINE_JOB_POLL_MS` (default 2000): how often workers look at every tenant
    /// without being woken (jobs whose time came; PostgreSQL also wakes them by NOTIFY).
    pub job_poll_ms: u64,
    /// `THROUGHLINE_UPLOAD_LIMIT_MB` (default 10): the largest document one upload may be
    /// (API, staff and portal alike).
    pub upload_limit: usize,
    /// `THROUGHLINE_WEBHOOK_ALLOW` (default empty): hosts and networks webhook endpoints may
    /// point to despite the SSRF guard (`127.0.0.1`, `10.0.0.0/8`, `hooks.internal`).
    pub webhook_allow: domain::webhooks::guard::Allow,
    /// `THROUGHLINE_SMTP_URL` (secret): `smtp://[user:pass@]host:port[?tls=required]` or
    /// `smtps://…`; unset, e-mail jobs (invoices, reminders, invitations) are dead-lettered at once saying so (the admin
    /// retries them from the Jobs page once it is set).
    pub smtp_url: Option<Secret>,
    /// `THROUGHLINE_SMTP_FROM` (default `billing@<base domain>`): the sender address of
    /// the tenant's e-mails; the sender name is the tenant's product name.
    pub smtp_from: String,
    /// `THROUGHLINE_DNS_SERVER` (`host:port`; default: the system's resolvers): where custom
    /// domains' TXT records are looked up.
    pub dns_server: Option<std::net::SocketAddr>,
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

/// One setting: its environment variable, its default (as text; empty: unset) and what it
/// means. [`SETTINGS`] is the only place a setting is declared: [`Config::defaults`],
/// [`Config::from_env`] and `throughline --help` all read it.
pub struct Setting {
    pub env: &'static str,
    pub default: &'static str,
    pub help: &'static str,
}

const fn s(env: &'static str, default: &'static str, help: &'static str) -> Setting {
    Setting { env, default, help }
}

/// Every setting, in the order `--help` lists them.
pub const SETTINGS: &[Setting] = &[
    s("DATABASE_URL", "", "postgres://user:pass@host/db for PostgreSQL (schema per tenant); unset: SQLite files (secret)"),
    s("THROUGHLINE_DATA_DIR", "data", "folder of the SQLite files"),
    s("THROUGHLINE_BASE_DOMAIN", "localhost", "tenants are served at <slug>.<base domain>; the base domain is the partner console"),
    s("THROUGHLINE_HTTPS", "false", "behind TLS: Secure __Host- cookies and HSTS"),
    s("THROUGHLINE_DEMO", "false", "demo mode: seed the demo partner, tenants, users and API clients on an empty platform"),
    s("THROUGHLINE_DEMO_ORDERS", "300", "orders per demo tenant"),
    s("THROUGHLINE_LOGIN_MAX_PER_ACCOUNT_ADDRESS", "5", "sign-in attempts per account from one address per window"),
    s("THROUGHLINE_LOGIN_MAX_PER_ACCOUNT", "50", "sign-in attempts per account from all addresses per window"),
    s("THROUGHLINE_LOGIN_MAX_PER_IP", "100", "sign-in attempts per address per window"),
    s("THROUGHLINE_LOGIN_WINDOW_MINUTES", "15", "the sign-in rate-limit window"),
    s("THROUGHLINE_TOKEN_MAX_PER_CLIENT", "30", "POST /api/v1/oauth/token calls per minute per client id"),
    s("THROUGHLINE_TOKEN_MAX_PER_IP", "120", "POST /api/v1/oauth/token calls per minute per address"),
    s("THROUGHLINE_TOKEN_MINUTES", "15", "API access token lifetime in minutes (1-1440)"),
    s("THROUGHLINE_API_RATE_PER_CLIENT", "1000", "API requests per second per client on each instance"),
    s("THROUGHLINE_TENANT_DB_SHARE", "85", "percent of the database pool one tenant's API requests may hold"),
    s("THROUGHLINE_SESSION_IDLE_MINUTES", "60", "a session ends after this long without a request"),
    s("THROUGHLINE_SESSION_ABSOLUTE_HOURS", "12", "a session ends this long after sign-in"),
    s("THROUGHLINE_TRUST_PROXY", "false", "take the client address from X-Forwarded-For"),
    s("THROUGHLINE_PROXY_HOPS", "1", "trusted proxies that append to X-Forwarded-For"),
    s("THROUGHLINE_DB_POOL", "10", "PostgreSQL connections per instance"),
    s("THROUGHLINE_DOCUMENTS_DIR", "", "documents folder when no S3 server is set (default <data dir>/documents)"),
    s("THROUGHLINE_S3_ENDPOINT", "", "an S3-compatible server for documents"),
    s("THROUGHLINE_S3_BUCKET", "throughline", "the S3 bucket (created if missing)"),
    s("THROUGHLINE_S3_REGION", "us-east-1", "the S3 region"),
    s("THROUGHLINE_S3_ACCESS_KEY_ID", "", "the S3 access key (default AWS_ACCESS_KEY_ID)"),
    s("THROUGHLINE_S3_SECRET_ACCESS_KEY", "", "the S3 secret key (default AWS_SECRET_ACCESS_KEY; secret)"),
    s("THROUGHLINE_JWT_SECRET", "", "signs API tokens, 32+ characters (default: random, kept in the platform database; secret)"),
    s("THROUGHLINE_PARKED_EVENT_MINUTES", "60", "an event parked this long becomes an integration exception"),
    s("THROUGHLINE_WORKERS", "2", "job workers in this instance (0: none; SQLite runs one)"),
    s("THROUGHLINE_JOB_BATCH", "200", "jobs a worker claims at once"),
    s("THROUGHLINE_JOB_LEASE_SECONDS", "300", "a claimed job whose worker died runs again after this long"),
    s("THROUGHLINE_JOB_POLL_MS", "2000", "how often workers look at every tenant without a wake-up"),
    s("THROUGHLINE_UPLOAD_LIMIT_MB", "10", "the largest document one upload may be, in MB (1-100)"),
    s("THROUGHLINE_WEBHOOK_ALLOW", "", "hosts or networks webhooks may reach despite the private-address guard"),
    s("THROUGHLINE_SMTP_URL", "", "the mail server for invoice, reminder and invitation e-mails: smtp://[user:pass@]host:port[?tls=required] or smtps://… (secret)"),
    s("THROUGHLINE_SMTP_FROM", "", "the sender address of the tenant's e-mails (default billing@<base domain>)"),
    s("THROUGHLINE_DNS_SERVER", "", "the DNS server (ip:port) custom domains' TXT records are looked up at (default: the system's resolvers)"),
    s("THROUGHLINE_EDI_MAX_SEGMENTS", "100000", "segments per inbound X12 interchange (more: 413)"),
    s("THROUGHLINE_EDI_MAX_ELEMENTS", "64", "elements per X12 segment (at least 16)"),
    s("THROUGHLINE_EDI_MAX_ELEMENT_LEN", "4096", "characters per X12 element"),
];

/// The settings as `--help` shows them.
pub fn help_text() -> String {
    let mut out = String::from("Settings (environment variables, with their defaults):\n");
    for st in SETTINGS {
        let default = if st.default.is_empty() { "unset".to_owned() } else { st.default.to_owned() };
        out.push_str(&format!("  {} [{default}]\n      {}\n", st.env, st.help));
    }
    out
}

/// Reads settings by name: from a source (the environment, or nothing), else the declared
/// default.
struct Reader<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Reader<'_> {
    fn text(&self, name: &str) -> Option<String> {
        let declared = SETTINGS.iter().find(|st| st.env == name).map(|st| st.default).unwrap_or_else(|| panic!("{name} is not declared in SETTINGS"));
        (self.0)(name).filter(|v| !v.trim().is_empty()).or_else(|| (!declared.is_empty()).then(|| declared.to_owned()))
    }

    fn get<T: std::str::FromStr>(&self, name: &str) -> Result<T, String> {
        let v = self.text(name).ok_or_else(|| format!("{name} has no value"))?;
        v.trim().parse().map_err(|_| format!("{name}={v:?} is not valid"))
    }
}

impl Config {
    /// The settings used when nothing is set, with the given data folder and database.
    pub fn defaults(data_dir: PathBuf, database_url: Option<String>) -> Self {
        let mut c = Self::read(&Reader(&|_| None)).expect("the declared defaults are valid");
        c.data_dir = data_dir;
        c.database_url = database_url.map(Secret);
        c
    }

    /// The settings from the environment, defaults where unset.
    pub fn from_env() -> Result<Self, String> {
        Self::read(&Reader(&|name| std::env::var(name).ok()))
    }

    /// Where documents go on the local disk when no S3 server is configured.
    pub fn documents_dir(&self) -> PathBuf {
        self.documents_dir.clone().unwrap_or_else(|| self.data_dir.join("documents"))
    }

    fn s3(r: &Reader) -> Result<Option<S3Config>, String> {
        let Some(endpoint) = r.text("THROUGHLINE_S3_ENDPOINT") else { return Ok(None) };
        let aws = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Ok(Some(S3Config {
            endpoint,
            bucket: r.get("THROUGHLINE_S3_BUCKET")?,
            region: r.get("THROUGHLINE_S3_REGION")?,
            access_key_id: r
                .text("THROUGHLINE_S3_ACCESS_KEY_ID")
                .or_else(|| aws("AWS_ACCESS_KEY_ID"))
                .ok_or("THROUGHLINE_S3_ENDPOINT is set but THROUGHLINE_S3_ACCESS_KEY_ID is not")?,
            secret_access_key: Secret(
                r.text("THROUGHLINE_S3_SECRET_ACCESS_KEY")
                    .or_else(|| aws("AWS_SECRET_ACCESS_KEY"))
                    .ok_or("THROUGHLINE_S3_ENDPOINT is set but THROUGHLINE_S3_SECRET_ACCESS_KEY is not")?,
            ),
        }))
    }

    fn read(r: &Reader) -> Result<Self, String> {
        let edi_limits = domain::edi::EdiLimits {
            max_segments: r.get("THROUGHLINE_EDI_MAX_SEGMENTS")?,
            max_elements: r.get("THROUGHLINE_EDI_MAX_ELEMENTS")?,
            max_element_len: r.get("THROUGHLINE_EDI_MAX_ELEMENT_LEN")?,
        };
        if edi_limits.max_elements < 16 {
            return Err("THROUGHLINE_EDI_MAX_ELEMENTS must be at least 16 (an ISA segment has 16 elements)".into());
        }
        let token_minutes: i64 = r.get("THROUGHLINE_TOKEN_MINUTES")?;
        if !(1..=1440).contains(&token_minutes) {
            return Err("THROUGHLINE_TOKEN_MINUTES must be between 1 and 1440".into());
        }
        Ok(Self {
            database_url: r.text("DATABASE_URL").map(Secret),
            data_dir: PathBuf::from(r.get::<String>("THROUGHLINE_DATA_DIR")?),
            base_domain: r.get::<String>("THROUGHLINE_BASE_DOMAIN")?.to_ascii_lowercase(),
            https: r.get("THROUGHLINE_HTTPS")?,
            demo: r.get("THROUGHLINE_DEMO")?,
            demo_orders: r.get("THROUGHLINE_DEMO_ORDERS")?,
            login_per_account_address: r.get("THROUGHLINE_LOGIN_MAX_PER_ACCOUNT_ADDRESS")?,
            login_per_account: r.get("THROUGHLINE_LOGIN_MAX_PER_ACCOUNT")?,
            login_per_ip: r.get("THROUGHLINE_LOGIN_MAX_PER_IP")?,
            login_window_minutes: r.get("THROUGHLINE_LOGIN_WINDOW_MINUTES")?,
            token_per_client: r.get("THROUGHLINE_TOKEN_MAX_PER_CLIENT")?,
            token_per_ip: r.get("THROUGHLINE_TOKEN_MAX_PER_IP")?,
            token_minutes,
            api_rate_per_client: r.get("THROUGHLINE_API_RATE_PER_CLIENT")?,
            tenant_db_share: r.get("THROUGHLINE_TENANT_DB_SHARE")?,
            session_idle_minutes: r.get("THROUGHLINE_SESSION_IDLE_MINUTES")?,
            session_absolute_hours: r.get("THROUGHLINE_SESSION_ABSOLUTE_HOURS")?,
            trust_proxy: r.get("THROUGHLINE_TRUST_PROXY")?,
            proxy_hops: r.get("THROUGHLINE_PROXY_HOPS")?,
            db_pool: r.get("THROUGHLINE_DB_POOL")?,
            documents_dir: r.text("THROUGHLINE_DOCUMENTS_DIR").map(PathBuf::from),
            s3: Self::s3(r)?,
            jwt_secret: r.text("THROUGHLINE_JWT_SECRET").map(Secret),
            parked_event_minutes: r.get("THROUGHLINE_PARKED_EVENT_MINUTES")?,
            workers: r.get("THROUGHLINE_WORKERS")?,
            job_batch: r.get::<u64>("THROUGHLINE_JOB_BATCH")?.max(1),
            job_lease_seconds: r.get::<i64>("THROUGHLINE_JOB_LEASE_SECONDS")?.max(1),
            job_poll_ms: r.get::<u64>("THROUGHLINE_JOB_POLL_MS")?.max(50),
            upload_limit: r.get::<usize>("THROUGHLINE_UPLOAD_LIMIT_MB")?.clamp(1, 100) * 1024 * 1024,
            edi_limits,
            smtp_url: r.text("THROUGHLINE_SMTP_URL").map(Secret),
            smtp_from: r.text("THROUGHLINE_SMTP_FROM").unwrap_or_else(|| format!("billing@{}", r.get::<String>("THROUGHLINE_BASE_DOMAIN").unwrap_or_default().to_ascii_lowercase())),
            webhook_allow: domain::webhooks::guard::Allow::parse(&r.text("THROUGHLINE_WEBHOOK_ALLOW").unwrap_or_default()).map_err(|e| format!("THROUGHLINE_WEBHOOK_ALLOW: {e}"))?,
            dns_server: r.text("THROUGHLINE_DNS_SERVER").map(|s| s.parse()).transpose().map_err(|e| format!("THROUGHLINE_DNS_SERVER: {e} (an IP address and port, such as 127.0.0.1:53)"))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn every_setting_is_declared_once_and_its_default_reads() {
        let mut names: Vec<&str> = SETTINGS.iter().map(|s| s.env).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), SETTINGS.len(), "no setting is declared twice");
        let c = Config::defaults(PathBuf::from("d"), None);
        assert_eq!((c.login_per_account_address, c.session_idle_minutes, c.edi_limits.max_segments), (5, 60, 100_000));
        assert!(!c.demo && c.s3.is_none() && c.database_url.is_none());
        for st in SETTINGS {
            assert!(help_text().contains(st.env));
        }
    }

    #[test]
    fn a_bad_value_is_refused_naming_the_setting() {
        let r = Reader(&|name| (name == "THROUGHLINE_DB_POOL").then(|| "many".to_owned()));
        assert_eq!(Config::read(&r).unwrap_err(), "THROUGHLINE_DB_POOL=\"many\" is not valid");
        let r = Reader(&|name| (name == "THROUGHLINE_EDI_MAX_ELEMENTS").then(|| "8".to_owned()));
        assert!(Config::read(&r).unwrap_err().contains("at least 16"));
    }

    #[test]
    fn a_secret_is_redacted_in_debug_output() {
        let s = Secret("postgres://u:hunter2@h/db".into());
        assert_eq!(format!("{s:?}"), "[redacted]");
    }
}
