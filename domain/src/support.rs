//! Support sessions: the only way a partner user enters a tenant's workspace. The partner
//! asks (a reason and 15 minutes to 4 hours); the session starts at once, or, when the
//! tenant's admins require it, once one of them approves. The partner then crosses to the
//! tenant's host by a one-time link (valid 60 s) and works there as a tenant admin under
//! their own name ("Nora Partner (support, Northwind Partners)"), which is what the tenant's
//! audit trail records for everything they do, until the session runs out or a tenant admin
//! ends it. Every step is audited in the tenant's trail.
use crate::TenantTxn;
use crate::audit::{self, Actor};
use crate::auth::Principal;
use crate::error::{Error, Result};
use crate::types::Role;
use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The lengths a partner may ask for, in minutes.
pub const LENGTHS: [i32; 5] = [15, 30, 60, 120, 240];
/// How long a link into the workspace stays usable.
pub const LINK_SECONDS: i64 = 60;

pub mod entity {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "support_sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub partner_user_id: Uuid,
        pub partner_user_name: String,
        pub partner_user_email: String,
        pub partner_name: String,
        pub reason: String,
        pub minutes: i32,
        /// `requested`, `approved`, `denied` or `ended`.
        pub status: String,
        pub decided_by: Option<String>,
        pub requested_at: ChronoDateTimeUtc,
        pub expires_at: Option<ChronoDateTimeUtc>,
        pub ended_at: Option<ChronoDateTimeUtc>,
        #[serde(skip)]
        pub enter_token_hash: Option<String>,
        #[serde(skip)]
        pub enter_token_expires: Option<ChronoDateTimeUtc>,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}
use entity::Model as Session;

impl Session {
    /// Whether the partner may be in the workspace at `now`.
    pub fn active(&self, now: DateTime<Utc>) -> bool {
        self.status == "approved" && self.expires_at.is_some_and(|e| now < e)
    }

    /// The state in words.
    pub fn state(&self, now: DateTime<Utc>) -> &'static str {
        match self.status.as_str() {
            "requested" => "Waiting for the tenant's approval",
            "denied" => "Denied",
            "ended" => "Ended",
            _ if self.active(now) => "Active",
            _ => "Expired",
        }
    }

    /// The name the workspace and its audit trail show for the partner user.
    pub fn actor_name(&self) -> String {
        format!("{} (support, {})", self.partner_user_name, self.partner_name)
    }
}

/// The hash under which a link's token is kept.
fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Checks what a partner asks for: a reason and one of [`LENGTHS`].
pub fn check_request(reason: &str, minutes: i32) -> std::result::Result<String, String> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err("say why you need to enter, in at most 200 characters".into());
    }
    if !LENGTHS.contains(&minutes) {
        return Err(format!("a support session lasts 15, 30, 60, 120 or 240 minutes, not {minutes}"));
    }
    Ok(reason.to_owned())
}

/// A partner user asks to enter tenant `slug` (404 unless they run it). Approved at once
/// unless the tenant requires approval.
pub async fn request(db: &crate::Db, who: &Principal, slug: &str, reason: &str, minutes: i32, now: DateTime<Utc>) -> Result<(crate::entity::tenant::Model, Session)> {
    let (t, tenant) = crate::partner::own_tenant_slug(db, who, slug).await?;
    let reason = check_request(reason, minutes).map_err(Error::Invalid)?;
    let (actor, partner_name) = crate::partner::actor_for(db, who, &t).await?;
    let txn = db.tenant_txn(&tenant).await?;
    let approved = !t.support_approval;
    let row = entity::ActiveModel {
        id: Set(Uuid::new_v4()),
        partner_user_id: Set(who.user_id),
        partner_user_name: Set(who.name.clone()),
        partner_user_email: Set(who.email.clone()),
        partner_name: Set(if who.role == Role::PlatformAdmin { "platform".into() } else { partner_name }),
        reason: Set(reason.clone()),
        minutes: Set(minutes),
        status: Set(if approved { "approved" } else { "requested" }.into()),
        decided_by: Set(approved.then(|| "no approval required".to_owned())),
        requested_at: Set(now),
        expires_at: Set(approved.then(|| now + Duration::minutes(minutes.into()))),
        ended_at: Set(None),
        enter_token_hash: Set(None),
        enter_token_expires: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, &actor, "support.requested", "support_session", &row.id.to_string(), json!({"reason": reason, "minutes": minutes, "approved": approved})).await?;
    txn.commit().await?;
    Ok((t, row))
}

/// A one-time link's token for an active session of `who` in tenant `slug`, with the tenant's
/// name.
pub async fn link(db: &crate::Db, who: &Principal, slug: &str, id: Uuid, now: DateTime<Utc>) -> Result<(String, String)> {
    let (t, tenant) = crate::partner::own_tenant_slug(db, who, slug).await?;
    let txn = db.tenant_txn(&tenant).await?;
    let s = entity::Entity::find_by_id(id).one(&txn).await?.filter(|s| s.partner_user_id == who.user_id).ok_or(Error::NotFound)?;
    if !s.active(now) {
        return Err(Error::Conflict(format!("this support session is {}", s.state(now).to_lowercase())));
    }
    let token = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
    let mut am: entity::ActiveModel = s.into();
    am.enter_token_hash = Set(Some(hash(&token)));
    am.enter_token_expires = Set(Some(now + Duration::seconds(LINK_SECONDS)));
    am.update(&txn).await?;
    txn.commit().await?;
    Ok((t.name, token))
}

/// Uses a link's token on the tenant's host: the active session it opens (once), audited.
pub async fn enter(txn: &TenantTxn, token: &str, now: DateTime<Utc>) -> Result<Session> {
    let hashed = hash(token);
    let s = entity::Entity::find().filter(entity::Column::EnterTokenHash.eq(hashed.clone())).one(txn).await?.ok_or(Error::NotFound)?;
    if !s.active(now) || s.enter_token_expires.is_none_or(|e| now >= e) {
        return Err(Error::NotFound);
    }
    // Only while the row still holds this token: of two uses at once, one wins.
    let used = entity::Entity::update_many()
        .col_expr(entity::Column::EnterTokenHash, Expr::value(Option::<String>::None))
        .col_expr(entity::Column::EnterTokenExpires, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(entity::Column::Id.eq(s.id))
        .filter(entity::Column::EnterTokenHash.eq(hashed))
        .exec(txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(Error::NotFound);
    }
    let actor = Actor::User { id: s.partner_user_id, name: s.actor_name() };
    audit::record(txn, &actor, "support.entered", "support_session", &s.id.to_string(), json!({"expires_at": s.expires_at})).await?;
    Ok(s)
}

/// The principal of a support session at `now`: the partner user as a tenant admin under
/// their own name, or `None` once it has run out or ended.
pub async fn principal(txn: &TenantTxn, id: Uuid, now: DateTime<Utc>) -> Result<Option<Principal>> {
    let s = entity::Entity::find_by_id(id).one(txn).await?;
    Ok(s.filter(|s| s.active(now)).map(|s| Principal {
        user_id: s.partner_user_id,
        name: s.actor_name(),
        email: s.partner_user_email.clone(),
        role: Role::TenantAdmin,
        customer_name: None,
        customer_id: None,
        partner_id: None,
        support_session: Some(s.id),
    }))
}

/// Whether the tenant's admins must approve each support session first; audited.
pub async fn set_approval(db: &crate::Db, tenant: &crate::tenancy::TenantInfo, admin: &Actor, required: bool) -> Result<()> {
    use crate::entity::tenant;
    use sea_orm::TransactionTrait;
    // Tenant first, then platform, as every change of a tenant row does: the audit entry is
    // written before the platform commits, and committed right after.
    let audit_txn = db.tenant_txn(&tenant.slug).await?;
    let txn = db.platform().begin().await?;
    tenant::Entity::update_many().col_expr(tenant::Column::SupportApproval, Expr::value(required)).filter(tenant::Column::Id.eq(tenant.id)).exec(&txn).await?;
    let action = if required { "support.approval_required" } else { "support.approval_not_required" };
    audit::record(&audit_txn, admin, action, "tenant", tenant.slug.as_str(), json!({})).await?;
    txn.commit().await?;
    audit_txn.commit().await?;
    Ok(())
}

/// The tenant's latest support sessions, newest first (the admins' page and the console's).
pub async fn recent(txn: &TenantTxn) -> Result<Vec<Session>> {
    Ok(entity::Entity::find().order_by_desc(entity::Column::RequestedAt).limit(50).all(txn).await?)
}

/// What a tenant admin decides about a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Deny,
    End,
}

impl Decision {
    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "approve" => Some(Decision::Approve),
            "deny" => Some(Decision::Deny),
            "end" => Some(Decision::End),
            _ => None,
        }
    }
}

/// A tenant admin approves, denies or ends a session; returns it as it now is. Approving
/// starts its clock.
pub async fn decide(txn: &TenantTxn, admin: &Actor, admin_name: &str, id: Uuid, decision: Decision, now: DateTime<Utc>) -> Result<Session> {
    let s = entity::Entity::find_by_id(id).one(txn).await?.ok_or(Error::NotFound)?;
    let mut am: entity::ActiveModel = s.clone().into();
    let action = match (decision, s.status.as_str()) {
        (Decision::Approve, "requested") => {
            am.status = Set("approved".into());
            am.expires_at = Set(Some(now + Duration::minutes(s.minutes.into())));
            "support.approved"
        }
        (Decision::Deny, "requested") => {
            am.status = Set("denied".into());
            "support.denied"
        }
        (Decision::End, "approved") if s.active(now) => {
            am.status = Set("ended".into());
            am.ended_at = Set(Some(now));
            am.enter_token_hash = Set(None);
            "support.ended"
        }
        _ => return Err(Error::Conflict(format!("this support session is {}", s.state(now).to_lowercase()))),
    };
    am.decided_by = Set(Some(admin_name.to_owned()));
    let s = am.update(txn).await?;
    audit::record(txn, admin, action, "support_session", &s.id.to_string(), json!({"partner_user": s.partner_user_email, "expires_at": s.expires_at})).await?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(status: &str, expires_in: Option<i64>) -> Session {
        let now = Utc::now();
        Session {
            id: Uuid::nil(),
            partner_user_id: Uuid::nil(),
            partner_user_name: "Nora Partner".into(),
            partner_user_email: "n@x.test".into(),
            partner_name: "Northwind".into(),
            reason: "r".into(),
            minutes: 30,
            status: status.into(),
            decided_by: None,
            requested_at: now,
            expires_at: expires_in.map(|m| now + Duration::minutes(m)),
            ended_at: None,
            enter_token_hash: None,
            enter_token_expires: None,
        }
    }

    #[test]
    fn a_session_is_active_only_while_approved_and_unexpired() {
        let now = Utc::now();
        let cases = [
            (session("approved", Some(10)), true, "Active"),
            (session("approved", Some(-1)), false, "Expired"),
            (session("requested", None), false, "Waiting for the tenant's approval"),
            (session("denied", None), false, "Denied"),
            (session("ended", Some(10)), false, "Ended"),
        ];
        for (s, active, state) in cases {
            assert_eq!((s.active(now), s.state(now)), (active, state), "{}", s.status);
        }
    }

    #[test]
    fn a_request_needs_a_reason_and_a_known_length() {
        assert_eq!(check_request("  customer cannot see INV-7 ", 30), Ok("customer cannot see INV-7".into()));
        assert!(check_request(" ", 30).unwrap_err().contains("say why"));
        assert!(check_request(&"x".repeat(201), 30).unwrap_err().contains("200 characters"));
        assert!(check_request("why", 45).unwrap_err().contains("not 45"));
        assert!(check_request("why", 600).is_err());
    }
}
