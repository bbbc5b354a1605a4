//! Customers: upsert by external id, read back.
use super::*;
use domain::customers;

#[utoipa::path(post, path = "/customers", tag = "customers", security(("bearer" = ["write"])), params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body; 422 for another body, 409 while in flight")),
    request_body = CustomerIn, responses((status = 201, description = "Created", body = CustomerView), (status = 200, description = "Updated", body = CustomerView), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn post_customer(State(st): State<AppState>, api: Api, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let input: CustomerIn = json_body(&headers, &body)?;
    let txn = api.txn(&st).await?;
    let (view, created) = customers::upsert(&txn, input).await?;
    api.commit(txn).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(view)).into_response())
}

#[utoipa::path(get, path = "/customers/{external_id}", tag = "customers", security(("bearer" = ["read"])),
    params(("external_id" = String, Path)), responses((status = 200, body = CustomerView), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn get_customer(State(st): State<AppState>, api: Api, Path(id): Path<String>) -> ApiResult<Response> {
    let txn = api.txn(&st).await?;
    let c = customers::find(&txn, &id).await?.ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, format!("no customer {id}")))?;
    txn.commit().await?;
    Ok(Json(c).into_response())
}
