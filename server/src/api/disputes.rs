//! Disputes: open one against an invoice, list and read them, write in a dispute's thread,
//! and resolve one with a credit memo or a rejection. The API client acts for the system of
//! record; `opened_by_email`, `author_email` and `resolved_by_email` attribute an action to
//! a person of the tenant instead, and then that person's role and segregation of duties
//! apply (the clerk who opened a dispute above the approval threshold cannot credit it).
use super::*;
use domain::audit::Actor;
use domain::workflow::Acting;
use domain::workflow::disputes::{self, Author, DisputeFilter, DisputeIn, DisputeLineIn, DisputePage, DisputeView, MessageIn, Refused, Resolution, ResolveIn};

/// A refusal as a problem document: fields to fix (422), or the service error's own status.
fn refused(r: Refused, number: &str) -> Problem {
    match r {
        Refused::Fields(errors) => Problem::invalid(errors),
        Refused::App(e) => not_found(e, "dispute", number),
    }
}

fn field(name: &str, reason: impl Into<String>) -> Problem {
    Problem::invalid(vec![FieldError::new(name, reason)])
}

/// The API client of the request as an author.
fn client_author(client: &ApiClient) -> Author {
    Author::api(Uuid::parse_str(&client.0.sub).unwrap_or_default(), &client.0.client)
}

/// The author an action is attributed to: the tenant user with `email`, or the API client.
async fn author(txn: &TenantTxn, client: &ApiClient, name: &str, email: Option<&str>) -> ApiResult<Author> {
    match email.map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => disputes::author_by_email(txn, name, e).await.map_err(|r| refused(r, "")),
        None => Ok(client_author(client)),
    }
}

/// A dispute to open. Without `opened_by_email` the API client opens it.
#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeCreate {
    pub invoice_number: String,
    /// `pricing`, `quantity_short`, `damaged`, `not_received`, `duplicate_billing`, `tax` or `other`: decides the queue and the SLA.
    pub reason: String,
    #[serde(default)]
    pub description: String,
    pub lines: Vec<DisputeLineIn>,
    /// The tenant user (staff, or a user of the invoice's customer) the dispute is opened for.
    #[serde(default)]
    pub opened_by_email: Option<String>,
}

#[utoipa::path(post, path = "/disputes", tag = "disputes", security(("bearer" = ["write"])), params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body; 422 for another body, 409 while in flight")),
    request_body = DisputeCreate, responses((status = 201, body = DisputeView), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn post_dispute(State(st): State<AppState>, api: Api, Extension(client): Extension<ApiClient>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let input: DisputeCreate = json_body(&headers, &body)?;
    let txn = api.txn(&st).await?;
    let by = author(&txn, &client, "opened_by_email", input.opened_by_email.as_deref()).await?;
    let d = DisputeIn { invoice_number: input.invoice_number, reason: input.reason, description: input.description, lines: input.lines };
    let view = disputes::open(&txn, &d, &by, chrono::Utc::now()).await.map_err(|r| refused(r, ""))?;
    api.commit(txn).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct DisputeQuery {
    /// `open`, `resolved_credited`, `rejected` or `all` (the default).
    status: Option<String>,
    /// The customer's external id.
    customer: Option<String>,
    /// 1 to 500; 50 by default.
    limit: Option<u64>,
    /// `next` of the previous page.
    after: Option<String>,
}

#[utoipa::path(get, path = "/disputes", tag = "disputes", security(("bearer" = ["read"])), params(DisputeQuery),
    responses((status = 200, body = DisputePage), (status = 422, description = "A filter is not valid", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn list_disputes(State(st): State<AppState>, api: Api, query: Result<Query<DisputeQuery>, axum::extract::rejection::QueryRejection>) -> ApiResult<Response> {
    let Query(q) = query.map_err(|e| Problem::new(StatusCode::BAD_REQUEST, format!("bad query string: {}", e.body_text())))?;
    let f = DisputeFilter { status: q.status, customer: q.customer, customer_id: None };
    let txn = api.txn(&st).await?;
    let page = disputes::list(&txn, &f, q.after.as_deref(), q.limit.unwrap_or(50).clamp(1, 500)).await?;
    txn.commit().await?;
    Ok(Json(page).into_response())
}

#[utoipa::path(get, path = "/disputes/{number}", tag = "disputes", security(("bearer" = ["read"])), params(("number" = String, Path, description = "The dispute's number (D-000123)")),
    responses((status = 200, body = DisputeView), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn get_dispute(State(st): State<AppState>, api: Api, Path(number): Path<String>) -> ApiResult<Response> {
    let txn = api.txn(&st).await?;
    let d = disputes::detail(&txn, &number, None).await.map_err(|e| not_found(e, "dispute", &number))?;
    txn.commit().await?;
    Ok(Json(d).into_response())
}

/// A message in a dispute's thread. Without `author_email` the API client writes it.
#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeMessageCreate {
    pub body: String,
    /// Ids of documents already uploaded (`POST /api/v1/documents`): photos, a POD, a price agreement.
    #[serde(default)]
    pub attachments: Vec<Uuid>,
    /// The tenant user (staff, or a user of the dispute's customer) who wrote it.
    #[serde(default)]
    pub author_email: Option<String>,
}

#[utoipa::path(post, path = "/disputes/{number}/messages", tag = "disputes", security(("bearer" = ["write"])), params(("number" = String, Path, description = "The dispute's number")),
    request_body = DisputeMessageCreate, responses((status = 201, body = DisputeView), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn post_dispute_message(State(st): State<AppState>, api: Api, Extension(client): Extension<ApiClient>, Path(number): Path<String>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let input: DisputeMessageCreate = json_body(&headers, &body)?;
    let txn = api.txn(&st).await?;
    let by = author(&txn, &client, "author_email", input.author_email.as_deref()).await?;
    let m = MessageIn { body: input.body, attachments: input.attachments };
    let view = disputes::post_message(&txn, &number, &m, &by, chrono::Utc::now()).await.map_err(|r| refused(r, &number))?;
    api.commit(txn).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// How a dispute ends: `{"outcome": "credit", "amount_minor": 1200, "note": "…"}` or
/// `{"outcome": "reject", "reason": "…"}`. Without `resolved_by_email` the API client decides.
#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeResolve {
    /// `credit` or `reject`.
    pub outcome: String,
    /// The credit, at most the amount in dispute and the invoice's open amount.
    #[serde(default)]
    pub amount_minor: Option<i64>,
    #[serde(default)]
    pub note: Option<String>,
    /// Why the dispute is rejected; the customer reads it.
    #[serde(default)]
    pub reason: Option<String>,
    /// The staff member who decided: their queue role and segregation of duties apply.
    #[serde(default)]
    pub resolved_by_email: Option<String>,
}

#[utoipa::path(post, path = "/disputes/{number}/resolve", tag = "disputes", security(("bearer" = ["write"])), params(("number" = String, Path, description = "The dispute's number")),
    request_body = DisputeResolve, responses((status = 200, body = DisputeView), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The dispute is resolved already", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope, or the person may not decide it (their role, or segregation of duties)", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn resolve_dispute(State(st): State<AppState>, api: Api, Extension(client): Extension<ApiClient>, Path(number): Path<String>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let input: DisputeResolve = json_body(&headers, &body)?;
    let how = Resolution::parse(&ResolveIn { outcome: input.outcome, amount_minor: input.amount_minor, note: input.note, reason: input.reason }).map_err(Problem::invalid)?;
    let txn = api.txn(&st).await?;
    let who = match input.resolved_by_email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(email) => {
            let (id, name, role) = domain::workflow::actions::staff_member(&txn, email).await.map_err(|e| match e {
                domain::AppError::Invalid(m) => field("resolved_by_email", m),
                other => other.into(),
            })?;
            Acting { actor: Actor::User { id, name }, role }
        }
        None => Acting { actor: client_author(&client).actor, role: domain::types::Role::TenantAdmin },
    };
    let view = disputes::resolve(&txn, &number, &how, &who, chrono::Utc::now()).await.map_err(|r| refused(r, &number))?;
    api.commit(txn).await?;
    Ok(Json(view).into_response())
}
