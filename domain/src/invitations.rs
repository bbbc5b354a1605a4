//! Invitations to a tenant. Someone who runs the tenant (its partner creating it, later its
//! admins) names an e-mail address and a role; the `invitation.email` job e-mails a link under
//! the tenant's brand; following it, the invitee chooses a name and a password, becomes a user
//! of that tenant and is signed in.
//!
//! The link's token is an HMAC, under a key derived from the platform's secret, of the
//! invitation's id and a random nonce: the invitation stores the nonce and the token's
//! SHA-256, never the token, so the database alone does not let anyone sign up in the
//! invitee's place. The e-mail job derives the same token again (a retried send carries the
//! same link, valid from the moment the invitation is committed). An invitation lasts
//! [`DAYS`] days and is used once; inviting the same address again replaces the invitation
//! still open, and its link stops working.
use crate::audit::{self, Actor};
use crate::db::TenantTxn;
use crate::entity::user;
use crate::error::{AppError, Result};
use crate::jobs::{self, NewJob};
use crate::types::{Email, Role};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The job that e-mails an invitation (payload `{"invitation": id}`).
pub const EMAIL_JOB: &str = "invitation.email";
/// How long an invitation can be accepted.
pub const DAYS: i64 = 7;
/// The shortest password an invitee may choose (NIST SP 800-63B asks for at least 8; a
/// business system holding money deserves more) and the longest (Argon2 hashes it all).
pub const PASSWORD_MIN: usize = 12;
pub const PASSWORD_MAX: usize = 200;

pub mod entity {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "invitations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub email: String,
        pub name: String,
        pub role: String,
        pub customer_id: Option<Uuid>,
        /// Random; the link's token is derived from it and the id (see [`super::token_for`]).
        pub nonce: String,
        /// SHA-256 (hex) of the link's token.
        pub token_hash: String,
        pub invited_by: String,
        pub expires_at: ChronoDateTimeUtc,
        pub accepted_at: Option<ChronoDateTimeUtc>,
        pub created_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}
pub use entity::Model as Invitation;

/// Who is invited, as what.
#[derive(Clone, Debug)]
pub struct InviteIn {
    pub email: String,
    /// How the invitation greets them; they may change it when accepting.
    pub name: String,
    pub role: Role,
    /// The customer account of a customer user.
    pub customer_id: Option<Uuid>,
}

/// Records an invitation and queues its e-mail, in `txn`. Refused: an address that is not
/// one, a platform role, a customer user without a customer (or staff with one), an address
/// that already has an account here. An open invitation of the same address is replaced.
pub async fn invite(txn: &TenantTxn, key: &[u8], actor: &Actor, by: &str, input: &InviteIn, now: DateTime<Utc>) -> Result<Invitation> {
    let email = Email::parse(input.email.trim()).map_err(AppError::Invalid)?;
    if email.as_str().chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AppError::Invalid(format!("'{}' is not an e-mail address: it has a space in it", email.as_str())));
    }
    let name = input.name.trim();
    if !plain_name(name) {
        return Err(AppError::Invalid("the name must be at most 100 characters, without control characters".into()));
    }
    if input.role.is_platform() {
        return Err(AppError::Invalid(format!("{} is not a role within a tenant", input.role.label())));
    }
    if (input.role == Role::Customer) != input.customer_id.is_some() {
        return Err(AppError::Invalid("a customer user needs a customer account, and only a customer user has one".into()));
    }
    if user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(txn).await?.is_some() {
        return Err(AppError::Conflict(format!("{} already has an account here", email.as_str())));
    }
    entity::Entity::delete_many().filter(entity::Column::Email.eq(email.as_str())).filter(entity::Column::AcceptedAt.is_null()).exec(txn).await?;
    let (id, nonce) = (crate::new_id(), new_nonce());
    let inv = entity::ActiveModel {
        id: Set(id),
        nonce: Set(nonce.clone()),
        email: Set(email.as_str().to_owned()),
        name: Set(name.to_owned()),
        role: Set(input.role.as_str().to_owned()),
        customer_id: Set(input.customer_id),
        token_hash: Set(token_hash(&token_for(key, id, &nonce))),
        invited_by: Set(by.to_owned()),
        expires_at: Set(now + Duration::days(DAYS)),
        accepted_at: Set(None),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    let job = NewJob::new(EMAIL_JOB, json!({ "invitation": inv.id }), now).unique(format!("{EMAIL_JOB}:{}:{}", inv.id, now.timestamp_micros())).attempts(8);
    jobs::enqueue(txn, vec![job]).await?;
    audit::record(txn, actor, "user.invited", "invitation", &inv.id.to_string(), json!({"email": inv.email, "role": inv.role, "by": by})).await?;
    Ok(inv)
}

/// The invitation `id`, if it can still be sent (not accepted, not expired).
pub async fn sendable(txn: &TenantTxn, id: Uuid, now: DateTime<Utc>) -> Result<Option<Invitation>> {
    let inv = entity::Entity::find_by_id(id).one(txn).await?;
    Ok(inv.filter(|i| i.accepted_at.is_none() && i.expires_at > now))
}

/// The key invitation tokens are derived under, from the platform's secret.
pub fn key(secret: &[u8]) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"throughline invitation v1");
    mac.finalize().into_bytes().to_vec()
}

/// The token of invitation `id` with `nonce` under `key` (64 hex digits).
pub fn token_for(key: &[u8], id: Uuid, nonce: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(nonce.as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// The token the e-mail of `inv` carries.
pub fn token_of(key: &[u8], inv: &Invitation) -> String {
    token_for(key, inv.id, &inv.nonce)
}

/// The open invitation whose link carries `token`, if any.
pub async fn open_by_token(txn: &TenantTxn, token: &str, now: DateTime<Utc>) -> Result<Option<Invitation>> {
    if !looks_like_token(token) {
        return Ok(None);
    }
    let inv = entity::Entity::find().filter(entity::Column::TokenHash.eq(token_hash(token))).one(txn).await?;
    Ok(inv.filter(|i| i.accepted_at.is_none() && i.expires_at > now))
}

/// Accepts the invitation of `token`: creates the user with the chosen name and password
/// (already hashed; see [`check_password`]) and marks the invitation used, in `txn`.
pub async fn accept(txn: &TenantTxn, token: &str, name: &str, password_hash: &str, now: DateTime<Utc>) -> Result<user::Model> {
    let inv = open_by_token(txn, token, now).await?.ok_or_else(|| AppError::Invalid("this invitation link is not valid any more: it was used, replaced by a newer one, or it expired".into()))?;
    let name = check_name(name)?;
    // Marked used first, only if still open: two submissions at once create one user.
    let used = entity::Entity::update_many()
        .col_expr(entity::Column::AcceptedAt, sea_orm::sea_query::Expr::value(now))
        .filter(entity::Column::Id.eq(inv.id))
        .filter(entity::Column::AcceptedAt.is_null())
        .exec(txn)
        .await?
        .rows_affected;
    if used == 0 {
        return Err(AppError::Conflict("this invitation was just accepted".into()));
    }
    if user::Entity::find().filter(user::Column::Email.eq(&inv.email)).one(txn).await?.is_some() {
        return Err(AppError::Conflict(format!("{} already has an account here; sign in instead", inv.email)));
    }
    let u = user::ActiveModel {
        id: Set(crate::new_id()),
        email: Set(inv.email.clone()),
        name: Set(name.clone()),
        password_hash: Set(password_hash.to_owned()),
        role: Set(inv.role.clone()),
        customer_id: Set(inv.customer_id),
        disabled: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    let actor = Actor::User { id: u.id, name: name.clone() };
    audit::record(txn, &actor, "user.invitation_accepted", "user", &u.id.to_string(), json!({"email": u.email, "role": u.role, "invited_by": inv.invited_by})).await?;
    Ok(u)
}

/// Whether a (trimmed) person's or company's name may be stored: at most 100 characters,
/// no control characters.
pub fn plain_name(name: &str) -> bool {
    name.chars().count() <= 100 && !name.chars().any(char::is_control)
}

/// The name an invitee chose, trimmed, or why it is refused.
pub fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || !plain_name(name) {
        return Err(AppError::Invalid("enter your name: 1 to 100 characters, without control characters".into()));
    }
    Ok(name.to_owned())
}

/// Whether a new password may be used (pure), and if not, why.
pub fn check_password(password: &str, confirm: &str, email: &str) -> std::result::Result<(), String> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        return Err(format!("choose a password of at least {PASSWORD_MIN} characters (this one has {n})"));
    }
    if n > PASSWORD_MAX {
        return Err(format!("choose a password of at most {PASSWORD_MAX} characters"));
    }
    if password != confirm {
        return Err("the two passwords are not the same".into());
    }
    if password.eq_ignore_ascii_case(email) || password.chars().all(|c| Some(c) == password.chars().next()) {
        return Err("choose a password that is not your e-mail address or one character repeated".into());
    }
    Ok(())
}

/// 256 random bits as 64 hex digits.
pub(crate) fn new_nonce() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

pub(crate) fn looks_like_token(t: &str) -> bool {
    t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

/// SHA-256 of a token, hex.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A recipient's first contact: when the invitation expires, in words (`7 December 2026`).
pub fn expires_words(inv: &Invitation) -> String {
    date_words(inv.expires_at)
}

/// A date as invitations state it (`7 December 2026`).
pub fn date_words(at: DateTime<Utc>) -> String {
    at.format("%-d %B %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_checked_for_length_match_and_the_obvious() {
        let cases = [
            ("correct horse battery", "correct horse battery", Ok(())),
            ("short", "short", Err("at least 12")),
            ("aaaaaaaaaaaaaa", "aaaaaaaaaaaaaa", Err("one character repeated")),
            ("ann@acme.test", "ann@acme.test", Err("not your e-mail")),
            ("ANN@ACME.TEST", "ANN@ACME.TEST", Err("not your e-mail")),
            ("correct horse battery", "correct horse batterx", Err("not the same")),
        ];
        for (pw, confirm, want) in cases {
            let got = check_password(pw, confirm, "ann@acme.test");
            match want {
                Ok(()) => assert_eq!(got, Ok(()), "{pw:?}"),
                Err(part) => assert!(got.as_ref().is_err_and(|e| e.contains(part)), "{pw:?}: {got:?}"),
            }
        }
        assert!(check_password(&"x".repeat(201), &"x".repeat(201), "a@b.test").is_err());
    }

    #[test]
    fn tokens_are_derived_per_invitation_and_key_and_only_their_hash_is_kept() {
        let (k1, k2) = (key(b"secret one"), key(b"secret two"));
        let (id, nonce) = (Uuid::from_u128(7), new_nonce());
        let a = token_for(&k1, id, &nonce);
        assert_eq!(a, token_for(&k1, id, &nonce), "the e-mail job derives the same token");
        let b = token_for(&k2, id, &nonce);
        let c = token_for(&k1, Uuid::from_u128(8), &nonce);
        let d = token_for(&k1, id, &new_nonce());
        assert!(looks_like_token(&a) && a != b && a != c && a != d);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
        assert!(!looks_like_token("../../etc") && !looks_like_token(&a[..63]));
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_name("  Ann Lee ").unwrap(), "Ann Lee");
        assert!(check_name("   ").is_err());
        assert!(check_name("a\u{7}b").is_err());
        assert!(check_name(&"n".repeat(101)).is_err());
    }
}
