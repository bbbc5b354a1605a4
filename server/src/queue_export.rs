//! The CSV export of a queue (`GET /workspace/queues/{queue}/export.csv`): every exception
//! the queue page's filters match, soonest SLA first, streamed keyset page by keyset page,
//! each read in its own short transaction (as in [`crate::exports`]).
use crate::{AppState, Auth, neutral_page};
use app::queues::QueueQuery;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use domain::Db;
use domain::tenancy::Scope;
use domain::types::TenantSlug;
use domain::workflow::Queue;
use domain::workflow::queues::{self, ExceptionRow, QueueFilter};
use std::collections::HashMap;

/// Exceptions per page read.
const PAGE: u64 = 500;

pub const CSV_HEADER: [&str; 15] =
    ["reference", "type", "status", "severity", "queue", "escalated", "customer", "customer_name", "order", "invoice", "assignee", "sla_due_at", "sla_state", "opened_at", "detail"];

/// A quoted CSV cell; one a spreadsheet would run as a formula gets a leading `'` (CSV
/// injection), as in the other exports.
fn cell(s: &str) -> String {
    format!("\"{}\"", domain::orders::csv_cell(s).replace('"', "\"\""))
}

fn line(cells: &[&str]) -> String {
    let mut l = cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",");
    l.push_str("\r\n");
    l
}

/// Rows as CSV text, with the header line first when `header`.
pub fn to_csv(rows: &[ExceptionRow], header: bool) -> String {
    let mut out = if header { line(&CSV_HEADER) } else { String::new() };
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).unwrap_or_default();
    for x in rows {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        out.push_str(&line(&[
            &x.reference,
            &x.kind,
            &x.status,
            &x.severity,
            &x.queue,
            if x.escalated { "yes" } else { "no" },
            &text(&x.customer),
            &text(&x.customer_name),
            &text(&x.order_number),
            &text(&x.invoice_number),
            &text(&x.assignee),
            &time(x.sla_due_at),
            &x.sla_state,
            &time(Some(x.opened_at)),
            &x.detail,
        ]));
    }
    out
}

/// One page of the export as CSV bytes, and the cursor of the next page.
async fn csv_page(db: Db, slug: TenantSlug, filter: QueueFilter, after: Option<String>) -> domain::Result<(Bytes, Option<String>)> {
    let txn = db.tenant_txn(&slug).await?;
    let page = queues::list(&txn, &filter, after.as_deref(), PAGE, chrono::Utc::now()).await?;
    txn.rollback().await?;
    Ok((to_csv(&page.items, after.is_none()).into(), page.next))
}

/// `GET /workspace/queues/{queue}/export.csv` with the queue page's filters (staff only: the
/// workspace guard has turned other roles away already).
pub async fn queue_csv(
    State(st): State<AppState>,
    Extension(scope): Extension<Scope>,
    Extension(auth): Extension<Auth>,
    Path(queue): Path<String>,
    query: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let (Scope::Tenant(t), Some(_)) = (scope, auth.0) else { return Redirect::to("/login").into_response() };
    let Ok(q) = queue.parse::<Queue>() else { return neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no such queue.") };
    let Ok(Query(params)) = query else { return neutral_page(StatusCode::BAD_REQUEST, "Bad request", "The export's filters could not be read.") };
    let filter = match app::queues::server::filter(q.as_str(), &QueueQuery::from_params(|k| params.get(k).cloned())) {
        Ok(f) => f,
        Err(m) => return neutral_page(StatusCode::BAD_REQUEST, "Bad request", &m),
    };
    let filename = format!("{}-queue-{}-{}.csv", q.as_str(), t.slug, chrono::Utc::now().format("%Y%m%d"));
    let (db, slug) = (st.db.clone(), t.slug);
    let pages = move |after| csv_page(db.clone(), slug.clone(), filter.clone(), after);
    crate::exports::paged_csv(pages, "queue export", &filename).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(line(&["a", "say \"hi\"", "=SUM(A1)", "-3", ""]), "\"a\",\"say \"\"hi\"\"\",\"'=SUM(A1)\",\"'-3\",\"\"\r\n");
    }
}
