//! What the exception queue pages show — a queue with its filters and counts per type, "my
//! work", the workspace home's queue counts — and the server functions that read it. The
//! actions are plain form posts to `server/src/queue_forms.rs`, so they work before (or
//! without) the wasm and keep one code path; these functions only read.
//!
//! SLA texts ("2 h 10 min left") are computed on the server when the page is rendered and
//! travel with the data, so the hydrated page shows exactly what the server rendered.
use crate::href::with_query;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Rows per page of a queue and of "my work".
pub const PAGE: u64 = 50;

/// The "my work" page's address.
pub const MY_WORK: &str = "/workspace/work";

/// The queues by stored name and label. Mirrors `domain::workflow::Queue`, which the
/// browser build does not have.
pub const QUEUES: [(&str, &str); 4] = [("credit", "Credit"), ("ar", "Accounts receivable"), ("customer_service", "Customer service"), ("admin", "Admin")];

/// A queue's label, or `None` for a name that is no queue.
pub fn queue_label(queue: &str) -> Option<&'static str> {
    QUEUES.iter().find(|(q, _)| *q == queue).map(|(_, l)| *l)
}

/// The queue a role (stored name) works first; mirrors `Queue::home_of`.
pub fn home_queue(role: &str) -> &'static str {
    match role {
        "ar_clerk" => "ar",
        "customer_service" => "customer_service",
        _ => "admin",
    }
}

/// A queue page's address.
pub fn queue_href(queue: &str) -> String {
    format!("/workspace/queues/{queue}")
}

/// An exception page's address.
pub fn exception_href(id: &str) -> String {
    format!("/workspace/exceptions/{id}")
}

/// `credit_hold` → `Credit hold`.
pub fn kind_label(kind: &str) -> String {
    let text = kind.replace('_', " ");
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// `130` → `2 h 10 min`, `3000` → `2 d 2 h`.
fn span_text(minutes: u64) -> String {
    let (d, h, m) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (d, h, m) {
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// Where an exception stands against its SLA in words: `2 h 10 min left`, `breached 35 min
/// ago`; `minutes_left` is the due time minus now, `state` the SLA state (`breached`,
/// `due_soon`, `ok`, `none`).
pub fn sla_text(state: &str, minutes_left: i64) -> String {
    let span = minutes_left.unsigned_abs();
    match state {
        "none" => "—".into(),
        "breached" if span == 0 => "breached just now".into(),
        "breached" => format!("breached {} ago", span_text(span)),
        _ if span == 0 => "under a minute left".into(),
        _ => format!("{} left", span_text(span)),
    }
}

/// A queue page's filters and position, as they appear in the query string.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct QueueQuery {
    pub kind: Option<String>,
    /// The customer's external id.
    pub customer: Option<String>,
    /// Opened at least this many hours ago.
    pub age: Option<String>,
    /// `breached`, `due_soon` or `ok`.
    pub sla: Option<String>,
    /// `active` (the default: all but resolved), `open`, `claimed`, `escalated`, `resolved`, `all`.
    pub status: Option<String>,
    pub after: Option<String>,
}

impl QueueQuery {
    /// Reads the query string's parameters (`get` answers one by name).
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |k: &str| get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        QueueQuery { kind: text("kind"), customer: text("customer"), age: text("age"), sla: text("sla"), status: text("status"), after: text("after") }
    }

    /// The queue's page with these filters, after the cursor `after`.
    pub fn href(&self, queue: &str, after: Option<&str>) -> String {
        self.link(queue_href(queue), after)
    }

    /// The CSV export of every exception of the queue these filters match.
    pub fn csv_href(&self, queue: &str) -> String {
        self.link(format!("{}/export.csv", queue_href(queue)), None)
    }

    fn link(&self, base: String, after: Option<&str>) -> String {
        let fields = [("kind", &self.kind), ("customer", &self.customer), ("age", &self.age), ("sla", &self.sla), ("status", &self.status)];
        with_query(&base, fields.into_iter().filter_map(|(k, v)| Some((k, v.as_deref()?))).chain(after.map(|a| ("after", a))))
    }

    /// The same filters with another type (a chip), from the first page.
    pub fn with_kind(&self, kind: Option<&str>) -> Self {
        QueueQuery { kind: kind.map(str::to_owned), after: None, ..self.clone() }
    }
}

/// An exception as a queue row shows it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct QueueRow {
    pub id: String,
    pub reference: String,
    pub kind: String,
    pub status: String,
    pub severity: String,
    pub escalated: bool,
    pub customer: String,
    pub customer_name: String,
    pub order_number: Option<String>,
    pub invoice_number: Option<String>,
    /// Empty when nobody holds it.
    pub assignee: String,
    /// `breached`, `due_soon`, `ok` or `none`.
    pub sla_state: String,
    /// `2 h 10 min left`, `breached 35 min ago`.
    pub sla_text: String,
    /// UTC, RFC 3339.
    pub sla_due_at: Option<String>,
    pub opened_at: String,
}

/// Exceptions of one type in the queue (under the filters other than type and status).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct KindCount {
    pub kind: String,
    pub count: i64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct QueuePageData {
    pub queue: String,
    pub label: String,
    pub rows: Vec<QueueRow>,
    pub next: Option<String>,
    pub counts: Vec<KindCount>,
    /// Whether the viewer's role works this queue (may claim and resolve here).
    pub may_work: bool,
    /// The resolution codes that fit the types on this page.
    pub codes: Vec<String>,
    /// Why the filters could not be applied.
    pub error: Option<String>,
}

/// A queue the viewer works, with its active and breached counts.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct QueueCount {
    pub queue: String,
    pub label: String,
    pub open: i64,
    pub breached: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct QueueSummaryData {
    pub queues: Vec<QueueCount>,
    pub my_work: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MyWorkData {
    pub rows: Vec<QueueRow>,
    pub next: Option<String>,
}

/// The server side of these pages, shared with the queue's CSV export.
#[cfg(feature = "ssr")]
pub mod server {
    use super::*;
    use chrono::{DateTime, Utc};
    use domain::auth::Principal;
    use domain::tenancy::{Scope, TenantInfo};
    use domain::types::Role;
    use domain::workflow::actions::{CREDIT_HOLD_CODES, RESOLUTION_CODES};
    use domain::workflow::queues::{ExceptionRow, QueueFilter, counts_by_kind};

    /// The tenant and its signed-in staff member. Anyone else gets an error and the page
    /// answers 403 (the middleware sends visitors and customers elsewhere first).
    pub fn staff() -> Result<(domain::Db, TenantInfo, Principal), ServerFnError> {
        let parts: http::request::Parts = use_context().ok_or_else(|| ServerFnError::new("no request context"))?;
        let me = parts.extensions.get::<Principal>().cloned().ok_or_else(|| ServerFnError::new("sign in first"))?;
        if !matches!(me.role, Role::TenantAdmin | Role::ArClerk | Role::CustomerService) {
            if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
                r.set_status(http::StatusCode::FORBIDDEN);
            }
            return Err(ServerFnError::new("The exception queues are for staff."));
        }
        let Some(Scope::Tenant(t)) = parts.extensions.get::<Scope>().cloned() else { return Err(ServerFnError::new("not a tenant host")) };
        let db = parts.extensions.get::<domain::Db>().cloned().ok_or_else(|| ServerFnError::new("no database"))?;
        Ok((db, t, me))
    }

    /// An exception as a row, its SLA in words at `now`.
    pub fn row(x: ExceptionRow, now: DateTime<Utc>) -> QueueRow {
        let left = x.sla_due_at.map_or(0, |d| (d - now).num_minutes());
        QueueRow {
            id: x.id.to_string(),
            sla_text: if x.sla_due_at.is_none() { "no SLA".into() } else { sla_text(&x.sla_state, left) },
            sla_due_at: x.sla_due_at.map(|d| d.to_rfc3339()),
            opened_at: x.opened_at.to_rfc3339(),
            customer: x.customer.unwrap_or_default(),
            customer_name: x.customer_name.unwrap_or_default(),
            assignee: x.assignee.unwrap_or_default(),
            reference: x.reference,
            kind: x.kind,
            status: x.status,
            severity: x.severity,
            escalated: x.escalated,
            order_number: x.order_number,
            invoice_number: x.invoice_number,
            sla_state: x.sla_state,
        }
    }

    /// The codes a bulk resolve offers: a credit hold's own where credit holds are listed,
    /// the general ones where anything else is (or nothing is).
    pub fn codes_for(rows: &[QueueRow]) -> Vec<String> {
        let holds = rows.iter().any(|r| r.kind == "credit_hold");
        let others = rows.is_empty() || rows.iter().any(|r| r.kind != "credit_hold");
        let mut codes: Vec<&str> = Vec::new();
        if holds {
            codes.extend(CREDIT_HOLD_CODES);
        }
        if others {
            codes.extend(RESOLUTION_CODES);
        }
        codes.into_iter().map(str::to_owned).collect()
    }

    /// How many active exceptions match `f` (its type and status aside, as in `counts_by_kind`).
    pub async fn count(txn: &domain::TenantTxn, f: &QueueFilter, now: DateTime<Utc>) -> domain::Result<i64> {
        Ok(counts_by_kind(txn, f, now).await?.iter().map(|(_, n)| n).sum())
    }

    /// The filter of a queue page, or a sentence saying which field is wrong.
    pub fn filter(queue: &str, q: &QueueQuery) -> Result<QueueFilter, String> {
        let min_age_hours = match q.age.as_deref() {
            None => None,
            Some(a) => Some(a.parse::<i64>().map_err(|_| format!("Age: {a:?} is not a whole number of hours"))?),
        };
        Ok(QueueFilter { queue: Some(queue.to_owned()), kind: q.kind.clone(), customer: q.customer.clone(), status: q.status.clone(), sla: q.sla.clone(), min_age_hours, assignee: None })
    }
}

/// One page of a queue with its counts per type; `None` when there is no such queue.
#[server(prefix = "/sfn", input = Json)]
pub async fn queue_page(queue: String, query: QueueQuery) -> Result<Option<QueuePageData>, ServerFnError> {
    use crate::orders::server::internal;
    use domain::workflow::{Queue, queues};
    let (db, t, me) = server::staff()?;
    let Ok(q) = queue.parse::<Queue>() else { return Ok(None) };
    let base = QueuePageData { queue: queue.clone(), label: q.label().into(), may_work: q.worked_by(me.role), ..Default::default() };
    let filter = match server::filter(&queue, &query) {
        Ok(f) => f,
        Err(m) => return Ok(Some(QueuePageData { error: Some(m), ..base })),
    };
    let now = chrono::Utc::now();
    let txn = db.tenant_txn(&t.slug).await.map_err(internal)?;
    let page = queues::list(&txn, &filter, query.after.as_deref(), PAGE, now).await;
    let counts = match &page {
        Ok(_) => queues::counts_by_kind(&txn, &filter, now).await.map_err(internal)?,
        Err(_) => Vec::new(),
    };
    // Only reads: nothing to commit.
    txn.rollback().await.map_err(internal)?;
    let page = match page {
        Ok(p) => p,
        Err(domain::Error::Invalid(m)) => return Ok(Some(QueuePageData { error: Some(m), ..base })),
        Err(e) => return Err(internal(e)),
    };
    let rows: Vec<QueueRow> = page.items.into_iter().map(|x| server::row(x, now)).collect();
    Ok(Some(QueuePageData {
        codes: server::codes_for(&rows),
        counts: counts.into_iter().map(|(kind, count)| KindCount { kind, count }).collect(),
        next: page.next,
        rows,
        ..base
    }))
}

/// The queues the viewer works (their home queue first) with active and breached counts,
/// and how many exceptions they hold.
#[server(prefix = "/sfn")]
pub async fn workspace_summary() -> Result<QueueSummaryData, ServerFnError> {
    use crate::orders::server::internal;
    use domain::workflow::Queue;
    use domain::workflow::queues::QueueFilter;
    let (db, t, me) = server::staff()?;
    let now = chrono::Utc::now();
    let home = Queue::home_of(me.role);
    let mut worked: Vec<Queue> = Queue::ALL.into_iter().filter(|q| q.worked_by(me.role)).collect();
    worked.sort_by_key(|q| Some(*q) != home);
    let txn = db.tenant_txn(&t.slug).await.map_err(internal)?;
    let mut queues = Vec::new();
    for q in worked {
        let f = QueueFilter { queue: Some(q.as_str().into()), ..Default::default() };
        let open = server::count(&txn, &f, now).await.map_err(internal)?;
        let breached = server::count(&txn, &QueueFilter { sla: Some("breached".into()), ..f }, now).await.map_err(internal)?;
        queues.push(QueueCount { queue: q.as_str().into(), label: q.label().into(), open, breached });
    }
    let my_work = server::count(&txn, &QueueFilter { assignee: Some(me.user_id), ..Default::default() }, now).await.map_err(internal)?;
    txn.rollback().await.map_err(internal)?;
    Ok(QueueSummaryData { queues, my_work })
}

/// The active exceptions the viewer holds, soonest SLA first.
#[server(prefix = "/sfn")]
pub async fn my_work(after: Option<String>) -> Result<MyWorkData, ServerFnError> {
    use crate::orders::server::internal;
    use domain::workflow::queues::{self, QueueFilter};
    let (db, t, me) = server::staff()?;
    let now = chrono::Utc::now();
    let txn = db.tenant_txn(&t.slug).await.map_err(internal)?;
    let f = QueueFilter { assignee: Some(me.user_id), ..Default::default() };
    let page = queues::list(&txn, &f, after.as_deref(), PAGE, now).await;
    txn.rollback().await.map_err(internal)?;
    let page = match page {
        Ok(p) => p,
        // A cursor that is not one of ours (edited by hand): start from the top.
        Err(domain::Error::Invalid(_)) => return Ok(MyWorkData { rows: vec![], next: None }),
        Err(e) => return Err(internal(e)),
    };
    Ok(MyWorkData { rows: page.items.into_iter().map(|x| server::row(x, now)).collect(), next: page.next })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sla_time_reads_as_time_left_or_time_since_the_breach() {
        let cases = [
            ("ok", 130, "2 h 10 min left"),
            ("due_soon", 45, "45 min left"),
            ("ok", 180, "3 h left"),
            ("ok", 3000, "2 d 2 h left"),
            ("ok", 2880, "2 d left"),
            ("breached", -35, "breached 35 min ago"),
            ("breached", -125, "breached 2 h 5 min ago"),
            ("breached", 0, "breached just now"),
            ("due_soon", 0, "under a minute left"),
            ("none", -500, "—"),
        ];
        for (state, minutes, want) in cases {
            assert_eq!(sla_text(state, minutes), want, "{state} {minutes}");
        }
    }

    #[test]
    fn queue_links_keep_the_filters_and_encode_them() {
        let q = QueueQuery { kind: Some("credit_hold".into()), customer: Some("C 1&2".into()), sla: Some("breached".into()), after: Some("x".into()), ..Default::default() };
        assert_eq!(q.href("credit", None), "/workspace/queues/credit?kind=credit_hold&customer=C%201%262&sla=breached");
        assert_eq!(q.href("credit", Some("abc")), "/workspace/queues/credit?kind=credit_hold&customer=C%201%262&sla=breached&after=abc");
        assert_eq!(q.with_kind(None).href("ar", None), "/workspace/queues/ar?customer=C%201%262&sla=breached");
        assert_eq!(QueueQuery::default().href("admin", None), "/workspace/queues/admin");
        assert_eq!(q.csv_href("credit"), "/workspace/queues/credit/export.csv?kind=credit_hold&customer=C%201%262&sla=breached");
        let params = [("kind", " backorder "), ("status", ""), ("age", "4")];
        let read = QueueQuery::from_params(|k| params.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string()));
        assert_eq!(read, QueueQuery { kind: Some("backorder".into()), age: Some("4".into()), ..Default::default() });
    }

    #[test]
    fn queues_and_types_have_readable_names() {
        assert_eq!(queue_label("customer_service"), Some("Customer service"));
        assert_eq!(queue_label("nowhere"), None);
        assert_eq!(home_queue("ar_clerk"), "ar");
        assert_eq!(home_queue("tenant_admin"), "admin");
        assert_eq!(kind_label("credit_hold"), "Credit hold");
        assert_eq!(kind_label(""), "");
    }
}
