//! The jobs page's data: how many of the tenant's jobs are in each status, and the dead
//! letter (jobs that failed for good), which a tenant admin retries or discards through the
//! form posts in `server/src/admin_jobs.rs`.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Dead jobs shown at most; the page says when there are more.
pub const DEAD_SHOWN: u64 = 100;

/// Characters of a payload shown in the list (the whole payload is in the title).
const PREVIEW_CHARS: usize = 120;

/// One dead-lettered job as the page shows it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DeadJob {
    pub id: String,
    pub kind: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: String,
    /// UTC, RFC 3339; shown in the viewer's local time.
    pub finished_at: Option<String>,
    /// The payload's first characters.
    pub payload_preview: String,
    pub payload: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct JobsView {
    /// Every status with its count, zeros included, in the jobs' life order.
    pub counts: Vec<(String, i64)>,
    pub dead: Vec<DeadJob>,
}

/// The first `PREVIEW_CHARS` characters of `text`, with an ellipsis when cut.
pub fn preview(text: &str) -> String {
    match text.char_indices().nth(PREVIEW_CHARS) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

#[cfg(feature = "ssr")]
fn dead_job(j: domain::jobs::entity::Model) -> DeadJob {
    DeadJob {
        id: j.id.to_string(),
        payload_preview: preview(&j.payload),
        kind: j.kind,
        attempts: j.attempts,
        max_attempts: j.max_attempts,
        last_error: j.last_error.unwrap_or_default(),
        finished_at: j.finished_at.map(|t| t.to_rfc3339()),
        payload: j.payload,
    }
}

/// The job counts and the dead letter of this tenant, for its tenant admins only.
#[server(prefix = "/sfn")]
pub async fn jobs_data() -> Result<JobsView, ServerFnError> {
    use crate::orders::server::internal;
    use domain::jobs::{JobStatus, admin};
    let (db, t, _) = crate::audit_admin::server::tenant_admin()?;
    let txn = db.tenant_txn(&t.slug).await.map_err(internal)?;
    let counts = admin::counts(&txn).await.map_err(internal)?;
    let dead = admin::dead(&txn, DEAD_SHOWN).await.map_err(internal)?;
    txn.rollback().await.map_err(internal)?;
    let count = |s: JobStatus| counts.iter().find(|(k, _)| k == s.as_str()).map_or(0, |(_, n)| *n);
    Ok(JobsView {
        counts: JobStatus::ALL.iter().map(|s| (s.as_str().to_owned(), count(*s))).collect(),
        dead: dead.into_iter().map(dead_job).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_payloads_are_cut_on_a_character_boundary() {
        assert_eq!(preview("{\"a\":1}"), "{\"a\":1}");
        let long = "é".repeat(PREVIEW_CHARS + 5);
        let p = preview(&long);
        assert_eq!(p.chars().count(), PREVIEW_CHARS + 1);
        assert!(p.ends_with('…'));
        assert_eq!(preview(&"x".repeat(PREVIEW_CHARS)), "x".repeat(PREVIEW_CHARS), "exactly the limit is not cut");
    }
}
