//! `/invite/<token>` on a tenant's host (see [`domain::invitations`]): the page an invitation
//! e-mail links to, and its form post, which creates the user and signs them in.
use crate::signin::{render_page, start_session};
use crate::{AppState, error_page, session};
use app::{InviteView, PageCtx};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;
use domain::AppError;
use domain::invitations::{self, Invitation};
use domain::tenancy::Scope;
use domain::types::Role;
use tower_sessions::Session;

/// `GET /invite/{token}`: the invitation, or why its link no longer works (404).
pub async fn page(State(st): State<AppState>, Extension(scope): Extension<Scope>, parts: axum::http::request::Parts, Path(token): Path<String>) -> Response {
    match open(&st, &scope, &token).await {
        Ok(inv) => {
            let status = if inv.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
            let view = inv.map(|i| view_of(&i, &i.name, ""));
            show(&st, &parts, &token, view, status).await
        }
        Err(e) => error_page(e, "opening an invitation"),
    }
}

#[derive(serde::Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /invite/{token}`: checks the name and password, creates the user, signs them in and
/// sends them to their home page. A refusal shows the form again with the reason and the
/// name as typed.
pub async fn accept(State(st): State<AppState>, Extension(scope): Extension<Scope>, session: Session, parts: axum::http::request::Parts, Path(token): Path<String>, Form(f): Form<AcceptForm>) -> Response {
    let inv = match open(&st, &scope, &token).await {
        Ok(Some(inv)) => inv,
        Ok(None) => return show(&st, &parts, &token, None, StatusCode::NOT_FOUND).await,
        Err(e) => return error_page(e, "opening an invitation"),
    };
    let again = |status: StatusCode, problem: String| {
        let view = view_of(&inv, &f.name, &problem);
        let (st, parts, token) = (st.clone(), parts.clone(), token.clone());
        async move { show(&st, &parts, &token, Some(view), status).await }
    };
    if !session::csrf_ok(&st, &session, &parts.headers, &scope, &f.csrf).await {
        return again(StatusCode::FORBIDDEN, "The form expired. Please enter your password again.".into()).await;
    }
    let checked = invitations::check_name(&f.name).map_err(|e| e.public_message()).and_then(|_| invitations::check_password(&f.password, &f.confirm, &inv.email));
    if let Err(problem) = checked {
        return again(StatusCode::UNPROCESSABLE_ENTITY, capitalise(problem)).await;
    }
    let Scope::Tenant(t) = &scope else { return StatusCode::NOT_FOUND.into_response() };
    let hash = domain::password::hash(f.password.clone()).await;
    let created = async {
        let txn = st.db.tenant_txn(&t.slug).await?;
        let user = invitations::accept(&txn, &token, &f.name, &hash, Utc::now()).await?;
        txn.commit().await?;
        Ok::<_, AppError>(user)
    }
    .await;
    match created {
        Ok(user) => match start_session(&session, &scope, user.id).await {
            Ok(()) => Redirect::to(Role::parse(&user.role).map(Role::home).unwrap_or("/")).into_response(),
            Err(r) => r,
        },
        Err(AppError::Invalid(m) | AppError::Conflict(m)) => again(StatusCode::CONFLICT, capitalise(m)).await,
        Err(e) => error_page(e, "accepting an invitation"),
    }
}

/// The open invitation of `token` on this tenant's host (none on the platform host).
async fn open(st: &AppState, scope: &Scope, token: &str) -> Result<Option<Invitation>, AppError> {
    let Scope::Tenant(t) = scope else { return Ok(None) };
    let txn = st.db.tenant_txn(&t.slug).await?;
    let inv = invitations::open_by_token(&txn, token, Utc::now()).await?;
    txn.commit().await?;
    Ok(inv)
}

fn view_of(inv: &Invitation, name: &str, problem: &str) -> InviteView {
    InviteView {
        email: inv.email.clone(),
        name: name.to_owned(),
        role_label: Role::parse(&inv.role).map(|r| r.label().to_lowercase()).unwrap_or_else(|_| inv.role.clone()),
        invited_by: inv.invited_by.clone(),
        expires: invitations::expires_words(inv),
        problem: problem.to_owned(),
    }
}

async fn show(st: &AppState, parts: &axum::http::request::Parts, token: &str, view: Option<InviteView>, status: StatusCode) -> Response {
    let Some(ctx) = parts.extensions.get::<PageCtx>().cloned() else { return StatusCode::NOT_FOUND.into_response() };
    let ctx = PageCtx { invite: view, ..ctx };
    // The token is 64 hex digits when it can match; anything else renders the "not valid" page.
    let path = if token.bytes().all(|b| b.is_ascii_alphanumeric()) && token.len() <= 64 { format!("/invite/{token}") } else { "/invite/x".to_owned() };
    let mut r = render_page(st, parts, &path, ctx, status).await;
    // The link is a secret: never cached, never sent on as a referrer.
    r.headers_mut().insert(axum::http::header::REFERRER_POLICY, axum::http::HeaderValue::from_static("no-referrer"));
    r.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("private, no-store"));
    r
}

fn capitalise(s: String) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str() + if s.ends_with('.') { "" } else { "." },
        None => s,
    }
}
