//! What the tenant admin's webhook pages show, and the server functions that load it: the
//! endpoints (with their state: enabled, failing since, disabled and why) and one endpoint's
//! latest deliveries, each with its attempts (headers sent, status, response excerpt,
//! duration). Changes are plain form posts to the server (`server/src/admin_webhooks.rs`).
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Where the list lives; one endpoint's page is below it.
pub const LIST: &str = "/workspace/admin/webhooks";

pub fn endpoint_href(id: &str) -> String {
    format!("{LIST}/{id}")
}

/// The event families an endpoint can subscribe to, for the form's help text.
pub const FAMILIES: &str = "order.*, shipment.*, invoice.*, dispute.*, payment.*, exception.*, reminder.sent, or * for everything; a customer's own endpoint takes invoice.posted (its invoices) or edi.810 (the X12 810, to its trading partner's URL)";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct EndpointRow {
    pub id: String,
    pub url: String,
    pub description: String,
    /// Space-separated, as typed back into the form.
    pub event_types: String,
    pub enabled: bool,
    /// The customer (external id) whose own endpoint it is; empty for the tenant's.
    pub customer: String,
    /// "Enabled", "Failing since 3 Dec", "Disabled: every delivery failed since …".
    pub state: String,
    /// Whether the state needs attention.
    pub trouble: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AttemptRow {
    /// RFC 3339.
    pub at: String,
    /// `204`, or the transport error.
    pub outcome: String,
    pub duration_ms: i32,
    pub request_headers: String,
    pub response_excerpt: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DeliveryRow {
    pub id: String,
    pub webhook_id: String,
    pub event_type: String,
    pub status: String,
    pub attempts: i32,
    /// RFC 3339; when a pending delivery is tried next.
    pub next_at: Option<String>,
    pub created_at: String,
    pub tries: Vec<AttemptRow>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct EndpointPage {
    pub endpoint: EndpointRow,
    pub deliveries: Vec<DeliveryRow>,
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use domain::webhooks::entity::endpoint;

    pub fn row(e: endpoint::Model, customers: &std::collections::HashMap<uuid::Uuid, String>) -> EndpointRow {
        let customer = e.customer_id.and_then(|id| customers.get(&id).cloned()).unwrap_or_default();
        let (state, trouble) = match (&e.disabled_reason, e.enabled, e.failing_since) {
            (Some(why), false, _) => (format!("Disabled: {why}"), true),
            (None, false, _) => ("Disabled".to_owned(), false),
            (_, true, Some(since)) => (format!("Failing since {}", since.format("%Y-%m-%d %H:%M UTC")), true),
            (_, true, None) => ("Enabled".to_owned(), false),
        };
        EndpointRow { id: e.id.to_string(), url: e.url, description: e.description, event_types: e.event_types, enabled: e.enabled, customer, state, trouble }
    }
}

/// This tenant's webhook endpoints, for its tenant admins only.
#[server(prefix = "/sfn")]
pub async fn admin_webhooks() -> Result<Vec<EndpointRow>, ServerFnError> {
    use crate::orders::server::internal;
    let (db, t, _) = crate::audit_admin::server::tenant_admin()?;
    let txn = db.tenant_txn(&t.slug).await.map_err(internal)?;
    let rows = domain::webhooks::endpoints::list(&txn).await.map_err(internal)?;
    let customers = domain::webhooks::endpoints::customers_of(&txn, &rows).await.map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    Ok(rows.into_iter().map(|e| server::row(e, &customers)).collect())
}

/// One endpoint with its latest 50 deliveries and their attempts; `None` when this tenant
/// has no such endpoint.
#[server(prefix = "/sfn")]
pub async fn admin_webhook(id: String) -> Result<Option<EndpointPage>, ServerFnError> {
    use crate::orders::server::internal;
    let (db, t, _) = crate::audit_admin::server::tenant_admin()?;
    let Ok(uuid) = uuid::Uuid::parse_str(&id) else { return Ok(None) };
    let txn = db.tenant_txn(&t.slug).await.map_err(internal)?;
    let e = match domain::webhooks::endpoints::get(&txn, uuid).await {
        Ok(e) => e,
        Err(domain::Error::NotFound) => return Ok(None),
        Err(e) => return Err(internal(e)),
    };
    let customers = domain::webhooks::endpoints::customers_of(&txn, std::slice::from_ref(&e)).await.map_err(internal)?;
    let latest = domain::webhooks::deliveries(&txn, uuid, 50).await.map_err(internal)?;
    let ids: Vec<uuid::Uuid> = latest.iter().map(|d| d.id).collect();
    let mut tries_of = domain::webhooks::attempts_of(&txn, &ids).await.map_err(internal)?;
    let mut deliveries = Vec::new();
    for d in latest {
        let tries = tries_of.remove(&d.id).unwrap_or_default();
        deliveries.push(DeliveryRow {
            id: d.id.to_string(),
            webhook_id: d.webhook_id,
            event_type: d.event_type,
            status: d.status,
            attempts: d.attempts,
            next_at: d.next_attempt_at.map(|t| t.to_rfc3339()),
            created_at: d.created_at.to_rfc3339(),
            tries: tries
                .into_iter()
                .map(|a| AttemptRow {
                    at: a.at.to_rfc3339(),
                    outcome: a.status.map(|s| format!("HTTP {s}")).or(a.error).unwrap_or_default(),
                    duration_ms: a.duration_ms,
                    request_headers: a.request_headers,
                    response_excerpt: a.response_excerpt,
                })
                .collect(),
        });
    }
    txn.commit().await.map_err(internal)?;
    Ok(Some(EndpointPage { endpoint: server::row(e, &customers), deliveries }))
}
