//! Downloads outside the Leptos app: staff documents and the tenant's logo.
use crate::{AppState, neutral_page};
use axum::extract::State;
use axum::http::{StatusCode, header};
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

pub(crate) async fn logo(Extension(scope): Extension<Scope>) -> Response {
    match scope {
        Scope::Tenant(t) => ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=300")], t.logo_svg).into_response(),
        Scope::Platform => Redirect::to("/logo.svg").into_response(),
    }
}

