//! Form posts of the tenant admin console: create, disable and enable API clients; disable
//! and enable users. Each checks the CSRF token and that the signer-in is a tenant admin of
//! this host's tenant, then redirects back with a one-time notice.
use crate::Auth;
use crate::session::session_csrf_ok;
use crate::AppState;
use app::Notice;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use domain::tenancy::{Scope, TenantInfo};
use domain::types::Role;
use tower_sessions::Session;

const BACK: &str = "/workspace/admin";

#[derive(serde::Deserialize)]
pub struct ClientForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    read: Option<String>,
    #[serde(default)]
    write: Option<String>,
    /// Event sources, space- or comma-separated; empty: the client's own name.
    #[serde(default)]
    sources: String,
}

#[derive(serde::Deserialize)]
pub struct SourcesForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    sources: String,
}

#[derive(serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// The tenant, if the request is a tenant admin's with a valid CSRF token.
async fn admin_of(scope: &Scope, auth: &Auth, session: &Session, csrf: &str) -> Result<(TenantInfo, String), Response> {
    let (Scope::Tenant(t), Some(p)) = (scope, &auth.0) else { return Err(Redirect::to("/login").into_response()) };
    if p.role != Role::TenantAdmin {
        return Err((axum::http::StatusCode::FORBIDDEN, "Only tenant admins may do this.").into_response());
    }
    if !session_csrf_ok(session, csrf).await {
        return Err((axum::http::StatusCode::FORBIDDEN, "The form has expired. Reload the page and try again.").into_response());
    }
    Ok((t.clone(), p.email.clone()))
}

async fn back(session: &Session, message: String, secret: Option<String>) -> Response {
    let _ = session.insert("notice", Notice { message, secret }).await;
    Redirect::to(BACK).into_response()
}

pub async fn create_client(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Form(f): Form<ClientForm>) -> Response {
    let t = match admin_of(&scope, &auth, &session, &f.csrf).await {
        Ok((t, _)) => t,
        Err(r) => return r,
    };
    let mut scopes = Vec::new();
    if f.read.is_some() {
        scopes.push("read".to_owned());
    }
    if f.write.is_some() {
        scopes.push("write".to_owned());
    }
    match domain::api_clients::create(&st.db, &t, &f.name, &scopes, &f.sources).await {
        Ok((c, secret)) => {
            tracing::info!(client = %c.name, "API client created");
            back(&session, format!("API client {} created with scopes \"{}\". Copy its secret now: it is not shown again.", c.name, c.scopes), Some(secret)).await
        }
        Err(domain::Error::Invalid(m)) => back(&session, format!("Not created: {m}"), None).await,
        Err(e) => {
            tracing::error!(error = %e, "creating an API client failed");
            back(&session, "Not created: the service is temporarily unavailable.".into(), None).await
        }
    }
}

pub async fn client_state(
    State(st): State<AppState>,
    Extension(scope): Extension<Scope>,
    Extension(auth): Extension<Auth>,
    session: Session,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let t = match admin_of(&scope, &auth, &session, &f.csrf).await {
        Ok((t, _)) => t,
        Err(r) => return r,
    };
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return (axum::http::StatusCode::NOT_FOUND, "No such action.").into_response(),
    };
    let Ok(id) = id.parse() else { return back(&session, "No such API client.".into(), None).await };
    let changed = async {
        let txn = st.db.tenant_txn(&t.slug).await?;
        domain::api_clients::update_disabled(&txn, id, disabled).await?;
        txn.commit().await?;
        Ok::<_, domain::AppError>(())
    };
    let done = format!("API client {}.", if disabled { "disabled; its tokens no longer work" } else { "enabled" });
    report(&session, changed.await, done).await
}

/// Redirects back with a notice saying how a change of an API client went: `done`, the reason
/// it was refused, or a generic sentence (the error itself is logged).
async fn report(session: &Session, result: domain::Result<()>, done: String) -> Response {
    let message = match result {
        Ok(()) => done,
        Err(domain::Error::NotFound) => "No such API client.".into(),
        Err(domain::Error::Invalid(m)) => format!("Not saved: {m}"),
        Err(e) => {
            tracing::error!(error = %e, "changing an API client failed");
            "Not changed: the service is temporarily unavailable.".into()
        }
    };
    back(session, message, None).await
}

/// Sets the event sources an API client may write under.
pub async fn client_sources(
    State(st): State<AppState>,
    Extension(scope): Extension<Scope>,
    Extension(auth): Extension<Auth>,
    session: Session,
    Path(id): Path<String>,
    Form(f): Form<SourcesForm>,
) -> Response {
    let t = match admin_of(&scope, &auth, &session, &f.csrf).await {
        Ok((t, _)) => t,
        Err(r) => return r,
    };
    let Ok(id) = id.parse() else { return back(&session, "No such API client.".into(), None).await };
    let changed = async {
        let txn = st.db.tenant_txn(&t.slug).await?;
        domain::api_clients::set_sources(&txn, id, &f.sources).await?;
        txn.commit().await?;
        Ok::<_, domain::AppError>(())
    };
    report(&session, changed.await, "Event sources saved.".into()).await
}

pub async fn user_state(
    State(st): State<AppState>,
    Extension(scope): Extension<Scope>,
    Extension(auth): Extension<Auth>,
    session: Session,
    Path(action): Path<String>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let me = match admin_of(&scope, &auth, &session, &f.csrf).await {
        Ok((_, me)) => me,
        Err(r) => return r,
    };
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return (axum::http::StatusCode::NOT_FOUND, "No such action.").into_response(),
    };
    if f.email.eq_ignore_ascii_case(&me) {
        return back(&session, "You cannot disable your own account.".into(), None).await;
    }
    match domain::auth::set_tenant_user_disabled(&st.db, &scope, &f.email, disabled).await {
        Ok(()) => back(&session, format!("{} {}.", f.email, if disabled { "is disabled and signed out everywhere" } else { "is enabled" }), None).await,
        Err(domain::Error::NotFound) => back(&session, format!("There is no user {}.", f.email), None).await,
        Err(e) => {
            tracing::error!(error = %e, "changing a user failed");
            back(&session, "Not changed: the service is temporarily unavailable.".into(), None).await
        }
    }
}
