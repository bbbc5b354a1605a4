//! Form posts of the custom-domain pages: add a domain, check it now against DNS, remove it
//! (see [`domain::domains`]). Two pages post them: a tenant's domains page in the partner
//! console (its partner's admins) and the tenant admin's own (`/workspace/admin/domains`).
//! Each checks the CSRF token and who may change the tenant's domains, then redirects back
//! with a one-time notice.
use crate::admin::{admin_of, back};
use crate::partner_forms::partner_admin;
use crate::signin::CsrfForm;
use crate::{AppState, Auth, error_page, neutral_page};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Form};
use domain::AppError;
use domain::domains::Steward;
use domain::tenancy::Scope;
use tower_sessions::Session;
use uuid::Uuid;

/// The add-a-domain form.
#[derive(serde::Deserialize)]
pub struct DomainForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    domain: String,
}

fn not_found() -> Response {
    neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no such tenant or domain among yours.")
}

/// Who changes which tenant's domains, and the page to come back to; or the answer that
/// refuses the post.
type Resolved = Result<(Steward, String), Response>;

/// A partner admin (CSRF checked) on a tenant of theirs (else 404).
async fn in_console(st: &AppState, scope: &Scope, auth: &Auth, session: &Session, csrf: &str, slug: &str) -> Resolved {
    let who = partner_admin(scope, auth, session, csrf).await?;
    match Steward::partner(&st.db, who, slug).await {
        Ok(s) => Ok((s, app::domains_admin::domains_href(slug))),
        Err(AppError::NotFound) => Err(not_found()),
        Err(e) => Err(error_page(e, "finding the tenant")),
    }
}

/// The tenant admin of this host's tenant (CSRF checked).
async fn in_admin(st: &AppState, scope: &Scope, auth: &Auth, session: &Session, csrf: &str) -> Resolved {
    let (t, who) = admin_of(scope, auth, session, csrf).await?;
    match Steward::tenant_admin(&st.db, &who, t.id).await {
        Ok(s) => Ok((s, app::domains_admin::ADMIN_DOMAINS.to_owned())),
        Err(e) => Err(error_page(e, "finding the workspace")),
    }
}

fn domain_id(id: &str) -> Result<Uuid, Response> {
    Uuid::parse_str(id).map_err(|_| not_found())
}

async fn add(st: &AppState, session: &Session, resolved: Resolved, input: &str) -> Response {
    let (s, page) = match resolved {
        Ok(found) => found,
        Err(r) => return r,
    };
    match domain::domains::add(&st.db, &s, input, &st.config.base_domain).await {
        Ok(d) => back(session, &page, format!("{} is added to {}. It serves the tenant once its DNS has a TXT record at {} holding {}; then choose \"Check now\".", d.domain, s.tenant.name, domain::domains::record_name(&d.domain), d.token)).await,
        Err(AppError::Invalid(m) | AppError::Conflict(m)) => back(session, &page, format!("Not added: {m}.")).await,
        Err(e) => error_page(e, "adding a domain"),
    }
}

async fn check(st: &AppState, session: &Session, resolved: Resolved, id: &str) -> Response {
    let ((s, page), id) = match resolved.and_then(|r| Ok((r, domain_id(id)?))) {
        Ok(found) => found,
        Err(r) => return r,
    };
    match domain::domains::check_now(&st.db, st.dns.as_ref(), &s, id).await {
        Ok(d) => {
            st.hosts.forget();
            let said = match (d.verified, &d.check_error) {
                (true, _) => format!("{} is verified: it serves {}.", d.domain, s.tenant.name),
                (false, Some(why)) => format!("{} is not verified. {why}", d.domain),
                (false, None) => format!("{} is not verified.", d.domain),
            };
            back(session, &page, said).await
        }
        Err(AppError::NotFound) => not_found(),
        Err(e) => error_page(e, "checking a domain"),
    }
}

async fn remove(st: &AppState, session: &Session, resolved: Resolved, id: &str) -> Response {
    let ((s, page), id) = match resolved.and_then(|r| Ok((r, domain_id(id)?))) {
        Ok(found) => found,
        Err(r) => return r,
    };
    match domain::domains::remove(&st.db, &s, id).await {
        Ok(d) => {
            st.hosts.forget();
            back(session, &page, format!("{} is removed: it no longer serves {}.", d.domain, s.tenant.name)).await
        }
        Err(AppError::NotFound) => not_found(),
        Err(e) => error_page(e, "removing a domain"),
    }
}

/// `POST /partner/tenants/{slug}/domains`: adds a domain, unverified until its TXT record is
/// found.
pub async fn console_add(State(st): State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, Path(slug): Path<String>, Form(f): Form<DomainForm>) -> Response {
    let resolved = in_console(&st, &scope, &auth, &session, &f.csrf, &slug).await;
    add(&st, &session, resolved, &f.domain).await
}

/// `POST /partner/tenants/{slug}/domains/{id}/check`: looks the domain's record up now.
pub async fn console_check(State(st): State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, Path((slug, id)): Path<(String, String)>, Form(f): Form<CsrfForm>) -> Response {
    let resolved = in_console(&st, &scope, &auth, &session, &f.csrf, &slug).await;
    check(&st, &session, resolved, &id).await
}

/// `POST /partner/tenants/{slug}/domains/{id}/remove`: the domain stops serving the tenant.
pub async fn console_remove(State(st): State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, Path((slug, id)): Path<(String, String)>, Form(f): Form<CsrfForm>) -> Response {
    let resolved = in_console(&st, &scope, &auth, &session, &f.csrf, &slug).await;
    remove(&st, &session, resolved, &id).await
}

/// `POST /workspace/admin/domains`: the tenant admin adds a domain to their workspace.
pub async fn admin_add(State(st): State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, Form(f): Form<DomainForm>) -> Response {
    let resolved = in_admin(&st, &scope, &auth, &session, &f.csrf).await;
    add(&st, &session, resolved, &f.domain).await
}

/// `POST /workspace/admin/domains/{id}/check`.
pub async fn admin_check(State(st): State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, Path(id): Path<String>, Form(f): Form<CsrfForm>) -> Response {
    let resolved = in_admin(&st, &scope, &auth, &session, &f.csrf).await;
    check(&st, &session, resolved, &id).await
}

/// `POST /workspace/admin/domains/{id}/remove`.
pub async fn admin_remove(State(st): State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, Path(id): Path<String>, Form(f): Form<CsrfForm>) -> Response {
    let resolved = in_admin(&st, &scope, &auth, &session, &f.csrf).await;
    remove(&st, &session, resolved, &id).await
}
