//! Standard Webhooks signatures: `webhook-signature` is `v1,` + base64 HMAC-SHA256 of
//! `{id}.{timestamp}.{body}` under the endpoint's secret, which is `whsec_` + base64 key.
//! During a rotation the previous secret signs too, space-separated, so that a receiver
//! holding either secret accepts the request.
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The prefix of a secret in the Standard Webhooks format.
pub const SECRET_PREFIX: &str = "whsec_";

/// A fresh secret: 32 random bytes.
pub fn new_secret() -> String {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", B64.encode(key))
}

/// The key bytes of a `whsec_` secret, or why it is not one.
pub fn key_of(secret: &str) -> Result<Vec<u8>, String> {
    let b64 = secret.strip_prefix(SECRET_PREFIX).ok_or_else(|| format!("a signing secret starts with {SECRET_PREFIX}"))?;
    let key = B64.decode(b64).map_err(|_| "the signing secret is not base64 after whsec_".to_owned())?;
    if key.len() < 24 {
        return Err("the signing secret is shorter than 24 bytes".into());
    }
    Ok(key)
}

/// `v1,<signature>` of one message under one secret.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String, String> {
    let key = key_of(secret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(format!("v1,{}", B64.encode(mac.finalize().into_bytes())))
}

/// The `webhook-signature` header: the current secret's signature, then the previous
/// secret's while a rotation is in its overlap.
pub fn header(current: &str, previous: Option<&str>, id: &str, timestamp: i64, body: &[u8]) -> Result<String, String> {
    let mut out = signature(current, id, timestamp, body)?;
    if let Some(prev) = previous {
        out.push(' ');
        out.push_str(&signature(prev, id, timestamp, body)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example of the Standard Webhooks specification (its reference libraries' tests).
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TS: i64 = 1614265330;
    const SPEC_BODY: &str = r#"{"test": 2432232314}"#;

    #[test]
    fn matches_the_specification_example() {
        let sig = signature(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY.as_bytes()).unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_rotation_signs_with_both_secrets() {
        let new = new_secret();
        let h = header(&new, Some(SPEC_SECRET), SPEC_ID, SPEC_TS, SPEC_BODY.as_bytes()).unwrap();
        let parts: Vec<&str> = h.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], signature(&new, SPEC_ID, SPEC_TS, SPEC_BODY.as_bytes()).unwrap());
        assert_eq!(parts[1], "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn any_change_changes_the_signature() {
        let s = new_secret();
        let base = signature(&s, "msg_1", 10, b"{}").unwrap();
        assert_ne!(base, signature(&s, "msg_2", 10, b"{}").unwrap());
        assert_ne!(base, signature(&s, "msg_1", 11, b"{}").unwrap());
        assert_ne!(base, signature(&s, "msg_1", 10, b"{ }").unwrap());
        assert_ne!(base, signature(&new_secret(), "msg_1", 10, b"{}").unwrap());
    }

    #[test]
    fn bad_secrets_are_refused_by_name() {
        for (secret, want) in [("abc", "starts with whsec_"), ("whsec_!!!", "not base64"), ("whsec_AAAA", "shorter than 24 bytes")] {
            let err = signature(secret, "m", 1, b"").unwrap_err();
            assert!(err.contains(want), "{secret}: {err}");
        }
        assert!(new_secret().starts_with("whsec_"));
        assert_eq!(key_of(&new_secret()).unwrap().len(), 32);
    }
}
