//! Shipments: dispatch, delivery, read back.
use super::*;
use domain::{events, orders};

#[utoipa::path(post, path = "/shipments", tag = "shipments", security(("bearer" = ["write"])), params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body; 422 for another body, 409 while in flight")),
    request_body = ShipmentIn, responses((status = 201, body = ShipmentView), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn post_shipment(State(st): State<AppState>, api: Api, Extension(client): Extension<ApiClient>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let input: events::ShipmentIn = json_body(&headers, &body)?;
    let number = input.number.clone();
    let ev = api_event(&client.0, "shipment.dispatched", serde_json::to_value(&input).expect("serialises"));
    write_event(&st, &api, ev, |txn| async move {
        let s = orders::shipment(&txn, &number).await?;
        Ok((s, txn))
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryBody {
    #[serde(default)]
    signed_by: Option<String>,
    #[serde(default)]
    delivered_at: Option<chrono::DateTime<Utc>>,
}

#[utoipa::path(post, path = "/shipments/{number}/delivery", tag = "shipments", security(("bearer" = ["write"])), params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body; 422 for another body, 409 while in flight")),
    request_body = DeliveryBody, responses((status = 201, body = ShipmentView), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn post_delivery(
    State(st): State<AppState>,
    api: Api,
    Extension(client): Extension<ApiClient>,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let input: DeliveryBody = if body.is_empty() { DeliveryBody { signed_by: None, delivered_at: None } } else { json_body(&headers, &body)? };
    let order_number = {
        let txn = api.txn(&st).await?;
        let s = orders::shipment(&txn, &number).await.map_err(|e| not_found(e, "shipment", &number))?;
        txn.commit().await?;
        s.order_number
    };
    let mut ev = api_event(&client.0, "shipment.delivered", json!({"shipment_number": number, "order_number": order_number, "signed_by": input.signed_by}));
    if let Some(at) = input.delivered_at {
        ev.occurred_at = at;
    }
    let n = number.clone();
    write_event(&st, &api, ev, |txn| async move {
        let s = orders::shipment(&txn, &n).await?;
        Ok((s, txn))
    })
    .await
}

#[utoipa::path(get, path = "/shipments/{number}", tag = "shipments", security(("bearer" = ["read"])),
    params(("number" = String, Path)), responses((status = 200, body = ShipmentView), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn get_shipment(State(st): State<AppState>, api: Api, Path(number): Path<String>) -> ApiResult<Response> {
    let txn = api.txn(&st).await?;
    let s = orders::shipment(&txn, &number).await.map_err(|e| not_found(e, "shipment", &number))?;
    txn.commit().await?;
    Ok(Json(s).into_response())
}
