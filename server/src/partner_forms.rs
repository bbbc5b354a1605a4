//! Form posts of the partner console: create a tenant (its first admin invited), invite an
//! admin, suspend and reactivate a tenant, save its branding (a partner admin their own
//! partner's tenants, the platform operator any; see [`domain::partner`]). Each checks
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
use domain::auth::Principal;
use domain::branding::BrandingIn;
use domain::tenancy::Scope;
use domain::types::Role;
use tower_sessions::Session;

const CONSOLE: &str = "/partner";

/// The suspend form: the CSRF token and the box that confirms it.
#[derive(serde::Deserialize)]
pub struct SuspendForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: Option<String>,
}

/// `POST /partner/tenants/{slug}/suspend`: only with its confirmation box ticked.
pub async fn suspend(st: State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, slug: Path<String>, Form(f): Form<SuspendForm>) -> Response {
    if f.confirm.is_none() {
        let who = match partner_admin(&scope, &auth, &session, &f.csrf).await {
            Ok(who) => who,
            Err(r) => return r,
        };
        return match domain::partner::own_tenant(&st.db, who, &slug).await {
            Ok(t) => back(&session, CONSOLE, format!("Nothing changed: tick the box that confirms suspending {}.", t.name)).await,
            Err(AppError::NotFound) => neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no such tenant among yours."),
            Err(e) => error_page(e, "finding the tenant"),
        };
    }
    change(&st, &scope, &auth, &session, &slug, &f.csrf, false).await
}

/// `POST /partner/tenants/{slug}/reactivate`.
pub async fn reactivate(st: State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, slug: Path<String>, Form(f): Form<CsrfForm>) -> Response {
    change(&st, &scope, &auth, &session, &slug, &f.csrf, true).await
}

/// The signed-in partner admin (or platform operator) of a console form post with a good
/// CSRF token, or the answer that refuses it.
pub(crate) async fn partner_admin<'a>(scope: &Scope, auth: &'a Auth, session: &Session, csrf: &str) -> Result<&'a Principal, Response> {
    if !matches!(scope, Scope::Platform) {
        return Err(neutral_page(StatusCode::NOT_FOUND, "Not found", "The partner console is not served at this address."));
    }
    let Some(who) = &auth.0 else { return Err(Redirect::to("/login").into_response()) };
    if !matches!(who.role, Role::PartnerAdmin | Role::PlatformAdmin) {
        return Err((StatusCode::FORBIDDEN, "Only partner admins may do this.").into_response());
    }
    if !session_csrf_ok(session, csrf).await {
        return Err((StatusCode::FORBIDDEN, "The form has expired. Reload the page and try again.").into_response());
    }
    Ok(who)
}

/// The signed-in partner admin (or platform operator) for a console download; the answer for
/// anyone else (404 off the console's host and for other roles, sign-in when signed out).
pub(crate) fn partner_reader<'a>(scope: &Scope, auth: &'a Auth, not_found: impl Fn() -> Response) -> Result<&'a Principal, Response> {
    if !matches!(scope, Scope::Platform) {
        return Err(not_found());
    }
    let Some(who) = &auth.0 else { return Err(Redirect::to("/login").into_response()) };
    if !matches!(who.role, Role::PartnerAdmin | Role::PlatformAdmin) {
        return Err(not_found());
    }
    Ok(who)
}

async fn change(st: &AppState, scope: &Scope, auth: &Auth, session: &Session, slug: &str, csrf: &str, active: bool) -> Response {
    let who = match partner_admin(scope, auth, session, csrf).await {
        Ok(who) => who,
        Err(r) => return r,
    };
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

/// The new-tenant form.
#[derive(serde::Deserialize)]
pub struct NewTenantForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    admin_email: String,
    #[serde(default)]
    admin_name: String,
}

/// `POST /partner/tenants`: creates a tenant of the partner and invites its first admin.
pub async fn create(st: State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, Form(f): Form<NewTenantForm>) -> Response {
    let who = match partner_admin(&scope, &auth, &session, &f.csrf).await {
        Ok(who) => who,
        Err(r) => return r,
    };
    if let Err(r) = can_invite(&st, &session).await {
        return r;
    }
    let input = domain::partner::NewTenantIn { name: f.name, slug: f.slug, admin_email: f.admin_email, admin_name: f.admin_name };
    match domain::partner::create_tenant(&st.db, &st.invite_key, who, &input).await {
        Ok((t, inv)) => {
            st.hosts.forget();
            // Confirms the partner's defaults in the new tenant (see domain::policies).
            let db = st.db.clone();
            tokio::spawn(async move { crate::workers::sync_policies(&db).await });
            back(&session, CONSOLE, format!("{} is created at its address {}. An invitation to {} is on its way; the link works for {} days.", t.name, t.slug, inv.email, domain::invitations::DAYS)).await
        }
        Err(AppError::Invalid(m) | AppError::Conflict(m) | AppError::Forbidden(m)) => back(&session, CONSOLE, format!("No tenant created: {m}.")).await,
        Err(e) => error_page(e, "creating a tenant"),
    }
}

/// Invitations go out by e-mail: without a mail server a new tenant would have no way in, so
/// nothing is created and the partner is told what to set.
pub(crate) async fn can_invite(st: &AppState, session: &Session) -> Result<(), Response> {
    if st.config.smtp_url.is_some() {
        return Ok(());
    }
    Err(back(session, CONSOLE, "Nothing done: invitations are e-mailed, and this server has no mail server (set THROUGHLINE_SMTP_URL).".into()).await)
}

/// The invite-an-admin form.
#[derive(serde::Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
}

/// `POST /partner/tenants/{slug}/invite`: invites an admin to the tenant (again: a new link).
pub async fn invite(st: State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, slug: Path<String>, Form(f): Form<InviteForm>) -> Response {
    let who = match partner_admin(&scope, &auth, &session, &f.csrf).await {
        Ok(who) => who,
        Err(r) => return r,
    };
    if let Err(r) = can_invite(&st, &session).await {
        return r;
    }
    match domain::partner::invite_admin(&st.db, &st.invite_key, who, &slug, &f.email, &f.name).await {
        Ok((t, inv)) => back(&session, CONSOLE, format!("An invitation to {} as admin of {} is on its way.", inv.email, t.name)).await,
        Err(AppError::NotFound) => neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no such tenant among yours."),
        Err(AppError::Invalid(m) | AppError::Conflict(m)) => back(&session, CONSOLE, format!("No invitation sent: {m}.")).await,
        Err(e) => error_page(e, "inviting an admin"),
    }
}

/// The branding editor's fields.
#[derive(serde::Deserialize)]
pub struct BrandingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    product_name: String,
    #[serde(default)]
    primary_color: String,
    #[serde(default)]
    accent_color: String,
    #[serde(default)]
    support_email: String,
    #[serde(default)]
    support_phone: String,
    #[serde(default)]
    footer_text: String,
    /// The checkbox: present when ticked.
    #[serde(default)]
    powered_by: Option<String>,
}

/// `POST /partner/tenants/{slug}/branding`: saves the tenant's brand; every instance shows it
/// within the host cache's 5 s (this one at once).
pub async fn branding(st: State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, slug: Path<String>, Form(f): Form<BrandingForm>) -> Response {
    let who = match partner_admin(&scope, &auth, &session, &f.csrf).await {
        Ok(who) => who,
        Err(r) => return r,
    };
    let editor = app::branding_admin::branding_href(&slug);
    let input = BrandingIn { product_name: f.product_name, primary_color: f.primary_color, accent_color: f.accent_color, support_email: f.support_email, support_phone: f.support_phone, footer_text: f.footer_text, powered_by: f.powered_by.is_some() };
    match domain::partner::set_branding(&st.db, who, &slug, &input).await {
        Ok(t) => {
            st.hosts.forget();
            back(&session, &editor, format!("Branding of {} saved.", t.name)).await
        }
        Err(AppError::NotFound) => neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no such tenant among yours."),
        Err(AppError::Invalid(m) | AppError::Conflict(m)) => back(&session, &editor, format!("Not saved: {m}.")).await,
        Err(e) => error_page(e, "saving a tenant's branding"),
    }
}
