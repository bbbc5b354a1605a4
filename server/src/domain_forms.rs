//! Form posts of a tenant's domains page in the partner console: add a custom domain, check
//! it now against DNS, remove it (see [`domain::domains`]). Each checks the CSRF token and
//! that the tenant is one of the partner's, then redirects back with a one-time notice.
use crate::admin::back;
use crate::partner_forms::partner_admin;
use crate::signin::CsrfForm;
use crate::{AppState, Auth, error_page, neutral_page};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Form};
use domain::AppError;
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

/// `POST /partner/tenants/{slug}/domains`: adds a domain, unverified until its TXT record is
/// found.
pub async fn add(st: State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, slug: Path<String>, Form(f): Form<DomainForm>) -> Response {
    let who = match partner_admin(&scope, &auth, &session, &f.csrf).await {
        Ok(who) => who,
        Err(r) => return r,
    };
    let page = app::domains_admin::domains_href(&slug);
    match domain::domains::add(&st.db, who, &slug, &f.domain, &st.config.base_domain).await {
        Ok((t, d)) => back(&session, &page, format!("{} is added to {}. It serves the tenant once its DNS has a TXT record at {} holding {}; then choose \"Check now\".", d.domain, t.name, domain::domains::record_name(&d.domain), d.token)).await,
        Err(AppError::NotFound) => not_found(),
        Err(AppError::Invalid(m) | AppError::Conflict(m)) => back(&session, &page, format!("Not added: {m}.")).await,
        Err(e) => error_page(e, "adding a domain"),
    }
}

/// A post about one domain: its partner admin (CSRF checked), the domain's id and the page to
/// come back to; or the answer that refuses it (an id that is not one: 404).
async fn on_domain<'a>(scope: &Scope, auth: &'a Auth, session: &Session, csrf: &str, slug: &str, id: &str) -> Result<(&'a domain::auth::Principal, Uuid, String), Response> {
    let who = partner_admin(scope, auth, session, csrf).await?;
    let id = Uuid::parse_str(id).map_err(|_| not_found())?;
    Ok((who, id, app::domains_admin::domains_href(slug)))
}

/// `POST /partner/tenants/{slug}/domains/{id}/check`: looks the domain's record up now.
pub async fn check(st: State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, Path((slug, id)): Path<(String, String)>, Form(f): Form<CsrfForm>) -> Response {
    let (who, id, page) = match on_domain(&scope, &auth, &session, &f.csrf, &slug, &id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    match domain::domains::check_now(&st.db, st.dns.as_ref(), who, &slug, id).await {
        Ok((t, d)) => {
            st.hosts.forget();
            let said = match (d.verified, &d.check_error) {
                (true, _) => format!("{} is verified: it serves {}.", d.domain, t.name),
                (false, Some(why)) => format!("{} is not verified. {why}", d.domain),
                (false, None) => format!("{} is not verified.", d.domain),
            };
            back(&session, &page, said).await
        }
        Err(AppError::NotFound) => not_found(),
        Err(e) => error_page(e, "checking a domain"),
    }
}

/// `POST /partner/tenants/{slug}/domains/{id}/remove`: the domain stops serving the tenant.
pub async fn remove(st: State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, Path((slug, id)): Path<(String, String)>, Form(f): Form<CsrfForm>) -> Response {
    let (who, id, page) = match on_domain(&scope, &auth, &session, &f.csrf, &slug, &id).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    match domain::domains::remove(&st.db, who, &slug, id).await {
        Ok((t, d)) => {
            st.hosts.forget();
            back(&session, &page, format!("{} is removed: it no longer serves {}.", d.domain, t.name)).await
        }
        Err(AppError::NotFound) => not_found(),
        Err(e) => error_page(e, "removing a domain"),
    }
}
