//! Posts one webhook delivery: the Standard Webhooks headers, a 15 s limit, no redirects,
//! and the SSRF guard applied to the addresses the host resolves to at send time (a DNS
//! answer that changed since the endpoint was saved cannot reach inside).
use domain::webhooks::dispatch::{Due, Outcome};
use domain::webhooks::guard::{self, Allow};
use domain::webhooks::{schedule, sign};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The longest response excerpt kept for the admin.
const EXCERPT_CHARS: usize = 1000;

/// Resolves with the system resolver, then refuses internal addresses.
struct GuardedResolver {
    allow: Allow,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let ips: Vec<IpAddr> = addrs.iter().map(SocketAddr::ip).collect();
            guard::check_addresses(&host, &ips, &allow)?;
            let out: Addrs = Box::new(addrs.into_iter());
            Ok(out)
        })
    }
}

/// Sends deliveries; one per process (it pools connections per receiver).
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    allow: Allow,
    user_agent: String,
}

impl Sender {
    /// The client, or why it cannot be built (then no webhook is sent: the guard, timeouts
    /// and redirect policy are never given up for a default client).
    pub fn new(allow: Allow) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(schedule::TIMEOUT_SECS))
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            // A proxy from the environment would be resolved instead of the receiver, and the
            // guard would check the wrong address.
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver { allow: allow.clone() }))
            .pool_max_idle_per_host(32)
            .build()
            .map_err(|e| format!("the webhook HTTP client cannot be built: {e}"))?;
        Ok(Sender { client, allow, user_agent: format!("Throughline-Webhooks/{}", env!("CARGO_PKG_VERSION")) })
    }

    /// Posts `due` and says what came of it; never fails (a failure is an outcome).
    pub async fn send(&self, due: &Due) -> Outcome {
        let at = chrono::Utc::now();
        let started = Instant::now();
        let (headers, result) = match self.prepare(due, at.timestamp()) {
            Ok(headers) => {
                let text = headers.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("\n");
                (text, self.post(due, &headers).await)
            }
            Err(e) => (String::new(), Err(e)),
        };
        let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        let (status, response_excerpt, error) = match result {
            Ok((status, body)) => (Some(status), body, None),
            Err(e) => (None, String::new(), Some(e)),
        };
        Outcome { delivery_id: due.delivery_id, endpoint_id: due.endpoint_id, attempt: due.attempt, at, request_headers: headers, status, response_excerpt, error, duration_ms }
    }

    fn prepare(&self, due: &Due, ts: i64) -> Result<Vec<(&'static str, String)>, String> {
        // A literal address in the URL is not resolved, so it is checked here.
        let url = reqwest::Url::parse(&due.url).map_err(|e| format!("the endpoint URL is not valid: {e}"))?;
        if let Some(host) = url.host_str() {
            if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
                guard::check_addresses(host, &[ip], &self.allow)?;
            }
        }
        let signature = sign::header(&due.secret, due.previous_secret.as_deref(), &due.webhook_id, ts, due.body.as_bytes())?;
        Ok(vec![
            ("content-type", due.content_type.to_owned()),
            ("user-agent", self.user_agent.clone()),
            ("webhook-id", due.webhook_id.clone()),
            ("webhook-timestamp", ts.to_string()),
            ("webhook-signature", signature),
        ])
    }

    async fn post(&self, due: &Due, headers: &[(&'static str, String)]) -> Result<(u16, String), String> {
        let mut req = self.client.post(&due.url).body(due.body.clone());
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let mut resp = req.send().await.map_err(describe)?;
        let status = resp.status().as_u16();
        // Only the start of the answer is kept: a receiver streaming for 15 s costs no memory.
        let mut body: Vec<u8> = Vec::new();
        while body.len() < EXCERPT_CHARS * 4 {
            match resp.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                _ => break,
            }
        }
        Ok((status, String::from_utf8_lossy(&body).chars().take(EXCERPT_CHARS).collect()))
    }
}

/// A transport error in words an admin can act on (the guard's refusal included).
fn describe(e: reqwest::Error) -> String {
    use std::error::Error;
    let mut text = if e.is_timeout() { format!("no answer within {} s", schedule::TIMEOUT_SECS) } else if e.is_connect() { "could not connect".to_owned() } else { "the request failed".to_owned() };
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}
