//! The hash chain: how an entry's hash is computed, and how a whole trail is checked.
//!
//! Each entry's hash covers all of its fields and the previous entry's hash, so changing,
//! removing or reordering any entry breaks the chain at that entry (or at the next one, when
//! someone also recomputed the changed entry's own hash). What a chain alone cannot show is
//! the loss of its newest entries; comparing the head hash with a copy kept elsewhere does.
use super::{Entry, entity};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Tags the encoding, so a future change of the hashed fields cannot collide with this one.
const VERSION_TAG: &str = "throughline-audit-v1";

/// Entries read per query while verifying: a long trail is never loaded at once.
const VERIFY_PAGE: u64 = 1000;

/// The hex SHA-256 of an entry's fields (all but `hash` itself). Every field is written with
/// its length (`S<len>:<bytes>;`, or `N;` for a missing actor id), so no two different entries
/// encode to the same bytes however their texts are split; `at` is written as RFC 3339 UTC
/// with exactly six decimals, the precision both databases store.
pub fn entry_hash(e: &Entry) -> String {
    let mut h = Sha256::new();
    let seq = e.seq.to_string();
    let id = e.id.to_string();
    let at = e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let fields = [
        Some(VERSION_TAG),
        Some(seq.as_str()),
        Some(id.as_str()),
        Some(at.as_str()),
        Some(e.actor_kind.as_str()),
        e.actor_id.as_deref(),
        Some(e.actor_name.as_str()),
        Some(e.action.as_str()),
        Some(e.entity_kind.as_str()),
        Some(e.entity_id.as_str()),
        Some(e.payload.as_str()),
        Some(e.prev_hash.as_str()),
    ];
    for f in fields {
        match f {
            None => h.update(b"N;"),
            Some(s) => {
                h.update(format!("S{}:", s.len()).as_bytes());
                h.update(s.as_bytes());
                h.update(b";");
            }
        }
    }
    hex::encode(h.finalize())
}

/// Why the chain is broken at an entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reason {
    /// The stored hash is not the hash of the stored fields: the entry was altered.
    HashMismatch,
    /// The entry's `prev_hash` is not the previous entry's hash: an entry before it was
    /// altered (and its hash recomputed) or replaced.
    PrevHashMismatch,
    /// No entry holds this position; the next one found is `found` (entries were removed).
    SeqGap { found: i64 },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::HashMismatch => f.write_str("its hash does not match its contents (the entry was altered)"),
            Reason::PrevHashMismatch => f.write_str("its prev_hash does not match the previous entry's hash"),
            Reason::SeqGap { found } => write!(f, "the entry is missing (the next entry found is {found})"),
        }
    }
}

/// The first place where the chain does not hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenLink {
    /// The chain position of the broken entry (for a gap: the missing position).
    pub seq: i64,
    pub reason: Reason,
}

/// The result of checking a tenant's trail from its first entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// Entries that checked out: all of them when the chain is intact, else those before the
    /// first broken link.
    pub entries: u64,
    pub first_broken: Option<BrokenLink>,
}

impl Verification {
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// "1234 entries, chain intact" or "chain broken at entry 57: <reason>".
impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.first_broken {
            None => write!(f, "{} {}, chain intact", self.entries, if self.entries == 1 { "entry" } else { "entries" }),
            Some(b) => write!(f, "chain broken at entry {}: {}", b.seq, b.reason),
        }
    }
}

/// Checks one entry against the position and hash the chain expects next.
pub fn check(e: &Entry, expected_seq: i64, prev_hash: &str) -> Option<BrokenLink> {
    let broken = |seq, reason| Some(BrokenLink { seq, reason });
    if e.seq != expected_seq {
        return broken(expected_seq, Reason::SeqGap { found: e.seq });
    }
    if entry_hash(e) != e.hash {
        return broken(e.seq, Reason::HashMismatch);
    }
    if e.prev_hash != prev_hash {
        return broken(e.seq, Reason::PrevHashMismatch);
    }
    None
}

/// Walks the trail in chain order, a page at a time, and stops at the first broken link.
/// Run it in a tenant transaction; entries appended meanwhile are simply checked too.
pub async fn verify<C: ConnectionTrait>(c: &C) -> Result<Verification, DbErr> {
    let (mut expected, mut prev, mut entries) = (1_i64, GENESIS.to_owned(), 0_u64);
    loop {
        let page = entity::Entity::find()
            .filter(entity::Column::Seq.gte(expected))
            .order_by_asc(entity::Column::Seq)
            .limit(VERIFY_PAGE)
            .all(c)
            .await?;
        if page.is_empty() {
            return Ok(Verification { entries, first_broken: None });
        }
        for row in page {
            let e = Entry::from(row);
            if let Some(b) = check(&e, expected, &prev) {
                return Ok(Verification { entries, first_broken: Some(b) });
            }
            (expected, prev, entries) = (e.seq + 1, e.hash, entries + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use uuid::Uuid;

    fn sample() -> Entry {
        let mut e = Entry {
            seq: 1,
            id: Uuid::parse_str("0190f5c2-7b1e-7000-8000-000000000001").unwrap(),
            at: DateTime::<Utc>::from_timestamp_micros(1_767_323_045_123_456).unwrap(),
            actor_kind: "user".into(),
            actor_id: Some("0190f5c2-7b1e-7000-8000-0000000000aa".into()),
            actor_name: "Dana Clerk".into(),
            action: "exception.claimed".into(),
            entity_kind: "exception".into(),
            entity_id: "EX-1".into(),
            payload: r#"{"queue":"credit"}"#.into(),
            prev_hash: GENESIS.into(),
            hash: String::new(),
        };
        e.hash = entry_hash(&e);
        e
    }

    #[test]
    fn the_hash_of_a_known_entry_never_changes() {
        // Computed independently (Python hashlib over the documented encoding); a change here
        // would make every stored trail look broken.
        assert_eq!(sample().hash, "926114e9cb5c4c25cbf2713445c0372642bf9f8cc880de9e1f00c8945d6bd164");
    }

    #[test]
    fn changing_any_field_changes_the_hash() {
        let base = sample();
        let cases: Vec<(&str, fn(&mut Entry))> = vec![
            ("seq", |e| e.seq = 2),
            ("id", |e| e.id = Uuid::nil()),
            ("at by a microsecond", |e| e.at += chrono::Duration::microseconds(1)),
            ("actor kind", |e| e.actor_kind = "api_client".into()),
            ("actor id", |e| e.actor_id = Some("x".into())),
            ("actor id missing", |e| e.actor_id = None),
            ("actor name", |e| e.actor_name = "Dana Clerks".into()),
            ("action", |e| e.action = "exception.released".into()),
            ("entity kind", |e| e.entity_kind = "order".into()),
            ("entity id", |e| e.entity_id = "EX-2".into()),
            ("payload", |e| e.payload = r#"{"queue":"credit" }"#.into()),
            ("prev hash", |e| e.prev_hash = "1".repeat(64)),
        ];
        for (what, change) in cases {
            let mut e = base.clone();
            change(&mut e);
            assert_ne!(entry_hash(&e), base.hash, "changing the {what} must change the hash");
        }
    }

    #[test]
    fn moving_text_between_fields_changes_the_hash() {
        let mut a = sample();
        (a.entity_kind, a.entity_id) = ("order".into(), "SO-1".into());
        let mut b = sample();
        (b.entity_kind, b.entity_id) = ("orderSO".into(), "-1".into());
        assert_ne!(entry_hash(&a), entry_hash(&b));
        let mut c = sample();
        c.actor_id = Some(String::new());
        let mut d = sample();
        d.actor_id = None;
        assert_ne!(entry_hash(&c), entry_hash(&d), "an empty actor id is not a missing one");
    }

    #[test]
    fn each_kind_of_break_is_reported_at_its_entry() {
        let first = sample();
        let mut second = sample();
        (second.seq, second.prev_hash) = (2, first.hash.clone());
        second.hash = entry_hash(&second);
        assert_eq!(check(&first, 1, GENESIS), None);
        assert_eq!(check(&second, 2, &first.hash), None);

        let mut altered = second.clone();
        altered.payload = "{}".into();
        let mut relinked = second.clone();
        relinked.prev_hash = GENESIS.into();
        relinked.hash = entry_hash(&relinked);
        let at = |seq, reason| Some(BrokenLink { seq, reason });
        let cases = [
            ("altered in place", &altered, 2, first.hash.as_str(), at(2, Reason::HashMismatch)),
            ("re-hashed onto another chain", &relinked, 2, first.hash.as_str(), at(2, Reason::PrevHashMismatch)),
            ("first entry missing", &second, 1, GENESIS, at(1, Reason::SeqGap { found: 2 })),
        ];
        for (what, e, expected_seq, prev, broken) in cases {
            assert_eq!(check(e, expected_seq, prev), broken, "{what}");
        }
    }

    #[test]
    fn a_verification_reads_as_a_sentence() {
        let intact = Verification { entries: 1234, first_broken: None };
        assert_eq!(intact.to_string(), "1234 entries, chain intact");
        let broken = Verification { entries: 56, first_broken: Some(BrokenLink { seq: 57, reason: Reason::HashMismatch }) };
        assert_eq!(broken.to_string(), "chain broken at entry 57: its hash does not match its contents (the entry was altered)");
        let gap = Verification { entries: 4, first_broken: Some(BrokenLink { seq: 5, reason: Reason::SeqGap { found: 7 } }) };
        assert_eq!(gap.to_string(), "chain broken at entry 5: the entry is missing (the next entry found is 7)");
    }
}
