//! Form posts of the partner console: suspend and reactivate a tenant (a partner admin their
//! own partner's tenants, the platform operator any; see [`domain::partner`]). Each checks
//! the CSRF token, then redirects back to the console with a one-time notice.
use crate::admin::back;
use crate::session::session_csrf_ok;
use crate::signin::CsrfForm;
use crate::{AppState, Auth, error_page, neutral_page};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use domain::AppError;
use domain::tenancy::Scope;
use domain::types::Role;
use tower_sessions::Session;

const CONSOLE: &str = "/partner";

/// `POST /partner/tenants/{slug}/suspend`.
pub async fn suspend(st: State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, slug: Path<String>, Form(f): Form<CsrfForm>) -> Response {
    change(&st, &scope, &auth, &session, &slug, &f.csrf, false).await
}

/// `POST /partner/tenants/{slug}/reactivate`.
pub async fn reactivate(st: State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, slug: Path<String>, Form(f): Form<CsrfForm>) -> Response {
    change(&st, &scope, &auth, &session, &slug, &f.csrf, true).await
}

async fn change(st: &AppState, scope: &Scope, auth: &Auth, session: &Session, slug: &str, csrf: &str, active: bool) -> Response {
    if !matches!(scope, Scope::Platform) {
        return neutral_page(StatusCode::NOT_FOUND, "Not found", "The partner console is not served at this address.");
    }
    let Some(who) = &auth.0 else { return Redirect::to("/login").into_response() };
    if !matches!(who.role, Role::PartnerAdmin | Role::PlatformAdmin) {
        return (StatusCode::FORBIDDEN, "Only partner admins may do this.").into_response();
    }
    if !session_csrf_ok(session, csrf).await {
        return (StatusCode::FORBIDDEN, "The form has expired. Reload the page and try again.").into_response();
    }
    match domain::partner::set_active(&st.db, who, slug, active).await {
        Ok(t) => {
            st.hosts.forget();
            let said = if active { format!("{} is active again.", t.name) } else { format!("{} is suspended: its users see a notice, its API answers 403, its data is kept.", t.name) };
            back(session, CONSOLE, said).await
        }
        Err(AppError::NotFound) => neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no such tenant among yours."),
        Err(AppError::Conflict(m)) => back(session, CONSOLE, format!("Nothing changed: {m}.")).await,
        Err(e) => error_page(e, "changing a tenant's state"),
    }
}
