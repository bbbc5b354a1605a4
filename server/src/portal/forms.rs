//! Portal form posts (multipart, so evidence files travel with them): open a dispute on an
//! invoice, and write in a dispute's thread. Both work without JavaScript: they redirect (303)
//! to the dispute with a one-time notice, or back to the form with the reason it was refused.
//! Files are checked before anything is stored and deleted again if the dispute or message
//! could not be written.
use super::{Customer, customer_post};
use crate::uploads::{self, Checked, FormData, StoredFile};
use crate::{AppState, Auth};
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use domain::audit::Actor;
use domain::tenancy::Scope;
use domain::workflow::disputes::{self, Author, AuthorKind, DisputeIn, DisputeLineIn};
use domain::{AppError, TenantTxn};
use tower_sessions::Session;

use crate::dispute_forms::{back, refused};

fn author(c: &Customer) -> Author {
    Author { actor: Actor::User { id: c.user.user_id, name: c.user.name.clone() }, kind: AuthorKind::Customer(c.id) }
}

/// The form's files, checked; the first problem as a sentence.
fn checked_files(form: &mut FormData) -> Result<Vec<Checked>, String> {
    std::mem::take(&mut form.files).into_iter().map(uploads::check).collect()
}

/// The lines ticked on the dispute form, each with the quantity or amount typed for it.
fn dispute_lines(form: &FormData, currency: &str) -> Result<Vec<DisputeLineIn>, String> {
    let mut lines = Vec::new();
    for l in form.fields.get("line").into_iter().flatten() {
        let line: i32 = l.trim().parse().map_err(|_| format!("{l:?} is not a line number"))?;
        let quantity = match form.text(&format!("quantity_{line}")).trim() {
            "" => None,
            q => Some(q.parse::<i64>().map_err(|_| format!("line {line}: the quantity {q:?} is not a whole number"))?),
        };
        let amount_minor = match form.text(&format!("amount_{line}")).trim() {
            "" => None,
            a => Some(domain::money::parse_major(a, currency).map_err(|e| format!("line {line}: {e}"))?),
        };
        lines.push(DisputeLineIn { line, quantity, amount_minor });
    }
    if lines.is_empty() {
        return Err("choose at least one line to dispute".into());
    }
    Ok(lines)
}

/// Records the stored evidence against the dispute and posts it in the thread.
async fn attach(txn: &TenantTxn, c: &Customer, number: &str, body: &str, stored: &[StoredFile]) -> Result<(), AppError> {
    crate::dispute_forms::attach(txn, number, body, stored, &author(c), Some(c.id)).await
}

/// `POST /portal/invoices/{number}/dispute`.
pub(crate) async fn open_dispute(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Path(number): Path<String>, mp: Multipart) -> Response {
    let form_url = format!("/portal/invoices/{}/dispute", app::urlencode(&number));
    let mut form = match uploads::read_form(mp, st.config.upload_limit).await {
        Ok(f) => f,
        Err(m) => return back(&session, &form_url, format!("The dispute was not opened: {m}."), true).await,
    };
    let c = match customer_post(&scope, &auth, &session, form.text("csrf")).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let files = match checked_files(&mut form) {
        Ok(f) => f,
        Err(m) => return back(&session, &form_url, format!("The dispute was not opened: {m}."), true).await,
    };
    let currency = {
        let txn = match st.db.tenant_txn(&c.tenant.slug).await {
            Ok(t) => t,
            Err(e) => return crate::error_page(e.into(), "opening a dispute"),
        };
        let inv = domain::portal::invoice(&txn, c.id, &number).await;
        let _ = txn.commit().await;
        match inv {
            Ok(i) => i.invoice.currency,
            Err(AppError::NotFound) => return super::not_found("invoice"),
            Err(e) => return crate::error_page(e, "opening a dispute"),
        }
    };
    let lines = match dispute_lines(&form, &currency) {
        Ok(l) => l,
        Err(m) => return back(&session, &form_url, format!("The dispute was not opened: {m}."), true).await,
    };
    let input = DisputeIn { invoice_number: number.clone(), reason: form.text("reason").to_owned(), description: form.text("description").to_owned(), lines };
    let stored = match uploads::store_all(&st.storage, &c.tenant.slug, "evidence", files).await {
        Ok(s) => s,
        Err(e) => return crate::error_page(e, "storing evidence"),
    };
    let opened = async {
        let txn = st.db.tenant_txn(&c.tenant.slug).await?;
        let view = disputes::open(&txn, &input, &author(&c), chrono::Utc::now()).await.map_err(AppError::from)?;
        if !stored.is_empty() {
            let names = stored.iter().map(|f| f.filename.clone()).collect::<Vec<_>>().join(", ");
            attach(&txn, &c, &view.number, &format!("Evidence: {names}"), &stored).await?;
        }
        txn.commit().await?;
        Ok::<_, AppError>(view)
    }
    .await;
    match opened {
        Ok(v) => {
            let by = v.sla_due_at.map(|d| format!(" You can expect an answer by {}.", d.format("%Y-%m-%d %H:%M UTC"))).unwrap_or_default();
            back(&session, &format!("/portal/disputes/{}", v.number), format!("Dispute {} opened on invoice {}.{by}", v.number, v.invoice_number), false).await
        }
        Err(e) => {
            uploads::discard(&st.storage, &c.tenant.slug, &stored).await;
            refused(&session, &form_url, e, "The dispute was not opened").await
        }
    }
}

/// `POST /portal/disputes/{number}/messages`: a message, with optional attachments.
pub(crate) async fn post_message(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Path(number): Path<String>, mp: Multipart) -> Response {
    let page = format!("/portal/disputes/{}", app::urlencode(&number));
    let mut form = match uploads::read_form(mp, st.config.upload_limit).await {
        Ok(f) => f,
        Err(m) => return back(&session, &page, format!("The message was not sent: {m}."), true).await,
    };
    let c = match customer_post(&scope, &auth, &session, form.text("csrf")).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let files = match checked_files(&mut form) {
        Ok(f) => f,
        Err(m) => return back(&session, &page, format!("The message was not sent: {m}."), true).await,
    };
    let body = form.text("body").to_owned();
    let stored = match uploads::store_all(&st.storage, &c.tenant.slug, "evidence", files).await {
        Ok(s) => s,
        Err(e) => return crate::error_page(e, "storing attachments"),
    };
    let sent = async {
        let txn = st.db.tenant_txn(&c.tenant.slug).await?;
        disputes::detail(&txn, &number, Some(c.id)).await?;
        attach(&txn, &c, &number, &body, &stored).await?;
        txn.commit().await?;
        Ok::<_, AppError>(())
    }
    .await;
    match sent {
        Ok(()) => back(&session, &page, "Message sent.".into(), false).await,
        Err(e) => {
            uploads::discard(&st.storage, &c.tenant.slug, &stored).await;
            refused(&session, &page, e, "The message was not sent").await
        }
    }
}
