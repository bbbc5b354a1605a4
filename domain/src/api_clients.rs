//! API clients of a tenant and the access tokens they get (OAuth 2 client credentials).
//!
//! A client's secret is shown once and stored as an Argon2id hash. Tokens are HS256 JWTs
//! whose audience is the tenant's id: a token issued on one tenant's host is refused on every
//! other host. The signing key is `THROUGHLINE_JWT_SECRET` or, when unset, a random key made
//! once and kept in the platform `settings` table so every app instance agrees on it.
use crate::entity::{api_client, setting};
use crate::tenancy::TenantInfo;
use crate::{Db, Error, Result, TenantTxn, password};
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, QueryOrder, TransactionTrait};
use serde::{Deserialize, Serialize};

pub const SCOPES: &[&str] = &["read", "write"];

/// The claims of an access token.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: String,
    /// The API client's id.
    pub sub: String,
    /// The tenant's id.
    pub aud: String,
    pub tenant: String,
    pub client: String,
    /// Space-separated scopes.
    pub scope: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

impl Claims {
    pub fn has_scope(&self, s: &str) -> bool {
        self.scope.split(' ').any(|x| x == s)
    }
    pub fn client_id(&self) -> Option<Uuid> {
        self.sub.parse().ok()
    }
}

/// Why a token was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    Expired,
    OtherTenant,
    Invalid,
}

impl TokenError {
    pub fn reason(&self) -> &'static str {
        match self {
            TokenError::Expired => "the access token has expired; request a new one",
            TokenError::OtherTenant => "the access token was issued for another tenant",
            TokenError::Invalid => "the access token is not valid (malformed or bad signature)",
        }
    }
}

const ISSUER: &str = "throughline";

/// Signs and checks access tokens.
#[derive(Clone)]
pub struct TokenKeys {
    enc: EncodingKey,
    dec: DecodingKey,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        Self { enc: EncodingKey::from_secret(secret), dec: DecodingKey::from_secret(secret) }
    }

    /// Issues a token for `client` of `tenant`, valid for `minutes`.
    pub fn issue(&self, tenant: &TenantInfo, client: &api_client::Model, minutes: i64) -> Result<(String, i64)> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            iss: ISSUER.into(),
            sub: client.id.to_string(),
            aud: tenant.id.to_string(),
            tenant: tenant.slug.to_string(),
            client: client.name.clone(),
            scope: client.scopes.clone(),
            iat: now,
            exp: now + minutes * 60,
            jti: Uuid::new_v4().to_string(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.enc)
            .map_err(|e| Error::Invalid(format!("cannot sign token: {e}")))?;
        Ok((token, minutes * 60))
    }

    /// Checks signature, expiry (no leeway), issuer and that the token belongs to `tenant`.
    pub fn verify(&self, token: &str, tenant: &TenantInfo) -> std::result::Result<Claims, TokenError> {
        let mut v = Validation::new(Algorithm::HS256);
        v.leeway = 0;
        v.set_issuer(&[ISSUER]);
        v.set_audience(&[tenant.id.to_string()]);
        v.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
        match jsonwebtoken::decode::<Claims>(token, &self.dec, &v) {
            Ok(d) if d.claims.tenant == tenant.slug.as_str() => Ok(d.claims),
            Ok(_) => Err(TokenError::OtherTenant),
            Err(e) => Err(match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::InvalidAudience => TokenError::OtherTenant,
                _ => TokenError::Invalid,
            }),
        }
    }
}

/// The token signing key: the configured one, else the one kept in the platform database
/// (made on first use).
pub async fn signing_secret(db: &Db, configured: Option<&str>) -> Result<Vec<u8>> {
    if let Some(s) = configured {
        if s.len() < 32 {
            return Err(Error::Invalid("THROUGHLINE_JWT_SECRET must be at least 32 characters".into()));
        }
        return Ok(s.as_bytes().to_vec());
    }
    let txn = db.platform().begin().await?;
    if let Some(s) = setting::Entity::find_by_id("jwt_secret").one(&txn).await? {
        txn.commit().await?;
        return Ok(s.value.into_bytes());
    }
    let value = random_secret(48);
    let now = Utc::now();
    let insert = setting::ActiveModel { key: Set("jwt_secret".into()), value: Set(value.clone()), created_at: Set(now), updated_at: Set(now) }
        .insert(&txn)
        .await;
    match insert {
        Ok(_) => {
            txn.commit().await?;
            Ok(value.into_bytes())
        }
        Err(_) => {
            // Another instance made it first: use theirs.
            txn.rollback().await.ok();
            let s = setting::Entity::find_by_id("jwt_secret").one(db.platform()).await?.ok_or(Error::NotFound)?;
            Ok(s.value.into_bytes())
        }
    }
}

/// A random secret of `uuid_pairs` × 32 hex characters from the OS generator.
fn random_secret(len: usize) -> String {
    let mut s = String::new();
    while s.len() < len {
        s.push_str(&Uuid::new_v4().simple().to_string());
    }
    s.truncate(len);
    s
}

/// Checks a client name and scopes; returns the scopes as stored (`"read write"`).
fn validate(name: &str, scopes: &[String]) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        return Err(Error::Invalid("the client name must be 1 to 64 letters, digits, '-', '_' or '.'".into()));
    }
    if scopes.is_empty() {
        return Err(Error::Invalid("choose at least one scope (read, write)".into()));
    }
    let mut out: Vec<&str> = Vec::new();
    for s in scopes {
        match SCOPES.iter().find(|k| **k == s.as_str()) {
            Some(k) if !out.contains(k) => out.push(k),
            Some(_) => {}
            None => return Err(Error::Invalid(format!("unknown scope {s:?}; scopes are read and write"))),
        }
    }
    Ok(out.join(" "))
}

/// Creates an API client and returns it with its secret (shown once, stored hashed).
/// `sources`: the event sources it may write under (see [`parse_sources`]; empty: its name).
pub async fn create(db: &Db, tenant: &TenantInfo, name: &str, scopes: &[String], sources: &str) -> Result<(api_client::Model, String)> {
    let secret = format!("tls_{}", random_secret(40));
    let model = create_with_secret(db, tenant, name, scopes, sources, &secret).await?;
    Ok((model, secret))
}

/// Creates an API client with a given secret (the demo clients). The secret is hashed before
/// the transaction opens, so no connection waits on Argon2.
pub async fn create_with_secret(db: &Db, tenant: &TenantInfo, name: &str, scopes: &[String], sources: &str, secret: &str) -> Result<api_client::Model> {
    validate(name, scopes)?;
    parse_sources(sources)?;
    let hash = password::hash(secret.to_owned()).await;
    let txn = db.tenant_txn(&tenant.slug).await?;
    let m = insert(&txn, name, scopes, sources, hash).await?;
    txn.commit().await?;
    Ok(m)
}

/// Records a new API client in the caller's transaction, with an already hashed secret.
pub async fn insert(txn: &TenantTxn, name: &str, scopes: &[String], sources: &str, secret_hash: String) -> Result<api_client::Model> {
    let scopes = validate(name, scopes)?;
    let sources = parse_sources(sources)?;
    let hash = secret_hash;
    if api_client::Entity::find().filter(api_client::Column::Name.eq(name.trim())).count(txn).await? > 0 {
        return Err(Error::Invalid(format!("an API client named {:?} already exists", name.trim())));
    }
    let now = Utc::now();
    let m = api_client::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(name.trim().into()),
        secret_hash: Set(hash),
        scopes: Set(scopes),
        sources: Set(sources),
        disabled: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok(m)
}

/// Checks client credentials. Unknown clients cost the same as a wrong secret.
pub async fn authenticate(db: &Db, tenant: &TenantInfo, name: &str, secret: &str) -> Result<Option<api_client::Model>> {
    let txn = db.tenant_txn(&tenant.slug).await?;
    let client = api_client::Entity::find().filter(api_client::Column::Name.eq(name)).one(&txn).await?;
    txn.commit().await?;
    let ok = password::verify(secret.to_owned(), client.as_ref().map(|c| c.secret_hash.clone())).await?;
    Ok(client.filter(|c| ok && !c.disabled))
}

/// Every API client of the tenant, by name.
pub async fn list(txn: &TenantTxn) -> Result<Vec<api_client::Model>> {
    Ok(api_client::Entity::find().order_by_asc(api_client::Column::Name).all(txn).await?)
}

/// Disables (or enables) a client in the caller's transaction; its tokens stop working once
/// it commits.
pub async fn update_disabled(txn: &TenantTxn, id: Uuid, disabled: bool) -> Result<api_client::Model> {
    let c = api_client::Entity::find_by_id(id).one(txn).await?.ok_or(Error::NotFound)?;
    let mut am: api_client::ActiveModel = c.into();
    am.disabled = Set(disabled);
    am.updated_at = Set(Utc::now());
    Ok(am.update(txn).await?)
}

/// [`update_disabled`] in a transaction of its own (for callers without one).
pub async fn set_disabled(db: &Db, tenant: &TenantInfo, id: Uuid, disabled: bool) -> Result<()> {
    let txn = db.tenant_txn(&tenant.slug).await?;
    update_disabled(&txn, id, disabled).await?;
    txn.commit().await?;
    Ok(())
}

/// Checks a list of event sources (space- or comma-separated names of 1 to 64 letters,
/// digits, '-', '_', '.' or ':'); returns it as stored. Empty means the client's own name.
pub fn parse_sources(text: &str) -> Result<String> {
    let mut out: Vec<&str> = Vec::new();
    for s in text.split([' ', ',', '\n', '\t']).map(str::trim).filter(|s| !s.is_empty()) {
        if s.len() > 64 || !s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c)) {
            return Err(Error::Invalid(format!("event source {s:?} must be 1 to 64 letters, digits, '-', '_', '.' or ':'")));
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(out.join(" "))
}

/// Sets the event sources a client may write under (empty: its own name).
pub async fn set_sources(txn: &TenantTxn, id: Uuid, sources: &str) -> Result<api_client::Model> {
    let sources = parse_sources(sources)?;
    let c = api_client::Entity::find_by_id(id).one(txn).await?.ok_or(Error::NotFound)?;
    let mut am: api_client::ActiveModel = c.into();
    am.sources = Set(sources);
    am.updated_at = Set(Utc::now());
    Ok(am.update(txn).await?)
}

/// Answers whether the client behind a token still exists and is enabled.
pub async fn is_active<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<bool> {
    Ok(api_client::Entity::find_by_id(id).one(c).await?.is_some_and(|c| !c.disabled))
}

/// Opens a transaction in the tenant's data for API client `id`, checking in its first
/// statement that the client is still enabled: `None` for a disabled or removed client.
pub async fn txn_if_active(db: &crate::Db, tenant: &crate::types::TenantSlug, id: Uuid) -> Result<Option<crate::TenantTxn>> {
    let p = if db.is_postgres() { "$1" } else { "?1" };
    let (txn, row) = db.tenant_txn_with_query(tenant, |t| (format!("SELECT id AS active_client FROM {t}api_clients WHERE id = {p} AND NOT disabled"), vec![id.into()])).await?;
    let active = match row {
        Some(r) => r.try_get::<Option<Uuid>>("", "active_client")?.is_some(),
        None => false,
    };
    Ok(active.then_some(txn))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TenantSlug;

    fn tenant(slug: &str) -> TenantInfo {
        TenantInfo {
            id: Uuid::new_v4(),
            slug: TenantSlug::parse(slug).unwrap(),
            name: slug.into(),
            product_name: slug.into(),
            primary_color: "#000000".into(),
            logo_svg: String::new(),
            address: vec![],
            remit_to: vec![],
            accent_color: "#000000".into(),
            support_email: String::new(),
            support_phone: String::new(),
            footer_text: String::new(),
            powered_by: String::new(),
            logo_etag: String::new(),
            favicon_etag: String::new(),
            support_approval: false,
        }
    }

    fn client() -> api_client::Model {
        let now = Utc::now();
        api_client::Model { id: Uuid::new_v4(), name: "erp".into(), secret_hash: String::new(), scopes: "read".into(), sources: String::new(), disabled: false, created_at: now, updated_at: now }
    }

    #[test]
    fn a_token_works_only_on_its_own_tenant_and_not_after_tampering_or_expiry() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef");
        let (acme, blue) = (tenant("acme"), tenant("bluegrass"));
        let (t, ttl) = keys.issue(&acme, &client(), 15).unwrap();
        assert_eq!(ttl, 900);
        let claims = keys.verify(&t, &acme).unwrap();
        assert!(claims.has_scope("read") && !claims.has_scope("write"));
        assert_eq!(keys.verify(&t, &blue), Err(TokenError::OtherTenant));
        let mut tampered = t.clone();
        tampered.insert(t.len() - 3, 'x');
        assert_eq!(keys.verify(&tampered, &acme), Err(TokenError::Invalid));
        assert_eq!(TokenKeys::new(b"another-secret-another-secret-xx").verify(&t, &acme), Err(TokenError::Invalid));
        let (old, _) = keys.issue(&acme, &client(), -1).unwrap();
        assert_eq!(keys.verify(&old, &acme), Err(TokenError::Expired));
    }

    #[test]
    fn names_and_scopes_are_checked() {
        assert_eq!(validate("acme-erp", &["write".into(), "read".into(), "read".into()]).unwrap(), "write read");
        assert!(validate("", &["read".into()]).is_err());
        assert!(validate("has space", &["read".into()]).is_err());
        assert!(validate("erp", &[]).is_err());
        assert!(validate("erp", &["admin".into()]).is_err());
    }
}
