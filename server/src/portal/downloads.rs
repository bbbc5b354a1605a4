//! Portal downloads: a document, an invoice PDF, the statement of account, CSV exports.
use super::{Customer, customer, not_found, pdfs};
use crate::exports::paged_csv;
use crate::{AppState, Auth, neutral_page};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::orders::OrderFilter;
use domain::portal::{self, InvoiceFilter};
use domain::tenancy::Scope;

/// `GET /portal/documents/{id}`: one of the customer's documents, as an attachment.
pub(crate) async fn document(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, Path(id): Path<String>) -> Response {
    let c = match customer(&scope, &auth) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Ok(id) = id.parse::<uuid::Uuid>() else { return not_found("document") };
    let found = async {
        let txn = st.db.tenant_txn(&c.tenant.slug).await?;
        let d = portal::document(&txn, c.id, id).await;
        txn.commit().await?;
        d
    }
    .await;
    let (doc, key) = match found {
        Ok(d) => d,
        Err(domain::Error::NotFound) => return not_found("document"),
        Err(e) => return crate::error_page(e, "portal document lookup"),
    };
    match st.storage.get(&c.tenant.slug, &key).await {
        Ok(bytes) => crate::api::document_response(&doc, bytes),
        Err(domain::Error::NotFound) => not_found("document"),
        Err(e) => crate::error_page(e, "portal document read"),
    }
}

fn pdf_response(bytes: Vec<u8>, filename: &str) -> Response {
    crate::api::attachment("application/pdf", filename, bytes)
}

/// Renders on a blocking thread: laying out a long invoice takes milliseconds of CPU.
async fn render(f: impl FnOnce() -> Result<Vec<u8>, pdf::Error> + Send + 'static) -> Result<Vec<u8>, Response> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(crate::error_page(domain::Error::Storage(e.to_string()), "PDF rendering")),
        Err(e) => Err(crate::error_page(domain::Error::Storage(e.to_string()), "PDF rendering")),
    }
}

/// `GET /portal/invoices/{number}/pdf`: the invoice under the tenant's brand.
pub(crate) async fn invoice_pdf(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, Path(number): Path<String>) -> Response {
    let c = match customer(&scope, &auth) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let found = async {
        let txn = st.db.tenant_txn(&c.tenant.slug).await?;
        let i = portal::invoice(&txn, c.id, &number).await;
        txn.commit().await?;
        i
    }
    .await;
    let inv = match found {
        Ok(i) => i,
        Err(domain::Error::NotFound) => return not_found("invoice"),
        Err(e) => return crate::error_page(e, "portal invoice lookup"),
    };
    let brand = match pdfs::brand(&st.db, &c.tenant).await {
        Ok(b) => b,
        Err(e) => return crate::error_page(e, "invoice PDF brand"),
    };
    let doc = pdfs::invoice(&inv);
    match render(move || pdf::invoice(&brand, &doc)).await {
        Ok(bytes) => pdf_response(bytes, &format!("{}.pdf", inv.invoice.number)),
        Err(r) => r,
    }
}

/// `GET /portal/statement.pdf`: every open invoice with the aging, as of today.
pub(crate) async fn statement_pdf(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>) -> Response {
    let c = match customer(&scope, &auth) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let today = chrono::Utc::now().date_naive();
    let data = async {
        let txn = st.db.tenant_txn(&c.tenant.slug).await?;
        let s = pdfs::statement_data(&txn, c.id, today).await;
        txn.commit().await?;
        s
    }
    .await;
    let doc = match data {
        Ok(d) => d,
        Err(domain::Error::NotFound) => return not_found("customer"),
        Err(e) => return crate::error_page(e, "statement"),
    };
    let brand = match pdfs::brand(&st.db, &c.tenant).await {
        Ok(b) => b,
        Err(e) => return crate::error_page(e, "statement brand"),
    };
    match render(move || pdf::statement(&brand, &doc)).await {
        Ok(bytes) => pdf_response(bytes, &format!("statement-{today}.pdf")),
        Err(r) => r,
    }
}

#[derive(serde::Deserialize, Default)]
pub struct OrdersCsvQuery {
    q: Option<String>,
    status: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

fn bad_query() -> Response {
    neutral_page(StatusCode::BAD_REQUEST, "Bad request", "The export's filters could not be read.")
}

/// `GET /portal/orders.csv`: the customer's orders matching the list's filters.
pub(crate) async fn orders_csv(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, query: Result<Query<OrdersCsvQuery>, axum::extract::rejection::QueryRejection>) -> Response {
    let Customer { tenant, id, .. } = match customer(&scope, &auth) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Ok(Query(q)) = query else { return bad_query() };
    let filter = match OrderFilter::from_form(q.q, q.status, None, q.from.as_deref(), q.to.as_deref()) {
        Ok(f) => f,
        Err(e) => return neutral_page(StatusCode::BAD_REQUEST, "Bad request", &e.to_string()),
    };
    let (db, slug) = (st.db.clone(), tenant.slug.clone());
    let page = move |after: Option<String>| {
        let (db, slug, filter) = (db.clone(), slug.clone(), filter.clone());
        async move {
            let txn = db.tenant_txn(&slug).await?;
            let page = portal::orders(&txn, id, &filter, domain::orders::EXPORT_PAGE, after.as_deref()).await?;
            txn.commit().await?;
            Ok::<_, domain::Error>((Bytes::from(domain::orders::to_csv(&page.items, after.is_none())?), page.next_cursor))
        }
    };
    paged_csv(page, "portal order export", &format!("orders-{}.csv", chrono::Utc::now().format("%Y%m%d"))).await
}

#[derive(serde::Deserialize, Default)]
pub struct InvoicesCsvQuery {
    q: Option<String>,
    status: Option<String>,
}

/// `GET /portal/invoices.csv`: the customer's invoices matching the list's filters.
pub(crate) async fn invoices_csv(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, query: Result<Query<InvoicesCsvQuery>, axum::extract::rejection::QueryRejection>) -> Response {
    let Customer { tenant, id, .. } = match customer(&scope, &auth) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Ok(Query(q)) = query else { return bad_query() };
    let filter = InvoiceFilter { status: q.status, q: q.q };
    let today = chrono::Utc::now().date_naive();
    let (db, slug) = (st.db.clone(), tenant.slug.clone());
    let page = move |after: Option<String>| {
        let (db, slug, filter) = (db.clone(), slug.clone(), filter.clone());
        async move {
            let txn = db.tenant_txn(&slug).await?;
            let page = portal::invoices(&txn, id, &filter, today, domain::orders::EXPORT_PAGE, after.as_deref()).await?;
            txn.commit().await?;
            Ok::<_, domain::Error>((Bytes::from(portal::to_csv(&page.items, after.is_none())?), page.next_cursor))
        }
    };
    paged_csv(page, "portal invoice export", &format!("invoices-{}.csv", chrono::Utc::now().format("%Y%m%d"))).await
}
