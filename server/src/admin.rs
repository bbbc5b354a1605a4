//! Form posts of the tenant admin console: create, disable and enable API clients; disable
//! and enable users. Each checks the CSRF token and that the signer-in is a tenant admin of
//! this host's tenant, then redirects back with a one-time notice. That guard
//! ([`admin_of`], [`form_user`]) and redirect ([`back`]) serve the other forms too.
use crate::session::session_csrf_ok;
use crate::{AppState, Auth};
use app::Notice;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use domain::auth::Principal;
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

/// Why a request is turned away: to the sign-in page (signed out, or on a host that is no
/// tenant's), or 403 with a sentence.
pub(crate) enum Refused {
    SignIn,
    Forbidden(&'static str),
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::SignIn => Redirect::to("/login").into_response(),
            Refused::Forbidden(why) => (StatusCode::FORBIDDEN, why).into_response(),
        }
    }
}

/// The tenant of this host and its signed-in user, if `may` allows the user's role; else why
/// not (`forbidden` for a role that may not).
pub(crate) fn tenant_user(scope: &Scope, auth: &Auth, may: fn(Role) -> bool, forbidden: &'static str) -> Result<(TenantInfo, Principal), Refused> {
    let (Scope::Tenant(t), Some(p)) = (scope, &auth.0) else { return Err(Refused::SignIn) };
    if !may(p.role) {
        return Err(Refused::Forbidden(forbidden));
    }
    Ok((t.clone(), p.clone()))
}

/// [`tenant_user`], for a form post: the form's CSRF token must be the session's too. Else
/// the answer.
pub(crate) async fn form_user(scope: &Scope, auth: &Auth, session: &Session, csrf: &str, may: fn(Role) -> bool, forbidden: &'static str) -> Result<(TenantInfo, Principal), Response> {
    let who = tenant_user(scope, auth, may, forbidden).map_err(IntoResponse::into_response)?;
    if !session_csrf_ok(session, csrf).await {
        return Err(Refused::Forbidden("The form has expired. Reload the page and try again.").into_response());
    }
    Ok(who)
}

fn is_admin(role: Role) -> bool {
    role == Role::TenantAdmin
}

const ADMINS_ONLY: &str = "Only tenant admins may do this.";

/// The tenant and its signed-in tenant admin (for a download), or why not.
pub(crate) fn tenant_admin(scope: &Scope, auth: &Auth) -> Result<(TenantInfo, Principal), Refused> {
    tenant_user(scope, auth, is_admin, ADMINS_ONLY)
}

/// The tenant and its signed-in tenant admin, if the form carries the session's CSRF token;
/// else the answer. The admin is kept for the audit entries that name them.
pub(crate) async fn admin_of(scope: &Scope, auth: &Auth, session: &Session, csrf: &str) -> Result<(TenantInfo, Principal), Response> {
    form_user(scope, auth, session, csrf, is_admin, ADMINS_ONLY).await
}

/// [`admin_of`] for what a support session may not do: manage users, API clients and webhook
/// endpoints, access that would outlive the session or lock the tenant's own admins out.
pub(crate) async fn own_admin_of(scope: &Scope, auth: &Auth, session: &Session, csrf: &str) -> Result<(TenantInfo, Principal), Response> {
    let (t, me) = admin_of(scope, auth, session, csrf).await?;
    if me.support_session.is_some() {
        return Err(Refused::Forbidden("A support session cannot manage users, API clients or webhook endpoints; ask the tenant's admin.").into_response());
    }
    Ok((t, me))
}

/// Redirects (303) to `to` with a one-time notice, so that a form works without JavaScript.
pub(crate) async fn back(session: &Session, to: &str, message: String) -> Response {
    back_with_secret(session, to, message, None).await
}

/// [`back`], with a secret the page shows once (a new API client's).
pub(crate) async fn back_with_secret(session: &Session, to: &str, message: String, secret: Option<String>) -> Response {
    let _ = session.insert("notice", Notice { message, secret }).await;
    Redirect::to(to).into_response()
}

pub async fn create_client(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Form(f): Form<ClientForm>) -> Response {
    let t = match own_admin_of(&scope, &auth, &session, &f.csrf).await {
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
            back_with_secret(&session, BACK, format!("API client {} created with scopes \"{}\". Copy its secret now: it is not shown again.", c.name, c.scopes), Some(secret)).await
        }
        Err(domain::Error::Invalid(m)) => back(&session, BACK, format!("Not created: {m}")).await,
        Err(e) => {
            tracing::error!(error = %e, "creating an API client failed");
            back(&session, BACK, "Not created: the service is temporarily unavailable.".into()).await
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
    let t = match own_admin_of(&scope, &auth, &session, &f.csrf).await {
        Ok((t, _)) => t,
        Err(r) => return r,
    };
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return (StatusCode::NOT_FOUND, "No such action.").into_response(),
    };
    let Ok(id) = id.parse() else { return back(&session, BACK, "No such API client.".into()).await };
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
    back(session, BACK, message).await
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
    let t = match own_admin_of(&scope, &auth, &session, &f.csrf).await {
        Ok((t, _)) => t,
        Err(r) => return r,
    };
    let Ok(id) = id.parse() else { return back(&session, BACK, "No such API client.".into()).await };
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
    let me = match own_admin_of(&scope, &auth, &session, &f.csrf).await {
        Ok((_, me)) => me.email,
        Err(r) => return r,
    };
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return (StatusCode::NOT_FOUND, "No such action.").into_response(),
    };
    if f.email.eq_ignore_ascii_case(&me) {
        return back(&session, BACK, "You cannot disable your own account.".into()).await;
    }
    match domain::auth::set_tenant_user_disabled(&st.db, &scope, &f.email, disabled).await {
        Ok(()) => back(&session, BACK, format!("{} {}.", f.email, if disabled { "is disabled and signed out everywhere" } else { "is enabled" })).await,
        Err(domain::Error::NotFound) => back(&session, BACK, format!("There is no user {}.", f.email)).await,
        Err(e) => {
            tracing::error!(error = %e, "changing a user failed");
            back(&session, BACK, "Not changed: the service is temporarily unavailable.".into()).await
        }
    }
}
