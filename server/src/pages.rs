//! Downloads outside the Leptos app: staff documents.
use crate::{AppState, neutral_page};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use crate::middleware::page::Auth;
use axum::Extension;
use axum::response::Redirect;
use domain::tenancy::Scope;

/// A document for signed-in staff of the tenant that owns it (the workspace guard has
/// already checked the role).
pub(crate) async fn staff_document(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, axum::extract::Path(id): axum::extract::Path<String>) -> Response {
    let (Scope::Tenant(t), Some(_)) = (scope, auth.0) else { return Redirect::to("/login").into_response() };
    let not_found = || neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no such document.");
    let Ok(id) = id.parse::<uuid::Uuid>() else { return not_found() };
    let found = async {
        let txn = st.db.tenant_txn(&t.slug).await?;
        let d = domain::orders::document(&txn, id).await;
        txn.commit().await?;
        d
    }
    .await;
    let (doc, key) = match found {
        Ok(d) => d,
        Err(domain::Error::NotFound) => return not_found(),
        Err(e) => return crate::error_page(e, "document lookup"),
    };
    match st.storage.get(&t.slug, &key).await {
        Ok(bytes) => crate::api::document_response(&doc, bytes),
        Err(domain::Error::NotFound) => not_found(),
        Err(e) => crate::error_page(e, "document read"),
    }
}



/// `POST /workspace/shipments/{number}/documents`: staff upload a proof of delivery or packing
/// list on the order page (multipart: `csrf`, `kind`, `file`). The file is checked by content
/// before it is stored, and deleted again if the record could not be written.
pub(crate) async fn staff_upload(
    State(st): State<AppState>,
    Extension(scope): Extension<Scope>,
    Extension(auth): Extension<Auth>,
    session: tower_sessions::Session,
    axum::extract::Path(number): axum::extract::Path<String>,
    mp: axum::extract::Multipart,
) -> Response {
    let order_page = |order: &str| format!("/workspace/orders/{}", app::urlencode(order));
    let form = match crate::uploads::read_form(mp, st.config.upload_limit).await {
        Ok(f) => f,
        Err(m) => return crate::dispute_forms::back(&session, "/workspace/orders", format!("Nothing was uploaded: {m}."), true).await,
    };
    let (t, _) = match crate::admin::form_user(&scope, &auth, &session, form.text("csrf"), crate::dispute_forms::is_staff, "Only staff upload documents.").await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let order = async {
        let txn = st.db.tenant_txn(&t.slug).await?;
        let s = domain::orders::shipment(&txn, &number).await;
        txn.commit().await?;
        s.map(|s| s.order_number)
    }
    .await;
    let order = match order {
        Ok(o) => o,
        Err(domain::Error::NotFound) => return neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no such shipment."),
        Err(e) => return crate::error_page(e, "shipment lookup"),
    };
    let back_to = order_page(&order);
    let kind = match form.text("kind") {
        "" | "pod" => "pod",
        "packing_list" => "packing_list",
        _ => return crate::dispute_forms::back(&session, &back_to, "Nothing was uploaded: choose proof of delivery or packing list.".into(), true).await,
    };
    let Some(file) = form.files.into_iter().next() else {
        return crate::dispute_forms::back(&session, &back_to, "Nothing was uploaded: choose a file.".into(), true).await;
    };
    let checked = match crate::uploads::check(file) {
        Ok(c) => c,
        Err(m) => return crate::dispute_forms::back(&session, &back_to, format!("Nothing was uploaded: {m}."), true).await,
    };
    let stored = match crate::uploads::store_all(&st.storage, &t.slug, kind, vec![checked]).await {
        Ok(s) => s,
        Err(e) => return crate::error_page(e, "storing a document"),
    };
    let f = &stored[0];
    let saved = async {
        let txn = st.db.tenant_txn(&t.slug).await?;
        let d = domain::orders::attach_to_shipment(&txn, &number, kind, &f.filename, f.content_type, &f.stored).await?;
        txn.commit().await?;
        Ok::<_, domain::Error>(d)
    }
    .await;
    match saved {
        Ok(d) => crate::dispute_forms::back(&session, &back_to, format!("{} attached to shipment {number}.", d.filename), false).await,
        Err(e) => {
            crate::uploads::discard(&st.storage, &t.slug, &stored).await;
            crate::error_page(e, "recording a document")
        }
    }
}
