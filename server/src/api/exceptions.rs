//! Exceptions: the list, filtered by status.
use super::*;
use domain::orders;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct ExceptionQuery {
    status: Option<String>,
}

#[utoipa::path(get, path = "/exceptions", tag = "exceptions", security(("bearer" = ["read"])), params(ExceptionQuery),
    responses((status = 200, body = ExceptionList), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn list_exceptions(State(st): State<AppState>, api: Api, query: Result<Query<ExceptionQuery>, axum::extract::rejection::QueryRejection>) -> ApiResult<Response> {
    let Query(q) = query.map_err(|e| Problem::new(StatusCode::BAD_REQUEST, format!("bad query string: {}", e.body_text())))?;
    let txn = api.txn(&st).await?;
    let list = orders::exceptions(&txn, q.status.as_deref()).await?;
    txn.commit().await?;
    Ok(Json(json!({ "items": list })).into_response())
}
