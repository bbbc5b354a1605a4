//! Sign-in, the signed-in principal, and disabling users.
use crate::db::Db;
use crate::entity::{customer, platform_user, session, user};
use crate::rate_limit;
use crate::error::Result;
use crate::password;
use crate::tenancy::Scope;
use crate::types::{Email, Role};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use uuid::Uuid;

/// Who is signed in.
#[derive(Clone, Debug)]
pub struct Principal {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub customer_name: Option<String>,
    /// The customer account a customer user belongs to (the only one they may see).
    pub customer_id: Option<Uuid>,
    /// The partner a platform user belongs to; `None` for tenant users and for the platform
    /// operator (`platform_admin`).
    pub partner_id: Option<Uuid>,
    /// Set when a partner user works in the tenant through a support session (see
    /// [`crate::support`]): its id.
    pub support_session: Option<Uuid>,
}

/// Limits on sign-in attempts within a window. An attempt counts before the password is
/// checked (so parallel attempts cannot race past a limit) and a success clears the account's
/// counts. Tight per account and address, loose per account: a flood of wrong passwords from
/// one address locks that address out of the account, not the real user elsewhere.
#[derive(Clone, Debug)]
pub struct LoginLimits {
    pub per_account_address: u64,
    pub per_account: u64,
    pub per_ip: u64,
    pub window_minutes: i64,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self { per_account_address: 5, per_account: 50, per_ip: 100, window_minutes: 15 }
    }
}

#[derive(Debug)]
pub enum LoginOutcome {
    Success(Principal),
    /// Unknown e-mail or wrong password: deliberately the same answer.
    Invalid,
    Disabled,
    /// Too many attempts: try again after this many seconds.
    RateLimited { retry_after_secs: i64 },
}

struct Account {
    id: Uuid,
    name: String,
    email: String,
    hash: String,
    role: String,
    disabled: bool,
    customer_name: Option<String>,
    customer_id: Option<Uuid>,
    partner_id: Option<Uuid>,
}

/// Finds an account by e-mail or by id, with its customer's name, in one transaction.
async fn find_account(db: &Db, scope: &Scope, email: Option<&str>, id: Option<Uuid>) -> Result<Option<Account>> {
    Ok(match scope {
        Scope::Platform => {
            let mut q = platform_user::Entity::find();
            if let Some(e) = email { q = q.filter(platform_user::Column::Email.eq(e)); }
            if let Some(i) = id { q = q.filter(platform_user::Column::Id.eq(i)); }
            q.one(db.platform()).await?.map(|u| Account {
                id: u.id, name: u.name, email: u.email, hash: u.password_hash, role: u.role, disabled: u.disabled, customer_name: None,
                customer_id: None, partner_id: u.partner_id,
            })
        }
        Scope::Tenant(t) => {
            let txn = db.tenant_txn(&t.slug).await?;
            let mut q = user::Entity::find();
            if let Some(e) = email { q = q.filter(user::Column::Email.eq(e)); }
            if let Some(i) = id { q = q.filter(user::Column::Id.eq(i)); }
            let account = match q.one(&txn).await? {
                Some(u) => {
                    let customer_name = match u.customer_id {
                        Some(cid) => customer::Entity::find_by_id(cid).one(&txn).await?.map(|c| c.name),
                        None => None,
                    };
                    Some(Account { id: u.id, name: u.name, email: u.email, hash: u.password_hash, role: u.role, disabled: u.disabled, customer_name, customer_id: u.customer_id, partner_id: None })
                }
                None => None,
            };
            txn.commit().await?;
            account
        }
    })
}

/// Counts one attempt against each limit in turn, stopping at the first one exceeded, so that
/// attempts refused by the tight per-address limit do not use up the account's loose one.
async fn count_attempt(db: &Db, keys: &[(String, u64)], window_minutes: i64) -> Result<Option<i64>> {
    for (key, max) in keys {
        let limit = rate_limit::Limit { max: *max, window_secs: window_minutes * 60 };
        let hit = rate_limit::hit(db.platform(), key, limit).await?;
        if !hit.allowed() {
            return Ok(Some(hit.reset_secs));
        }
    }
    Ok(None)
}

/// Checks the password of `email` in `scope`, applying the rate limits per address, per
/// account and address, and per account. A success clears the account's counts.
#[tracing::instrument(skip_all, fields(scope = %scope.key()))]
pub async fn login(db: &Db, scope: &Scope, email: &str, password: &str, ip: &str, limits: &LoginLimits) -> Result<LoginOutcome> {
    let email_norm = Email::parse(email).map(|e| e.as_str().to_owned()).unwrap_or_else(|_| email.trim().to_lowercase());
    let acct_key = format!("login:acct:{}:{}", scope.key(), email_norm);
    let acct_ip_key = format!("login:acct-ip:{}:{}:{ip}", scope.key(), email_norm);
    let keys = [(format!("login:ip:{ip}"), limits.per_ip), (acct_ip_key.clone(), limits.per_account_address), (acct_key.clone(), limits.per_account)];
    if let Some(retry_after_secs) = count_attempt(db, &keys, limits.window_minutes).await? {
        return Ok(LoginOutcome::RateLimited { retry_after_secs });
    }
    let account = find_account(db, scope, Some(&email_norm), None).await?;
    let ok = password::verify(password.to_owned(), account.as_ref().map(|a| a.hash.clone())).await?;
    let Some(a) = account.filter(|_| ok) else { return Ok(LoginOutcome::Invalid) };
    let txn = db.platform().begin().await?;
    rate_limit::clear(&txn, &acct_key).await?;
    rate_limit::clear(&txn, &acct_ip_key).await?;
    txn.commit().await?;
    if a.disabled {
        return Ok(LoginOutcome::Disabled);
    }
    Ok(LoginOutcome::Success(principal_of(a)?))
}

fn principal_of(a: Account) -> Result<Principal> {
    let role = Role::parse(&a.role).map_err(crate::error::Error::Invalid)?;
    Ok(Principal { support_session: None, user_id: a.id, name: a.name, email: a.email, role, customer_name: a.customer_name, customer_id: a.customer_id, partner_id: a.partner_id })
}

/// Loads the signed-in user of a session; `None` when the user is gone or disabled.
pub async fn load_principal(db: &Db, scope: &Scope, user_id: Uuid) -> Result<Option<Principal>> {
    match find_account(db, scope, None, Some(user_id)).await? {
        Some(a) if !a.disabled => Ok(Some(principal_of(a)?)),
        _ => Ok(None),
    }
}

/// The key under which sessions record their user, so that they can be ended together.
pub fn user_key(scope: &Scope, user_id: Uuid) -> String {
    format!("{}:{}", scope.key(), user_id)
}

/// Ends every browser session recorded under `user_key` (see [`user_key`]).
pub async fn end_sessions(db: &Db, user_key: &str) -> Result<()> {
    session::Entity::delete_many().filter(session::Column::UserKey.eq(user_key)).exec(db.platform()).await?;
    Ok(())
}

/// Disables (or re-enables) a tenant user in the caller's transaction; returns their id.
pub async fn update_user_disabled(txn: &crate::TenantTxn, email: &str, disabled: bool) -> Result<Uuid> {
    let u = user::Entity::find().filter(user::Column::Email.eq(email)).one(txn).await?.ok_or(crate::error::Error::NotFound)?;
    let id = u.id;
    let mut am: user::ActiveModel = u.into();
    am.disabled = Set(disabled);
    am.updated_at = Set(Utc::now());
    am.update(txn).await?;
    Ok(id)
}

/// Disables (or re-enables) a tenant user and ends every session they have: the tenant's
/// change commits first, then the platform's sessions go (two databases on SQLite).
pub async fn set_tenant_user_disabled(db: &Db, scope: &Scope, email: &str, disabled: bool) -> Result<()> {
    let Scope::Tenant(t) = scope else { return Err(crate::error::Error::Invalid("not a tenant".into())) };
    let txn = db.tenant_txn(&t.slug).await?;
    let id = update_user_disabled(&txn, email, disabled).await?;
    txn.commit().await?;
    if disabled {
        session::Entity::delete_many().filter(session::Column::UserKey.eq(user_key(scope, id))).exec(db.platform()).await?;
    }
    Ok(())
}

/// A tenant user as the admin console lists them.
#[derive(Clone, Debug)]
pub struct UserSummary {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
}

/// Every user of a tenant, by e-mail.
pub async fn list_tenant_users(txn: &crate::TenantTxn) -> Result<Vec<UserSummary>> {
    use sea_orm::QueryOrder;
    let users = user::Entity::find().order_by_asc(user::Column::Email).all(txn).await?;
    Ok(users
        .into_iter()
        .filter_map(|u| Some(UserSummary { role: Role::parse(&u.role).ok()?, email: u.email, name: u.name, disabled: u.disabled }))
        .collect())
}

/// Forgets rate-limit counters whose window is long over: they no longer count.
pub async fn prune_rate_limits(db: &Db, window_minutes: i64) -> Result<u64> {
    rate_limit::prune(db.platform(), window_minutes.max(60) * 60).await
}
