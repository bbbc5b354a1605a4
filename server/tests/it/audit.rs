//! The audit trail against the real database: one chain per tenant, no fork under concurrent
//! writers, the database refusing updates and deletes, and `verify` (and the `verify-audit`
//! command) finding a row that was altered or removed behind the application's back.

use crate::common::*;
use domain::audit::{self, Actor, AuditFilter, BrokenLink, Reason};
use domain::types::TenantSlug;
use sea_orm::ConnectionTrait;
use serde_json::json;

async fn verified(app: &TestApp, slug: &TenantSlug) -> audit::Verification {
    audit::verify_tenant(&app.db, slug).await.unwrap()
}

/// The newest entry's chain position (0 for an empty trail). The demo data may already have
/// written entries, so tests count from here.
async fn head(app: &TestApp, slug: &TenantSlug) -> i64 {
    let txn = app.db.tenant_txn(slug).await.unwrap();
    let newest = audit::list(&txn, &AuditFilter::default(), None, 1).await.unwrap();
    txn.rollback().await.unwrap();
    newest.first().map_or(0, |e| e.seq)
}

/// Runs one statement in the tenant's data and returns the database's error text, if any.
async fn try_sql(app: &TestApp, slug: &TenantSlug, sql: &str) -> Option<String> {
    let txn = app.db.tenant_txn(slug).await.unwrap();
    match txn.execute_unprepared(sql).await {
        Ok(_) => {
            txn.commit().await.unwrap();
            None
        }
        Err(e) => {
            txn.rollback().await.unwrap();
            Some(e.to_string())
        }
    }
}

fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_throughline"));
    cmd.env("THROUGHLINE_LOG", "warn").args(args);
    match &app.db_url {
        Some(url) => cmd.env("DATABASE_URL", url),
        None => cmd.env_remove("DATABASE_URL").env("THROUGHLINE_DATA_DIR", &app.config.data_dir),
    };
    cmd.output().unwrap()
}

#[tokio::test]
async fn each_tenant_keeps_its_own_chain_which_verifies_and_lists_newest_first() {
    let app = spawn_app().await;
    let (acme, bg) = (app.tenant(ACME).await.slug, app.tenant(BG).await.slug);
    let (acme_before, bg_before) = (head(&app, &acme).await, head(&app, &bg).await);
    let rule = Actor::Rule { name: "credit_check".into(), version: 3 };
    let client = Actor::ApiClient { id: uuid::Uuid::nil(), name: "acme-erp".into() };
    record_all(&app, &acme, &[
        (&dana(), "exception.claimed", "exception", "EX-1"),
        (&rule, "order.held", "order", "SO-1"),
        (&client, "order.created", "order", "SO-2"),
        (&Actor::System, "exception.escalated", "exception", "EX-1"),
        (&dana(), "exception.resolved", "exception", "EX-1"),
    ])
    .await;
    record_all(&app, &bg, &[(&dana(), "order.created", "order", "SO-1"), (&Actor::System, "order.closed", "order", "SO-1")]).await;

    assert_eq!(verified(&app, &acme).await, audit::Verification { entries: acme_before as u64 + 5, first_broken: None });
    assert_eq!(verified(&app, &bg).await, audit::Verification { entries: bg_before as u64 + 2, first_broken: None });

    let txn = app.db.tenant_txn(&acme).await.unwrap();
    let all = audit::list(&txn, &AuditFilter::default(), None, 5).await.unwrap();
    let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (acme_before + 1..=acme_before + 5).rev().collect::<Vec<_>>(), "newest first, no gaps");
    assert_eq!(all[1].actor_label(), "system");
    assert_eq!(all[3].actor_label(), "rule credit_check v3");
    if acme_before == 0 {
        assert_eq!(all[4].prev_hash, audit::GENESIS, "the first entry follows the genesis hash");
    }
    for pair in all.windows(2) {
        assert_eq!(pair[1].hash, pair[0].prev_hash, "each entry holds the previous entry's hash");
    }
    let ex1 = AuditFilter { entity_kind: Some("exception".into()), entity_id: Some("EX-1".into()), ..Default::default() };
    let history = audit::list(&txn, &ex1, None, 100).await.unwrap();
    assert_eq!(history.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["exception.resolved", "exception.escalated", "exception.claimed"]);
    let page2 = audit::list(&txn, &ex1, Some(history[0].seq), 1).await.unwrap();
    assert_eq!(page2[0].action, "exception.escalated", "the next page starts after the cursor");
    let by_actor = AuditFilter { actor: Some("DANA".into()), action: Some("exception.".into()), ..Default::default() };
    assert_eq!(audit::list(&txn, &by_actor, None, 100).await.unwrap().len(), 2, "actor any case, action by prefix");
    let wildcard = AuditFilter { action: Some("%".into()), ..Default::default() };
    assert!(audit::list(&txn, &wildcard, None, 100).await.unwrap().is_empty(), "a % in a filter is literal");
    let last = all[0].at;
    let window = AuditFilter { from: Some(last), to: Some(last + chrono::Duration::microseconds(1)), ..Default::default() };
    assert!(audit::list(&txn, &window, None, 100).await.unwrap().iter().any(|e| e.seq == all[0].seq), "from is inclusive");
    let csv = audit::to_csv(&history, true);
    assert_eq!(csv.lines().count(), 4);
    assert!(csv.lines().nth(1).unwrap().contains(&history[0].hash));
    txn.rollback().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_append_one_gapless_chain() {
    let app = spawn_app().await;
    let acme = app.tenant(ACME).await.slug;
    let before = head(&app, &acme).await;
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(8));
    let mut tasks = Vec::new();
    for n in 0..8 {
        let (db, slug, start) = (app.db.clone(), acme.clone(), start.clone());
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let txn = db.tenant_txn(&slug).await.unwrap();
            for step in ["first", "second"] {
                let id = format!("SO-{n}");
                audit::record(&txn, &Actor::System, &format!("order.{step}"), "order", &id, json!({"writer": n})).await.unwrap();
                tokio::task::yield_now().await;
            }
            txn.commit().await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(verified(&app, &acme).await, audit::Verification { entries: before as u64 + 16, first_broken: None });
    let txn = app.db.tenant_txn(&acme).await.unwrap();
    let mut entries = audit::list(&txn, &AuditFilter::default(), None, 16).await.unwrap();
    txn.rollback().await.unwrap();
    entries.reverse();
    for pair in entries.chunks(2) {
        assert_eq!((pair[0].entity_id.as_str(), pair[0].action.as_str(), pair[1].action.as_str()), (pair[1].entity_id.as_str(), "order.first", "order.second"),
            "a transaction's entries stay together: the chain is its until it commits");
    }
}

#[tokio::test]
async fn the_database_refuses_changes_and_verify_finds_a_row_altered_or_removed_behind_its_back() {
    let app = spawn_app().await;
    let (acme, bg) = (app.tenant(ACME).await.slug, app.tenant(BG).await.slug);
    record_all(&app, &acme, &[(&dana(), "payment.applied", "payment", "PAY-1"), (&dana(), "payment.applied", "payment", "PAY-2"), (&dana(), "payment.applied", "payment", "PAY-3")]).await;
    record_all(&app, &bg, &[(&dana(), "order.created", "order", "SO-1")]).await;
    let target = head(&app, &acme).await - 1;

    for sql in ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"] {
        let refused = try_sql(&app, &acme, sql).await.unwrap_or_else(|| panic!("{sql} must be refused"));
        assert!(refused.contains("the audit trail is append-only"), "{sql}: {refused}");
    }
    if app.db.is_postgres() {
        let refused = try_sql(&app, &acme, "TRUNCATE audit_log").await.expect("TRUNCATE must be refused");
        assert!(refused.contains("the audit trail is append-only"), "{refused}");
    }
    assert!(verified(&app, &acme).await.is_intact(), "refused statements changed nothing");

    behind_the_apps_back(&app, &acme, &format!("UPDATE audit_log SET payload = '{{\"amount_minor\":1}}' WHERE seq = {target}")).await;
    let v = verified(&app, &acme).await;
    assert_eq!(v.first_broken, Some(BrokenLink { seq: target, reason: Reason::HashMismatch }));
    assert_eq!(v.entries, target as u64 - 1, "the entries before it still check out");
    assert!(verified(&app, &bg).await.is_intact(), "another tenant's chain is untouched");

    let out = cli(&app, &["verify-audit", "--tenant", "acme"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "a broken chain exits non-zero");
    assert!(stdout.contains(&format!("tenant acme: chain broken at entry {target}: its hash does not match")), "{stdout}");
    let out = cli(&app, &["verify-audit", "--tenant", "bluegrass"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("tenant bluegrass: ") && stdout.contains(", chain intact"), "{stdout}");
    let out = cli(&app, &["verify-audit", "--all"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success() && stdout.contains("tenant acme: chain broken") && stdout.contains("tenant bluegrass: "), "{stdout}");

    record_all(&app, &bg, &[(&dana(), "order.shipped", "order", "SO-1"), (&dana(), "order.closed", "order", "SO-1")]).await;
    let removed = head(&app, &bg).await - 1;
    behind_the_apps_back(&app, &bg, &format!("DELETE FROM audit_log WHERE seq = {removed}")).await;
    let v = verified(&app, &bg).await;
    assert_eq!(v.first_broken, Some(BrokenLink { seq: removed, reason: Reason::SeqGap { found: removed + 1 } }));
}
