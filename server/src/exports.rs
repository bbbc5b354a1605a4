//! CSV exports of the staff tables. An export streams keyset pages of the same read model the
//! page shows, each page in its own short tenant transaction, so a million-row export neither
//! holds a transaction open for minutes nor buffers the file in memory.
use crate::{AppState, Auth, neutral_page};
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use domain::orders::{self, OrderFilter};
use domain::tenancy::Scope;
use domain::Db;
use domain::types::TenantSlug;
use futures_util::{Stream, StreamExt};

/// The order list's filters, as its form sends them.
#[derive(serde::Deserialize, Default)]
pub struct OrdersCsvQuery {
    q: Option<String>,
    status: Option<String>,
    customer: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// One page of the export as CSV bytes, and the cursor of the next page. (Owned arguments:
/// the future outlives the handler, in the streamed body.)
async fn csv_page(db: Db, slug: TenantSlug, filter: OrderFilter, after: Option<String>) -> domain::Result<(Bytes, Option<String>)> {
    let txn = db.tenant_txn(&slug).await?;
    let page = orders::page(&txn, &filter, orders::EXPORT_PAGE, after.as_deref()).await?;
    txn.commit().await?;
    Ok((orders::to_csv(&page.items, after.is_none())?.into(), page.next_cursor))
}

/// `GET /workspace/orders.csv`: every order the filters match, newest first (staff only: the
/// workspace guard has already turned other roles away).
pub async fn orders_csv(
    State(st): State<AppState>,
    Extension(scope): Extension<Scope>,
    Extension(auth): Extension<Auth>,
    query: Result<Query<OrdersCsvQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let (Scope::Tenant(t), Some(_)) = (scope, auth.0) else { return Redirect::to("/login").into_response() };
    let Ok(Query(q)) = query else {
        return neutral_page(StatusCode::BAD_REQUEST, "Bad request", "The export's filters could not be read.");
    };
    let filter = match OrderFilter::from_form(q.q, q.status, q.customer, q.from.as_deref(), q.to.as_deref()) {
        Ok(f) => f,
        Err(e) => return neutral_page(StatusCode::BAD_REQUEST, "Bad request", &e.to_string()),
    };
    let filename = format!("orders-{}-{}.csv", t.slug, chrono::Utc::now().format("%Y%m%d"));
    let (db, slug) = (st.db.clone(), t.slug);
    let pages = move |after| csv_page(db.clone(), slug.clone(), filter.clone(), after);
    paged_csv(pages, "order export", &filename).await
}

/// Answers a CSV export read page by page: `page(None)` reads the first page as CSV (header
/// included) with the cursor of the next, `page(Some(cursor))` each one after. The first page
/// is read before answering, so that a failure there is a clear error page (a filter the
/// domain refuses: 400 naming why) rather than a download that breaks off; the rest stream
/// after it, and a failure among them ends the download early and is logged as `what` (e.g.
/// "order export") breaking off.
pub(crate) async fn paged_csv<C, F, Fut>(page: F, what: &'static str, filename: &str) -> Response
where
    C: Send + 'static,
    F: Fn(Option<C>) -> Fut + Send + 'static,
    Fut: Future<Output = domain::Result<(Bytes, Option<C>)>> + Send + 'static,
{
    let (first, cursor) = match page(None).await {
        Ok(p) => p,
        Err(domain::Error::Invalid(m)) => return neutral_page(StatusCode::BAD_REQUEST, "Bad request", &m),
        Err(e) => return crate::error_page(e, what),
    };
    let rest = futures_util::stream::try_unfold(cursor, move |cursor| {
        let next = cursor.map(|after| page(Some(after)));
        async move {
            let Some(next) = next else { return Ok(None) };
            let read = next.await;
            if let Err(e) = &read {
                tracing::error!(error = %e, "{what} broke off");
            }
            read.map(Some)
        }
    });
    csv_response(first, rest, filename)
}

/// `first` and then `rest` as a CSV download named `filename`, never cached.
fn csv_response<S>(first: Bytes, rest: S, filename: &str) -> Response
where
    S: Stream<Item = domain::Result<Bytes>> + Send + 'static,
{
    let body = Body::from_stream(futures_util::stream::once(async { Ok::<_, domain::Error>(first) }).chain(rest));
    let disposition = format!("attachment; filename=\"{filename}\"");
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment"))),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}
