//! Fair share between tenants and clients on one app instance.
//!
//! - A request rate per API client (GCRA from the `governor` crate, counted in this
//!   instance's memory: a fairness limit, not a security one). Past it: 429 with
//!   `Retry-After` and `RateLimit-*` headers.
//! - A bound on one tenant's concurrent API requests (each holds a database connection for
//!   most of its life), so a tenant ingesting flat out cannot take the whole pool: the rest
//!   stays free for other tenants. A request waits its turn for a while, then gets 503.
use super::{ApiClient, Problem};
use domain::tenancy::Scope;
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// How long a request waits for its tenant's turn before it is answered 503.
const WAIT: Duration = Duration::from_secs(10);

pub struct FairShare {
    rate: DefaultKeyedRateLimiter<uuid::Uuid>,
    per_second: u32,
    gates: Mutex<HashMap<String, Arc<Semaphore>>>,
    per_tenant: usize,
}

impl FairShare {
    /// `per_second`: requests per second per API client (bursts of as many); `per_tenant`:
    /// concurrent API requests per tenant.
    pub fn new(per_second: u32, per_tenant: usize) -> Self {
        let per_second = per_second.max(1);
        let q = NonZeroU32::new(per_second).expect("at least one");
        Self { rate: DefaultKeyedRateLimiter::dashmap(Quota::per_second(q)), per_second, gates: Mutex::default(), per_tenant: per_tenant.max(1) }
    }

    /// The concurrent requests one tenant may run: `share_percent` of the pool, at least one.
    pub fn tenant_share(pool: u32, share_percent: u32) -> usize {
        ((pool as usize * share_percent.min(100) as usize) / 100).max(1)
    }

    fn gate(&self, tenant: &str) -> Arc<Semaphore> {
        let mut gates = self.gates.lock().unwrap_or_else(|p| p.into_inner());
        gates.entry(tenant.to_owned()).or_insert_with(|| Arc::new(Semaphore::new(self.per_tenant))).clone()
    }

    /// `Err(seconds)` when the client is over its rate.
    fn check_rate(&self, client: uuid::Uuid) -> Result<(), u64> {
        self.rate.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

fn too_many(limit: u32, retry_after: u64) -> Response {
    let mut r = Problem::new(StatusCode::TOO_MANY_REQUESTS, format!("this API client sends more than {limit} requests per second; retry after {retry_after} s"))
        .retry_after(retry_after as i64)
        .into_response();
    let h = r.headers_mut();
    h.insert("ratelimit-limit", HeaderValue::from(limit));
    h.insert("ratelimit-remaining", HeaderValue::from_static("0"));
    h.insert("ratelimit-reset", HeaderValue::from(retry_after));
    h.insert("ratelimit-policy", HeaderValue::from_str(&format!("{limit};w=1")).unwrap_or(HeaderValue::from_static("1;w=1")));
    r
}

/// The layer (after the bearer check, which names the client).
pub async fn layer(State(st): State<AppState>, req: Request, next: Next) -> Response {
    // Borrowed, not cloned: this runs on every API request.
    let (Some(Scope::Tenant(tenant)), Some(client_id)) = (req.extensions().get::<Scope>(), req.extensions().get::<ApiClient>().and_then(|c| c.0.client_id())) else {
        return next.run(req).await;
    };
    if let Err(retry_after) = st.fair.check_rate(client_id) {
        return too_many(st.fair.per_second, retry_after);
    }
    let gate = st.fair.gate(tenant.slug.as_str());
    let Ok(Ok(_turn)) = tokio::time::timeout(WAIT, gate.acquire_owned()).await else {
        return Problem::new(StatusCode::SERVICE_UNAVAILABLE, "this tenant has too many requests running; retry shortly").retry_after(1).into_response();
    };
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenant_gets_its_share_of_the_pool_and_at_least_one() {
        for (pool, pct, want) in [(6, 75, 4), (10, 50, 5), (1, 50, 1), (6, 0, 1), (6, 200, 6)] {
            assert_eq!(FairShare::tenant_share(pool, pct), want, "{pool} × {pct}%");
        }
    }

    #[test]
    fn a_client_past_its_rate_is_told_when_to_retry_and_others_are_not_affected() {
        let f = FairShare::new(2, 1);
        let (a, b) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
        assert!(f.check_rate(a).is_ok());
        assert!(f.check_rate(a).is_ok());
        assert_eq!(f.check_rate(a), Err(1));
        assert!(f.check_rate(b).is_ok());
    }

    #[tokio::test]
    async fn one_tenants_gate_does_not_hold_another_tenant() {
        let f = FairShare::new(100, 1);
        let held = f.gate("a").acquire_owned().await.unwrap();
        assert!(f.gate("a").try_acquire_owned().is_err(), "a's share is taken");
        assert!(f.gate("b").try_acquire_owned().is_ok(), "b has its own");
        drop(held);
        assert!(f.gate("a").try_acquire_owned().is_ok());
    }
}
