//! Sessions and CSRF tokens.
//!
//! - A session row exists only once a user signs in: anonymous pages (the sign-in form) get
//!   their CSRF token from a signed double-submit cookie instead, so a crawler or a flood of
//!   page views writes nothing.
//! - Sessions are loaded through a store scoped to the request's tenant or platform
//!   ([`layer`]), so a cookie of tenant A is no session on tenant B's host; on a tenant's
//!   custom domain the scope names the domain too, so a session of the subdomain is none there.
//! - Sessions end after `THROUGHLINE_SESSION_IDLE_MINUTES` without a request and
//!   `THROUGHLINE_SESSION_ABSOLUTE_HOURS` after sign-in, whichever comes first.
//! - Under HTTPS the cookies carry the `__Host-` prefix: Secure, host-only, path `/`.
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::tenancy::Scope;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tower::{Layer, ServiceExt};
use tower_sessions::cookie::{Cookie, SameSite};
use tower_sessions::{Expiry, Session, SessionManagerLayer};

/// The session cookie's name: `__Host-tl_session` under HTTPS, else `tl_session`.
pub fn session_cookie(https: bool) -> &'static str {
    if https { "__Host-tl_session" } else { "tl_session" }
}

/// The anonymous CSRF cookie's name.
pub fn csrf_cookie(https: bool) -> &'static str {
    if https { "__Host-tl_csrf" } else { "tl_csrf" }
}

/// Keys of what a signed-in session holds.
pub mod keys {
    pub const USER: &str = "uid";
    pub const USER_KEY: &str = "user_key";
    pub const CSRF: &str = "csrf";
    /// Unix seconds of sign-in (absolute lifetime).
    pub const SINCE: &str = "since";
    /// Unix seconds of the last recorded activity (idle timeout; refreshed once a minute).
    pub const SEEN: &str = "seen";
    /// Set when the session is a partner user's support session (its id is under `USER`).
    pub const SUPPORT: &str = "support";
}

/// The key the request's sessions are kept under ([`Scope::session_key`] of the host the
/// tenant was resolved from), set by the tenant middleware.
#[derive(Clone, Debug)]
pub struct SessionKey(pub String);

/// The session layer for this request, over the store scoped to the request's scope.
pub async fn layer(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let scope = req.extensions().get::<SessionKey>().map(|k| k.0.clone()).unwrap_or_default();
    let idle = time::Duration::minutes(st.config.session_idle_minutes.max(1));
    let sessions = SessionManagerLayer::new(st.store.scoped(scope))
        .with_name(session_cookie(st.config.https))
        .with_secure(st.config.https)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle));
    match sessions.layer(next).oneshot(req).await {
        Ok(r) => r.into_response(),
        Err(never) => match never {},
    }
}

/// Whether a signed-in session is past its absolute lifetime; otherwise records activity (at
/// most once a minute, which also pushes the idle expiry forward).
pub async fn still_valid(session: &Session, absolute_hours: i64) -> bool {
    let now = chrono::Utc::now().timestamp();
    let since = session.get::<i64>(keys::SINCE).await.ok().flatten().unwrap_or(0);
    if now - since > absolute_hours * 3600 {
        return false;
    }
    let seen = session.get::<i64>(keys::SEEN).await.ok().flatten().unwrap_or(0);
    if now - seen >= 60 {
        let _ = session.insert(keys::SEEN, now).await;
    }
    true
}

/// A random token: 244 random bits as hex, from the OS generator behind uuid v4.
pub fn random_token() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// The key that signs anonymous CSRF tokens, derived from the platform secret so that every
/// instance on one database agrees.
pub fn csrf_key(secret: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"throughline anonymous csrf v1");
    mac.finalize().into_bytes().to_vec()
}

fn signature(key: &[u8], scope: &str, nonce: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(scope.as_bytes());
    mac.update(b".");
    mac.update(nonce.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A new anonymous CSRF token for `scope`: `nonce.signature`.
pub fn mint_anonymous(key: &[u8], scope: &str) -> String {
    let nonce = random_token();
    let sig = signature(key, scope, &nonce);
    format!("{nonce}.{sig}")
}

/// Whether `token` was minted by us for `scope`.
pub fn anonymous_valid(key: &[u8], scope: &str, token: &str) -> bool {
    let Some((nonce, sig)) = token.split_once('.') else { return false };
    constant_time_eq(signature(key, scope, nonce).as_bytes(), sig.as_bytes())
}

/// The value of cookie `name`, parsed (and percent-decoded) by the cookie parser. With
/// duplicates the last one wins, as in the session layer's parser.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| Cookie::split_parse_encoded(v.to_owned()).filter_map(Result::ok).collect::<Vec<_>>())
        .filter(|c| c.name() == name)
        .last()
        .map(|c| c.value().to_owned())
}

/// The `Set-Cookie` value for an anonymous CSRF token.
pub fn csrf_set_cookie(https: bool, token: &str) -> Option<HeaderValue> {
    let secure = if https { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{}={token}; Path=/; HttpOnly; SameSite=Lax{secure}", csrf_cookie(https))).ok()
}

/// Checks a form's CSRF token: against the session's token when signed in, else against the
/// signed anonymous cookie (double submit: the form must repeat the cookie's value).
pub async fn csrf_ok(st: &AppState, session: &Session, headers: &HeaderMap, scope: &Scope, given: &str) -> bool {
    if given.is_empty() {
        return false;
    }
    if let Some(expected) = session.get::<String>(keys::CSRF).await.ok().flatten() {
        return constant_time_eq(expected.as_bytes(), given.as_bytes());
    }
    match cookie_value(headers, csrf_cookie(st.config.https)) {
        Some(cookie) => constant_time_eq(cookie.as_bytes(), given.as_bytes()) && anonymous_valid(&st.csrf_key, &scope.key(), &cookie),
        None => false,
    }
}

/// Checks a signed-in form's CSRF token against the session's.
pub async fn session_csrf_ok(session: &Session, given: &str) -> bool {
    match session.get::<String>(keys::CSRF).await.ok().flatten() {
        Some(expected) => !given.is_empty() && constant_time_eq(expected.as_bytes(), given.as_bytes()),
        None => false,
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anonymous_token_is_valid_only_for_its_scope_and_key() {
        let key = csrf_key(b"a platform secret of some length");
        let t = mint_anonymous(&key, "tenant:a");
        assert!(anonymous_valid(&key, "tenant:a", &t));
        assert!(!anonymous_valid(&key, "tenant:b", &t));
        assert!(!anonymous_valid(&csrf_key(b"another secret"), "tenant:a", &t));
        assert!(!anonymous_valid(&key, "tenant:a", "forged.0000"));
        assert!(!anonymous_valid(&key, "tenant:a", "no-dot"));
    }

    #[test]
    fn cookies_are_parsed_not_matched_as_text() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("a=1;  tl_session=%61bc ; b=2"));
        h.append(header::COOKIE, HeaderValue::from_static("tl_session=last"));
        assert_eq!(cookie_value(&h, "tl_session").as_deref(), Some("last"));
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("x=1; tl_session=%61bc"));
        assert_eq!(cookie_value(&h, "tl_session").as_deref(), Some("abc"));
        assert_eq!(cookie_value(&h, "tl_csrf"), None);
    }
}
