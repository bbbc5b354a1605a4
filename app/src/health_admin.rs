//! Health across tenants as the partner console shows it: a row of figures per tenant (from
//! the platform's `tenant_health`, written by each tenant's `health.snapshot` job), sorted by
//! trouble, with a sparkline of events per day; and a page per tenant with its last 14 days.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A tenant's health page.
pub fn health_href(slug: &str) -> String {
    format!("/partner/tenants/{slug}/health")
}

/// The latest measurement of a tenant, in words and figures for the console.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct HealthView {
    pub trouble: i32,
    pub open_exceptions: i32,
    pub sla_breaches: i32,
    /// `3 d`, `5 h`, `12 min`; empty when nothing is open.
    pub oldest_open: String,
    pub dead_jobs: i32,
    /// `12 %` of the last 24 hours' attempts; empty when there were none.
    pub webhook_failures: String,
    pub undelivered_invoices: i32,
    /// `12 min ago`, or `never`.
    pub last_event: String,
    pub events_last_hour: i32,
    pub ingestion_errors: i32,
    /// Events per day, oldest first, one value per day of the last 14 (0 for a day without a
    /// measurement).
    pub spark: Vec<i32>,
    /// `4 min ago`: when it was measured.
    pub measured: String,
}

/// One day of a tenant's health page.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DayView {
    pub day: String,
    pub trouble: i32,
    pub open_exceptions: i32,
    pub sla_breaches: i32,
    pub dead_jobs: i32,
    pub webhook_failures: String,
    pub undelivered_invoices: i32,
    pub events_day: i32,
    pub ingestion_errors: i32,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TenantHealthView {
    pub name: String,
    pub slug: String,
    pub latest: Option<HealthView>,
    /// Newest first.
    pub days: Vec<DayView>,
}

/// `4 min`, `5 h`, `3 d`.
pub fn age(secs: i64) -> String {
    match secs.max(0) {
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{} h", s / 3600),
        s => format!("{} d", s / 86_400),
    }
}

#[cfg(feature = "ssr")]
fn percent(failures: i32, attempts: i32) -> String {
    if attempts == 0 { String::new() } else { format!("{} %", failures * 100 / attempts) }
}

/// A tenant's console figures from its rows of the last days (oldest first).
#[cfg(feature = "ssr")]
pub fn summarize(rows: &[&domain::health::Health], now: chrono::DateTime<chrono::Utc>) -> Option<HealthView> {
    let last = rows.last()?;
    let today = now.date_naive();
    let spark = (0..domain::health::DAYS).rev().map(|back| today - chrono::Duration::days(back)).map(|d| rows.iter().find(|r| r.day == d).map(|r| r.events_day).unwrap_or(0)).collect();
    Some(HealthView {
        trouble: last.trouble,
        open_exceptions: last.open_exceptions,
        sla_breaches: last.sla_breaches,
        oldest_open: last.oldest_open_at.map(|t| age((now - t).num_seconds())).unwrap_or_default(),
        dead_jobs: last.dead_jobs,
        webhook_failures: percent(last.webhook_failures, last.webhook_attempts),
        undelivered_invoices: last.undelivered_invoices,
        last_event: last.last_event_at.map(|t| format!("{} ago", age((now - t).num_seconds()))).unwrap_or_else(|| "never".into()),
        events_last_hour: last.events_last_hour,
        ingestion_errors: last.ingestion_errors,
        spark,
        measured: format!("{} ago", age((now - last.measured_at).num_seconds())),
    })
}

/// Tenant `slug`'s health, for its partner's admins (and the platform operator) only.
#[server(prefix = "/sfn")]
pub async fn health_data(slug: String) -> Result<TenantHealthView, ServerFnError> {
    let (db, t) = crate::branding_admin::console_tenant_to_view(&slug).await?;
    let now = chrono::Utc::now();
    let rows = domain::health::recent(&db, &[t.id], now.date_naive()).await.map_err(crate::orders::server::internal)?;
    let refs: Vec<&domain::health::Health> = rows.iter().collect();
    let days = rows
        .iter()
        .rev()
        .map(|r| DayView {
            day: r.day.format("%a %-d %b").to_string(),
            trouble: r.trouble,
            open_exceptions: r.open_exceptions,
            sla_breaches: r.sla_breaches,
            dead_jobs: r.dead_jobs,
            webhook_failures: percent(r.webhook_failures, r.webhook_attempts),
            undelivered_invoices: r.undelivered_invoices,
            events_day: r.events_day,
            ingestion_errors: r.ingestion_errors,
        })
        .collect();
    Ok(TenantHealthView { latest: summarize(&refs, now), name: t.name, slug: t.slug, days })
}

/// One page of the partner console's tenant list, with the counts above it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct TenantListView {
    pub rows: Vec<crate::TenantSummary>,
    pub total: usize,
    pub matching: usize,
    pub in_trouble: usize,
    pub page: usize,
    pub pages: usize,
    /// Whether the signed-in user may change tenants (a partner viewer may not).
    pub can_change: bool,
}

/// The console's tenants: the signed-in partner's own only (every tenant for the platform
/// operator), matching `q`, most trouble first, page `page` (from 1).
#[server(prefix = "/sfn")]
pub async fn console_tenants(q: Option<String>, page: Option<usize>) -> Result<TenantListView, ServerFnError> {
    let parts: http::request::Parts = use_context().ok_or_else(|| ServerFnError::new("no request context"))?;
    let me = parts.extensions.get::<domain::auth::Principal>().cloned().ok_or_else(|| ServerFnError::new("sign in first"))?;
    if !matches!(parts.extensions.get::<domain::tenancy::Scope>(), Some(domain::tenancy::Scope::Platform)) {
        return Err(ServerFnError::new("The partner console is not served at this address."));
    }
    let db = parts.extensions.get::<domain::Db>().cloned().ok_or_else(|| ServerFnError::new("no database"))?;
    // The console is served on the base domain only, so its tenants are its subdomains.
    let host = parts.headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost").to_owned();
    let now = chrono::Utc::now();
    let l = domain::console::list(&db, &me, q.as_deref().unwrap_or(""), page.unwrap_or(1), domain::console::PER_PAGE, now.date_naive()).await.map_err(crate::orders::server::internal)?;
    let rows = l
        .rows
        .into_iter()
        .map(|t| {
            let mine: Vec<&domain::health::Health> = t.health.iter().collect();
            crate::TenantSummary {
                url: format!("//{}.{host}", t.slug),
                health: summarize(&mine, now),
                name: t.name,
                product_name: t.product_name,
                slug: t.slug,
                primary_color: t.primary_color,
                active: t.active,
            }
        })
        .collect();
    let can_change = matches!(me.role, domain::types::Role::PartnerAdmin | domain::types::Role::PlatformAdmin);
    Ok(TenantListView { rows, total: l.total, matching: l.matching, in_trouble: l.in_trouble, page: l.page, pages: l.pages, can_change })
}

/// Events per day as a small line (inline SVG, no script): `label` names it for readers.
#[component]
pub fn Sparkline(values: Vec<i32>, label: String) -> impl IntoView {
    let (w, h) = (84.0_f64, 18.0_f64);
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = if values.len() > 1 { w / (values.len() - 1) as f64 } else { w };
    let points: String = values.iter().enumerate().map(|(i, v)| format!("{:.1},{:.1} ", i as f64 * step, h - 1.0 - (*v as f64 / max) * (h - 2.0))).collect();
    view! {
        <svg width="84" height="18" viewBox="0 0 84 18" role="img" aria-label=label class="inline-block align-middle">
            <polyline points=points fill="none" stroke="currentColor" stroke-width="1.5"/>
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_in_the_largest_whole_unit() {
        assert_eq!(age(59), "0 min");
        assert_eq!(age(125), "2 min");
        assert_eq!(age(3 * 3600 + 5), "3 h");
        assert_eq!(age(2 * 86_400 + 7200), "2 d");
        assert_eq!(age(-5), "0 min");
        assert_eq!(percent(1, 3), "33 %");
        assert_eq!(percent(0, 0), "");
    }
}
