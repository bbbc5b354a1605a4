//! A tower-sessions store over SeaORM, so sessions share the one pool and survive restarts.
//! Each row also records the session's scope (platform or tenant) and user, so that a
//! session can be refused on another tenant's host and all of a user's sessions ended.
use crate::db::Db;
use crate::entity::session;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, ExpiredDeletion, Result, SessionStore};

#[derive(Clone, Debug)]
pub struct SqlSessionStore {
    db: Db,
}

impl SqlSessionStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// The scope key recorded for a session id, if the session exists and has not expired.
    pub async fn scope_of(&self, id: &str) -> Option<String> {
        session::Entity::find_by_id(id.to_owned())
            .filter(session::Column::ExpiresAt.gt(Utc::now()))
            .one(self.db.platform())
            .await
            .ok()
            .flatten()
            .map(|s| s.scope)
    }
}

fn backend(e: impl std::fmt::Display) -> Error {
    Error::Backend(e.to_string())
}

/// The row that stores a session record.
fn row_of(r: &Record) -> Result<session::ActiveModel> {
    let expires: DateTime<Utc> = DateTime::from_timestamp(r.expiry_date.unix_timestamp(), 0).unwrap_or_else(Utc::now);
    let str_of = |k: &str| r.data.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    Ok(session::ActiveModel {
        id: Set(r.id.to_string()),
        scope: Set(str_of("scope").unwrap_or_default()),
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
        loop {
            let inserted = session::Entity::insert(row_of(r)?)
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

    async fn save(&self, r: &Record) -> Result<()> {
        session::Entity::insert(row_of(r)?)
            .on_conflict(
                OnConflict::column(session::Column::Id)
                    .update_columns([session::Column::Scope, session::Column::UserKey, session::Column::Data, session::Column::ExpiresAt])
                    .to_owned(),
            )
            .exec(self.db.platform())
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let row = session::Entity::find_by_id(id.to_string())
            .filter(session::Column::ExpiresAt.gt(Utc::now()))
            .one(self.db.platform())
            .await
            .map_err(backend)?;
        row.map(|r| serde_json::from_str(&r.data).map_err(|e| Error::Decode(e.to_string()))).transpose()
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        session::Entity::delete_by_id(id.to_string()).exec(self.db.platform()).await.map_err(backend)?;
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
