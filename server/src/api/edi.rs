//! `POST /edi`: raw X12 interchanges in.
use super::*;

/// `POST /edi`: a raw X12 interchange (850s and 856s). Answers with each transaction set's
/// result and the 997 acknowledgement; an envelope error is a 422 naming the segment. The
/// interchange is read within `EdiLimits`: more segments than allowed is a 413, a segment with
/// too many elements or an over-long element a 422; both name the limit and its value.
#[utoipa::path(post, path = "/edi", tag = "edi", security(("bearer" = ["write"])), params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body; 422 for another body, 409 while in flight")),
    request_body(content = String, content_type = "application/edi-x12", description = "An X12 interchange of 850 and 856 transaction sets"),
    responses((status = 200, body = domain::edi::ImportResult), (status = 413, description = "More segments than `max_segments`; `limit` names it and its value", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Envelope error naming the segment, or an element limit (`max_elements`, `max_element_len`) named in `limit`", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn post_edi(State(st): State<AppState>, api: Api, body: Bytes) -> ApiResult<Response> {
    let text = std::str::from_utf8(&body).map_err(|_| Problem::new(StatusCode::BAD_REQUEST, "the interchange must be ASCII or UTF-8 text"))?;
    let limits = &st.config.edi_limits;
    let txn = api.txn(&st).await?;
    match domain::edi::import(&txn, text, limits).await? {
        Ok(result) => {
            api.commit(txn).await?;
            Ok(Json(result).into_response())
        }
        Err(e) => {
            let field = format!("segment {} ({})", e.position, e.segment);
            let status = if e.limit.is_some_and(|l| l.is_size()) { StatusCode::PAYLOAD_TOO_LARGE } else { StatusCode::UNPROCESSABLE_ENTITY };
            let mut p = Problem::new(status, e.to_string()).with_errors(vec![FieldError::new(field, e.message.clone())]).with("position", json!(e.position));
            if let Some(l) = e.limit {
                p = p.with("limit", json!({"name": l.name(), "value": limits.value(l)}));
            }
            Err(p)
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct OutboxQuery {
    /// The `id` of the last document of the previous page.
    after: Option<Uuid>,
    /// 1 to 500; 100 by default.
    limit: Option<u64>,
}

/// `GET /edi/outbox`: the outbound 810s not yet acknowledged, oldest first. The EDI gateway
/// polls it and answers each with a 997 through `POST /edi`.
#[utoipa::path(get, path = "/edi/outbox", tag = "edi", security(("bearer" = ["read"])), params(OutboxQuery),
    responses((status = 200, body = Vec<domain::outbound::edi::OutboxItem>), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn get_outbox(State(st): State<AppState>, api: Api, query: Result<Query<OutboxQuery>, axum::extract::rejection::QueryRejection>) -> ApiResult<Response> {
    let Query(q) = query.map_err(|e| Problem::new(StatusCode::BAD_REQUEST, format!("bad query string: {}", e.body_text())))?;
    let txn = api.txn(&st).await?;
    let items = domain::outbound::edi::pending(&txn, q.after, q.limit.unwrap_or(100).clamp(1, 500)).await?;
    txn.commit().await?;
    let items = items.ok_or_else(|| Problem::invalid(vec![FieldError::new("after", "names no document of this outbox; use the id of the last document of the previous page")]))?;
    Ok(Json(items).into_response())
}
