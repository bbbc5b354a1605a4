//! `Idempotency-Key` on POST (draft-ietf-httpapi-idempotency-key-header): the same key and
//! request replay the first answer; the same key with another request is 422. Keys are scoped
//! to the API client and kept at least 24 hours.
//!
//! Where a handler's work is one transaction, it does not commit it: it hands it over
//! ([`super::Api::commit`]), and this layer records the key with the answer in that same
//! transaction and commits once. The write and its key are therefore stored together or not
//! at all: a crash can never leave a key "in flight" for a write that happened. Two requests
//! racing with one key both run, but only one commits (the key's unique index); the other is
//! rolled back and answered 409, and a retry replays the winner's answer.
use super::{Problem, tenant_of};
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use domain::entity::idempotency_key;
use sea_orm::prelude::*;
use domain::TenantTxn;
use sea_orm::ActiveValue::Set;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Where a handler leaves its uncommitted transaction for this layer to finish.
#[derive(Clone, Default)]
pub struct Slot(Arc<tokio::sync::Mutex<Option<TenantTxn>>>);

impl Slot {
    pub async fn park(&self, txn: TenantTxn) {
        *self.0.lock().await = Some(txn);
    }
    async fn take(&self) -> Option<TenantTxn> {
        self.0.lock().await.take()
    }
}

#[derive(Default, Serialize, Deserialize)]
struct StoredResponse {
    content_type: String,
    body: String,
}

/// What identifies a request: method, full path and body. A multipart body is identified by
/// its parts (names, file names, types, bytes), not by its random boundary, so a client
/// library that draws a new boundary for its retry still replays.
async fn request_hash(parts: &axum::http::request::Parts, bytes: &Bytes) -> String {
    let mut h = Sha256::new();
    h.update(parts.method.as_str().as_bytes());
    // The full path: inside the nested API router `uri` has lost its `/api/v1` prefix.
    let path = parts.extensions.get::<axum::extract::OriginalUri>().map(|u| u.path().to_owned()).unwrap_or_else(|| parts.uri.path().to_owned());
    h.update(path.as_bytes());
    h.update([0]);
    match multipart_digest(parts, bytes).await {
        Some(d) => h.update(d),
        None => h.update(bytes),
    }
    hex::encode(h.finalize())
}

async fn multipart_digest(parts: &axum::http::request::Parts, bytes: &Bytes) -> Option<Vec<u8>> {
    let ct = parts.headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    if !ct.starts_with("multipart/form-data") {
        return None;
    }
    let req = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
    let mut mp = Multipart::from_request(req, &()).await.ok()?;
    let mut h = Sha256::new();
    h.update(b"multipart");
    while let Ok(Some(field)) = mp.next_field().await {
        for text in [field.name().unwrap_or(""), field.file_name().unwrap_or(""), field.content_type().unwrap_or("")] {
            h.update((text.len() as u64).to_be_bytes());
            h.update(text.as_bytes());
        }
        let data = field.bytes().await.ok()?;
        h.update((data.len() as u64).to_be_bytes());
        h.update(&data);
    }
    Some(h.finalize().to_vec())
}

fn replay(found: &idempotency_key::Model) -> Response {
    let status = StatusCode::from_u16(found.response_status.unwrap_or(200) as u16).unwrap_or(StatusCode::OK);
    let stored: StoredResponse = serde_json::from_str(found.response_body.as_deref().unwrap_or("{}")).unwrap_or_default();
    let mut r = (status, stored.body).into_response();
    if let Ok(v) = HeaderValue::from_str(&stored.content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    r
}

fn in_conflict() -> Response {
    Problem::new(StatusCode::CONFLICT, "a request with this Idempotency-Key is being processed at the same time; retry to get its answer").into_response()
}

/// Looks the key up, and whether the client is still enabled, in one short transaction.
async fn lookup(st: &AppState, tenant: &domain::types::TenantSlug, client_id: Uuid, key: &str) -> Result<(Option<idempotency_key::Model>, bool), DbErr> {
    let txn = st.db.tenant_txn(tenant).await?;
    let found = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::ClientId.eq(client_id))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(&txn)
        .await?;
    // Only a replay needs the check here; a first request's handler checks in its own
    // transaction (`Api::txn`).
    let active = match found {
        Some(_) => domain::api_clients::is_active(&txn, client_id).await.map_err(|e| DbErr::Custom(e.to_string()))?,
        None => true,
    };
    txn.commit().await?;
    Ok((found, active))
}

/// Records the key with its answer; `false` when another request recorded it first.
async fn record<C: ConnectionTrait>(c: &C, client_id: Uuid, key: &str, hash: &str, status: StatusCode, stored: &StoredResponse) -> Result<bool, DbErr> {
    let row = idempotency_key::ActiveModel {
        id: Set(domain::new_id()),
        client_id: Set(client_id),
        key: Set(key.to_owned()),
        request_hash: Set(hash.to_owned()),
        state: Set("done".into()),
        response_status: Set(Some(status.as_u16() as i32)),
        response_body: Set(Some(serde_json::to_string(stored).unwrap_or_default())),
        created_at: Set(Utc::now()),
    };
    let r = idempotency_key::Entity::insert(row)
        .on_conflict_do_nothing_on([idempotency_key::Column::ClientId, idempotency_key::Column::Key])
        .exec_without_returning(c)
        .await?;
    Ok(domain::inserted(&r))
}

/// The layer.
pub async fn layer(State(st): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get("idempotency-key").map(|v| v.to_str().map(|s| s.trim().to_owned())) else {
        return next.run(req).await;
    };
    let key = match key {
        Ok(k) if !k.is_empty() && k.len() <= 255 => k,
        _ => return Problem::new(StatusCode::BAD_REQUEST, "Idempotency-Key must be 1 to 255 visible ASCII characters").into_response(),
    };
    let (Some(tenant), Some(client)) = (tenant_of(&req), req.extensions().get::<super::ApiClient>().cloned()) else {
        return next.run(req).await;
    };
    let Some(client_id) = client.0.client_id() else { return next.run(req).await };
    let (mut parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, super::BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => return Problem::new(StatusCode::PAYLOAD_TOO_LARGE, format!("the body is larger than {} bytes", super::BODY_LIMIT)).into_response(),
    };
    let hash = request_hash(&parts, &bytes).await;
    match lookup(&st, &tenant.slug, client_id, &key).await {
        // A disabled client gets no stored answers either.
        Ok((_, false)) => return super::client_disabled().into_response(),
        Ok((Some(found), true)) if found.request_hash != hash => {
            return Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "this Idempotency-Key was used with a different request body").into_response();
        }
        Ok((Some(found), true)) if found.state != "done" => return in_conflict(),
        Ok((Some(found), true)) => return replay(&found),
        Ok((None, true)) => {}
        Err(e) => return Problem::from(e).into_response(),
    }
    let slot = Slot::default();
    parts.extensions.insert(slot.clone());
    let resp = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let (rparts, rbody) = resp.into_parts();
    let rbytes = axum::body::to_bytes(rbody, usize::MAX).await.unwrap_or_default();
    let status = rparts.status;
    // Server errors and refused credentials are not answers to keep: the client may retry.
    let keep = !(status.is_server_error() || status == StatusCode::UNAUTHORIZED);
    let stored = StoredResponse {
        content_type: rparts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("application/json").into(),
        body: String::from_utf8_lossy(&rbytes).into_owned(),
    };
    match slot.take().await {
        Some(txn) if keep => match record(&txn, client_id, &key, &hash, status, &stored).await {
            Ok(true) => {
                if let Err(e) = txn.commit().await {
                    return Problem::from(e).into_response();
                }
            }
            Ok(false) => {
                let _ = txn.rollback().await;
                return in_conflict();
            }
            Err(e) => return Problem::from(e).into_response(),
        },
        Some(txn) => {
            let _ = txn.rollback().await;
        }
        None if keep => {
            // Nothing to commit with (a refusal, or a handler with work outside one
            // transaction, such as a document upload to object storage): keep the answer.
            let saved = async {
                let txn = st.db.tenant_txn(&tenant.slug).await?;
                record(&txn, client_id, &key, &hash, status, &stored).await?;
                txn.commit().await
            }
            .await;
            if let Err(e) = saved {
                tracing::error!(error = %e, "storing an idempotent response failed");
            }
        }
        None => {}
    }
    Response::from_parts(rparts, Body::from(rbytes))
}
