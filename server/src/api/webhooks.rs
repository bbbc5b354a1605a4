//! Webhook endpoints: create, list, read, change, rotate the secret, send a test event, list
//! deliveries and their attempts, and replay. The secret is shown when an endpoint is
//! created and when it is rotated.
use super::*;
use domain::audit::Actor;
use domain::webhooks::endpoints::{self, EndpointInput};
use domain::webhooks::entity::endpoint;
use domain::webhooks::{AttemptView, DeliveryView, dispatch};

/// An endpoint as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EndpointView {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub enabled: bool,
    /// Why it was disabled (after failing for 5 days), if it was.
    pub disabled_reason: Option<String>,
    /// The first failure since the last success.
    pub failing_since: Option<chrono::DateTime<Utc>>,
    /// The customer (external id) whose own endpoint this is: it receives that customer's
    /// invoices (the `webhook` invoice channel) and no business events.
    pub customer: Option<String>,
    /// `whsec_…`: only in the answers to create and rotate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// The endpoints as the API shows them, with their customers' external ids.
async fn views<C: sea_orm::ConnectionTrait>(c: &C, rows: Vec<endpoint::Model>, with_secret: bool) -> Result<Vec<EndpointView>, sea_orm::DbErr> {
    let names = endpoints::customers_of(c, &rows).await?;
    Ok(rows.into_iter().map(|e| EndpointView { customer: e.customer_id.and_then(|id| names.get(&id).cloned()), ..view(e, with_secret) }).collect())
}

async fn one<C: sea_orm::ConnectionTrait>(c: &C, e: endpoint::Model, with_secret: bool) -> Result<EndpointView, sea_orm::DbErr> {
    Ok(views(c, vec![e], with_secret).await?.remove(0))
}

fn view(e: endpoint::Model, with_secret: bool) -> EndpointView {
    EndpointView {
        customer: None,
        id: e.id,
        url: e.url,
        description: e.description,
        event_types: e.event_types.split_whitespace().map(str::to_owned).collect(),
        enabled: e.enabled,
        disabled_reason: e.disabled_reason,
        failing_since: e.failing_since,
        secret: with_secret.then_some(e.secret),
    }
}

fn actor(client: &ApiClient) -> Actor {
    Actor::ApiClient { id: client.0.client_id().unwrap_or_default(), name: client.0.client.clone() }
}

fn endpoint_id(id: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(id).map_err(|_| Problem::new(StatusCode::NOT_FOUND, format!("no webhook endpoint {id}")))
}

#[utoipa::path(post, path = "/webhooks/endpoints", tag = "webhooks", security(("bearer" = ["write"])), request_body = EndpointInput,
    responses((status = 201, body = EndpointView), (status = 422, description = "A bad URL (or one inside our network), or unknown event types", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn post_endpoint(State(st): State<AppState>, api: Api, Extension(client): Extension<ApiClient>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let input: EndpointInput = json_body(&headers, &body)?;
    let txn = api.txn(&st).await?;
    let e = endpoints::create(&txn, &actor(&client), &input, &st.config.webhook_allow).await?;
    let v = one(&txn, e, true).await?;
    api.commit(txn).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

#[utoipa::path(get, path = "/webhooks/endpoints", tag = "webhooks", security(("bearer" = ["read"])), responses((status = 200, body = Vec<EndpointView>)))]
pub(super) async fn list_endpoints(State(st): State<AppState>, api: Api) -> ApiResult<Response> {
    let txn = api.txn(&st).await?;
    let rows = views(&txn, endpoints::list(&txn).await?, false).await?;
    txn.commit().await?;
    Ok(Json(rows).into_response())
}

#[utoipa::path(get, path = "/webhooks/endpoints/{id}", tag = "webhooks", security(("bearer" = ["read"])), params(("id" = String, Path)),
    responses((status = 200, body = EndpointView), (status = 404, description = "No such endpoint in this tenant", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn get_endpoint(State(st): State<AppState>, api: Api, Path(id): Path<String>) -> ApiResult<Response> {
    let uuid = endpoint_id(&id)?;
    let txn = api.txn(&st).await?;
    let e = endpoints::get(&txn, uuid).await.map_err(|e| not_found(e, "webhook endpoint", &id))?;
    let v = one(&txn, e, false).await?;
    txn.commit().await?;
    Ok(Json(v).into_response())
}

#[utoipa::path(put, path = "/webhooks/endpoints/{id}", tag = "webhooks", security(("bearer" = ["write"])), params(("id" = String, Path)), request_body = EndpointInput,
    responses((status = 200, body = EndpointView), (status = 404, description = "No such endpoint in this tenant", body = Problem, content_type = "application/problem+json"), (status = 422, description = "A bad URL or event types", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn put_endpoint(State(st): State<AppState>, api: Api, Extension(client): Extension<ApiClient>, Path(id): Path<String>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let uuid = endpoint_id(&id)?;
    let input: EndpointInput = json_body(&headers, &body)?;
    let txn = api.txn(&st).await?;
    let e = endpoints::update(&txn, &actor(&client), uuid, &input, &st.config.webhook_allow).await.map_err(|e| not_found(e, "webhook endpoint", &id))?;
    let v = one(&txn, e, false).await?;
    api.commit(txn).await?;
    Ok(Json(v).into_response())
}

#[utoipa::path(post, path = "/webhooks/endpoints/{id}/rotate", tag = "webhooks", security(("bearer" = ["write"])), params(("id" = String, Path)),
    responses((status = 200, description = "The new secret; the previous one signs too for 24 hours", body = EndpointView), (status = 404, description = "No such endpoint in this tenant", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn rotate_endpoint(State(st): State<AppState>, api: Api, Extension(client): Extension<ApiClient>, Path(id): Path<String>) -> ApiResult<Response> {
    let uuid = endpoint_id(&id)?;
    let txn = api.txn(&st).await?;
    let e = endpoints::rotate_secret(&txn, &actor(&client), uuid, Utc::now()).await.map_err(|e| not_found(e, "webhook endpoint", &id))?;
    let v = one(&txn, e, true).await?;
    api.commit(txn).await?;
    Ok(Json(v).into_response())
}

#[utoipa::path(post, path = "/webhooks/endpoints/{id}/test", tag = "webhooks", security(("bearer" = ["write"])), params(("id" = String, Path)),
    responses((status = 202, description = "A `webhook.test` message is queued for this endpoint"), (status = 404, description = "No such endpoint in this tenant", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn test_endpoint(State(st): State<AppState>, api: Api, Path(id): Path<String>) -> ApiResult<Response> {
    let uuid = endpoint_id(&id)?;
    let txn = api.txn(&st).await?;
    endpoints::get(&txn, uuid).await.map_err(|e| not_found(e, "webhook endpoint", &id))?;
    let message = domain::webhooks::send_test(&txn, uuid, Utc::now()).await?;
    api.commit(txn).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"webhook_id": domain::webhooks::webhook_id(message)}))).into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct DeliveryQuery {
    /// 1 to 500; 100 by default.
    limit: Option<u64>,
}

#[utoipa::path(get, path = "/webhooks/endpoints/{id}/deliveries", tag = "webhooks", security(("bearer" = ["read"])), params(("id" = String, Path), DeliveryQuery),
    responses((status = 200, body = Vec<DeliveryView>), (status = 404, description = "No such endpoint in this tenant", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn list_deliveries(State(st): State<AppState>, api: Api, Path(id): Path<String>, query: Result<Query<DeliveryQuery>, axum::extract::rejection::QueryRejection>) -> ApiResult<Response> {
    let Query(q) = query.map_err(|e| Problem::new(StatusCode::BAD_REQUEST, format!("bad query string: {}", e.body_text())))?;
    let uuid = endpoint_id(&id)?;
    let txn = api.txn(&st).await?;
    endpoints::get(&txn, uuid).await.map_err(|e| not_found(e, "webhook endpoint", &id))?;
    let rows = domain::webhooks::deliveries(&txn, uuid, q.limit.unwrap_or(100).clamp(1, 500)).await?;
    txn.commit().await?;
    Ok(Json(rows).into_response())
}

#[utoipa::path(get, path = "/webhooks/endpoints/{id}/deliveries/{delivery}/attempts", tag = "webhooks", security(("bearer" = ["read"])), params(("id" = String, Path), ("delivery" = String, Path)),
    responses((status = 200, body = Vec<AttemptView>), (status = 404, description = "No such delivery of this endpoint", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn list_attempts(State(st): State<AppState>, api: Api, Path((id, delivery)): Path<(String, String)>) -> ApiResult<Response> {
    let (uuid, d) = (endpoint_id(&id)?, endpoint_id(&delivery)?);
    let txn = api.txn(&st).await?;
    let rows = domain::webhooks::attempts(&txn, uuid, d).await?.ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, format!("no delivery {delivery} of endpoint {id}")))?;
    txn.commit().await?;
    Ok(Json(rows).into_response())
}

#[utoipa::path(post, path = "/webhooks/endpoints/{id}/deliveries/{delivery}/replay", tag = "webhooks", security(("bearer" = ["write"])), params(("id" = String, Path), ("delivery" = String, Path)),
    responses((status = 202, description = "Queued again, with the same webhook-id"), (status = 404, description = "No such delivery of this endpoint", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn replay_delivery(State(st): State<AppState>, api: Api, Path((id, delivery)): Path<(String, String)>) -> ApiResult<Response> {
    let (uuid, d) = (endpoint_id(&id)?, endpoint_id(&delivery)?);
    let txn = api.txn(&st).await?;
    if !dispatch::replay(&txn, uuid, d, Utc::now()).await? {
        return Err(Problem::new(StatusCode::NOT_FOUND, format!("no delivery {delivery} of endpoint {id}")));
    }
    api.commit(txn).await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

/// Replays what failed since a time.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaySince {
    /// RFC 3339: deliveries created at or after this time that have not succeeded.
    pub since: chrono::DateTime<Utc>,
}

#[utoipa::path(post, path = "/webhooks/endpoints/{id}/replay", tag = "webhooks", security(("bearer" = ["write"])), params(("id" = String, Path)), request_body = ReplaySince,
    responses((status = 202, description = "`{\"replayed\": n}`"), (status = 404, description = "No such endpoint in this tenant", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn replay_failed(State(st): State<AppState>, api: Api, Path(id): Path<String>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let uuid = endpoint_id(&id)?;
    let input: ReplaySince = json_body(&headers, &body)?;
    let txn = api.txn(&st).await?;
    endpoints::get(&txn, uuid).await.map_err(|e| not_found(e, "webhook endpoint", &id))?;
    let n = dispatch::replay_failed_since(&txn, uuid, input.since, Utc::now()).await?;
    api.commit(txn).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"replayed": n}))).into_response())
}
