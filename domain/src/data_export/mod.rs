//! A tenant's data as one archive, asked for by its partner and built by a job: every business
//! record (customers, orders, shipments, invoices, payments, disputes, exceptions, events, the
//! audit trail…) as JSON lines and as CSV, and every stored document, in one `.zip` kept in the
//! document store ([`archive`]). Asking is audited in the tenant's trail under the partner
//! user's name; the request row and its job commit together.
pub mod archive;

use crate::TenantTxn;
use crate::audit::{self, Actor};
use crate::error::{Error, Result};
use crate::jobs::{self, NewJob};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, QuerySelect};
use uuid::Uuid;

/// The job that builds an archive.
pub const JOB: &str = "data.export";

pub mod entity {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "data_exports")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub requested_by: String,
        /// `queued`, `ready` or `failed`.
        pub status: String,
        pub object_key: Option<String>,
        pub size: Option<i64>,
        pub sha256: Option<String>,
        pub error: Option<String>,
        pub requested_at: ChronoDateTimeUtc,
        pub finished_at: Option<ChronoDateTimeUtc>,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

/// A `data.export` job's payload: which request it builds.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Payload {
    pub export: Uuid,
}

/// Records a request for an archive and its job (in `txn`, with the audit entry).
pub async fn request(txn: &TenantTxn, actor: &Actor, requested_by: &str, now: DateTime<Utc>) -> Result<entity::Model> {
    let row = entity::ActiveModel {
        id: Set(Uuid::now_v7()),
        requested_by: Set(requested_by.to_owned()),
        status: Set("queued".into()),
        object_key: Set(None),
        size: Set(None),
        sha256: Set(None),
        error: Set(None),
        requested_at: Set(now),
        finished_at: Set(None),
    }
    .insert(txn)
    .await?;
    let payload = serde_json::to_value(Payload { export: row.id }).map_err(|e| Error::Internal(e.to_string()))?;
    // A build that fails is shown on the request (asking again is a click); a second attempt
    // only if a worker died while building.
    let job = NewJob::new(JOB, payload, now).attempts(2);
    jobs::enqueue(txn, vec![job]).await?;
    audit::record(txn, actor, "tenant.export_requested", "data_export", &row.id.to_string(), serde_json::json!({"by": requested_by})).await?;
    Ok(row)
}

/// The latest requests, newest first.
pub async fn recent(txn: &TenantTxn, limit: u64) -> Result<Vec<entity::Model>> {
    Ok(entity::Entity::find().order_by_desc(entity::Column::RequestedAt).limit(limit).all(txn).await?)
}

/// One request (`NotFound` for an unknown id).
pub async fn find(txn: &TenantTxn, id: Uuid) -> Result<entity::Model> {
    entity::Entity::find_by_id(id).one(txn).await?.ok_or(Error::NotFound)
}

/// The archive's file name as downloaded.
pub fn file_name(slug: &str, e: &entity::Model) -> String {
    format!("{slug}-export-{}.zip", e.requested_at.format("%Y%m%d-%H%M%S"))
}

/// Marks a request built (`Ok`: the stored archive) or failed (`Err`: why).
pub async fn finish(txn: &TenantTxn, id: Uuid, outcome: std::result::Result<crate::storage::Stored, String>, now: DateTime<Utc>) -> Result<()> {
    let mut am: entity::ActiveModel = find(txn, id).await?.into();
    match outcome {
        Ok(stored) => {
            am.status = Set("ready".into());
            am.object_key = Set(Some(stored.key));
            am.size = Set(Some(stored.size));
            am.sha256 = Set(Some(stored.sha256));
        }
        Err(why) => {
            am.status = Set("failed".into());
            am.error = Set(Some(why));
        }
    }
    am.finished_at = Set(Some(now));
    am.update(txn).await?;
    Ok(())
}

/// Asks for an archive of tenant `slug` on behalf of a partner user who runs it (404
/// otherwise); audited in the tenant's trail under the user's name.
pub async fn request_for(db: &crate::Db, who: &crate::auth::Principal, slug: &str, now: DateTime<Utc>) -> Result<(crate::entity::tenant::Model, entity::Model)> {
    let (t, tenant) = crate::partner::own_tenant_slug(db, who, slug).await?;
    let (actor, _) = crate::partner::actor_for(db, who, &t).await?;
    let txn = db.tenant_txn(&tenant).await?;
    let row = request(&txn, &actor, &format!("{} <{}>", who.name, who.email), now).await?;
    txn.commit().await?;
    Ok((t, row))
}

/// A built archive of tenant `slug` for a partner user who runs it: the tenant and the
/// request (`NotFound` for another partner's tenant, an unknown id or one not ready). Each
/// download is audited in the tenant's trail: the archive holds all its data.
pub async fn download_for(db: &crate::Db, who: &crate::auth::Principal, slug: &str, id: Uuid) -> Result<(crate::types::TenantSlug, entity::Model)> {
    let (t, tenant) = crate::partner::own_tenant_slug(db, who, slug).await?;
    let (actor, _) = crate::partner::actor_for(db, who, &t).await?;
    let txn = db.tenant_txn(&tenant).await?;
    let e = find(&txn, id).await?;
    if e.status != "ready" || e.object_key.is_none() {
        return Err(Error::NotFound);
    }
    audit::record(&txn, &actor, "tenant.export_downloaded", "data_export", &e.id.to_string(), serde_json::json!({"by": who.email, "size": e.size})).await?;
    txn.commit().await?;
    Ok((tenant, e))
}

/// How long a request may stay queued before the page calls it unfinished (a worker that
/// died while building it).
pub const UNFINISHED_AFTER: chrono::Duration = chrono::Duration::hours(1);
