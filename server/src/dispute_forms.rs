//! Staff form posts on a dispute (from its exception page): write in its thread with
//! attachments, and resolve it with a credit memo or a rejection. Like the portal's forms
//! they redirect (303) back with a notice, so they work without JavaScript; the resolution
//! goes through `domain::workflow::disputes::resolve`, so the queue's roles and segregation of
//! duties apply exactly as in the API.
use crate::uploads::{self, StoredFile};
use crate::{AppState, Auth};
use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use axum::{Extension, Form};
use domain::audit::Actor;
use domain::auth::Principal;
use domain::documents::Links;
use domain::tenancy::{Scope, TenantInfo};
use domain::types::Role;
use domain::workflow::Acting;
use domain::workflow::disputes::{self, Author, AuthorKind, MessageIn, Resolution, ResolveIn};
use domain::{AppError, TenantTxn};
use sea_orm::prelude::*;
use tower_sessions::Session;

pub(crate) fn is_staff(r: Role) -> bool {
    matches!(r, Role::TenantAdmin | Role::ArClerk | Role::CustomerService)
}

async fn staff_post(scope: &Scope, auth: &Auth, session: &Session, csrf: &str) -> Result<(TenantInfo, Principal), Response> {
    crate::admin::form_user(scope, auth, session, csrf, is_staff, "Only staff work disputes.").await
}

/// The dispute's exception page, where staff work it.
fn page_of(number: &str) -> String {
    format!("/workspace/exceptions/{}", app::urlencode(&format!("dispute:{number}")))
}

pub(crate) async fn back(session: &Session, to: &str, message: String, refused: bool) -> Response {
    let to = if refused { format!("{to}?refused=1") } else { to.to_owned() };
    crate::admin::back(session, &to, message).await
}

/// A refusal as a notice on `to`; our own failures as an error page.
pub(crate) async fn refused(session: &Session, to: &str, e: AppError, what: &str) -> Response {
    match e {
        AppError::NotFound => crate::portal::not_found("dispute or invoice"),
        e if matches!(e.status(), 400 | 403 | 409 | 422) => back(session, to, format!("{what}: {}", e.public_message()), true).await,
        e => crate::error_page(e, what),
    }
}

/// Records stored files against dispute `number` and posts `body` with them in its thread,
/// as `by` (`customer`: the uploading customer, who may download them again).
pub(crate) async fn attach(txn: &TenantTxn, number: &str, body: &str, stored: &[StoredFile], by: &Author, customer: Option<uuid::Uuid>) -> Result<(), AppError> {
    let d = disputes::dispute::Entity::find().filter(disputes::dispute::Column::Number.eq(number)).one(txn).await?.ok_or(AppError::NotFound)?;
    let mut ids = Vec::new();
    for f in stored {
        let links = Links { dispute_id: Some(d.id), customer_id: customer, invoice_id: Some(d.invoice_id), ..Default::default() };
        ids.push(domain::documents::record(txn, "evidence", &f.filename, f.content_type, &f.stored, links).await?.id);
    }
    disputes::post_message(txn, number, &MessageIn { body: body.to_owned(), attachments: ids }, by, chrono::Utc::now()).await?;
    Ok(())
}

/// `POST /workspace/disputes/{number}/messages`: a staff reply, with optional attachments.
pub(crate) async fn reply(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Path(number): Path<String>, mp: Multipart) -> Response {
    let page = page_of(&number);
    let form = match uploads::read_form(mp, st.config.upload_limit).await {
        Ok(f) => f,
        Err(m) => return back(&session, &page, format!("The reply was not sent: {m}."), true).await,
    };
    let (t, me) = match staff_post(&scope, &auth, &session, form.text("csrf")).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let body = form.text("body").to_owned();
    let files = match form.files.into_iter().map(uploads::check).collect::<Result<Vec<_>, _>>() {
        Ok(f) => f,
        Err(m) => return back(&session, &page, format!("The reply was not sent: {m}."), true).await,
    };
    let stored = match uploads::store_all(&st.storage, &t.slug, "evidence", files).await {
        Ok(s) => s,
        Err(e) => return crate::error_page(e, "storing attachments"),
    };
    let by = Author { actor: Actor::User { id: me.user_id, name: me.name.clone() }, kind: AuthorKind::Staff };
    let sent = async {
        let txn = st.db.tenant_txn(&t.slug).await?;
        attach(&txn, &number, &body, &stored, &by, None).await?;
        txn.commit().await?;
        Ok::<_, AppError>(())
    }
    .await;
    match sent {
        Ok(()) => back(&session, &page, "Reply sent to the customer.".into(), false).await,
        Err(e) => {
            uploads::discard(&st.storage, &t.slug, &stored).await;
            refused(&session, &page, e, "The reply was not sent").await
        }
    }
}

#[derive(serde::Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    outcome: String,
    /// In major units (`12.50`).
    #[serde(default)]
    amount: String,
    #[serde(default)]
    note: String,
}

/// `POST /workspace/disputes/{number}/resolve`: a credit memo or a rejection.
pub(crate) async fn resolve(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Path(number): Path<String>, Form(f): Form<ResolveForm>) -> Response {
    let page = page_of(&number);
    let (t, me) = match staff_post(&scope, &auth, &session, &f.csrf).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let done = async {
        let txn = st.db.tenant_txn(&t.slug).await?;
        let d = disputes::detail(&txn, &number, None).await?;
        let amount_minor = match f.amount.trim() {
            "" => None,
            a => Some(domain::money::parse_major(a, &d.currency).map_err(|e| AppError::Invalid(format!("amount: {e}")))?),
        };
        let note = Some(f.note.trim().to_owned()).filter(|n| !n.is_empty());
        let input = ResolveIn { outcome: f.outcome.clone(), amount_minor, note: note.clone(), reason: note };
        let how = Resolution::parse(&input).map_err(|errs| AppError::from(disputes::Refused::Fields(errs)))?;
        let who = Acting { actor: Actor::User { id: me.user_id, name: me.name.clone() }, role: me.role };
        let v = disputes::resolve(&txn, &number, &how, &who, chrono::Utc::now()).await.map_err(AppError::from)?;
        txn.commit().await?;
        Ok::<_, AppError>(v)
    }
    .await;
    match done {
        Ok(v) => {
            let what = v.credit_memo.map(|cm| format!("credit memo {} issued", cm.number)).unwrap_or_else(|| "rejected".into());
            back(&session, &page, format!("Dispute {}: {what}.", v.number), false).await
        }
        Err(e) => refused(&session, &page, e, "The dispute was not resolved").await,
    }
}
