//! A tower-sessions store over SeaORM, so sessions share the one pool and survive restarts.
//! Each row also records the session's scope (platform or tenant) and user, so that all of a
//! user's sessions can be ended together.
//!
//! The request pipeline uses a store [scoped](SqlSessionStore::scoped) to the request's
//! tenant or platform: it loads, saves and deletes only rows of that scope, so a session of
//! tenant A is never loaded on tenant B's host, however the cookie header spells its id
//! (the check is on the parsed id and the stored scope, not on the header's text).
use crate::db::Db;
use crate::entity::session;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, ExpiredDeletion, Result, SessionStore};

#[derive(Clone, Debug)]
pub struct SqlSessionStore {
    db: Db,
    /// The scope key this store serves; `None` only for maintenance (expired deletion).
    scope: Option<String>,
}

impl SqlSessionStore {
    /// An unscoped store, for maintenance: it loads nothing.
    pub fn new(db: Db) -> Self {
        Self { db, scope: None }
    }

    /// The store as seen from one scope (`Scope::key`): rows of other scopes do not exist.
    pub fn scoped(&self, scope: String) -> Self {
        Self { db: self.db.clone(), scope: Some(scope) }
    }

    fn scope_filter(&self) -> sea_orm::Condition {
        // An unscoped store matches no row: every request path must name its scope.
        sea_orm::Condition::all().add(session::Column::Scope.eq(self.scope.clone().unwrap_or_else(|| "(unscoped)".into())))
    }
}

fn backend(e: impl std::fmt::Display) -> Error {
    Error::Backend(e.to_string())
}

/// The row that stores a session record in `scope`.
fn row_of(r: &Record, scope: &str) -> Result<session::ActiveModel> {
    let expires: DateTime<Utc> = DateTime::from_timestamp(r.expiry_date.unix_timestamp(), 0).unwrap_or_else(Utc::now);
    let str_of = |k: &str| r.data.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    Ok(session::ActiveModel {
        id: Set(r.id.to_string()),
        scope: Set(scope.to_owned()),
        user_key: Set(str_of("user_key")),
        data: Set(serde_json::to_string(r).map_err(|e| Error::Encode(e.to_string()))?),
        expires_at: Set(expires),
    })
}

#[async_trait::async_trait]
impl SessionStore for SqlSessionStore {
    /// Stores a new session under an id nobody has: should the random id be taken already,
    /// another is drawn, so a new session can never overwrite someone else's.
    async fn create(&self, r: &mut Record) -> Result<()> {
        let scope = self.scope.clone().ok_or_else(|| Error::Backend("an unscoped session store cannot create sessions".into()))?;
        loop {
            let inserted = session::Entity::insert(row_of(r, &scope)?)
                .on_conflict_do_nothing_on([session::Column::Id])
                .exec_without_returning(self.db.platform())
                .await
                .map_err(backend)?;
            if crate::inserted(&inserted) {
                return Ok(());
            }
            r.id = Id::default();
        }
    }

    /// Updates an existing session only. A session deleted meanwhile (signed out by another
    /// request) stays deleted: a request that was still running cannot bring it back.
    async fn save(&self, r: &Record) -> Result<()> {
        let scope = self.scope.clone().unwrap_or_default();
        let mut row = row_of(r, &scope)?;
        row.scope = sea_orm::ActiveValue::NotSet;
        row.id = sea_orm::ActiveValue::NotSet;
        session::Entity::update_many()
            .set(row)
            .filter(session::Column::Id.eq(r.id.to_string()))
            .filter(self.scope_filter())
            .exec(self.db.platform())
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let row = session::Entity::find_by_id(id.to_string())
            .filter(session::Column::ExpiresAt.gt(Utc::now()))
            .filter(self.scope_filter())
            .one(self.db.platform())
            .await
            .map_err(backend)?;
        row.map(|r| serde_json::from_str(&r.data).map_err(|e| Error::Decode(e.to_string()))).transpose()
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        session::Entity::delete_many()
            .filter(session::Column::Id.eq(id.to_string()))
            .filter(self.scope_filter())
            .exec(self.db.platform())
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl ExpiredDeletion for SqlSessionStore {
    /// Drops expired sessions (loads already ignore them; this keeps the table small).
    async fn delete_expired(&self) -> Result<()> {
        session::Entity::delete_many().filter(session::Column::ExpiresAt.lte(Utc::now())).exec(self.db.platform()).await.map_err(backend)?;
        Ok(())
    }
}
