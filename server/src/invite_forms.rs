//! `/invite/<token>`: the page an invitation e-mail links to, and its form post, which creates
//! the user and signs them in. On a tenant's host a tenant invitation (see
//! [`domain::invitations`]); on the console's host a partner team invitation (see
//! [`domain::partner_team`]).
use crate::signin::{render_page, start_session};
use crate::{AppState, error_page, session};
use app::{InviteView, PageCtx};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;
use domain::AppError;
use domain::invitations;
use domain::partner_team;
use domain::tenancy::Scope;
use domain::types::Role;
use tower_sessions::Session;

/// `GET /invite/{token}`: the invitation, or why its link no longer works (404).
pub async fn page(State(st): State<AppState>, Extension(scope): Extension<Scope>, parts: axum::http::request::Parts, Path(token): Path<String>) -> Response {
    match open(&st, &scope, &token).await {
        Ok(inv) => {
            let status = if inv.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
            let view = inv.map(|i| view_of(&i, i.name(), ""));
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
    let checked = invitations::check_name(&f.name).map_err(|e| e.public_message()).and_then(|_| invitations::check_password(&f.password, &f.confirm, inv.email()));
    if let Err(problem) = checked {
        return again(StatusCode::UNPROCESSABLE_ENTITY, capitalise(problem)).await;
    }
    let hash = domain::password::hash(f.password.clone()).await;
    let created = async {
        match (&scope, &inv) {
            (Scope::Tenant(t), Open::Tenant(_)) => {
                let txn = st.db.tenant_txn(&t.slug).await?;
                let user = invitations::accept(&txn, &token, &f.name, &hash, Utc::now()).await?;
                txn.commit().await?;
                Ok((user.id, user.role))
            }
            (Scope::Platform, Open::Partner(..)) => partner_team::accept(&st.db, &token, &f.name, &hash, Utc::now()).await.map(|u| (u.id, u.role)),
            _ => Err(AppError::NotFound),
        }
    }
    .await;
    match created {
        Ok((id, role)) => match start_session(&session, &scope, id).await {
            Ok(()) => Redirect::to(Role::parse(&role).map(Role::home).unwrap_or("/")).into_response(),
            Err(r) => r,
        },
        Err(AppError::Invalid(m) | AppError::Conflict(m)) => again(StatusCode::CONFLICT, capitalise(m)).await,
        Err(e) => error_page(e, "accepting an invitation"),
    }
}

/// An open invitation: to a tenant, or to a partner's team.
enum Open {
    Tenant(invitations::Invitation),
    /// With the partner's name.
    Partner(partner_team::Invitation, String),
}

impl Open {
    fn email(&self) -> &str {
        match self {
            Open::Tenant(i) => &i.email,
            Open::Partner(i, _) => &i.email,
        }
    }

    fn name(&self) -> &str {
        match self {
            Open::Tenant(i) => &i.name,
            Open::Partner(i, _) => &i.name,
        }
    }
}

/// The open invitation of `token` on this host: a tenant's on its host, a partner's on the
/// console's.
async fn open(st: &AppState, scope: &Scope, token: &str) -> Result<Option<Open>, AppError> {
    match scope {
        Scope::Tenant(t) => {
            let txn = st.db.tenant_txn(&t.slug).await?;
            let inv = invitations::open_by_token(&txn, token, Utc::now()).await?;
            txn.commit().await?;
            Ok(inv.map(Open::Tenant))
        }
        Scope::Platform => match partner_team::open_by_token(&st.db, token, Utc::now()).await? {
            Some(inv) => {
                let partner = domain::partner::partner_name(&st.db, inv.partner_id).await?;
                Ok(Some(Open::Partner(inv, partner)))
            }
            None => Ok(None),
        },
    }
}

fn view_of(inv: &Open, name: &str, problem: &str) -> InviteView {
    let (role, invited_by, expires, org) = match inv {
        Open::Tenant(i) => (&i.role, &i.invited_by, invitations::expires_words(i), String::new()),
        Open::Partner(i, partner) => (&i.role, &i.invited_by, partner_team::expires_words(i), partner.clone()),
    };
    InviteView {
        email: inv.email().to_owned(),
        name: name.to_owned(),
        role_label: Role::parse(role).map(|r| r.label().to_lowercase()).unwrap_or_else(|_| role.clone()),
        invited_by: invited_by.clone(),
        expires,
        problem: problem.to_owned(),
        org,
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
