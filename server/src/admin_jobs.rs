//! Tenant-admin endpoints outside the Leptos pages: Retry and Discard of dead-lettered jobs
//! (form posts, CSRF-checked, redirected back with a notice, as in [`crate::admin`]) and the
//! audit trail's CSV export (streamed page by page, as in [`crate::exports`]).
use crate::admin::{admin_of, back, tenant_admin};
use crate::{AppState, Auth, neutral_page};
use app::audit_admin::AuditQuery;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use domain::audit::{self, Actor, AuditFilter};
use domain::auth::Principal;
use domain::jobs::{JobStatus, admin, entity as job};
use domain::tenancy::Scope;
use domain::types::TenantSlug;
use domain::{Db, TenantTxn};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tower_sessions::Session;

const BACK: &str = "/workspace/admin/jobs";

#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// What an admin may do to a dead job.
#[derive(Clone, Copy)]
enum JobAction {
    Retry,
    Discard,
}

impl JobAction {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "retry" => Some(JobAction::Retry),
            "discard" => Some(JobAction::Discard),
            _ => None,
        }
    }

    /// The audit trail's action.
    fn audit_action(self) -> &'static str {
        match self {
            JobAction::Retry => "job.retried",
            JobAction::Discard => "job.discarded",
        }
    }
}

/// Retries or discards one dead job and records who did it, in one transaction: the entry
/// exists exactly when the change committed. `NotFound` when this tenant has no dead job
/// with this id (another tenant's id included: the transaction only sees this tenant's jobs).
async fn act_on_dead_job(db: &Db, slug: &TenantSlug, me: &Principal, id: uuid::Uuid, action: JobAction) -> domain::Result<job::Model> {
    let txn = db.tenant_txn(slug).await?;
    let dead = dead_job(&txn, id).await?.ok_or(domain::Error::NotFound)?;
    let changed = match action {
        JobAction::Retry => admin::retry(&txn, id, chrono::Utc::now()).await?,
        JobAction::Discard => admin::discard(&txn, id).await?,
    };
    // A concurrent retry or discard got there first.
    if !changed {
        return Err(domain::Error::NotFound);
    }
    // Recorded last: the audit lock is held only until the commit right after.
    let actor = Actor::User { id: me.user_id, name: me.name.clone() };
    let payload = json!({"kind": dead.kind, "last_error": dead.last_error});
    audit::record(&txn, &actor, action.audit_action(), "job", &id.to_string(), payload).await?;
    txn.commit().await?;
    Ok(dead)
}

/// The dead job with this id, for the audit entry's kind and last error.
async fn dead_job(txn: &TenantTxn, id: uuid::Uuid) -> Result<Option<job::Model>, sea_orm::DbErr> {
    job::Entity::find_by_id(id).filter(job::Column::Status.eq(JobStatus::Dead.as_str())).one(txn).await
}

/// `POST /workspace/admin/jobs/{id}/{retry|discard}`.
pub async fn job_action(
    State(st): State<AppState>,
    Extension(scope): Extension<Scope>,
    Extension(auth): Extension<Auth>,
    session: Session,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let (t, me) = match admin_of(&scope, &auth, &session, &f.csrf).await {
        Ok(who) => who,
        Err(r) => return r,
    };
    let Some(action) = JobAction::parse(&action) else { return (StatusCode::NOT_FOUND, "No such action.").into_response() };
    let Ok(id) = id.parse() else { return back(&session, BACK, "There is no such dead job.".into()).await };
    let message = match act_on_dead_job(&st.db, &t.slug, &me, id, action).await {
        Ok(j) => match action {
            JobAction::Retry => format!("The {} job is queued again with a fresh set of attempts.", j.kind),
            JobAction::Discard => format!("The {} job was discarded.", j.kind),
        },
        Err(domain::Error::NotFound) => "There is no such dead job: it may have been retried or discarded already.".into(),
        Err(e) => {
            tracing::error!(error = %e, job = %id, "retrying or discarding a job failed");
            "Not changed: the service is temporarily unavailable.".into()
        }
    };
    back(&session, BACK, message).await
}

/// One page of the export as CSV bytes, and the `after` of the next page.
async fn csv_page(db: Db, slug: TenantSlug, filter: AuditFilter, after: Option<i64>) -> domain::Result<(Bytes, Option<i64>)> {
    let txn = db.tenant_txn(&slug).await?;
    let entries = audit::list(&txn, &filter, after, audit::MAX_PAGE).await?;
    txn.rollback().await?;
    let next = entries.last().filter(|_| entries.len() as u64 == audit::MAX_PAGE).map(|e| e.seq);
    Ok((audit::to_csv(&entries, after.is_none()).into(), next))
}

/// `GET /workspace/admin/audit.csv`: every entry the page's filters match, newest first,
/// for tenant admins. Each page is read in its own short transaction, so a long trail
/// neither holds the tenant's (SQLite: single-writer) transaction open nor sits in memory.
pub async fn audit_csv(
    State(st): State<AppState>,
    Extension(scope): Extension<Scope>,
    Extension(auth): Extension<Auth>,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let t = match tenant_admin(&scope, &auth) {
        Ok((t, _)) => t,
        Err(r) => return r.into_response(),
    };
    let Ok(Query(q)) = query else {
        return neutral_page(StatusCode::BAD_REQUEST, "Bad request", "The export's filters could not be read.");
    };
    let filter = match q.filter() {
        Ok(f) => f,
        Err(m) => return neutral_page(StatusCode::BAD_REQUEST, "Bad request", &m),
    };
    let filename = format!("audit-{}-{}.csv", t.slug, chrono::Utc::now().format("%Y%m%d"));
    let (db, slug) = (st.db.clone(), t.slug);
    let pages = move |after| csv_page(db.clone(), slug.clone(), filter.clone(), after);
    crate::exports::paged_csv(pages, "audit export", &filename).await
}
