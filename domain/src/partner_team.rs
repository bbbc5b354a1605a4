//! A partner's team. A partner admin invites partner admins and partner viewers by e-mail;
//! following the link (on the console's host) the invitee chooses a name and a password and
//! is signed in to the console. Viewers see the console (tenants, health, the team) and change
//! nothing. A partner admin can disable and enable the partner's other users (never the last
//! enabled admin) and withdraw an open invitation. Every change is written to the partner's
//! own audit record (`partner_audit`) in its transaction.
//!
//! Tokens work as for tenant invitations ([`crate::invitations`]): an HMAC of the invitation's
//! id and nonce under the platform's invitation key; only the token's SHA-256 is kept. The
//! invitation row is also its e-mail's outbox: `next_send_at` is set while the e-mail is to be
//! sent, and a sender claims it by moving that time on in one conditional update, so that of
//! several instances one sends it.
use crate::auth::Principal;
use crate::db::Db;
use crate::entity::platform_user;
use crate::error::{AppError, Result};
use crate::invitations::{check_name, plain_name, token_for, token_hash};
use crate::types::{Email, Role};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

/// How long an invitation can be accepted.
pub const DAYS: i64 = 7;
/// A claimed e-mail is tried again after this long if its sender did not finish.
pub const SEND_LEASE_SECS: i64 = 300;
/// Attempts at sending one invitation's e-mail before it is given up (shown on the team page).
pub const SEND_ATTEMPTS: i32 = 8;

pub mod entity {
    pub mod invitation {
        use sea_orm::entity::prelude::*;
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "partner_invitations")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: Uuid,
            pub partner_id: Uuid,
            pub email: String,
            pub name: String,
            pub role: String,
            pub nonce: String,
            pub token_hash: String,
            pub invited_by: String,
            /// The inviting partner admin: their open invitations are withdrawn when they are
            /// disabled.
            pub invited_by_id: Uuid,
            pub expires_at: ChronoDateTimeUtc,
            pub accepted_at: Option<ChronoDateTimeUtc>,
            /// Set while the e-mail is to be sent (or retried); `None` once sent or given up.
            pub next_send_at: Option<ChronoDateTimeUtc>,
            pub send_attempts: i32,
            pub last_error: Option<String>,
            pub created_at: ChronoDateTimeUtc,
        }
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}
        impl ActiveModelBehavior for ActiveModel {}
    }
    pub mod audit {
        use sea_orm::entity::prelude::*;
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "partner_audit")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: Uuid,
            pub partner_id: Uuid,
            pub at: ChronoDateTimeUtc,
            pub actor: String,
            pub action: String,
            pub subject: String,
            pub detail: String,
        }
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}
        impl ActiveModelBehavior for ActiveModel {}
    }
}
pub use entity::audit::Model as AuditEntry;
pub use entity::invitation::Model as Invitation;
use entity::{audit, invitation};

/// The partner's users, open invitations and latest changes, as the team page shows them.
#[derive(Clone, Debug)]
pub struct Team {
    pub members: Vec<platform_user::Model>,
    pub invitations: Vec<Invitation>,
    pub recent: Vec<AuditEntry>,
}

/// How the partner's record names `who`: name and e-mail (names are chosen, not unique).
fn actor(who: &Principal) -> String {
    format!("{} <{}>", who.name, who.email)
}

/// The partner `who` administers, or why they may not change its team.
fn admin_of(who: &Principal) -> Result<Uuid> {
    match (who.role, who.partner_id, who.support_session) {
        (Role::PartnerAdmin, Some(p), None) => Ok(p),
        _ => Err(AppError::Forbidden("only a partner admin can change the partner's team".into())),
    }
}

/// The partner `who` belongs to (admin or viewer).
fn member_of(who: &Principal) -> Result<Uuid> {
    match (who.role, who.partner_id) {
        (Role::PartnerAdmin | Role::PartnerViewer, Some(p)) => Ok(p),
        _ => Err(AppError::Forbidden("the team page is for a partner's own users".into())),
    }
}

pub(crate) async fn record<C: sea_orm::ConnectionTrait>(c: &C, partner: Uuid, who: &str, action: &str, subject: &str, detail: serde_json::Value, now: DateTime<Utc>) -> Result<()> {
    audit::ActiveModel { id: Set(crate::new_id()), partner_id: Set(partner), at: Set(now), actor: Set(who.to_owned()), action: Set(action.to_owned()), subject: Set(subject.to_owned()), detail: Set(detail.to_string()) }
        .insert(c)
        .await?;
    Ok(())
}

/// The team of `who`'s partner.
pub async fn team(db: &Db, who: &Principal, now: DateTime<Utc>) -> Result<Team> {
    let partner = member_of(who)?;
    let members = platform_user::Entity::find().filter(platform_user::Column::PartnerId.eq(partner)).order_by_asc(platform_user::Column::Name).all(db.platform()).await?;
    let invitations = invitation::Entity::find()
        .filter(invitation::Column::PartnerId.eq(partner))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(now))
        .order_by_desc(invitation::Column::CreatedAt)
        .all(db.platform())
        .await?;
    let recent = audit::Entity::find().filter(audit::Column::PartnerId.eq(partner)).order_by_desc(audit::Column::At).limit(20).all(db.platform()).await?;
    Ok(Team { members, invitations, recent })
}

/// Invites `email` to `who`'s partner as `role` (partner admin or viewer) and queues the
/// e-mail. An open invitation of the same address is replaced (its link stops working).
pub async fn invite(db: &Db, key: &[u8], who: &Principal, email: &str, name: &str, role: Role, now: DateTime<Utc>) -> Result<Invitation> {
    let partner = admin_of(who)?;
    let email = Email::parse(email.trim()).map_err(AppError::Invalid)?;
    if email.as_str().chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AppError::Invalid(format!("'{}' is not an e-mail address: it has a space in it", email.as_str())));
    }
    let name = name.trim();
    if !plain_name(name) {
        return Err(AppError::Invalid("the name must be at most 100 characters, without control characters".into()));
    }
    if !matches!(role, Role::PartnerAdmin | Role::PartnerViewer) {
        return Err(AppError::Invalid(format!("{} is not a role in a partner's team: choose partner admin or partner viewer", role.label())));
    }
    let txn = db.platform().begin().await?;
    // Only the partner's own users are named: whether another partner has the address is
    // not told (its acceptance is refused instead).
    let existing = platform_user::Entity::find().filter(platform_user::Column::Email.eq(email.as_str())).one(&txn).await?;
    if existing.is_some_and(|u| u.partner_id == Some(partner)) {
        return Err(AppError::Conflict(format!("{} is already in your team", email.as_str())));
    }
    invitation::Entity::delete_many()
        .filter(invitation::Column::PartnerId.eq(partner))
        .filter(invitation::Column::Email.eq(email.as_str()))
        .filter(invitation::Column::AcceptedAt.is_null())
        .exec(&txn)
        .await?;
    let (id, nonce) = (crate::new_id(), crate::invitations::new_nonce());
    let inv = invitation::ActiveModel {
        id: Set(id),
        partner_id: Set(partner),
        email: Set(email.as_str().to_owned()),
        name: Set(name.to_owned()),
        role: Set(role.as_str().to_owned()),
        token_hash: Set(token_hash(&token_for(key, id, &nonce))),
        nonce: Set(nonce),
        invited_by: Set(who.name.clone()),
        invited_by_id: Set(who.user_id),
        expires_at: Set(now + Duration::days(DAYS)),
        accepted_at: Set(None),
        next_send_at: Set(Some(now)),
        send_attempts: Set(0),
        last_error: Set(None),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    record(&txn, partner, &actor(who), "partner.user_invited", &inv.email, json!({"role": inv.role}), now).await?;
    txn.commit().await?;
    Ok(inv)
}

/// Withdraws `who`'s partner's open invitation `id`: its link stops working.
pub async fn withdraw(db: &Db, who: &Principal, id: Uuid, now: DateTime<Utc>) -> Result<Invitation> {
    let partner = admin_of(who)?;
    let txn = db.platform().begin().await?;
    let inv = invitation::Entity::find_by_id(id).filter(invitation::Column::PartnerId.eq(partner)).filter(invitation::Column::AcceptedAt.is_null()).one(&txn).await?.ok_or(AppError::NotFound)?;
    invitation::Entity::delete_by_id(inv.id).exec(&txn).await?;
    record(&txn, partner, &actor(who), "partner.invitation_withdrawn", &inv.email, json!({"role": inv.role}), now).await?;
    txn.commit().await?;
    Ok(inv)
}

/// Disables (or enables again) user `user_id` of `who`'s partner. Refused for oneself and for
/// the partner's last enabled admin. A disabled user's sessions end at once.
pub async fn set_disabled(db: &Db, who: &Principal, user_id: Uuid, disabled: bool, now: DateTime<Utc>) -> Result<platform_user::Model> {
    let partner = admin_of(who)?;
    if user_id == who.user_id {
        return Err(AppError::Conflict("you cannot disable or enable yourself; ask another partner admin".into()));
    }
    let txn = db.platform().begin().await?;
    // One team change of a partner at a time: two admins disabling each other at once must
    // not both count the other as the admin who stays (SQLite has one writer anyway).
    crate::partner::lock(db, &txn, partner).await?;
    let u = platform_user::Entity::find_by_id(user_id).filter(platform_user::Column::PartnerId.eq(partner)).one(&txn).await?.ok_or(AppError::NotFound)?;
    if u.disabled == disabled {
        return Err(AppError::Conflict(format!("{} is already {}", u.name, if disabled { "disabled" } else { "enabled" })));
    }
    if disabled && u.role == Role::PartnerAdmin.as_str() {
        let admins = platform_user::Entity::find()
            .filter(platform_user::Column::PartnerId.eq(partner))
            .filter(platform_user::Column::Role.eq(Role::PartnerAdmin.as_str()))
            .filter(platform_user::Column::Disabled.eq(false))
            .all(&txn)
            .await?;
        if admins.len() <= 1 {
            return Err(AppError::Conflict(format!("{} is the partner's last enabled admin", u.name)));
        }
    }
    let mut am: platform_user::ActiveModel = u.into();
    am.disabled = Set(disabled);
    am.updated_at = Set(now);
    let u = am.update(&txn).await?;
    let action = if disabled { "partner.user_disabled" } else { "partner.user_enabled" };
    record(&txn, partner, &actor(who), action, &u.email, json!({"role": u.role}), now).await?;
    if disabled {
        // Their open invitations go too: a leaving admin keeps no way back in.
        invitation::Entity::delete_many().filter(invitation::Column::InvitedById.eq(u.id)).filter(invitation::Column::AcceptedAt.is_null()).exec(&txn).await?;
        let key = crate::auth::user_key(&crate::tenancy::Scope::Platform, u.id);
        crate::entity::session::Entity::delete_many().filter(crate::entity::session::Column::UserKey.eq(key)).exec(&txn).await?;
    }
    txn.commit().await?;
    Ok(u)
}

/// The open invitation whose link carries `token`, if any.
pub async fn open_by_token(db: &Db, token: &str, now: DateTime<Utc>) -> Result<Option<Invitation>> {
    if !crate::invitations::looks_like_token(token) {
        return Ok(None);
    }
    let inv = invitation::Entity::find().filter(invitation::Column::TokenHash.eq(token_hash(token))).one(db.platform()).await?;
    Ok(inv.filter(|i| i.accepted_at.is_none() && i.expires_at > now))
}

/// Accepts the invitation of `token`: creates the partner user with the chosen name and
/// password (already hashed) and marks the invitation used, in one transaction.
pub async fn accept(db: &Db, token: &str, name: &str, password_hash: &str, now: DateTime<Utc>) -> Result<platform_user::Model> {
    let inv = open_by_token(db, token, now).await?.ok_or_else(|| AppError::Invalid("this invitation link is not valid any more: it was used, withdrawn, replaced by a newer one, or it expired".into()))?;
    let name = check_name(name)?;
    let role = Role::parse(&inv.role).map_err(AppError::Internal)?;
    let txn = db.platform().begin().await?;
    // Marked used first, only if still open: two submissions at once create one user.
    let used = invitation::Entity::update_many()
        .col_expr(invitation::Column::AcceptedAt, sea_orm::sea_query::Expr::value(now))
        .col_expr(invitation::Column::NextSendAt, sea_orm::sea_query::Expr::value(Option::<DateTime<Utc>>::None))
        .filter(invitation::Column::Id.eq(inv.id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if used == 0 {
        return Err(AppError::Conflict("this invitation was just accepted".into()));
    }
    if platform_user::Entity::find().filter(platform_user::Column::Email.eq(&inv.email)).one(&txn).await?.is_some() {
        return Err(AppError::Conflict(format!("{} already has an account on the console; sign in instead", inv.email)));
    }
    let taken = || AppError::Conflict(format!("{} already has an account on the console; sign in instead", inv.email));
    let id = match crate::seed::create_platform_user(&txn, Some(inv.partner_id), &inv.email, &name, role, password_hash).await {
        Err(AppError::Db(e)) if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => return Err(taken()),
        other => other?,
    };
    let u = platform_user::Entity::find_by_id(id).one(&txn).await?.ok_or(AppError::NotFound)?;
    record(&txn, inv.partner_id, &format!("{name} <{}>", inv.email), "partner.invitation_accepted", &inv.email, json!({"role": inv.role, "invited_by": inv.invited_by}), now).await?;
    txn.commit().await?;
    Ok(u)
}

/// Claims up to `limit` invitation e-mails due at `now` for this sender: each one's next try
/// moves [`SEND_LEASE_SECS`] on, so that no other sender takes it meanwhile.
pub async fn claim_sends(db: &Db, now: DateTime<Utc>, limit: u64) -> Result<Vec<Invitation>> {
    let due = invitation::Entity::find()
        .filter(invitation::Column::NextSendAt.lte(now))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(now))
        .order_by_asc(invitation::Column::NextSendAt)
        .limit(limit)
        .all(db.platform())
        .await?;
    // Microseconds, as the databases keep them, so that `sent` finds its claim by this value.
    let lease = chrono::SubsecRound::trunc_subsecs(now + Duration::seconds(SEND_LEASE_SECS), 6);
    let mut mine = Vec::new();
    for inv in due {
        let taken = invitation::Entity::update_many()
            .col_expr(invitation::Column::NextSendAt, sea_orm::sea_query::Expr::value(Some(lease)))
            .col_expr(invitation::Column::SendAttempts, sea_orm::sea_query::Expr::col(invitation::Column::SendAttempts).add(1))
            .filter(invitation::Column::Id.eq(inv.id))
            .filter(invitation::Column::NextSendAt.eq(inv.next_send_at))
            .exec(db.platform())
            .await?
            .rows_affected;
        if taken == 1 {
            mine.push(Invitation { send_attempts: inv.send_attempts + 1, next_send_at: Some(lease), ..inv });
        }
    }
    Ok(mine)
}

/// Records the outcome of sending `inv`'s e-mail: done, retried later (after `attempt²`
/// minutes), or given up after [`SEND_ATTEMPTS`] or a permanent refusal.
pub async fn sent(db: &Db, inv: &Invitation, outcome: std::result::Result<(), (String, bool)>, now: DateTime<Utc>) -> Result<()> {
    let (next, error) = match outcome {
        Ok(()) => (None, None),
        Err((e, permanent)) => {
            let again = !permanent && inv.send_attempts < SEND_ATTEMPTS;
            (again.then(|| now + Duration::minutes(i64::from(inv.send_attempts.pow(2)))), Some(e))
        }
    };
    // Only while this sender's claim holds (a send that outlived its lease leaves the
    // outcome to whoever claimed it next).
    invitation::Entity::update_many()
        .col_expr(invitation::Column::NextSendAt, sea_orm::sea_query::Expr::value(next))
        .col_expr(invitation::Column::LastError, sea_orm::sea_query::Expr::value(error))
        .filter(invitation::Column::Id.eq(inv.id))
        .filter(invitation::Column::NextSendAt.eq(inv.next_send_at))
        .exec(db.platform())
        .await?;
    Ok(())
}

/// When `inv`'s link expires, in words (`14 December 2026`).
pub fn expires_words(inv: &Invitation) -> String {
    crate::invitations::date_words(inv.expires_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role, partner: Option<Uuid>, support: bool) -> Principal {
        Principal { user_id: Uuid::nil(), name: "N".into(), email: "n@x.test".into(), role, customer_name: None, customer_id: None, partner_id: partner, support_session: support.then(Uuid::nil) }
    }

    #[test]
    fn only_a_partner_admin_changes_the_team_and_only_partner_users_see_it() {
        let p = Some(Uuid::from_u128(1));
        let cases = [
            (who(Role::PartnerAdmin, p, false), true, true),
            (who(Role::PartnerViewer, p, false), false, true),
            (who(Role::PartnerAdmin, None, false), false, false),
            (who(Role::PlatformAdmin, None, false), false, false),
            (who(Role::TenantAdmin, p, false), false, false),
            (who(Role::PartnerAdmin, p, true), false, true),
        ];
        for (w, changes, sees) in cases {
            assert_eq!(admin_of(&w).is_ok(), changes, "{:?} {:?}", w.role, w.support_session);
            assert_eq!(member_of(&w).is_ok(), sees, "{:?}", w.role);
        }
    }
}
