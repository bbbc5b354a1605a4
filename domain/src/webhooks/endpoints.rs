//! Managing a tenant's webhook endpoints: create, change, enable or disable, rotate the
//! secret. Each change is audited. A URL is checked when it is saved (scheme, no
//! credentials, and every address its host resolves to must be public unless allowed).
use super::entity::endpoint;
use super::guard::{self, Allow};
use super::{parse_event_types, sign};
use crate::TenantTxn;
use crate::audit::{self, Actor};
use crate::error::AppError;
use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::QueryOrder;
use sea_orm::prelude::*;
use serde_json::json;

/// How long the previous secret keeps signing after a rotation.
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);

/// What an admin or the API sends to create or change an endpoint.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct EndpointInput {
    /// `https://…` (or `http://`); never an internal address.
    pub url: String,
    #[serde(default)]
    pub description: String,
    /// Kinds (`invoice.posted`), families (`invoice.*`) or `*`.
    pub event_types: Vec<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// A customer's external id: the endpoint is that customer's own, receiving its invoices
    /// (the `webhook` invoice channel) and no business events. Blank: the tenant's endpoint.
    #[serde(default)]
    pub customer: Option<String>,
}

fn yes() -> bool {
    true
}

/// Checks an endpoint URL as typed: scheme, host, no credentials, a sane length.
pub fn parse_url(text: &str) -> Result<url::Url, String> {
    let text = text.trim();
    if text.len() > 2000 {
        return Err("the URL is longer than 2,000 characters".into());
    }
    let url = url::Url::parse(text).map_err(|e| format!("{text:?} is not a URL ({e})"))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(format!("the URL must start with https:// (not {}://)", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("the URL has no host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the URL may not carry a user name or password; receivers verify the signature instead".into());
    }
    Ok(url)
}

/// Resolves the URL's host and applies the SSRF guard to every address.
pub async fn check_url(text: &str, allow: &Allow) -> Result<url::Url, String> {
    let url = parse_url(text)?;
    let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<std::net::IpAddr> = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((host.as_str(), port)).await.map_err(|e| format!("{host} cannot be resolved ({e})"))?.map(|a| a.ip()).collect(),
    };
    guard::check_addresses(&host, &addrs, allow)?;
    Ok(url)
}

/// The customer an endpoint belongs to, if the input names one of this tenant's.
async fn customer_of<C: ConnectionTrait>(c: &C, input: &EndpointInput) -> Result<Option<Uuid>, AppError> {
    use crate::entity::customer;
    let Some(ext) = input.customer.as_deref().map(str::trim).filter(|s| !s.is_empty()) else { return Ok(None) };
    let found = customer::Entity::find().filter(customer::Column::ExternalId.eq(ext)).one(c).await?;
    found.map(|m| Some(m.id)).ok_or_else(|| AppError::Invalid(format!("customer: there is no customer {ext:?}")))
}

async fn checked(input: &EndpointInput, allow: &Allow) -> Result<(String, String), AppError> {
    let url = check_url(&input.url, allow).await.map_err(AppError::Invalid)?;
    let types = parse_event_types(&input.event_types).map_err(AppError::Invalid)?;
    if input.description.chars().count() > 500 {
        return Err(AppError::Invalid("the description is longer than 500 characters".into()));
    }
    Ok((url.to_string(), types))
}

/// Creates an endpoint with a fresh secret.
pub async fn create(txn: &TenantTxn, who: &Actor, input: &EndpointInput, allow: &Allow) -> Result<endpoint::Model, AppError> {
    let (url, types) = checked(input, allow).await?;
    let customer_id = customer_of(txn, input).await?;
    let now = Utc::now();
    let row = endpoint::ActiveModel {
        id: Set(crate::new_id()),
        url: Set(url),
        description: Set(input.description.trim().to_owned()),
        event_types: Set(types),
        enabled: Set(input.enabled),
        secret: Set(sign::new_secret()),
        previous_secret: Set(None),
        previous_until: Set(None),
        failing_since: Set(None),
        disabled_at: Set(None),
        disabled_reason: Set(None),
        customer_id: Set(customer_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    crate::workflow::rules::forget(txn);
    audit::record(txn, who, "webhook.endpoint_created", "webhook_endpoint", &row.id.to_string(), json!({"url": row.url, "event_types": row.event_types, "enabled": row.enabled, "customer": input.customer})).await?;
    Ok(row)
}

/// Changes an endpoint's URL, description, subscriptions and whether it is enabled.
/// Enabling it again clears a disablement and its failure streak.
pub async fn update(txn: &TenantTxn, who: &Actor, id: Uuid, input: &EndpointInput, allow: &Allow) -> Result<endpoint::Model, AppError> {
    let row = get(txn, id).await?;
    // The address is looked up again only when it would matter: a new URL, or enabling. An
    // endpoint whose host no longer resolves can still be disabled or described.
    let recheck = input.url.trim() != row.url || (input.enabled && !row.enabled);
    let (url, types) = if recheck {
        checked(input, allow).await?
    } else {
        (row.url.clone(), parse_event_types(&input.event_types).map_err(AppError::Invalid)?)
    };
    if input.description.chars().count() > 500 {
        return Err(AppError::Invalid("the description is longer than 500 characters".into()));
    }
    let customer_id = customer_of(txn, input).await?;
    let mut am: endpoint::ActiveModel = row.clone().into();
    am.customer_id = Set(customer_id);
    am.url = Set(url);
    am.description = Set(input.description.trim().to_owned());
    am.event_types = Set(types);
    am.enabled = Set(input.enabled);
    if input.enabled && !row.enabled {
        am.disabled_at = Set(None);
        am.disabled_reason = Set(None);
        am.failing_since = Set(None);
    }
    am.updated_at = Set(Utc::now());
    let row = am.update(txn).await?;
    crate::workflow::rules::forget(txn);
    audit::record(txn, who, "webhook.endpoint_changed", "webhook_endpoint", &id.to_string(), json!({"url": row.url, "event_types": row.event_types, "enabled": row.enabled, "customer": input.customer})).await?;
    Ok(row)
}

/// Replaces the secret; the old one keeps signing alongside for [`ROTATION_OVERLAP`].
pub async fn rotate_secret(txn: &TenantTxn, who: &Actor, id: Uuid, now: DateTime<Utc>) -> Result<endpoint::Model, AppError> {
    let row = get(txn, id).await?;
    let mut am: endpoint::ActiveModel = row.clone().into();
    am.previous_secret = Set(Some(row.secret));
    am.previous_until = Set(Some(now + ROTATION_OVERLAP));
    am.secret = Set(sign::new_secret());
    am.updated_at = Set(Utc::now());
    let row = am.update(txn).await?;
    audit::record(txn, who, "webhook.secret_rotated", "webhook_endpoint", &id.to_string(), json!({"previous_valid_until": now + ROTATION_OVERLAP})).await?;
    Ok(row)
}

/// One endpoint of this tenant.
pub async fn get<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<endpoint::Model, AppError> {
    endpoint::Entity::find_by_id(id).one(c).await?.ok_or(AppError::NotFound)
}

/// Every endpoint, oldest first.
pub async fn list<C: ConnectionTrait>(c: &C) -> Result<Vec<endpoint::Model>, DbErr> {
    endpoint::Entity::find().order_by_asc(endpoint::Column::CreatedAt).order_by_asc(endpoint::Column::Id).all(c).await
}

/// The external ids of the customers that own some of `rows`, by customer id.
pub async fn customers_of<C: ConnectionTrait>(c: &C, rows: &[endpoint::Model]) -> Result<std::collections::HashMap<Uuid, String>, DbErr> {
    use crate::entity::customer;
    let ids: Vec<Uuid> = rows.iter().filter_map(|e| e.customer_id).collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(customer::Entity::find().filter(customer::Column::Id.is_in(ids)).all(c).await?.into_iter().map(|m| (m.id, m.external_id)).collect())
}

/// The secret that signs alongside the current one, while the rotation overlap lasts.
pub fn previous_secret(e: &endpoint::Model, now: DateTime<Utc>) -> Option<&str> {
    e.previous_secret.as_deref().filter(|_| e.previous_until.is_some_and(|until| until > now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_before_any_lookup() {
        assert!(parse_url("https://hooks.example.com/in").is_ok());
        for (bad, want) in [
            ("ftp://x.example/", "must start with https://"),
            ("https://user:pw@x.example/", "user name or password"),
            ("not a url", "is not a URL"),
            ("file:///etc/passwd", "must start with https://"),
        ] {
            let err = parse_url(bad).unwrap_err();
            assert!(err.contains(want), "{bad}: {err}");
        }
    }

    #[tokio::test]
    async fn internal_hosts_are_refused_at_save_unless_allowed() {
        let none = Allow::default();
        for url in ["http://127.0.0.1:9/", "http://localhost:9/", "http://169.254.169.254/latest/meta-data", "http://[::1]/", "http://10.0.0.1/"] {
            let err = check_url(url, &none).await.unwrap_err();
            assert!(err.contains("webhooks go only to public addresses"), "{url}: {err}");
        }
        let lo = Allow::parse("127.0.0.1").unwrap();
        assert!(check_url("http://127.0.0.1:9/", &lo).await.is_ok());
    }
}
