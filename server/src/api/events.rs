//! `POST /events`: event ingestion, one event or a batch of up to 1,000.
use super::*;
use domain::events;

/// `POST /events`: one event object, an array of up to 1,000, or `{"events": [...]}`.
#[utoipa::path(post, path = "/events", tag = "events", security(("bearer" = ["write"])), params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body; 422 for another body, 409 while in flight")),
    request_body(content = Vec<EventIn>, description = "One event object, an array of up to 1,000, or {\"events\": [...]}"),
    responses((status = 200, description = "Each event's result", body = EventsAnswer), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 413, body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn post_events(State(st): State<AppState>, api: Api, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let value: Value = json_body(&headers, &body)?;
    let (items, single) = match value {
        Value::Array(items) => (items, false),
        Value::Object(mut o) if o.len() == 1 && o.contains_key("events") => match o.remove("events") {
            Some(Value::Array(items)) => (items, false),
            _ => return Err(Problem::invalid(vec![FieldError::new("events", "must be an array of events")])),
        },
        v @ Value::Object(_) => (vec![v], true),
        _ => return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "send an event object or an array of events")),
    };
    if items.is_empty() {
        return Err(Problem::invalid(vec![FieldError::new("events", "the batch is empty")]));
    }
    if items.len() > events::MAX_BATCH {
        return Err(Problem::new(StatusCode::PAYLOAD_TOO_LARGE, format!("a batch holds at most {} events; this one has {}", events::MAX_BATCH, items.len())));
    }
    let (txn, pre) = api.ingest_txn(&st, events::Named::in_items(&items)).await?;
    let (results, txn) = events::ingest(txn, &items, pre).await?;
    if let Some(txn) = txn {
        api.commit(txn).await?;
    }
    let count = |r: &str| results.iter().filter(|x| x.result == r).count();
    let summary = json!({
        "accepted": count("accepted"),
        "duplicates": count("duplicate"),
        "rejected": count("rejected"),
        "results": results,
    });
    if single && results[0].result == "rejected" {
        let errors = results[0].errors.clone();
        let p = Problem::invalid(errors).with("results", summary["results"].clone());
        return Ok(p.into_response());
    }
    Ok(Json(summary).into_response())
}
