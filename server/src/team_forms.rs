//! Form posts of the partner team page (`/partner/team`, see [`domain::partner_team`]): invite
//! a partner admin or viewer (the e-mail goes out at once; the platform sweep retries), withdraw
//! an invitation, disable or enable a user. Only a partner admin; each checks the CSRF token and
//! redirects back to the page with a one-time notice.
use crate::admin::back;
use crate::partner_forms::{can_invite, partner_admin};
use crate::{AppState, Auth, error_page, neutral_page};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Form};
use chrono::Utc;
use domain::AppError;
use domain::partner_team;
use domain::tenancy::Scope;
use domain::types::Role;
use tower_sessions::Session;
use uuid::Uuid;

const TEAM: &str = "/partner/team";

#[derive(serde::Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

/// `POST /partner/team/invite`.
pub async fn invite(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Form(f): Form<InviteForm>) -> Response {
    let who = match partner_admin(&scope, &auth, &session, &f.csrf).await {
        Ok(who) => who,
        Err(r) => return r,
    };
    if let Err(r) = can_invite(&st, &session).await {
        return r;
    }
    let Ok(role) = Role::parse(&f.role) else { return back(&session, TEAM, "No invitation sent: choose partner admin or partner viewer.".into()).await };
    match partner_team::invite(&st.db, &st.invite_key, who, &f.email, &f.name, role, Utc::now()).await {
        Ok(inv) => {
            // Sent now rather than at the next minute's sweep (which retries it if this fails).
            let (sending, key) = (crate::workers::sending(&st.db, &st.config), st.invite_key.clone());
            tokio::spawn(async move { crate::outbound::partner_invitations::send_due(&sending, &key, Utc::now()).await });
            back(&session, TEAM, format!("An invitation to {} as {} is on its way; the link works for {} days.", inv.email, role.label().to_lowercase(), partner_team::DAYS)).await
        }
        Err(AppError::Invalid(m) | AppError::Conflict(m) | AppError::Forbidden(m)) => back(&session, TEAM, format!("No invitation sent: {m}.")).await,
        Err(e) => error_page(e, "inviting to the team"),
    }
}

/// `POST /partner/team/invitations/{id}/withdraw`.
pub async fn withdraw(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Path(id): Path<String>, Form(f): Form<crate::signin::CsrfForm>) -> Response {
    let who = match partner_admin(&scope, &auth, &session, &f.csrf).await {
        Ok(who) => who,
        Err(r) => return r,
    };
    let Ok(id) = Uuid::parse_str(&id) else { return not_found() };
    match partner_team::withdraw(&st.db, who, id, Utc::now()).await {
        Ok(inv) => back(&session, TEAM, format!("The invitation of {} is withdrawn: its link no longer works.", inv.email)).await,
        Err(AppError::NotFound) => not_found(),
        Err(AppError::Forbidden(m)) => back(&session, TEAM, format!("Nothing changed: {m}.")).await,
        Err(e) => error_page(e, "withdrawing an invitation"),
    }
}

/// `POST /partner/team/users/{id}/disable`.
pub async fn disable(st: State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, id: Path<String>, f: Form<crate::signin::CsrfForm>) -> Response {
    set_disabled(st, scope, auth, session, id, f, true).await
}

/// `POST /partner/team/users/{id}/enable`.
pub async fn enable(st: State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, id: Path<String>, f: Form<crate::signin::CsrfForm>) -> Response {
    set_disabled(st, scope, auth, session, id, f, false).await
}

async fn set_disabled(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Path(id): Path<String>, Form(f): Form<crate::signin::CsrfForm>, disabled: bool) -> Response {
    let who = match partner_admin(&scope, &auth, &session, &f.csrf).await {
        Ok(who) => who,
        Err(r) => return r,
    };
    let Ok(id) = Uuid::parse_str(&id) else { return not_found() };
    match partner_team::set_disabled(&st.db, who, id, disabled, Utc::now()).await {
        Ok(u) => back(&session, TEAM, if disabled { format!("{} is disabled and signed out.", u.name) } else { format!("{} can sign in again.", u.name) }).await,
        Err(AppError::NotFound) => not_found(),
        Err(AppError::Conflict(m) | AppError::Forbidden(m)) => back(&session, TEAM, format!("Nothing changed: {m}.")).await,
        Err(e) => error_page(e, "changing a team member"),
    }
}

fn not_found() -> Response {
    neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no such member or invitation in your team.")
}
