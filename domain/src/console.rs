//! The partner console's tenant list: the signed-in partner's tenants (every tenant for the
//! platform operator), searched by name or slug, most trouble first, a page at a time. Two
//! reads of platform tables, whatever the number of tenants: the tenants' light columns with
//! each one's latest trouble score, then the last [`health::DAYS`] of the page's tenants
//! only. No request reads a tenant's schema here.
use crate::auth::Principal;
use crate::db::Db;
use crate::entity::tenant;
use crate::error::Result;
use crate::health::{self, Health};
use crate::types::Role;
use chrono::{Duration, NaiveDate};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

/// Tenants on one page of the console.
pub const PER_PAGE: usize = 50;

/// A tenant's row: who it is and its recent health (oldest first; empty before the first
/// measurement).
#[derive(Clone, Debug)]
pub struct Row {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub product_name: String,
    pub primary_color: String,
    pub active: bool,
    pub health: Vec<Health>,
}

/// One page of the list, with the counts the console shows above it.
#[derive(Clone, Debug)]
pub struct Listing {
    pub rows: Vec<Row>,
    /// Every tenant the user may see.
    pub total: usize,
    /// Of those, the ones the search matches.
    pub matching: usize,
    /// Of all, those whose latest measurement scores any trouble.
    pub in_trouble: usize,
    /// 1-based, within `1..=pages`.
    pub page: usize,
    pub pages: usize,
}

type Light = (Uuid, String, String, String, String, bool);

/// Page `page` (1-based; out of range is clamped) of `per_page` rows ([`PER_PAGE`] on the
/// console) of the tenants `who` may see that match `search` (part of the name or slug, any
/// case; empty for all), at `today`.
pub async fn list(db: &Db, who: &Principal, search: &str, page: usize, per_page: usize, today: NaiveDate) -> Result<Listing> {
    use tenant::Column as C;
    let q = tenant::Entity::find().select_only().columns([C::Id, C::Slug, C::Name, C::ProductName, C::PrimaryColor, C::Active]).order_by_asc(C::Name);
    let (q, partner) = match (who.role, who.partner_id) {
        (Role::PlatformAdmin, _) => (q, None),
        (Role::PartnerAdmin | Role::PartnerViewer, Some(partner)) => (q.filter(C::PartnerId.eq(partner)), Some(partner)),
        _ => return Ok(Listing { rows: Vec::new(), total: 0, matching: 0, in_trouble: 0, page: 1, pages: 1 }),
    };
    let tenants: Vec<Light> = q.into_tuple().all(db.platform()).await?;
    let trouble = latest_trouble(db, partner, today).await?;
    let score = |t: &Light| trouble.get(&t.0).copied().unwrap_or(0);
    let in_trouble = tenants.iter().filter(|t| score(t) > 0).count();
    let needle = search.trim().to_lowercase();
    let mut matching: Vec<&Light> = tenants.iter().filter(|t| needle.is_empty() || t.1.contains(&needle) || t.2.to_lowercase().contains(&needle)).collect();
    // Most trouble first; then by name (the order read in: the sort is stable).
    matching.sort_by_key(|t| std::cmp::Reverse(score(t)));
    let per_page = per_page.max(1);
    let pages = matching.len().div_ceil(per_page).max(1);
    let page = page.clamp(1, pages);
    let shown: Vec<&Light> = matching.iter().skip((page - 1) * per_page).take(per_page).copied().collect();
    let ids: Vec<Uuid> = shown.iter().map(|t| t.0).collect();
    let mut by_tenant: HashMap<Uuid, Vec<Health>> = HashMap::new();
    for h in health::recent(db, &ids, today).await? {
        by_tenant.entry(h.tenant_id).or_default().push(h);
    }
    let rows = shown
        .into_iter()
        .map(|t| Row { id: t.0, slug: t.1.clone(), name: t.2.clone(), product_name: t.3.clone(), primary_color: t.4.clone(), active: t.5, health: by_tenant.remove(&t.0).unwrap_or_default() })
        .collect();
    Ok(Listing { rows, total: tenants.len(), matching: matching.len(), in_trouble, page, pages })
}

/// Each tenant's trouble score in its latest row of the last [`health::DAYS`] days: one
/// statement, a primary-key lookup per tenant of the partner (of every partner for the
/// platform operator).
async fn latest_trouble(db: &Db, partner: Option<Uuid>, today: NaiveDate) -> Result<HashMap<Uuid, i32>> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let backend = db.platform().get_database_backend();
    let p = |i: usize| if backend == DbBackend::Postgres { format!("${i}") } else { format!("?{i}") };
    let cutoff = today - Duration::days(health::DAYS);
    let mut values: Vec<sea_orm::Value> = vec![cutoff.into()];
    let only = match partner {
        Some(id) => {
            values.push(id.into());
            format!(" AND t.partner_id = {}", p(2))
        }
        None => String::new(),
    };
    let sql = format!(
        "SELECT h.tenant_id, h.trouble FROM tenants t JOIN tenant_health h ON h.tenant_id = t.id \
         WHERE h.day = (SELECT max(l.day) FROM tenant_health l WHERE l.tenant_id = t.id AND l.day > {}){only}",
        p(1)
    );
    let rows = db.platform().query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    rows.iter().map(|r| Ok((r.try_get::<Uuid>("", "tenant_id")?, r.try_get::<i32>("", "trouble")?))).collect()
}
