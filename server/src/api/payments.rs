//! Payments: received (optionally applied to invoices) and read back.
use super::*;
use domain::{events, orders};

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    number: String,
    customer: String,
    currency: String,
    amount_minor: i64,
    received_on: chrono::NaiveDate,
    #[serde(default)]
    reference: Option<String>,
    #[serde(default)]
    allocations: Vec<AllocationBody>,
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationBody {
    invoice_number: String,
    amount_minor: i64,
}

/// `POST /payments`: a payment received, optionally applied to invoices, in one transaction.
#[utoipa::path(post, path = "/payments", tag = "payments", security(("bearer" = ["write"])), params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body; 422 for another body, 409 while in flight")),
    request_body = PaymentBody, responses((status = 201, body = PaymentView), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn post_payment(State(st): State<AppState>, api: Api, Extension(client): Extension<ApiClient>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let input: PaymentBody = json_body(&headers, &body)?;
    let received = json!({
        "number": input.number, "customer": input.customer, "currency": input.currency,
        "amount_minor": input.amount_minor, "received_on": input.received_on, "reference": input.reference,
    });
    let txn = api.txn(&st).await?;
    events::apply_now(&txn, &api_event(&client.0, "payment.received", received)).await?;
    for (i, a) in input.allocations.iter().enumerate() {
        let ev = api_event(&client.0, "payment.applied", json!({"payment_number": input.number, "invoice_number": a.invoice_number, "amount_minor": a.amount_minor}));
        events::apply_now(&txn, &ev).await.map_err(|f| match f {
            Fail::Reject(errs) => Fail::Reject(errs.into_iter().map(|e| FieldError::new(format!("allocations[{i}].{}", e.field.trim_start_matches("payload.")), e.reason)).collect()),
            other => other,
        })?;
    }
    let view = orders::payment(&txn, &input.number).await?;
    api.commit(txn).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[utoipa::path(get, path = "/payments/{number}", tag = "payments", security(("bearer" = ["read"])),
    params(("number" = String, Path)), responses((status = 200, body = PaymentView), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn get_payment(State(st): State<AppState>, api: Api, Path(number): Path<String>) -> ApiResult<Response> {
    let txn = api.txn(&st).await?;
    let p = orders::payment(&txn, &number).await.map_err(|e| not_found(e, "payment", &number))?;
    txn.commit().await?;
    Ok(Json(p).into_response())
}
