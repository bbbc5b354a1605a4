//! Invoices: post one, read one, render it as an X12 810.
use super::*;
use domain::{customers, events, orders};

#[utoipa::path(post, path = "/invoices", tag = "invoices", security(("bearer" = ["write"])), params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body; 422 for another body, 409 while in flight")),
    request_body = InvoiceIn, responses((status = 201, body = InvoiceView), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn post_invoice(State(st): State<AppState>, api: Api, Extension(client): Extension<ApiClient>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let input: events::InvoiceIn = json_body(&headers, &body)?;
    let number = input.number.clone();
    let ev = api_event(&client.0, "invoice.posted", serde_json::to_value(&input).expect("serialises"));
    write_event(&st, &api, ev, |txn| async move {
        let i = orders::invoice(&txn, &number).await?;
        Ok((i, txn))
    })
    .await
}

#[utoipa::path(get, path = "/invoices/{number}", tag = "invoices", security(("bearer" = ["read"])),
    params(("number" = String, Path)), responses((status = 200, body = InvoiceView), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn get_invoice(State(st): State<AppState>, api: Api, Path(number): Path<String>) -> ApiResult<Response> {
    let txn = api.txn(&st).await?;
    let i = orders::invoice(&txn, &number).await.map_err(|e| not_found(e, "invoice", &number))?;
    txn.commit().await?;
    Ok(Json(i).into_response())
}

/// `GET /invoices/{number}/edi810`: the invoice as an outbound X12 810.
#[utoipa::path(get, path = "/invoices/{number}/edi810", tag = "edi", security(("bearer" = ["read"])),
    params(("number" = String, Path)), responses((status = 200, description = "An X12 810", body = String, content_type = "application/edi-x12"), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn get_invoice_810(State(st): State<AppState>, api: Api, Path(number): Path<String>) -> ApiResult<Response> {
    let t = &api.tenant;
    let txn = api.txn(&st).await?;
    let inv = orders::invoice(&txn, &number).await.map_err(|e| not_found(e, "invoice", &number))?;
    let po = match &inv.order_number {
        Some(n) => events::find_order(&txn, n).await?.and_then(|o| o.po_number),
        None => None,
    };
    let customer = customers::find(&txn, &inv.customer).await?.map(|c| c.name).unwrap_or_default();
    let control = domain::edi::next_control_number(&txn).await?;
    txn.commit().await?;
    let sender_id = t.slug.as_str().to_ascii_uppercase();
    let x12 = domain::edi::render_810(&inv, po.as_deref(), &customer, ("ZZ", &sender_id), control);
    Ok(([(header::CONTENT_TYPE, "application/edi-x12")], x12).into_response())
}
