//! Form posts of the exception queues: one action on one exception (claim, release,
//! reassign, comment, resolve, escalate) and the bulk claim and resolve of a queue page.
//! Each checks the CSRF token and that the signer-in is staff of this host's tenant (as in
//! [`crate::admin`]), acts through `domain::workflow::act` in one transaction, and redirects
//! back (303) with a one-time notice. A refusal (403 role, 409 state, 422 input, 404 no such
//! exception here) is a notice naming why, and the address gets `refused=1` so that the page
//! shows it in red; nothing is ever half done.
use crate::{AppState, Auth};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use domain::audit::Actor;
use domain::auth::Principal;
use domain::entity::exception;
use domain::tenancy::{Scope, TenantInfo};
use domain::types::Role;
use domain::workflow::{Act, Acting, Queue};
use domain::{AppError, Db, TenantTxn};
use sea_orm::EntityTrait;
use tower_sessions::Session;
use uuid::Uuid;

/// At most this many exceptions in one bulk action (two pages' worth).
const MAX_BULK: usize = 100;

#[derive(serde::Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    code: String,
    /// The e-mail of the staff member to reassign to.
    #[serde(default)]
    assignee: String,
}

/// The signed-in staff member of this host's tenant, if the form carries the session's
/// CSRF token; else the answer for anyone else.
async fn staff_post(scope: &Scope, auth: &Auth, session: &Session, csrf: &str) -> Result<(TenantInfo, Principal), Response> {
    let is_staff = |r: Role| matches!(r, Role::TenantAdmin | Role::ArClerk | Role::CustomerService);
    crate::admin::form_user(scope, auth, session, csrf, is_staff, "Only staff work exceptions.").await
}

fn acting(p: &Principal) -> Acting {
    Acting { actor: Actor::User { id: p.user_id, name: p.name.clone() }, role: p.role }
}

/// Redirects to `to` with a notice; a refusal marks the address so the page shows it in red.
async fn back(session: &Session, to: &str, message: String, refused: bool) -> Response {
    let to = if refused { format!("{to}{}refused=1", if to.contains('?') { '&' } else { '?' }) } else { to.to_owned() };
    crate::admin::back(session, &to, message).await
}

/// A refusal in words, or `None` for a failure that is ours (logged; the user gets a
/// generic sentence).
fn refusal(e: &AppError) -> Option<String> {
    match e {
        AppError::NotFound => Some("there is no such exception here".into()),
        _ if matches!(e.status(), 403 | 409 | 422) => Some(e.public_message()),
        _ => None,
    }
}

/// The action a form asks for; reassigning looks the person up by e-mail.
async fn parse_act(txn: &TenantTxn, action: &str, f: &ActionForm) -> Result<Act, AppError> {
    let note = Some(f.note.trim().to_owned()).filter(|n| !n.is_empty());
    Ok(match action {
        "claim" => Act::Claim,
        "release" => Act::Release,
        "reassign" => {
            let (to, to_name, to_role) = domain::workflow::actions::staff_member(txn, &f.assignee).await?;
            Act::Reassign { to, to_name, to_role }
        }
        "comment" => Act::Comment { note: f.note.trim().to_owned() },
        "resolve" if f.code.is_empty() => return Err(AppError::Invalid("choose a resolution".into())),
        "resolve" => Act::Resolve { code: f.code.clone(), note },
        "escalate" => Act::Escalate { note },
        _ => return Err(AppError::NotFound),
    })
}

/// What happened, for the notice.
fn done(x: &exception::Model, act: &Act) -> String {
    let what = match act {
        Act::Claim => "is yours now".to_owned(),
        Act::Release => format!("is back in the {} queue", x.queue.parse::<Queue>().map_or_else(|_| x.queue.clone(), |q| q.label().to_owned())),
        Act::Reassign { to_name, .. } => format!("is assigned to {to_name}"),
        Act::Comment { .. } => "has your comment".to_owned(),
        Act::Resolve { code, .. } if x.kind == "credit_hold" && code == "released" => "is resolved: the order is released and continues".to_owned(),
        Act::Resolve { code, .. } if x.kind == "credit_hold" => format!("is resolved ({code}): the order is cancelled"),
        Act::Resolve { code, .. } => format!("is resolved ({})", code.replace('_', " ")),
        Act::Escalate { .. } => "is escalated to the admin queue".to_owned(),
    };
    format!("{} {what}.", x.reference)
}

/// Applies one action in its own transaction.
async fn act_once(db: &Db, t: &TenantInfo, me: &Principal, id: Uuid, action: &str, f: &ActionForm) -> Result<String, AppError> {
    let txn = db.tenant_txn(&t.slug).await?;
    let act = parse_act(&txn, action, f).await?;
    let x = domain::workflow::act(&txn, id, act.clone(), &acting(me), chrono::Utc::now()).await?;
    txn.commit().await?;
    Ok(done(&x, &act))
}

/// `POST /workspace/exceptions/{id}/{action}`: back to the exception's page.
pub async fn act_on_exception(
    State(st): State<AppState>,
    Extension(scope): Extension<Scope>,
    Extension(auth): Extension<Auth>,
    session: Session,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<ActionForm>,
) -> Response {
    let (t, me) = match staff_post(&scope, &auth, &session, &f.csrf).await {
        Ok(who) => who,
        Err(r) => return r,
    };
    if !matches!(action.as_str(), "claim" | "release" | "reassign" | "comment" | "resolve" | "escalate") {
        return (StatusCode::NOT_FOUND, "No such action.").into_response();
    }
    let Ok(id) = id.parse::<Uuid>() else { return back(&session, app::queues::MY_WORK, "Not done: there is no such exception here.".into(), true).await };
    let page = app::queues::exception_href(&id.to_string());
    match act_once(&st.db, &t, &me, id, &action, &f).await {
        Ok(message) => back(&session, &page, message, false).await,
        Err(e) => match refusal(&e) {
            Some(why) => back(&session, &page, format!("Not done: {why}."), true).await,
            None => {
                tracing::error!(error = %e, exception = %id, action, "acting on an exception failed");
                back(&session, &page, "Not done: the service is temporarily unavailable.".into(), true).await
            }
        },
    }
}

/// A bulk form: the ticked ids and the action, code and note for all of them.
#[derive(Default)]
struct BulkForm {
    csrf: String,
    action: String,
    ids: Vec<String>,
    code: String,
    note: String,
    back: String,
}

impl BulkForm {
    /// Reads the fields; `id` repeats, one per ticked row.
    fn read(pairs: Vec<(String, String)>) -> Self {
        let mut f = BulkForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => f.csrf = v,
                "action" => f.action = v,
                "id" => f.ids.push(v),
                "code" => f.code = v,
                "note" => f.note = v,
                "back" => f.back = v,
                _ => {}
            }
        }
        f
    }

    /// Where to go back to: the queue page it came from, with its filters; never another site.
    fn back_to(&self, queue: &str) -> String {
        let own = self.back.starts_with("/workspace/queues/") && !self.back.contains("//") && !self.back.contains('\\');
        if own { self.back.clone() } else { app::queues::queue_href(queue) }
    }
}

/// Why a bulk action was refused: the exception that was (its reference, or the id sent),
/// and the reason.
struct Refused(String, AppError);

impl From<AppError> for Refused {
    fn from(e: AppError) -> Self {
        Refused(String::new(), e)
    }
}

/// Applies `act` to every exception in `ids` in one transaction; the first refusal rolls
/// back all of them. Answers how many were done.
async fn act_all(db: &Db, t: &TenantInfo, me: &Principal, ids: &[Uuid], act: &Act) -> Result<usize, Refused> {
    let (txn, now, who) = (db.tenant_txn(&t.slug).await.map_err(AppError::from)?, chrono::Utc::now(), acting(me));
    for id in ids {
        let found = exception::Entity::find_by_id(*id).one(&txn).await.map_err(AppError::from)?;
        let Some(x) = found else { return Err(Refused(id.to_string(), AppError::NotFound)) };
        if let Err(e) = domain::workflow::act(&txn, *id, act.clone(), &who, now).await {
            txn.rollback().await.map_err(AppError::from)?;
            return Err(Refused(x.reference, e));
        }
    }
    txn.commit().await.map_err(AppError::from)?;
    Ok(ids.len())
}

/// The ids of a bulk form, each once, or the sentence refusing the form.
fn bulk_ids(f: &BulkForm) -> Result<Vec<Uuid>, String> {
    if f.ids.is_empty() {
        return Err("Nothing was done: tick the exceptions to act on first.".into());
    }
    if f.ids.len() > MAX_BULK {
        return Err(format!("Nothing was done: at most {MAX_BULK} exceptions at a time."));
    }
    let mut ids: Vec<Uuid> = Vec::new();
    for raw in &f.ids {
        let id = raw.parse().map_err(|_| format!("Nothing was done: {raw:?} is no exception here."))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// `POST /workspace/queues/{queue}/bulk`: claim or resolve the ticked exceptions — all of
/// them or, if any one is refused, none — and back to the queue page.
pub async fn bulk(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Path(queue): Path<String>, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let f = BulkForm::read(pairs);
    let (t, me) = match staff_post(&scope, &auth, &session, &f.csrf).await {
        Ok(who) => who,
        Err(r) => return r,
    };
    let Ok(queue) = queue.parse::<Queue>() else { return (StatusCode::NOT_FOUND, "No such queue.").into_response() };
    let to = f.back_to(queue.as_str());
    let act = match f.action.as_str() {
        "claim" => Act::Claim,
        "resolve" if f.code.is_empty() => return back(&session, &to, "Nothing was done: choose a resolution.".into(), true).await,
        "resolve" => Act::Resolve { code: f.code.clone(), note: Some(f.note.trim().to_owned()).filter(|n| !n.is_empty()) },
        _ => return back(&session, &to, "Nothing was done: choose Claim selected or Resolve selected.".into(), true).await,
    };
    let ids = match bulk_ids(&f) {
        Ok(ids) => ids,
        Err(m) => return back(&session, &to, m, true).await,
    };
    match act_all(&st.db, &t, &me, &ids, &act).await {
        Ok(n) => {
            let what = if matches!(act, Act::Claim) { "claimed: they are in your work".to_owned() } else { format!("resolved ({})", f.code.replace('_', " ")) };
            back(&session, &to, format!("{n} exception{} {what}.", if n == 1 { "" } else { "s" }), false).await
        }
        Err(Refused(which, e)) => match refusal(&e) {
            Some(why) if which.is_empty() => back(&session, &to, format!("Nothing was done: {why}."), true).await,
            Some(why) => back(&session, &to, format!("Nothing was done: {which} was refused: {why}."), true).await,
            None => {
                tracing::error!(error = %e, "a bulk action on exceptions failed");
                back(&session, &to, "Nothing was done: the service is temporarily unavailable.".into(), true).await
            }
        },
    }
}
