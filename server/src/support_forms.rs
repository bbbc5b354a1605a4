//! Support sessions over HTTP (see [`domain::support`]): the partner asks and enters from the
//! console; the one-time link signs them in on the tenant's host; the tenant's admins choose
//! whether to approve each session first, approve, deny and end them. Plain forms throughout.
use crate::admin::{admin_of, back};
use crate::partner_forms::partner_admin;
use crate::signin::{CsrfForm, start_session};
use crate::{AppState, Auth, error_page, neutral_page, session};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;
use domain::AppError;
use domain::audit::Actor;
use domain::auth::Principal;
use domain::support::{self, Decision};
use domain::tenancy::Scope;
use tower_sessions::Session;

/// The admin's support page on the tenant's host.
pub const ADMIN_SUPPORT: &str = "/workspace/admin/support";

/// The principal of support session `id` on this tenant, while it is active.
pub(crate) async fn principal(st: &AppState, scope: &Scope, id: uuid::Uuid) -> domain::Result<Option<Principal>> {
    let Scope::Tenant(t) = scope else { return Ok(None) };
    let txn = st.db.tenant_txn(&t.slug).await?;
    let p = support::principal(&txn, id, Utc::now()).await;
    txn.commit().await?;
    let Some(p) = p? else { return Ok(None) };
    // The partner user must still be enabled and still run this tenant (a user disabled, or a
    // tenant moved to another partner, ends the session at once).
    let Some(partner_user) = domain::auth::load_principal(&st.db, &Scope::Platform, p.user_id).await? else { return Ok(None) };
    match domain::partner::own_tenant(&st.db, &partner_user, t.slug.as_str()).await {
        Ok(_) => Ok(Some(p)),
        Err(AppError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

#[derive(serde::Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    minutes: String,
}

/// `POST /partner/tenants/{slug}/support`: the partner asks to enter.
pub(crate) async fn request(st: State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, Path(slug): Path<String>, Form(f): Form<RequestForm>) -> Response {
    let who = match partner_admin(&scope, &auth, &session, &f.csrf).await {
        Ok(who) => who,
        Err(r) => return r,
    };
    let page = app::support_admin::support_href(&slug);
    let minutes = f.minutes.trim().parse::<i32>().unwrap_or(0);
    match support::request(&st.db, who, &slug, &f.reason, minutes, Utc::now()).await {
        Ok((t, s)) if s.status == "approved" => back(&session, &page, format!("Support session for {} is open for {minutes} minutes: enter its workspace below.", t.name)).await,
        Ok((t, _)) => back(&session, &page, format!("{} requires approval: its admins have been asked to approve your support session.", t.name)).await,
        Err(AppError::NotFound) => neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no such tenant among yours."),
        Err(AppError::Invalid(m)) => back(&session, &page, format!("Not asked: {m}.")).await,
        Err(e) => error_page(e, "asking for a support session"),
    }
}

/// `POST /partner/tenants/{slug}/support/{id}/enter`: a one-time link to the tenant's host.
pub(crate) async fn enter_link(st: State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, headers: axum::http::HeaderMap, Path((slug, id)): Path<(String, String)>, Form(f): Form<CsrfForm>) -> Response {
    let who = match partner_admin(&scope, &auth, &session, &f.csrf).await {
        Ok(who) => who,
        Err(r) => return r,
    };
    let not_found = || neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no such support session.");
    let Ok(id) = id.parse::<uuid::Uuid>() else { return not_found() };
    match support::link(&st.db, who, &slug, id, Utc::now()).await {
        Ok((name, token)) => {
            let origin = crate::outbound::PortalLinks::of_request(&st.config, &headers).origin(&slug);
            link_page(&name, &format!("{origin}/support/enter/{token}"), &app::support_admin::support_href(&slug))
        }
        Err(AppError::NotFound) => not_found(),
        Err(AppError::Conflict(m)) => back(&session, &app::support_admin::support_href(&slug), format!("Not entered: {m}.")).await,
        Err(e) => error_page(e, "a support link"),
    }
}

/// The page with the one-time link. A link, not a redirect: the console's pages allow forms to
/// post only to the console itself (`form-action 'self'`), and browsers hold a form's
/// redirect to another host to that too.
fn link_page(name: &str, link: &str, back: &str) -> Response {
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let (name, link, back) = (escape(name), escape(link), escape(back));
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Support session for {name}</title></head>\
         <body style=\"font-family:sans-serif;max-width:40rem;margin:4rem auto\"><h1>Support session for {name}</h1>\
         <p>This link signs you in to the workspace once, within {secs} seconds, as yourself; everything you do there is in its audit trail.</p>\
         <p><a href=\"{link}\" data-testid=\"support-link\">Enter the workspace of {name}</a></p><p><a href=\"{back}\">Back to the console</a></p></body></html>",
        secs = support::LINK_SECONDS
    );
    let mut r = axum::response::Html(html).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    r.headers_mut().insert(header::REFERRER_POLICY, axum::http::HeaderValue::from_static("no-referrer"));
    r
}

/// `GET /support/enter/{token}` on the tenant's host: signs the partner user in for the
/// session's remaining time.
pub(crate) async fn enter(st: State<AppState>, scope: Extension<Scope>, session: Session, Path(token): Path<String>) -> Response {
    let gone = || neutral_page(StatusCode::NOT_FOUND, "Link used or expired", "This support link has been used or has expired. Ask for a new one from the partner console.");
    let Scope::Tenant(t) = &scope.0 else { return gone() };
    let entered = async {
        let txn = st.db.tenant_txn(&t.slug).await?;
        let s = support::enter(&txn, &token, Utc::now()).await?;
        txn.commit().await?;
        Ok::<_, AppError>(s)
    }
    .await;
    let s = match entered {
        Ok(s) => s,
        Err(AppError::NotFound) => return gone(),
        Err(e) => return error_page(e, "entering a support session"),
    };
    if let Err(r) = start_session(&session, &scope, s.id).await {
        return r;
    }
    let _ = session.insert(session::keys::SUPPORT, true).await;
    Redirect::to("/workspace").into_response()
}

#[derive(serde::Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    csrf: String,
    required: Option<String>,
}

fn admin_actor(me: &Principal) -> Actor {
    Actor::User { id: me.user_id, name: me.name.clone() }
}

/// `POST /workspace/admin/support/policy`: whether sessions need an admin's approval.
pub(crate) async fn policy(st: State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, Form(f): Form<PolicyForm>) -> Response {
    let (t, me) = match admin_of(&scope, &auth, &session, &f.csrf).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    if me.support_session.is_some() {
        return (StatusCode::FORBIDDEN, "A support session cannot change how support sessions are approved.").into_response();
    }
    let required = f.required.is_some();
    match support::set_approval(&st.db, &t, &admin_actor(&me), required).await {
        Ok(()) => {
            st.hosts.forget();
            let said = if required { "Support sessions now wait for an admin's approval." } else { "Support sessions no longer need an admin's approval." };
            back(&session, ADMIN_SUPPORT, said.into()).await
        }
        Err(e) => error_page(e, "the support approval policy"),
    }
}

/// `POST /workspace/admin/support/{id}/{approve|deny|end}`.
pub(crate) async fn decide(st: State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, Path((id, what)): Path<(String, String)>, Form(f): Form<CsrfForm>) -> Response {
    let (t, me) = match admin_of(&scope, &auth, &session, &f.csrf).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let not_found = || neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no such support session.");
    let (Ok(id), Some(decision)) = (id.parse::<uuid::Uuid>(), Decision::parse(&what)) else { return not_found() };
    if me.support_session.is_some() {
        return (StatusCode::FORBIDDEN, "A support session cannot approve, deny or end support sessions.").into_response();
    }
    let decided = async {
        let txn = st.db.tenant_txn(&t.slug).await?;
        let s = support::decide(&txn, &admin_actor(&me), &me.name, id, decision, Utc::now()).await?;
        txn.commit().await?;
        Ok::<_, AppError>(s)
    }
    .await;
    match decided {
        Ok(s) => {
            if decision == Decision::End {
                // Its browser sessions end now, not at the next request's check.
                let key = domain::auth::user_key(&scope, s.id);
                if let Err(e) = domain::auth::end_sessions(&st.db, &key).await {
                    tracing::warn!(error = %e, "ending a support session's browser sessions failed; its next request ends them");
                }
            }
            back(&session, ADMIN_SUPPORT, format!("Support session of {}: {}.", s.partner_user_name, s.state(Utc::now()).to_lowercase())).await
        }
        Err(AppError::NotFound) => not_found(),
        Err(AppError::Conflict(m)) => back(&session, ADMIN_SUPPORT, format!("Nothing changed: {m}.")).await,
        Err(e) => error_page(e, "deciding a support session"),
    }
}
