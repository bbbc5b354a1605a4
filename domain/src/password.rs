//! Argon2id password hashing at OWASP parameters (19 MiB, t=2, p=1), run on the blocking
//! pool so that hashing never stalls the async workers.
//!
//! Each hash takes 19 MiB and a core for a while, so hashing runs under a bound: at most one
//! per core at a time, and at most [`QUEUE_PER_CORE`] per core waiting. A verification beyond
//! that is refused at once ([`Busy`], answered 503 with `Retry-After`), so a flood of sign-in
//! attempts cannot exhaust memory or queue forever.
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19_456, 2, 1, None).expect("valid argon2 params"))
}

/// A hash of a password nobody has, verified against when the user does not exist so that
/// unknown accounts take as long to refuse as wrong passwords.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$6a0bQxCBmT3Y2kLWhJbB8J0qhj5kD3VG0M2Hq7w3G5Y";

/// How many verifications may wait per core before further ones are refused.
pub const QUEUE_PER_CORE: usize = 8;

/// Too many password checks are running or waiting: try again in a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

struct Bound {
    running: tokio::sync::Semaphore,
    admitted: tokio::sync::Semaphore,
}

fn bound() -> &'static Bound {
    static BOUND: std::sync::OnceLock<Bound> = std::sync::OnceLock::new();
    BOUND.get_or_init(|| {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Bound { running: tokio::sync::Semaphore::new(cores), admitted: tokio::sync::Semaphore::new(cores * (QUEUE_PER_CORE + 1)) }
    })
}

/// A new random password of 20 letters and digits (about 119 bits), for generated accounts.
pub fn generate() -> String {
    use rand::Rng;
    rand::rngs::OsRng.sample_iter(&rand::distributions::Alphanumeric).take(20).map(char::from).collect()
}

/// Hashes a password (waits its turn under the bound: used by admin actions, not sign-in).
pub async fn hash(password: String) -> String {
    let _turn = bound().running.acquire().await.expect("the hashing bound is never closed");
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher().hash_password(password.as_bytes(), &salt).expect("argon2 hashing").to_string()
    })
    .await
    .expect("hashing task")
}

/// Verifies `password` against `stored`, or against a dummy hash when `stored` is `None`
/// (always false then). Refused with [`Busy`] when the bound's queue is full.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, Busy> {
    let Ok(_admitted) = bound().admitted.try_acquire() else { return Err(Busy) };
    let _turn = bound().running.acquire().await.map_err(|_| Busy)?;
    Ok(verify_now(password, stored).await)
}

async fn verify_now(password: String, stored: Option<String>) -> bool {
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
        assert_eq!(verify("correct horse".into(), Some(h.clone())).await, Ok(true));
        assert_eq!(verify("wrong".into(), Some(h)).await, Ok(false));
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies() {
        assert_eq!(verify("anything".into(), None).await, Ok(false));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn verifications_beyond_the_queue_are_refused_at_once_and_the_rest_complete() {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let n = cores * (QUEUE_PER_CORE + 1) + 20;
        let tasks: Vec<_> = (0..n).map(|_| tokio::spawn(verify("x".into(), None))).collect();
        let mut busy = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(ok) => assert!(!ok),
                Err(Busy) => busy += 1,
            }
        }
        assert!(busy >= 10, "{busy} of {n} refused");
        assert!(busy < n, "some were admitted");
    }

    #[test]
    fn generated_passwords_are_long_and_differ() {
        let (a, b) = (generate(), generate());
        assert_eq!(a.len(), 20);
        assert_ne!(a, b);
    }
}
