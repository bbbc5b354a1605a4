//! Documents: upload to a shipment (type judged by content), download as an attachment.
use super::*;
use domain::orders;

/// `POST /shipments/{number}/documents`: multipart with a `file` part and an optional `kind`
/// (`pod`, the default, or `packing_list`).
#[utoipa::path(post, path = "/shipments/{number}/documents", tag = "documents", security(("bearer" = ["write"])), params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for the same key and body; 422 for another body, 409 while in flight")),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"), responses((status = 201, body = DocumentView), (status = 413, body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input; `errors` names each field", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn post_document(State(st): State<AppState>, api: Api, Path(number): Path<String>, multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>) -> ApiResult<Response> {
    let t = &api.tenant;
    let mut multipart = multipart.map_err(|e| Problem::new(StatusCode::BAD_REQUEST, format!("send the document as multipart/form-data: {}", e.body_text())))?;
    let mut kind = "pod".to_owned();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(Problem::new(StatusCode::BAD_REQUEST, format!("the multipart body is malformed: {}", e.body_text()))),
        };
        match field.name().unwrap_or("") {
            "kind" => kind = field.text().await.map_err(|e| Problem::new(StatusCode::BAD_REQUEST, e.body_text()))?,
            "file" => {
                let filename = domain::documents::sanitize_filename(field.file_name().unwrap_or("document"));
                let data = field.bytes().await.map_err(|e| Problem::new(StatusCode::BAD_REQUEST, e.body_text()))?;
                file = Some((filename, data.to_vec()));
            }
            other => return Err(Problem::invalid(vec![FieldError::new(other, "unknown part; send file and optionally kind")])),
        }
    }
    if !["pod", "packing_list"].contains(&kind.as_str()) {
        return Err(Problem::invalid(vec![FieldError::new("kind", "must be pod or packing_list")]));
    }
    let Some((filename, data)) = file else { return Err(Problem::invalid(vec![FieldError::new("file", "is required")])) };
    if data.is_empty() {
        return Err(Problem::invalid(vec![FieldError::new("file", "is empty")]));
    }
    if data.len() > st.config.upload_limit {
        return Err(Problem::new(StatusCode::PAYLOAD_TOO_LARGE, format!("documents are limited to {} MB", st.config.upload_limit / (1024 * 1024))));
    }
    // The type is what the bytes are, not what the sender declared.
    let Some(ct) = domain::documents::sniff(&data) else {
        return Err(Problem::invalid(vec![FieldError::new("file", format!("is not a {} file (judged by its content)", domain::documents::ACCEPTED))]));
    };
    {
        let txn = api.txn(&st).await?;
        let exists = orders::shipment_exists(&txn, &number).await?;
        txn.commit().await?;
        if !exists {
            return Err(Problem::new(StatusCode::NOT_FOUND, format!("no shipment {number}")));
        }
    }
    let stored = st.storage.put(&t.slug, &kind, ct, data).await?;
    let saved = async {
        let txn = api.txn(&st).await?;
        let d = orders::attach_to_shipment(&txn, &number, &kind, &filename, ct, &stored).await.map_err(|e| not_found(e, "shipment", &number))?;
        txn.commit().await?;
        Ok::<_, Problem>(d)
    }
    .await;
    match saved {
        Ok(d) => Ok((StatusCode::CREATED, Json(d)).into_response()),
        Err(p) => {
            // Leave no orphan object behind when the record could not be written.
            let _ = st.storage.delete(&t.slug, &stored.key).await;
            Err(p)
        }
    }
}

#[utoipa::path(get, path = "/documents/{id}", tag = "documents", security(("bearer" = ["read"])),
    params(("id" = String, Path)), responses((status = 200, description = "The document's bytes", content_type = "application/octet-stream"), (status = 404, description = "No such object in this tenant", body = Problem, content_type = "application/problem+json"), (status = 401, description = "Missing, expired, tampered or other-tenant token", body = Problem, content_type = "application/problem+json"), (status = 403, description = "The token lacks the scope", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn get_document(State(st): State<AppState>, api: Api, Path(id): Path<String>) -> ApiResult<Response> {
    let t = &api.tenant;
    let id: Uuid = id.parse().map_err(|_| Problem::new(StatusCode::NOT_FOUND, format!("no document {id}")))?;
    let txn = api.txn(&st).await?;
    let (doc, key) = orders::document(&txn, id).await.map_err(|e| not_found(e, "document", &id.to_string()))?;
    txn.commit().await?;
    let bytes = st.storage.get(&t.slug, &key).await.map_err(|e| not_found(e, "document", &id.to_string()))?;
    Ok(document_response(&doc, bytes))
}

/// A stored document as a download: always an attachment (never rendered in our origin),
/// its stored type, sandboxed should a browser render it anyway, and never cached.
pub fn document_response(doc: &DocumentView, bytes: Vec<u8>) -> Response {
    attachment(&doc.content_type, &doc.filename, bytes)
}

/// Bytes as a download of `content_type` named `filename`, with the same guards.
pub fn attachment(content_type: &str, filename: &str, bytes: Vec<u8>) -> Response {
    let disposition = domain::documents::attachment_disposition(filename);
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"))),
            (header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment"))),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox")),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
        ],
        bytes,
    )
        .into_response()
}
