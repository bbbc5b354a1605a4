//! Exceptions: the queues (filters, keyset pages), one exception with its history, and the
//! actions people take in the workspace (claim, release, reassign, comment, resolve,
//! escalate), each publishing `exception.<verb>`. An API client acts for the system of
//! record; claiming through the API names the person it is claimed for.
use super::*;
use domain::audit::Actor;
use domain::workflow::queues::{self, ExceptionRow, QueueFilter, QueuePage};
use domain::workflow::{Act, Acting};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct ExceptionQuery {
    /// `credit`, `ar`, `customer_service` or `admin`.
    queue: Option<String>,
    kind: Option<String>,
    /// The customer's external id.
    customer: Option<String>,
    /// `open`, `claimed`, `escalated`, `resolved`, `active` (default: all but resolved) or `all`.
    status: Option<String>,
    /// `breached`, `due_soon` or `ok`.
    sla: Option<String>,
    min_age_hours: Option<i64>,
    limit: Option<u64>,
    after: Option<String>,
}

#[utoipa::path(get, path = "/exceptions", tag = "exceptions", security(("bearer" = ["read"])), params(ExceptionQuery),
    responses((status = 200, body = QueuePage), (status = 422, description = "A filter is not valid", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn list_exceptions(State(st): State<AppState>, api: Api, query: Result<Query<ExceptionQuery>, axum::extract::rejection::QueryRejection>) -> ApiResult<Response> {
    let Query(q) = query.map_err(|e| Problem::new(StatusCode::BAD_REQUEST, format!("bad query string: {}", e.body_text())))?;
    let f = QueueFilter { queue: q.queue, kind: q.kind, customer: q.customer, status: q.status, sla: q.sla, min_age_hours: q.min_age_hours, assignee: None };
    let txn = api.txn(&st).await?;
    let page = queues::list(&txn, &f, q.after.as_deref(), q.limit.unwrap_or(50).clamp(1, 500), chrono::Utc::now()).await?;
    txn.commit().await?;
    Ok(Json(page).into_response())
}

/// An exception with its history.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ExceptionDetail {
    pub exception: ExceptionRow,
    pub history: Vec<HistoryStep>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct HistoryStep {
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub action: String,
    pub note: Option<String>,
}

/// An id or a reference.
async fn find(txn: &TenantTxn, key: &str) -> ApiResult<Uuid> {
    match Uuid::parse_str(key) {
        Ok(id) => Ok(id),
        Err(_) => queues::by_reference(txn, key).await.map_err(|e| not_found(e, "exception", key)),
    }
}

async fn detail_of(txn: &TenantTxn, id: Uuid, key: &str) -> ApiResult<ExceptionDetail> {
    let (exception, steps) = queues::detail(txn, id, chrono::Utc::now()).await.map_err(|e| not_found(e, "exception", key))?;
    let history = steps.into_iter().map(|s| HistoryStep { at: s.at, actor: s.actor, action: s.action, note: s.note }).collect();
    Ok(ExceptionDetail { exception, history })
}

#[utoipa::path(get, path = "/exceptions/{id}", tag = "exceptions", security(("bearer" = ["read"])), params(("id" = String, Path, description = "The exception's id or reference")),
    responses((status = 200, body = ExceptionDetail), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn get_exception(State(st): State<AppState>, api: Api, Path(key): Path<String>) -> ApiResult<Response> {
    let txn = api.txn(&st).await?;
    let id = find(&txn, &key).await?;
    let d = detail_of(&txn, id, &key).await?;
    txn.commit().await?;
    Ok(Json(d).into_response())
}

/// What an action needs: `assignee` (an e-mail) to claim for or reassign to, `code` to
/// resolve (`released`/`rejected` for a credit hold), `note` (required to comment and to reject).
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionIn {
    #[serde(default)]
    pub assignee: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[utoipa::path(post, path = "/exceptions/{id}/{action}", tag = "exceptions", security(("bearer" = ["write"])),
    params(("id" = String, Path, description = "The exception's id or reference"), ("action" = String, Path, description = "claim, release, reassign, comment, resolve or escalate")),
    request_body = ActionIn, responses((status = 200, body = ExceptionDetail), (status = 404, description = "No such exception or action", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not possible in its state (resolved, claimed by someone else)", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn act_on_exception(State(st): State<AppState>, api: Api, Extension(client): Extension<ApiClient>, Path((key, action)): Path<(String, String)>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let input: ActionIn = if body.is_empty() { ActionIn::default() } else { json_body(&headers, &body)? };
    let txn = api.txn(&st).await?;
    let id = find(&txn, &key).await?;
    let act = match action.as_str() {
        "claim" | "reassign" => {
            let email = input.assignee.as_deref().ok_or_else(|| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "assignee: the e-mail of the staff member to assign it to is required"))?;
            let (to, to_name, to_role) = domain::workflow::actions::staff_member(&txn, email).await?;
            Act::Reassign { to, to_name, to_role }
        }
        "release" => Act::Release,
        "comment" => Act::Comment { note: input.note.unwrap_or_default() },
        "resolve" => Act::Resolve { code: input.code.ok_or_else(|| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "code: a resolution code is required"))?, note: input.note },
        "escalate" => Act::Escalate { note: input.note },
        other => return Err(Problem::new(StatusCode::NOT_FOUND, format!("no action {other:?}; actions: claim, release, reassign, comment, resolve, escalate"))),
    };
    let client_id = Uuid::parse_str(&client.0.sub).unwrap_or_default();
    let who = Acting { actor: Actor::ApiClient { id: client_id, name: client.0.client.clone() }, role: domain::types::Role::TenantAdmin };
    domain::workflow::act(&txn, id, act, &who, chrono::Utc::now()).await?;
    let d = detail_of(&txn, id, &key).await?;
    api.commit(txn).await?;
    Ok(Json(d).into_response())
}
