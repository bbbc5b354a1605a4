//! Data export over HTTP and its job: the partner console asks for an archive of a tenant
//! (`POST /partner/tenants/{slug}/exports`), the `data.export` job builds it in the tenant's
//! transaction and stores it in the document store, and the console downloads it
//! (`GET /partner/tenants/{slug}/exports/{id}`). Only the tenant's partner (and the platform
//! operator) reach any of it.
use crate::admin::back;
use crate::config::Config;
use crate::partner_forms::partner_admin;
use crate::signin::CsrfForm;
use crate::{AppState, Auth, error_page, neutral_page};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Form};
use domain::AppError;
use domain::data_export;
use domain::jobs::{Handler, JobCx, JobError, async_trait};
use domain::storage::Storage;
use domain::tenancy::Scope;
use tower_sessions::Session;

/// `POST /partner/tenants/{slug}/exports`: asks for an archive.
pub(crate) async fn request(st: State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, Path(slug): Path<String>, Form(f): Form<CsrfForm>) -> Response {
    let who = match partner_admin(&scope, &auth, &session, &f.csrf).await {
        Ok(who) => who,
        Err(r) => return r,
    };
    let page = app::exports_admin::exports_href(&slug);
    match data_export::request_for(&st.db, who, &slug, chrono::Utc::now()).await {
        Ok((t, _)) => back(&session, &page, format!("An export of {} is being built; reload to see when it is ready.", t.name)).await,
        Err(AppError::NotFound) => neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no such tenant among yours."),
        Err(e) => error_page(e, "asking for a data export"),
    }
}

/// `GET /partner/tenants/{slug}/exports/{id}`: the archive, once built.
pub(crate) async fn download(st: State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, Path((slug, id)): Path<(String, String)>) -> Response {
    let not_found = || neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no such export.");
    let who = match crate::partner_forms::partner_reader(&scope.0, &auth.0, not_found) {
        Ok(who) => who,
        Err(r) => return r,
    };
    let Ok(id) = id.parse::<uuid::Uuid>() else { return not_found() };
    let (tenant, export) = match data_export::download_for(&st.db, who, &slug, id).await {
        Ok(found) => found,
        Err(AppError::NotFound) => return not_found(),
        Err(e) => return error_page(e, "data export lookup"),
    };
    let key = export.object_key.clone().unwrap_or_default();
    match st.storage.get(&tenant, &key).await {
        Ok(bytes) => crate::api::attachment("application/zip", &data_export::file_name(tenant.as_str(), &export), bytes),
        Err(AppError::NotFound) => not_found(),
        Err(e) => error_page(e, "data export read"),
    }
}

/// The `data.export` job: builds the archive, stores it, and marks the request ready, or
/// failed with the reason (a failure is the request's state, not a job retried for a day).
pub struct ExportJob {
    pub config: Config,
    pub storage: tokio::sync::OnceCell<Storage>,
}

impl ExportJob {
    /// Builds and stores the archive. Read in a savepoint of its own: a query that fails
    /// leaves the job's transaction usable for recording the failure.
    async fn build(&self, cx: &JobCx<'_>) -> domain::Result<domain::storage::Stored> {
        let storage = self.storage.get_or_try_init(|| crate::startup::open_storage(&self.config)).await?;
        let reading = cx.txn.savepoint().await?;
        match data_export::archive::build(&reading, storage, cx.tenant, cx.now).await {
            Ok(bytes) => {
                reading.commit().await?;
                storage.put(cx.tenant, "export", "application/zip", bytes).await
            }
            Err(e) => {
                reading.rollback().await?;
                Err(e)
            }
        }
    }
}

#[async_trait]
impl Handler for ExportJob {
    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        let id = cx.payload::<data_export::Payload>()?.export;
        let export = match data_export::find(cx.txn, id).await {
            Ok(e) => e,
            Err(AppError::NotFound) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        if export.status != "queued" {
            return Ok(());
        }
        let outcome = self.build(cx).await.map_err(|e| {
            tracing::error!(tenant = %cx.tenant, export = %id, error = %e, "a data export failed");
            "the archive could not be built; ask again, and if it fails again tell support".to_owned()
        });
        data_export::finish(cx.txn, id, outcome, cx.now).await?;
        Ok(())
    }
}
