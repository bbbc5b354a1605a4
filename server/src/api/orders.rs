//! Orders: list with filters and keyset pages, one order with its timeline, create one.
use super::*;
use domain::{events, orders};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    status: Option<String>,
    customer: Option<String>,
    po_number: Option<String>,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    q: Option<String>,
    limit: Option<u64>,
    after: Option<String>,
}

#[utoipa::path(get, path = "/orders", tag = "orders", security(("bearer" = ["read"])), params(ListQuery),
    responses((status = 200, body = OrderPage), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn list_orders(State(st): State<AppState>, api: Api, query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>) -> ApiResult<Response> {
    let Query(q) = query.map_err(|e| Problem::new(StatusCode::BAD_REQUEST, format!("bad query string: {}", e.body_text())))?;
    let f = OrderFilter { status: q.status, customer: q.customer, po_number: q.po_number, from: q.from, to: q.to, q: q.q, customer_id: None };
    let txn = api.txn(&st).await?;
    let page = orders::list(&txn, &f, q.limit.unwrap_or(50), q.after.as_deref()).await?;
    txn.commit().await?;
    Ok(Json(page).into_response())
}

#[utoipa::path(get, path = "/orders/{number}", tag = "orders", security(("bearer" = ["read"])),
    params(("number" = String, Path)), responses((status = 200, body = OrderDetail), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn get_order(State(st): State<AppState>, api: Api, Path(number): Path<String>) -> ApiResult<Response> {
    let txn = api.txn(&st).await?;
    let d = orders::detail(&txn, &number).await.map_err(|e| not_found(e, "order", &number))?;
    txn.commit().await?;
    Ok(Json(d).into_response())
}

#[utoipa::path(post, path = "/orders", tag = "orders", security(("bearer" = ["write"])), params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body; 422 for another body, 409 while in flight")),
    request_body = OrderIn, responses((status = 201, body = OrderDetail), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn post_order(State(st): State<AppState>, api: Api, Extension(client): Extension<ApiClient>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let input: events::OrderIn = json_body(&headers, &body)?;
    let number = input.number.clone();
    {
        let txn = api.txn(&st).await?;
        let exists = events::find_order(&txn, &number).await?.is_some();
        txn.commit().await?;
        if exists {
            return Err(Problem::new(StatusCode::CONFLICT, format!("order {number} already exists")));
        }
    }
    let ev = api_event(&client.0, "order.accepted", serde_json::to_value(&input).expect("serialises"));
    write_event(&st, &api, ev, |txn| async move {
        let d = orders::detail(&txn, &number).await?;
        Ok((d, txn))
    })
    .await
}
