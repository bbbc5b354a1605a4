//! The tenant's tamper-evident audit trail: who did what to which object, and when.
//!
//! Entries are appended with [`record`] inside the transaction of the change they describe,
//! so an entry exists exactly when its change committed. Each entry holds the previous
//! entry's hash and its own hash over all its fields ([`chain`]), so an entry changed, removed
//! or inserted directly in the database breaks the chain at that point; [`verify`] finds the
//! first broken link. The database itself refuses updates and deletes (migration t0007), and
//! nothing in the application issues them.
pub mod chain;
pub(crate) mod entity;
mod query;

pub use chain::{BrokenLink, GENESIS, Reason, Verification, entry_hash, verify};
pub use query::{AuditFilter, CSV_HEADER, MAX_PAGE, list, to_csv};

use crate::types::TenantSlug;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// Who did something: a signed-in user, an API client, a rule at a given version, or the
/// system itself (timers, sweeps).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    User { id: Uuid, name: String },
    ApiClient { id: Uuid, name: String },
    Rule { name: String, version: i32 },
    System,
}

impl Actor {
    /// The stored `actor_kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::User { .. } => "user",
            Actor::ApiClient { .. } => "api_client",
            Actor::Rule { .. } => "rule",
            Actor::System => "system",
        }
    }

    /// The stored `actor_name`: the user's or client's name as it was at the time, the rule's
    /// name, or `system`.
    pub fn name(&self) -> &str {
        match self {
            Actor::User { name, .. } | Actor::ApiClient { name, .. } | Actor::Rule { name, .. } => name,
            Actor::System => "system",
        }
    }

    /// The stored `actor_id`: the user's or client's id, or the rule's version.
    pub fn id(&self) -> Option<String> {
        match self {
            Actor::User { id, .. } | Actor::ApiClient { id, .. } => Some(id.to_string()),
            Actor::Rule { version, .. } => Some(version.to_string()),
            Actor::System => None,
        }
    }
}

/// How an actor reads in a list: "user Dana Clerk", "API client acme-erp", "rule credit_check
/// v3", "system". Also used for stored entries, whatever kind they name.
fn label(kind: &str, id: Option<&str>, name: &str) -> String {
    match kind {
        "user" => format!("user {name}"),
        "api_client" => format!("API client {name}"),
        "rule" => format!("rule {name} v{}", id.unwrap_or("?")),
        "system" => "system".to_owned(),
        other => format!("{other} {name}"),
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&label(self.kind(), self.id().as_deref(), self.name()))
    }
}

/// One entry as stored. `payload` is the JSON text exactly as hashed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The position in the tenant's chain: 1, 2, 3, … without gaps.
    pub seq: i64,
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub entity_kind: String,
    pub entity_id: String,
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    /// The actor as a person reads it, e.g. "rule credit_check v3".
    pub fn actor_label(&self) -> String {
        label(&self.actor_kind, self.actor_id.as_deref(), &self.actor_name)
    }
}

impl From<entity::Model> for Entry {
    fn from(m: entity::Model) -> Self {
        let entity::Model { id, seq, at, actor_kind, actor_id, actor_name, action, entity_kind, entity_id, payload, prev_hash, hash } = m;
        Self { seq, id, at, actor_kind, actor_id, actor_name, action, entity_kind, entity_id, payload, prev_hash, hash }
    }
}

/// First half of the advisory-lock key under which a tenant's entries are appended ("TLAU");
/// the second half is the hash of the tenant's schema name.
const AUDIT_LOCK: i32 = 0x544c_4155;

/// Makes this transaction the tenant's only audit writer until it ends. On PostgreSQL a
/// transaction-scoped advisory lock per schema, which (unlike `SELECT … FOR UPDATE` on the
/// last entry) also works while the trail is empty. A SQLite tenant transaction is IMMEDIATE
/// and so already the file's only writer.
async fn lock_chain<C: ConnectionTrait>(c: &C) -> Result<(), DbErr> {
    if c.get_database_backend() == DbBackend::Postgres {
        c.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({AUDIT_LOCK}, hashtext(current_schema()))")).await?;
    }
    Ok(())
}

/// The current time at the precision both databases store, so that the entry read back
/// hashes as it did when written.
fn now_micros() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// Appends an entry to the tenant's trail inside the caller's transaction (a `TenantTxn`),
/// so it commits or rolls back with the change it describes.
///
/// Concurrent writers cannot fork the chain: the tenant's audit lock is taken before the last
/// entry is read and is held until the caller's transaction ends, so writers of one tenant
/// append one after another (record late in a transaction to keep that wait short). The
/// unique index on `seq` backs this up: a writer that somehow read a stale last entry (say,
/// in a REPEATABLE READ transaction that took its snapshot earlier) fails instead of forking.
pub async fn record<C: ConnectionTrait>(c: &C, actor: &Actor, action: &str, entity_kind: &str, entity_id: &str, payload: serde_json::Value) -> Result<(), DbErr> {
    lock_chain(c).await?;
    let last: Option<(i64, String)> = entity::Entity::find()
        .select_only()
        .column(entity::Column::Seq)
        .column(entity::Column::Hash)
        .order_by_desc(entity::Column::Seq)
        .limit(1)
        .into_tuple()
        .one(c)
        .await?;
    let (seq, prev_hash) = last.map(|(seq, hash)| (seq + 1, hash)).unwrap_or((1, GENESIS.to_owned()));
    let mut e = Entry {
        seq,
        id: crate::new_id(),
        at: now_micros(),
        actor_kind: actor.kind().to_owned(),
        actor_id: actor.id(),
        actor_name: actor.name().to_owned(),
        action: action.to_owned(),
        entity_kind: entity_kind.to_owned(),
        entity_id: entity_id.to_owned(),
        payload: payload.to_string(),
        prev_hash,
        hash: String::new(),
    };
    e.hash = entry_hash(&e);
    entity::Entity::insert(active(e)).exec_without_returning(c).await?;
    Ok(())
}

fn active(e: Entry) -> entity::ActiveModel {
    entity::ActiveModel {
        id: Set(e.id),
        seq: Set(e.seq),
        at: Set(e.at),
        actor_kind: Set(e.actor_kind),
        actor_id: Set(e.actor_id),
        actor_name: Set(e.actor_name),
        action: Set(e.action),
        entity_kind: Set(e.entity_kind),
        entity_id: Set(e.entity_id),
        payload: Set(e.payload),
        prev_hash: Set(e.prev_hash),
        hash: Set(e.hash),
    }
}

/// Verifies one tenant's whole trail in a transaction of its own, which is rolled back: a
/// check writes nothing.
pub async fn verify_tenant(db: &crate::Db, slug: &TenantSlug) -> crate::Result<Verification> {
    let txn = db.tenant_txn(slug).await?;
    let result = verify(&txn).await;
    txn.rollback().await?;
    Ok(result?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_actor_is_stored_and_shown_by_kind() {
        let id = Uuid::nil();
        let cases = [
            (Actor::User { id, name: "Dana Clerk".into() }, "user", Some(id.to_string()), "Dana Clerk", "user Dana Clerk"),
            (Actor::ApiClient { id, name: "acme-erp".into() }, "api_client", Some(id.to_string()), "acme-erp", "API client acme-erp"),
            (Actor::Rule { name: "credit_check".into(), version: 3 }, "rule", Some("3".into()), "credit_check", "rule credit_check v3"),
            (Actor::System, "system", None, "system", "system"),
        ];
        for (actor, kind, stored_id, name, shown) in cases {
            assert_eq!((actor.kind(), actor.id(), actor.name()), (kind, stored_id.clone(), name));
            assert_eq!(actor.to_string(), shown);
            assert_eq!(label(kind, stored_id.as_deref(), name), shown, "a stored entry reads like its actor");
        }
    }
}
