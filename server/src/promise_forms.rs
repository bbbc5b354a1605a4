//! Promises to pay, as form posts: a clerk records one on the staff invoice page, a customer
//! makes one on the portal's invoice page. Both redirect (303) back with a notice, so they
//! work without JavaScript; a refusal names the field that was wrong.
use crate::dispute_forms::back;
use crate::{AppState, Auth};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::{Extension, Form};
use domain::AppError;
use domain::audit::Actor;
use domain::dunning::promises::{self, PromiseIn, PromisedBy};
use domain::tenancy::{Scope, TenantInfo};
use domain::types::Role;
use tower_sessions::Session;

#[derive(serde::Deserialize)]
pub struct PromiseForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    promise: PromiseIn,
}

/// Who may record a promise for a customer: the tenant's admins and AR clerks.
fn records_promises(r: Role) -> bool {
    matches!(r, Role::TenantAdmin | Role::ArClerk)
}

/// The staff invoice page.
pub fn staff_page(number: &str) -> String {
    format!("/workspace/invoices/{}", app::urlencode(number))
}

async fn made(st: &AppState, t: &TenantInfo, number: &str, customer: Option<uuid::Uuid>, f: &PromiseForm, by: PromisedBy) -> Result<String, AppError> {
    let txn = st.db.tenant_txn(&t.slug).await?;
    let p = promises::make(&txn, number, customer, &f.promise, &by, chrono::Utc::now()).await?;
    txn.commit().await?;
    Ok(format!("Promise to pay {} by {} recorded: reminders wait until then.", domain::money::format(p.amount_minor, &p.currency), p.promised_on))
}

async fn answer(session: &Session, page: &str, done: Result<String, AppError>) -> Response {
    match done {
        Ok(notice) => back(session, page, notice, false).await,
        Err(AppError::NotFound) => crate::portal::not_found("invoice"),
        Err(e) if matches!(e.status(), 409 | 422) => back(session, page, format!("The promise was not recorded: {}", e.public_message()), true).await,
        Err(e) => crate::error_page(e, "recording the promise"),
    }
}

/// `POST /workspace/invoices/{number}/promise`.
pub async fn staff(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Path(number): Path<String>, Form(f): Form<PromiseForm>) -> Response {
    let (t, me) = match crate::admin::form_user(&scope, &auth, &session, &f.csrf, records_promises, "Only tenant admins and AR clerks record promises to pay.").await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let by = PromisedBy::Staff(Actor::User { id: me.user_id, name: me.name.clone() });
    answer(&session, &staff_page(&number), made(&st, &t, &number, None, &f, by).await).await
}

/// `POST /portal/invoices/{number}/promise`: on the customer's own invoices only.
pub async fn customer(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Path(number): Path<String>, Form(f): Form<PromiseForm>) -> Response {
    let c = match crate::portal::customer_post(&scope, &auth, &session, &f.csrf).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let by = PromisedBy::Customer(Actor::User { id: c.user.user_id, name: c.user.name.clone() });
    let page = app::portal_invoice_href(&number);
    answer(&session, &page, made(&st, &c.tenant, &number, Some(c.id), &f, by).await).await
}
