//! The audit trail page's data: the tenant's entries (filtered, newest first, keyset pages),
//! the chain verification on request, and the filters as they travel in the query string
//! (shared with the CSV export at `/workspace/admin/audit.csv`). Tenant admins only.
//!
//! Dates are entered as the viewer's local dates. The server does not know the viewer's time
//! zone, so once the page has hydrated the filter form also sends the instants at which the
//! chosen days start and end there (`from_at`, `to_at`, computed by the browser for each date,
//! so a daylight-saving change between today and that date is right too). Without scripts the
//! dates are read as UTC days, and the form says so.
use crate::href::{non_empty, with_query};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Entries per page.
pub const PAGE: u64 = 50;

/// The page's address.
pub const PATH: &str = "/workspace/admin/audit";

/// The trail's filters and position, as they appear in the query string.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct AuditQuery {
    /// Part of the actor's name or id.
    pub actor: Option<String>,
    /// The start of the action, e.g. `job.`.
    pub action: Option<String>,
    pub kind: Option<String>,
    pub entity: Option<String>,
    /// First day shown, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last day shown, `YYYY-MM-DD`.
    pub to: Option<String>,
    /// The instant `from` starts in the viewer's time zone (RFC 3339), sent by the browser.
    pub from_at: Option<String>,
    /// The instant the day after `to` starts in the viewer's time zone.
    pub to_at: Option<String>,
    /// Show entries before this chain position (the last one of the previous page).
    pub after: Option<i64>,
    /// Verify the whole chain and show the result.
    pub verify: bool,
}

impl AuditQuery {
    /// Reads the query string's parameters (`get` answers one by name).
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        AuditQuery {
            actor: text("actor"),
            action: text("action"),
            kind: text("kind"),
            entity: text("entity"),
            from: text("from"),
            to: text("to"),
            from_at: text("from_at"),
            to_at: text("to_at"),
            after: text("after").and_then(|a| a.parse().ok()),
            verify: text("verify").is_some_and(|v| v == "1" || v == "true"),
        }
    }

    /// This page with the same filters, before chain position `after`.
    pub fn href(&self, after: Option<i64>) -> String {
        let after = after.map(|a| ("after", a.to_string()));
        self.link(PATH, after.as_ref().map(|(k, v)| (*k, v.as_str())))
    }

    /// This page with the same filters and the chain verified.
    pub fn verify_href(&self) -> String {
        self.link(PATH, Some(("verify", "1")))
    }

    /// The CSV export of every entry these filters match.
    pub fn csv_href(&self) -> String {
        self.link("/workspace/admin/audit.csv", None)
    }

    fn link(&self, base: &str, extra: Option<(&str, &str)>) -> String {
        let fields = [
            ("actor", &self.actor),
            ("action", &self.action),
            ("kind", &self.kind),
            ("entity", &self.entity),
            ("from", &self.from),
            ("to", &self.to),
            ("from_at", &self.from_at),
            ("to_at", &self.to_at),
        ];
        with_query(base, fields.into_iter().filter_map(|(k, v)| Some((k, non_empty(v)?))).chain(extra))
    }

    /// The filters for `domain::audit::list`, or a sentence saying which field is wrong.
    #[cfg(feature = "ssr")]
    pub fn filter(&self) -> Result<domain::audit::AuditFilter, String> {
        Ok(domain::audit::AuditFilter {
            actor: self.actor.clone(),
            action: self.action.clone(),
            entity_kind: self.kind.clone(),
            entity_id: self.entity.clone(),
            from: server::day_start(self.from.as_deref(), self.from_at.as_deref(), 0, "From")?,
            to: server::day_start(self.to.as_deref(), self.to_at.as_deref(), 1, "To")?,
        })
    }
}

/// One entry as the page shows it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AuditRow {
    pub seq: i64,
    /// UTC, RFC 3339; shown in the viewer's local time.
    pub at: String,
    /// E.g. "user Dana Clerk", "rule credit_check v3".
    pub actor: String,
    pub action: String,
    pub entity_kind: String,
    pub entity_id: String,
    pub payload: String,
}

/// The result of checking the chain.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ChainCheck {
    pub intact: bool,
    /// "1234 entries, chain intact" or "chain broken at entry 57: <reason>".
    pub text: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct AuditPageData {
    pub rows: Vec<AuditRow>,
    /// The `after` of the next (older) page, when there is one.
    pub next_after: Option<i64>,
    pub check: Option<ChainCheck>,
    /// Why the filters could not be applied.
    pub error: Option<String>,
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use super::*;
    use chrono::{DateTime, Days, NaiveDate, Utc};
    use domain::auth::Principal;
    use domain::tenancy::{Scope, TenantInfo};
    use domain::types::Role;

    /// The tenant and its signed-in tenant admin. Anyone else gets an error, and the page
    /// that asked answers 403, so that a refusal is not a 200 with an error inside.
    pub fn tenant_admin() -> Result<(domain::Db, TenantInfo, Principal), ServerFnError> {
        let parts: http::request::Parts = use_context().ok_or_else(|| ServerFnError::new("no request context"))?;
        let me = parts.extensions.get::<Principal>().cloned().ok_or_else(|| ServerFnError::new("sign in first"))?;
        if me.role != Role::TenantAdmin {
            if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
                r.set_status(http::StatusCode::FORBIDDEN);
            }
            return Err(ServerFnError::new("This page is for tenant admins."));
        }
        let Some(Scope::Tenant(t)) = parts.extensions.get::<Scope>().cloned() else { return Err(ServerFnError::new("not a tenant host")) };
        let db = parts.extensions.get::<domain::Db>().cloned().ok_or_else(|| ServerFnError::new("no database"))?;
        Ok((db, t, me))
    }

    /// The instant a filter day starts: the browser's `at` for it when the day is given and
    /// `at` came along, else the UTC midnight `plus_days` after `day`.
    pub fn day_start(day: Option<&str>, at: Option<&str>, plus_days: u64, field: &str) -> Result<Option<DateTime<Utc>>, String> {
        let given = |v: Option<&str>| v.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let Some(day) = given(day) else { return Ok(None) };
        if let Some(at) = given(at) {
            let t = DateTime::parse_from_rfc3339(&at).map_err(|_| format!("{field}: {at:?} is not a time"))?;
            return Ok(Some(t.with_timezone(&Utc)));
        }
        let d = NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|_| format!("{field}: {day:?} is not a date (YYYY-MM-DD)"))?;
        let d = d.checked_add_days(Days::new(plus_days)).ok_or_else(|| format!("{field}: {day:?} is out of range"))?;
        Ok(Some(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()))
    }

    pub fn row(e: domain::audit::Entry) -> AuditRow {
        AuditRow {
            at: e.at.to_rfc3339(),
            actor: e.actor_label(),
            seq: e.seq,
            action: e.action,
            entity_kind: e.entity_kind,
            entity_id: e.entity_id,
            payload: e.payload,
        }
    }
}

/// One page of the tenant's audit trail, and the chain's verification when asked for.
#[server(prefix = "/sfn", input = Json)]
pub async fn audit_page(query: AuditQuery) -> Result<AuditPageData, ServerFnError> {
    use crate::orders::server::internal;
    let (db, t, _) = server::tenant_admin()?;
    let filter = match query.filter() {
        Ok(f) => f,
        Err(m) => return Ok(AuditPageData { error: Some(m), ..Default::default() }),
    };
    let txn = db.tenant_txn(&t.slug).await.map_err(internal)?;
    // One more than a page tells whether an older page exists.
    let mut entries = domain::audit::list(&txn, &filter, query.after, PAGE + 1).await.map_err(internal)?;
    let check = if query.verify { Some(domain::audit::verify(&txn).await.map_err(internal)?) } else { None };
    // Only reads: nothing to commit.
    txn.rollback().await.map_err(internal)?;
    let more = entries.len() as u64 > PAGE;
    entries.truncate(PAGE as usize);
    Ok(AuditPageData {
        next_after: entries.last().filter(|_| more).map(|e| e.seq),
        rows: entries.into_iter().map(server::row).collect(),
        check: check.map(|v| ChainCheck { intact: v.is_intact(), text: v.to_string() }),
        error: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_filters_and_encode_them() {
        let q = AuditQuery { actor: Some("Dana C".into()), action: Some("job.".into()), after: Some(9), verify: true, ..Default::default() };
        assert_eq!(q.href(Some(40)), "/workspace/admin/audit?actor=Dana%20C&action=job.&after=40");
        assert_eq!(q.href(None), "/workspace/admin/audit?actor=Dana%20C&action=job.");
        assert_eq!(q.verify_href(), "/workspace/admin/audit?actor=Dana%20C&action=job.&verify=1");
        assert_eq!(q.csv_href(), "/workspace/admin/audit.csv?actor=Dana%20C&action=job.");
        assert_eq!(AuditQuery::default().href(None), PATH);
    }

    #[test]
    fn query_parameters_read_back_as_the_same_query() {
        let q = AuditQuery { kind: Some("job".into()), from: Some("2026-03-01".into()), after: Some(12), verify: true, ..Default::default() };
        let url = q.href(Some(12)) + "&verify=1";
        let params: Vec<(String, String)> =
            url.split_once('?').unwrap().1.split('&').map(|p| p.split_once('=').map(|(k, v)| (k.into(), v.into())).unwrap()).collect();
        let read = AuditQuery::from_params(|k| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()));
        assert_eq!(read, q);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn days_are_utc_midnights_unless_the_browser_sent_the_local_instant() {
        use server::day_start;
        let utc = |s: &str| Some(chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc));
        let cases = [
            ((Some("2026-03-01"), None, 0), Ok(utc("2026-03-01T00:00:00Z"))),
            ((Some("2026-03-01"), None, 1), Ok(utc("2026-03-02T00:00:00Z"))),
            ((Some("2026-03-01"), Some("2026-03-01T05:00:00.000Z"), 0), Ok(utc("2026-03-01T05:00:00Z"))),
            ((None, Some("2026-03-01T05:00:00.000Z"), 0), Ok(None)),
            ((Some(" "), None, 0), Ok(None)),
            ((Some("1/3/2026"), None, 0), Err("From: \"1/3/2026\" is not a date (YYYY-MM-DD)".to_owned())),
            ((Some("2026-03-01"), Some("soon"), 0), Err("From: \"soon\" is not a time".to_owned())),
        ];
        for ((day, at, plus), want) in cases {
            assert_eq!(day_start(day, at, plus, "From"), want, "{day:?} {at:?} +{plus}");
        }
    }
}
