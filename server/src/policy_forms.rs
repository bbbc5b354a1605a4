//! Form posts of inherited policies (see [`domain::policies`]):
//! - on the partner console's Defaults page (`/partner/policies`), a partner admin saves a
//!   default of a workflow rule, of the delivery defaults, of the reminder sequences or of the
//!   brand; the partner's tenants that inherit it follow at once (the sweep retries);
//! - on a tenant's rules and reminders pages, its admin reverts an override to the default;
//! - in a tenant's branding editor, the partner makes its brand follow the default again.
//!
//! Each checks the CSRF token and the role, and redirects back with a one-time notice.
use crate::admin::{admin_of, back};
use crate::admin_reminders::{Fields, defaults_config, field, sequences};
use crate::admin_rules::{refusal, settings};
use crate::partner_forms::partner_admin;
use crate::{AppState, Auth, error_page, neutral_page};
use app::policies_admin::PATH;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Form};
use chrono::Utc;
use domain::AppError;
use domain::audit::Actor;
use domain::auth::Principal;
use domain::tenancy::Scope;
use serde_json::{Value, json};
use tower_sessions::Session;

/// Saves a default and starts bringing the tenants up to it.
async fn save(st: &AppState, session: &Session, who: &Principal, policy: &str, what: &str, enabled: bool, config: Result<Value, String>) -> Response {
    let config = match config {
        Ok(c) => c,
        Err(m) => return back(session, PATH, m).await,
    };
    match domain::policies::save(&st.db, who, policy, enabled, config, Utc::now()).await {
        Ok(v) => {
            // The tenants follow now (the minute sweep retries any that fail); brands show on
            // this instance at once, on others within the host cache's 5 s.
            let st2 = st.clone();
            tokio::spawn(async move {
                crate::workers::sync_policies(&st2.db).await;
                st2.hosts.forget();
            });
            back(session, PATH, format!("Saved the default {what} as v{v}; every tenant that inherits it follows now.")).await
        }
        Err(AppError::Invalid(m)) => {
            let text = match app::rules_admin::info(policy) {
                Some(rule) => refusal(rule, &m),
                None => format!("Not saved: {}.", m.trim_start_matches(&format!("settings of {policy}: "))),
            };
            back(session, PATH, text).await
        }
        Err(AppError::Forbidden(m) | AppError::Conflict(m)) => back(session, PATH, format!("Not saved: {m}.")).await,
        Err(e) => error_page(e, "saving a partner default"),
    }
}

/// `POST /partner/policies/rules/{rule}`.
pub async fn rule(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Path(rule): Path<String>, Form(form): Form<Vec<(String, String)>>) -> Response {
    let who = match partner_admin(&scope, &auth, &session, crate::admin_rules::posted(&form, "csrf")).await {
        Ok(who) => who,
        Err(r) => return r,
    };
    let Some(info) = app::rules_admin::info(&rule) else { return neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no such rule.") };
    let enabled = !info.can_disable || form.iter().any(|(k, _)| k == "enabled");
    save(&st, &session, who, info.name, &format!("{} rule", info.title), enabled, settings(info, &form)).await
}

/// `POST /partner/policies/reminders/defaults`.
pub async fn delivery(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Form(f): Form<Fields>) -> Response {
    let who = match partner_admin(&scope, &auth, &session, field(&f, "csrf")).await {
        Ok(who) => who,
        Err(r) => return r,
    };
    save(&st, &session, who, "delivery", "invoice and reminder channels", true, Ok(defaults_config(&f))).await
}

/// `POST /partner/policies/reminders/sequences`.
pub async fn dunning(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Form(f): Form<Fields>) -> Response {
    let who = match partner_admin(&scope, &auth, &session, field(&f, "csrf")).await {
        Ok(who) => who,
        Err(r) => return r,
    };
    let config = sequences(&f).map_err(|m| format!("Not saved: {m}.")).and_then(|d| serde_json::to_value(d).map_err(|e| e.to_string()));
    save(&st, &session, who, "dunning", "reminder sequences", f.contains_key("enabled"), config).await
}

/// `POST /partner/policies/branding`.
pub async fn branding(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Form(f): Form<Fields>) -> Response {
    let who = match partner_admin(&scope, &auth, &session, field(&f, "csrf")).await {
        Ok(who) => who,
        Err(r) => return r,
    };
    let text = |k: &str| field(&f, k).to_owned();
    let config = json!({
        "product_name": text("product_name"), "primary_color": text("primary_color"), "accent_color": text("accent_color"),
        "support_email": text("support_email"), "support_phone": text("support_phone"), "footer_text": text("footer_text"),
        "powered_by": f.contains_key("powered_by"),
    });
    save(&st, &session, who, domain::policies::BRANDING, "brand", true, Ok(config)).await
}

/// `POST /workspace/admin/rules/{rule}/revert`: the tenant's own version of the rule gives way
/// to the default it would inherit. Back to the page the form is on (`back`: rules or reminders).
pub async fn revert(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Path(rule): Path<String>, Form(f): Form<Fields>) -> Response {
    let (t, me) = match admin_of(&scope, &auth, &session, field(&f, "csrf")).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let page = if field(&f, "back") == "reminders" { app::reminders_admin::PATH } else { app::rules_admin::PATH };
    let actor = Actor::User { id: me.user_id, name: me.name.clone() };
    let reverted = async {
        let txn = st.db.tenant_txn(&t.slug).await?;
        let v = domain::policies::revert(&st.db, &txn, t.id, &rule, &actor).await?;
        txn.commit().await?;
        Ok::<_, AppError>(v)
    };
    match reverted.await {
        Ok(v) => back(&session, page, format!("Reverted {rule} to the default as v{v}; it follows the default from now on.")).await,
        Err(AppError::Invalid(m) | AppError::Conflict(m)) => back(&session, page, format!("Not saved: {m}.")).await,
        Err(e) => error_page(e, "reverting a rule"),
    }
}

/// `POST /partner/tenants/{slug}/branding/follow`: the tenant's brand becomes the partner's
/// default again, and follows its changes.
pub async fn follow_brand(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Path(slug): Path<String>, Form(f): Form<Fields>) -> Response {
    let who = match partner_admin(&scope, &auth, &session, field(&f, "csrf")).await {
        Ok(who) => who,
        Err(r) => return r,
    };
    let editor = app::branding_admin::branding_href(&slug);
    match domain::policies::follow_partner_brand(&st.db, who, &slug, Utc::now()).await {
        Ok(t) => {
            st.hosts.forget();
            back(&session, &editor, format!("{} now uses the partner's default brand and follows its changes.", t.name)).await
        }
        Err(AppError::NotFound) => neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no such tenant among yours."),
        Err(AppError::Conflict(m) | AppError::Forbidden(m)) => back(&session, &editor, format!("Not changed: {m}.")).await,
        Err(e) => error_page(e, "making a brand follow the default"),
    }
}
