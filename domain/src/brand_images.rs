//! A tenant's uploaded logo and favicon, set and removed by its partner. The bytes arrive
//! already checked (decoded whole, or an SVG cleaned: `pdf::images::accept`); here they are
//! stored in `tenant_images`, and the tenant row gets the image's etag, so that pages name the
//! current version in their URLs and every instance's host cache sees the change within its
//! 5 s. Each change is audited in the tenant's trail under the partner user's name.
use crate::audit;
use crate::auth::Principal;
use crate::db::Db;
use crate::entity::{tenant, tenant_image};
use crate::error::{Error as AppError, Result};
use chrono::Utc;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::json;
use sha2::{Digest, Sha256};

/// Which image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Logo,
    Favicon,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Logo => "logo",
            Kind::Favicon => "favicon",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Logo, Kind::Favicon].into_iter().find(|k| k.as_str() == s)
    }

    /// The largest file accepted, in bytes.
    pub fn limit(self) -> usize {
        match self {
            Kind::Logo => 512 * 1024,
            Kind::Favicon => 128 * 1024,
        }
    }

    fn etag_column(self) -> tenant::Column {
        match self {
            Kind::Logo => tenant::Column::LogoEtag,
            Kind::Favicon => tenant::Column::FaviconEtag,
        }
    }
}

/// A checked image to store.
#[derive(Clone, Debug)]
pub struct Upload {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The version of an image as pages name it: the start of its SHA-256.
pub fn etag(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..8])
}

/// Stores (`Some`) or removes (`None`) a tenant's image, for a partner user who runs the
/// tenant (404 otherwise). Removing the logo also removes a logo set before uploads existed.
pub async fn set(db: &Db, who: &Principal, slug: &str, kind: Kind, image: Option<Upload>) -> Result<tenant::Model> {
    let (t, tenant_slug) = crate::partner::own_tenant_slug(db, who, slug).await?;
    if let Some(img) = &image
        && img.bytes.len() > kind.limit()
    {
        return Err(AppError::Invalid(format!("the {} is larger than {} KB", kind.as_str(), kind.limit() / 1024)));
    }
    let (actor, partner_name) = crate::partner::actor_for(db, who, &t).await?;
    let now = Utc::now();
    let new_etag = image.as_ref().map(|i| etag(&i.bytes)).unwrap_or_default();
    // Tenant first, then platform, as every console change does.
    let audit_txn = db.tenant_txn(&tenant_slug).await?;
    let txn = db.platform().begin().await?;
    if image.is_none() {
        tenant_image::Entity::delete_many().filter(tenant_image::Column::TenantId.eq(t.id)).filter(tenant_image::Column::Kind.eq(kind.as_str())).exec(&txn).await?;
    }
    let mut update = tenant::Entity::update_many().col_expr(kind.etag_column(), Expr::value(new_etag.clone())).col_expr(tenant::Column::UpdatedAt, Expr::value(now)).filter(tenant::Column::Id.eq(t.id));
    if kind == Kind::Logo && image.is_none() {
        update = update.col_expr(tenant::Column::LogoSvg, Expr::value(String::new()));
    }
    update.exec(&txn).await?;
    let details = match &image {
        Some(img) => {
            // An upsert: two uploads at once both land, the later one stays.
            let row = tenant_image::ActiveModel { tenant_id: Set(t.id), kind: Set(kind.as_str().into()), content_type: Set(img.content_type.clone()), bytes: Set(img.bytes.clone()), etag: Set(new_etag.clone()), updated_at: Set(now) };
            let upsert = OnConflict::columns([tenant_image::Column::TenantId, tenant_image::Column::Kind])
                .update_columns([tenant_image::Column::ContentType, tenant_image::Column::Bytes, tenant_image::Column::Etag, tenant_image::Column::UpdatedAt])
                .to_owned();
            tenant_image::Entity::insert(row).on_conflict(upsert).exec_without_returning(&txn).await?;
            json!({"by": who.email, "partner": partner_name, "content_type": img.content_type, "bytes": img.bytes.len(), "etag": new_etag})
        }
        None => json!({"by": who.email, "partner": partner_name}),
    };
    let action = format!("tenant.{}_{}", kind.as_str(), if image.is_some() { "changed" } else { "removed" });
    audit::record(&audit_txn, &actor, &action, "tenant", &t.slug, details).await?;
    let t = tenant::Entity::find_by_id(t.id).one(&txn).await?.ok_or(AppError::NotFound)?;
    txn.commit().await?;
    if let Err(e) = audit_txn.commit().await {
        tracing::error!(tenant = %t.slug, error = %e, "the tenant's brand image changed but its audit entry could not be committed");
        return Err(e.into());
    }
    Ok(t)
}

/// A tenant's uploaded image, if it has one.
pub async fn load(db: &Db, tenant_id: uuid::Uuid, kind: Kind) -> Result<Option<tenant_image::Model>> {
    Ok(tenant_image::Entity::find_by_id((tenant_id, kind.as_str().to_owned())).one(db.platform()).await?)
}
