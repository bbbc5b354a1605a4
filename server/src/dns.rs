//! TXT look-ups for custom domains' verification (see [`domain::domains`]), with
//! `hickory-resolver`: the maintained pure-Rust resolver on tokio, which tells "no such
//! record" (an answer: the domain is not verified) from "no answer" (a timeout or a server
//! failure: nothing changes). Its cache is off, so a record just added or removed is seen
//! at the next check. `THROUGHLINE_DNS_SERVER` (`host:port`) points it at one server (the
//! tests' on loopback); otherwise it uses the system's resolvers.
use domain::domains::{Lookup, TxtLookup};
use domain::jobs::async_trait;
use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::ProtoErrorKind;
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::xfer::Protocol;
use hickory_resolver::TokioResolver;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// The configured resolver; when the system's configuration cannot be read, every look-up
/// fails saying why (and changes nothing).
pub fn resolver(config: &crate::config::Config) -> Arc<dyn TxtLookup> {
    match Dns::new(config.dns_server) {
        Ok(dns) => Arc::new(dns),
        Err(e) => {
            tracing::error!(error = %e, "custom domains cannot be checked");
            Arc::new(Unavailable(e))
        }
    }
}

struct Unavailable(String);

#[async_trait]
impl TxtLookup for Unavailable {
    async fn txt(&self, _name: &str) -> Lookup {
        Lookup::Failed(self.0.clone())
    }
}

pub struct Dns(TokioResolver);

impl Dns {
    /// A resolver asking `server`, or the system's resolvers.
    pub fn new(server: Option<SocketAddr>) -> Result<Dns, String> {
        let mut opts = ResolverOpts::default();
        opts.cache_size = 0;
        opts.timeout = Duration::from_secs(5);
        opts.attempts = 2;
        let builder = match server {
            Some(addr) => {
                let mut config = ResolverConfig::new();
                config.add_name_server(NameServerConfig::new(addr, Protocol::Udp));
                TokioResolver::builder_with_config(config, TokioConnectionProvider::default())
            }
            None => TokioResolver::builder_tokio().map_err(|e| format!("the system's DNS configuration cannot be read: {e}"))?,
        };
        Ok(Dns(builder.with_options(opts).build()))
    }
}

#[async_trait]
impl TxtLookup for Dns {
    async fn txt(&self, name: &str) -> Lookup {
        // A fully qualified name: no search domain is appended.
        match self.0.txt_lookup(format!("{name}.")).await {
            Ok(found) => Lookup::Found(found.iter().map(|txt| txt.txt_data().iter().map(|part| String::from_utf8_lossy(part)).collect::<String>()).collect()),
            // An answer that the name or its record does not exist; a server failure or refusal
            // (also reported as "no records") is no answer.
            Err(e) => match e.proto().map(|p| p.kind()) {
                Some(ProtoErrorKind::NoRecordsFound { response_code: ResponseCode::NXDomain | ResponseCode::NoError, .. }) => Lookup::Found(Vec::new()),
                _ => Lookup::Failed(e.to_string()),
            },
        }
    }
}
