//! Form posts of the tenant admin's webhook pages: add and change an endpoint, rotate its
//! secret (shown once), send a test event, replay one delivery or everything that failed
//! since a time. Each checks the CSRF token and the tenant admin role ([`admin_of`]) and
//! redirects back with a notice, so the pages work without JavaScript.
use crate::admin::{own_admin_of, back, back_with_secret};
use crate::{AppState, Auth};
use app::webhooks_admin::{LIST, endpoint_href};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::{Extension, Form};
use chrono::{NaiveDateTime, Utc};
use domain::AppError;
use domain::audit::Actor;
use domain::tenancy::Scope;
use domain::webhooks::endpoints::{self, EndpointInput};
use domain::webhooks::dispatch;
use tower_sessions::Session;
use uuid::Uuid;

#[derive(serde::Deserialize)]
pub struct EndpointForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    event_types: String,
    #[serde(default)]
    enabled: Option<String>,
    #[serde(default)]
    customer: String,
}

impl EndpointForm {
    fn input(&self) -> EndpointInput {
        EndpointInput { url: self.url.clone(), description: self.description.clone(), event_types: vec![self.event_types.clone()], enabled: self.enabled.is_some(), customer: Some(self.customer.clone()) }
    }
}

#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
    /// `YYYY-MM-DDTHH:MM` (a `datetime-local` field), in UTC.
    #[serde(default)]
    since: String,
}

fn said(e: &AppError) -> String {
    match e {
        AppError::Invalid(m) => format!("Not saved: {m}."),
        AppError::NotFound => "Not done: there is no such endpoint.".into(),
        other => {
            tracing::error!(error = %other, "a webhook admin form failed");
            "Not done: the service is temporarily unavailable.".into()
        }
    }
}

/// `POST /workspace/admin/webhooks/new`: adds an endpoint; its secret is shown once.
pub async fn create(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Form(f): Form<EndpointForm>) -> Response {
    let (t, me) = match own_admin_of(&scope, &auth, &session, &f.csrf).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let actor = Actor::User { id: me.user_id, name: me.name.clone() };
    let done = async {
        let txn = st.db.tenant_txn(&t.slug).await?;
        let e = endpoints::create(&txn, &actor, &f.input(), &st.config.webhook_allow).await?;
        txn.commit().await?;
        Ok::<_, AppError>(e)
    };
    match done.await {
        Ok(e) => back_with_secret(&session, &endpoint_href(&e.id.to_string()), format!("Endpoint {} added. Copy its signing secret now: it is shown only here, and again after a rotation.", e.url), Some(e.secret)).await,
        Err(e) => back(&session, LIST, said(&e)).await,
    }
}

/// Runs `f` on endpoint `id` of the admin's tenant in one transaction, then redirects to the
/// endpoint's page with the notice `f` returns.
async fn on_endpoint<F>(st: &AppState, scope: &Scope, auth: &Auth, session: &Session, csrf: &str, id: &str, f: F) -> Response
where
    F: AsyncFnOnce(&domain::TenantTxn, &Actor, Uuid) -> Result<(String, Option<String>), AppError>,
{
    let (t, me) = match own_admin_of(scope, auth, session, csrf).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Ok(uuid) = Uuid::parse_str(id) else { return back(session, LIST, "Not done: there is no such endpoint.".into()).await };
    let actor = Actor::User { id: me.user_id, name: me.name.clone() };
    let done = async {
        let txn = st.db.tenant_txn(&t.slug).await?;
        endpoints::get(&txn, uuid).await?;
        let out = f(&txn, &actor, uuid).await?;
        txn.commit().await?;
        Ok::<_, AppError>(out)
    };
    match done.await {
        Ok((message, secret)) => back_with_secret(session, &endpoint_href(id), message, secret).await,
        Err(AppError::NotFound) => back(session, LIST, "Not done: there is no such endpoint.".into()).await,
        Err(e) => back(session, &endpoint_href(id), said(&e)).await,
    }
}

/// `POST /workspace/admin/webhooks/{id}/settings`: saves the endpoint's settings.
pub async fn update(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Path(id): Path<String>, Form(f): Form<EndpointForm>) -> Response {
    let input = f.input();
    let allow = st.config.webhook_allow.clone();
    on_endpoint(&st, &scope, &auth, &session, &f.csrf, &id, async move |txn, actor, uuid| {
        let e = endpoints::update(txn, actor, uuid, &input, &allow).await?;
        Ok((format!("Saved. {} is {}.", e.url, if e.enabled { "enabled" } else { "disabled" }), None))
    })
    .await
}

/// `POST /workspace/admin/webhooks/{id}/rotate`: a new secret, shown once.
pub async fn rotate(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Path(id): Path<String>, Form(f): Form<CsrfForm>) -> Response {
    on_endpoint(&st, &scope, &auth, &session, &f.csrf, &id, async |txn, actor, uuid| {
        let e = endpoints::rotate_secret(txn, actor, uuid, Utc::now()).await?;
        Ok(("Secret rotated. For 24 hours requests carry signatures by both the new and the old secret; update the receiver within that time.".into(), Some(e.secret)))
    })
    .await
}

/// `POST /workspace/admin/webhooks/{id}/test`: queues a `webhook.test` message.
pub async fn test(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Path(id): Path<String>, Form(f): Form<CsrfForm>) -> Response {
    on_endpoint(&st, &scope, &auth, &session, &f.csrf, &id, async |txn, _, uuid| {
        let m = domain::webhooks::send_test(txn, uuid, Utc::now()).await?;
        Ok((format!("Test event {} queued; it shows below once sent.", domain::webhooks::webhook_id(m)), None))
    })
    .await
}

/// `POST /workspace/admin/webhooks/{id}/replay`: replays every failed delivery since a time.
pub async fn replay_since(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Path(id): Path<String>, Form(f): Form<CsrfForm>) -> Response {
    let since = NaiveDateTime::parse_from_str(f.since.trim(), "%Y-%m-%dT%H:%M").or_else(|_| NaiveDateTime::parse_from_str(f.since.trim(), "%Y-%m-%dT%H:%M:%S"));
    let Ok(since) = since.map(|s| s.and_utc()) else {
        return back(&session, &endpoint_href(&id), format!("Not replayed: {:?} is not a date and time such as 2026-12-03T09:00.", f.since)).await;
    };
    on_endpoint(&st, &scope, &auth, &session, &f.csrf, &id, async move |txn, _, uuid| {
        let n = dispatch::replay_failed_since(txn, uuid, since, Utc::now()).await?;
        Ok((format!("{n} failed deliver{} since {} queued again.", if n == 1 { "y" } else { "ies" }, since.format("%Y-%m-%d %H:%M UTC")), None))
    })
    .await
}

/// `POST /workspace/admin/webhooks/{id}/deliveries/{delivery}/replay`: sends one again.
pub async fn replay_one(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Path((id, delivery)): Path<(String, String)>, Form(f): Form<CsrfForm>) -> Response {
    let d = Uuid::parse_str(&delivery).ok();
    on_endpoint(&st, &scope, &auth, &session, &f.csrf, &id, async move |txn, _, uuid| {
        let found = match d {
            Some(d) => dispatch::replay(txn, uuid, d, Utc::now()).await?,
            None => false,
        };
        if found { Ok(("The delivery is queued again with the same webhook-id.".into(), None)) } else { Err(AppError::Invalid("there is no such delivery of this endpoint".into())) }
    })
    .await
}
