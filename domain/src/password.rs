//! Argon2id password hashing at OWASP parameters (19 MiB, t=2, p=1), run on the blocking
//! pool so that hashing never stalls the async workers.
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19_456, 2, 1, None).expect("valid argon2 params"))
}

/// A hash of a password nobody has, verified against when the user does not exist so that
/// unknown accounts take as long to refuse as wrong passwords.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$6a0bQxCBmT3Y2kLWhJbB8J0qhj5kD3VG0M2Hq7w3G5Y";

pub async fn hash(password: String) -> String {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher().hash_password(password.as_bytes(), &salt).expect("argon2 hashing").to_string()
    })
    .await
    .expect("hashing task")
}

/// Verifies `password` against `stored`, or against a dummy hash when `stored` is `None`
/// (always false then).
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let real = stored.is_some();
        let h = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let ok = match PasswordHash::new(&h) {
            Ok(parsed) => hasher().verify_password(password.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        };
        ok && real
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_no_other() {
        let h = hash("correct horse".into()).await;
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse".into(), Some(h.clone())).await);
        assert!(!verify("wrong".into(), Some(h)).await);
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies() {
        assert!(!verify("anything".into(), None).await);
    }
}
