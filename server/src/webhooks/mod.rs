//! Webhooks out, the sending side: [`Sender`] posts one delivery; [`run`] keeps every
//! tenant's due deliveries moving; [`deliver_due`] does one round for one tenant at a given
//! time (tests drive the retry schedule with it on a controlled clock).
//!
//! [`run`] keeps up to [`MAX_IN_FLIGHT`] requests going and at most [`PER_ENDPOINT`] per
//! endpoint: a receiver that hangs holds only its own slots for the 15 s limit, and every
//! other endpoint's deliveries keep flowing. Outcomes are settled in batches as they finish.
mod sender;

pub use sender::Sender;

use domain::Db;
use domain::types::TenantSlug;
use domain::webhooks::dispatch::{self, Outcome};
use std::collections::HashMap;
use std::time::Duration;
use tokio::task::JoinSet;
use uuid::Uuid;

/// Requests in flight in one process.
pub const MAX_IN_FLIGHT: usize = 512;
/// Requests in flight to one endpoint from one process.
pub const PER_ENDPOINT: usize = 16;
/// How often tenants are looked at for due deliveries when nothing is in flight.
const POLL: Duration = Duration::from_millis(250);
/// Finds the tenants with a delivery to an enabled endpoint due now (see
/// `Db::tenants_with`; the index `webhook_deliveries_due` answers each).
const DUE_PROBE: &str = "SELECT 1 FROM {schema}.webhook_deliveries d WHERE d.status = 'pending' AND d.next_at <= now() \
                         AND d.endpoint_id IN (SELECT e.id FROM {schema}.webhook_endpoints e WHERE e.enabled)";
/// How often every tenant is probed for due deliveries (between probes, only the tenants
/// found then are claimed from).
const PROBE_EVERY: Duration = Duration::from_secs(1);
/// The most one tenant's deliveries may hold of [`MAX_IN_FLIGHT`] from one claim, so that a
/// tenant with a backlog leaves room for the others.
const PER_TENANT_CLAIM: usize = MAX_IN_FLIGHT / 4;

/// Claims, sends and settles every delivery of `tenant` due at `now`, concurrently; returns
/// how many were attempted.
pub async fn deliver_due(db: &Db, tenant: &TenantSlug, sender: &Sender, now: chrono::DateTime<chrono::Utc>) -> Result<usize, sea_orm::DbErr> {
    let mut total = 0;
    loop {
        let due = dispatch::claim(db, tenant, now, MAX_IN_FLIGHT as u64, PER_ENDPOINT as u64, &[]).await?;
        if due.is_empty() {
            return Ok(total);
        }
        total += due.len();
        let outcomes = futures_util::future::join_all(due.iter().map(|d| sender.send(d))).await;
        dispatch::settle(db, tenant, &outcomes, now).await?;
    }
}

/// Sends every tenant's deliveries as they fall due, until the process ends.
pub async fn run(db: Db, sender: Sender) {
    let mut flights: JoinSet<(TenantSlug, Outcome)> = JoinSet::new();
    let mut per_endpoint: HashMap<Uuid, usize> = HashMap::new();
    let mut tenants: Vec<TenantSlug> = Vec::new();
    let mut listed = std::time::Instant::now() - Duration::from_secs(60);
    let mut start = 0usize;
    let mut due: Vec<TenantSlug> = Vec::new();
    let mut probed = std::time::Instant::now() - PROBE_EVERY;
    loop {
        if listed.elapsed() > Duration::from_secs(5) {
            match domain::tenancy::active_tenant_slugs(&db).await {
                Ok(t) => tenants = t,
                Err(e) => tracing::warn!(error = %e, "listing tenants for webhook delivery failed"),
            }
            listed = std::time::Instant::now();
        }
        // Claims go only to tenants with a delivery due: found by a probe of every tenant
        // (one statement per hundred) at most every PROBE_EVERY, and kept between probes
        // while their claims find deliveries. Each round starts at the next one, so none is
        // always served first.
        if probed.elapsed() >= PROBE_EVERY {
            match db.tenants_with(&tenants, DUE_PROBE).await {
                Ok(found) => due = found,
                Err(e) => tracing::warn!(error = %e, "looking for tenants with due webhook deliveries failed"),
            }
            probed = std::time::Instant::now();
        }
        start = start.wrapping_add(1);
        let n = due.len().max(1);
        let mut idle = Vec::new();
        for tenant in due.iter().cycle().skip(start % n).take(due.len()) {
            let free = MAX_IN_FLIGHT.saturating_sub(flights.len()).min(PER_TENANT_CLAIM);
            if free == 0 {
                break;
            }
            let busy: Vec<Uuid> = per_endpoint.iter().filter(|(_, n)| **n >= PER_ENDPOINT).map(|(id, _)| *id).collect();
            match dispatch::claim(&db, tenant, chrono::Utc::now(), free as u64, PER_ENDPOINT as u64, &busy).await {
                Ok(claimed) => {
                    if claimed.is_empty() && busy.is_empty() {
                        idle.push(tenant.clone());
                    }
                    for d in claimed {
                        *per_endpoint.entry(d.endpoint_id).or_default() += 1;
                        let (sender, tenant) = (sender.clone(), tenant.clone());
                        flights.spawn(async move { (tenant, sender.send(&d).await) });
                    }
                }
                Err(e) => tracing::warn!(tenant = %tenant, error = %e, "claiming webhook deliveries failed; will retry"),
            }
        }
        due.retain(|t| !idle.contains(t));
        let finished = wait_for_some(&mut flights).await;
        let mut by_tenant: HashMap<TenantSlug, Vec<Outcome>> = HashMap::new();
        for (tenant, o) in finished {
            if let Some(n) = per_endpoint.get_mut(&o.endpoint_id) {
                *n -= 1;
                if *n == 0 {
                    per_endpoint.remove(&o.endpoint_id);
                }
            }
            by_tenant.entry(tenant).or_default().push(o);
        }
        for (tenant, outcomes) in by_tenant {
            // A delivery whose outcome is lost here is claimed again when its lease ends.
            if let Err(e) = dispatch::settle(&db, &tenant, &outcomes, chrono::Utc::now()).await {
                tracing::warn!(tenant = %tenant, error = %e, "recording webhook outcomes failed; they will be sent again");
            }
        }
    }
}

/// Waits until at least one request finishes (or the poll interval passes), then takes
/// every one that has finished.
async fn wait_for_some(flights: &mut JoinSet<(TenantSlug, Outcome)>) -> Vec<(TenantSlug, Outcome)> {
    let mut out = Vec::new();
    if flights.is_empty() {
        tokio::time::sleep(POLL).await;
        return out;
    }
    let first = tokio::time::timeout(POLL, flights.join_next()).await;
    if let Ok(Some(res)) = first {
        out.extend(res.ok());
        while let Some(res) = flights.try_join_next() {
            out.extend(res.ok());
        }
    }
    out
}
