//! The tenant admin's audit trail and jobs pages through HTTP, as a browser uses them: the
//! trail filtered, paged, exported and verified (intact, then altered behind the app's back);
//! dead jobs retried and discarded with an audit entry each; clerks, forms without the CSRF
//! token and the other tenant refused.

use chrono::Utc;
use crate::common::*;
use domain::audit::{self, Actor, AuditFilter};
use domain::jobs::{self, NewJob, Settings};
use domain::types::TenantSlug;
use sea_orm::EntityTrait;
use serde_json::json;

const AUDIT: &str = "/workspace/admin/audit";
const JOBS: &str = "/workspace/admin/jobs";

fn rows(html: &str) -> usize {
    html.matches("data-testid=\"audit-entry\"").count()
}

/// The jobs page's count of `status`.
fn count<'a>(html: &'a str, status: &str) -> &'a str {
    let at = html.find(&format!("data-testid=\"count-{status}\"")).expect("a count per status");
    let text = &html[at..];
    let start = text.find('>').unwrap() + 1;
    &text[start..start + text[start..].find('<').unwrap()]
}

/// A job of a kind no handler knows, run once: dead-lettered at once. Answers its id.
async fn dead_job(app: &TestApp, slug: &TenantSlug, kind: &str) -> uuid::Uuid {
    let txn = app.db.tenant_txn(slug).await.unwrap();
    jobs::enqueue(&txn, vec![NewJob::new(kind, json!({"invoice": "INV-9"}), Utc::now())]).await.unwrap();
    txn.commit().await.unwrap();
    jobs::drain_tenant(&app.db, slug, &server::workers::registry(&app.db, &app.config), Utc::now(), &Settings::default()).await.unwrap();
    let job = job_rows(app, slug).await.into_iter().find(|j| j.kind == kind).expect("the job exists");
    assert_eq!(job.status, "dead", "an unknown kind is dead-lettered at once");
    job.id
}

async fn job_rows(app: &TestApp, slug: &TenantSlug) -> Vec<jobs::entity::Model> {
    let txn = app.db.tenant_txn(slug).await.unwrap();
    let all = jobs::entity::Entity::find().all(&*txn).await.unwrap();
    txn.rollback().await.unwrap();
    all
}

async fn job(app: &TestApp, slug: &TenantSlug, id: uuid::Uuid) -> Option<jobs::entity::Model> {
    job_rows(app, slug).await.into_iter().find(|j| j.id == id)
}

/// Posts a job's Retry or Discard form.
async fn job_form(app: &TestApp, b: &reqwest::Client, host: &str, id: uuid::Uuid, action: &str, csrf: Option<&str>) -> reqwest::Response {
    let form: Vec<(&str, &str)> = csrf.map(|c| vec![("csrf", c)]).unwrap_or_default();
    post_form(app, b, host, &format!("{JOBS}/{id}/{action}"), &form).await
}

fn job_filter() -> AuditFilter {
    AuditFilter { action: Some("job.".into()), ..Default::default() }
}

#[tokio::test]
async fn a_tenant_admin_filters_exports_and_verifies_the_audit_trail() {
    let app = spawn_app().await;
    let (acme, bg) = (app.tenant(ACME).await.slug, app.tenant(BG).await.slug);
    let rule = Actor::Rule { name: "credit_check".into(), version: 3 };
    record_all(&app, &acme, &[
        (&dana(), "exception.claimed", "exception", "EX-1"),
        (&rule, "order.held", "order", "SO-77"),
        (&Actor::System, "exception.escalated", "exception", "EX-1"),
    ])
    .await;
    record_all(&app, &bg, &[(&dana(), "order.created", "order", "BG-ONLY-1")]).await;
    let b = signed_in(&app, ACME, "admin@acme.test").await;

    let (status, html) = page(&app, &b, ACME, AUDIT).await;
    assert_eq!(status, 200);
    for shown in ["EX-1", "SO-77", "rule credit_check v3", "user Dana Clerk", "exception.escalated"] {
        assert!(html.contains(shown), "{shown} is on the page");
    }
    assert!(!html.contains("BG-ONLY-1"), "never another tenant's entries");

    // Each filter narrows the list: (query, shown, not shown).
    // The day the entries were written (not "now", which may be past midnight already).
    let today = audit_entries(&app, &acme, AuditFilter::default()).await[0].at.date_naive();
    let (yesterday, tomorrow) = (today.pred_opt().unwrap(), today.succ_opt().unwrap());
    let in_an_hour = (Utc::now() + chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let cases = [
        ("kind=order".to_owned(), Some("SO-77"), "EX-1"),
        ("actor=dana".into(), Some("exception.claimed"), "order.held"),
        ("action=exception.esc".into(), Some("exception.escalated"), "exception.claimed"),
        ("kind=exception&entity=EX-1".into(), Some("EX-1"), "SO-77"),
        (format!("from={today}&to={today}"), Some("SO-77"), "BG-ONLY-1"),
        (format!("from={tomorrow}"), None, "SO-77"),
        (format!("to={yesterday}"), None, "SO-77"),
        // The browser's instant for the start of the local day wins over the UTC day.
        (format!("from={today}&from_at={in_an_hour}"), None, "SO-77"),
    ];
    for (query, shown, hidden) in cases {
        let (status, html) = page(&app, &b, ACME, &format!("{AUDIT}?{query}")).await;
        assert_eq!(status, 200, "{query}");
        match shown {
            Some(s) => assert!(html.contains(s), "{query} shows {s}"),
            None => assert!(html.contains("No entries match these filters"), "{query} shows nothing"),
        }
        assert!(!html.contains(hidden), "{query} hides {hidden}");
    }
    let (_, html) = page(&app, &b, ACME, &format!("{AUDIT}?from=1/3/2026")).await;
    assert!(html.contains("is not a date (YYYY-MM-DD)"), "a clear message for a bad date");

    // The export has the header, the filtered rows and downloads as a file.
    let r = b.get(app.url(ACME, "/workspace/admin/audit.csv?kind=exception")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let disposition = r.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment; filename=\"audit-acme-"), "{disposition}");
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], audit::CSV_HEADER.join(","));
    assert_eq!(lines.len(), 1 + audit_entries(&app, &acme, AuditFilter { entity_kind: Some("exception".into()), ..Default::default() }).await.len());
    assert!(lines[1].contains("exception.escalated") && lines[2].contains("exception.claimed"), "newest first: {csv}");
    assert!(!csv.contains("SO-77"));

    // Verify: intact, with the entry count.
    let n = audit::verify_tenant(&app.db, &acme).await.unwrap().entries;
    let (_, html) = page(&app, &b, ACME, &format!("{AUDIT}?verify=1")).await;
    assert!(html.contains(&format!("{n} entries, chain intact")), "the verification is shown");
    assert!(!html.contains("tampered"));
}

#[tokio::test]
async fn pages_and_the_export_walk_a_long_trail_by_chain_position() {
    let app = spawn_app().await;
    let acme = app.tenant(ACME).await.slug;
    let ids: Vec<String> = (0..1005).map(|i| format!("B-{i}")).collect();
    let bulk: Vec<(&Actor, &str, &str, &str)> = ids.iter().map(|id| (&Actor::System, "bulk.loaded", "bulk", id.as_str())).collect();
    record_all(&app, &acme, &bulk).await;
    let stored = audit_entries(&app, &acme, AuditFilter { entity_kind: Some("bulk".into()), ..Default::default() }).await;
    let b = signed_in(&app, ACME, "admin@acme.test").await;

    let (_, first) = page(&app, &b, ACME, &format!("{AUDIT}?kind=bulk")).await;
    assert_eq!(rows(&first), 50);
    let after = stored[49].seq;
    assert!(first.contains("Older →") && first.contains(&format!("after={after}")), "an Older link continues after the 50th entry");
    let (_, second) = page(&app, &b, ACME, &format!("{AUDIT}?kind=bulk&after={after}")).await;
    assert_eq!(rows(&second), 50);
    assert!(second.contains(&stored[50].entity_id) && second.contains("Newest"), "the next 50, and a way back");
    let (_, last) = page(&app, &b, ACME, &format!("{AUDIT}?kind=bulk&after={}", stored[999].seq)).await;
    assert_eq!(rows(&last), 5, "the last page");
    assert!(!last.contains("Older →"), "no link past the oldest entry");

    // The export streams more than one page of the store, each entry once.
    let csv = b.get(app.url(ACME, "/workspace/admin/audit.csv?kind=bulk")).send().await.unwrap().text().await.unwrap();
    let seqs: Vec<i64> = csv.lines().skip(1).map(|l| l.split(',').next().unwrap().parse().unwrap()).collect();
    let newest = stored[0].seq;
    assert_eq!(seqs, (newest - 1004..=newest).rev().collect::<Vec<_>>(), "one transaction wrote them at consecutive positions");
}

#[tokio::test]
async fn an_altered_entry_shows_as_a_broken_link_in_a_red_alert() {
    let app = spawn_app().await;
    let acme = app.tenant(ACME).await.slug;
    record_all(&app, &acme, &[(&dana(), "exception.claimed", "exception", "EX-1"), (&dana(), "exception.resolved", "exception", "EX-1")]).await;
    let claimed = audit_entries(&app, &acme, AuditFilter { action: Some("exception.claimed".into()), ..Default::default() }).await[0].seq;
    behind_the_apps_back(&app, &acme, &format!("UPDATE audit_log SET actor_name = 'Mallory' WHERE seq = {claimed}")).await;
    let b = signed_in(&app, ACME, "admin@acme.test").await;
    let (status, html) = page(&app, &b, ACME, &format!("{AUDIT}?verify=1")).await;
    assert_eq!(status, 200);
    let alert = html.find("role=\"alert\"").expect("a red alert");
    let text = &html[alert..];
    assert!(text.contains(&format!("chain broken at entry {claimed}: its hash does not match its contents")), "{text}");
}

#[tokio::test]
async fn dead_jobs_are_listed_retried_and_discarded_with_an_audit_entry_each() {
    let app = spawn_app().await;
    let acme = app.tenant(ACME).await.slug;
    // The demo's invoice e-mails would die here too (no SMTP server): only this test's jobs.
    behind_the_apps_back(&app, &acme, "DELETE FROM jobs").await;
    let (a, d) = (dead_job(&app, &acme, "mail.nowhere").await, dead_job(&app, &acme, "fax.nowhere").await);
    let b = signed_in(&app, ACME, "admin@acme.test").await;
    let (status, html) = page(&app, &b, ACME, JOBS).await;
    assert_eq!(status, 200);
    for shown in [a.to_string(), d.to_string(), "mail.nowhere".into(), "no handler for jobs of kind".into(), "INV-9".into()] {
        assert!(html.contains(&shown), "{shown} is listed");
    }
    assert_eq!(count(&html, "dead"), "2", "counts by status");
    let csrf = extract_csrf(&html);

    let r = job_form(&app, &b, ACME, a, "retry", Some(&csrf)).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, JOBS.to_owned()));
    let retried = job(&app, &acme, a).await.unwrap();
    assert_eq!((retried.status.as_str(), retried.attempts, retried.finished_at), ("queued", 0, None));
    let (_, html) = page(&app, &b, ACME, JOBS).await;
    assert!(html.contains("The mail.nowhere job is queued again"), "a notice says what happened");

    let r = job_form(&app, &b, ACME, d, "discard", Some(&csrf)).await;
    assert_eq!(location(&r), JOBS);
    assert!(job(&app, &acme, d).await.is_none(), "discarded");
    let (_, html) = page(&app, &b, ACME, JOBS).await;
    assert!(html.contains("The fax.nowhere job was discarded") && html.contains("No dead jobs"));

    // A job that is no longer dead is not retried again, and nothing more is audited.
    job_form(&app, &b, ACME, a, "retry", Some(&csrf)).await;
    let (_, html) = page(&app, &b, ACME, JOBS).await;
    assert!(html.contains("There is no such dead job"));

    let trail = audit_entries(&app, &acme, job_filter()).await;
    let got: Vec<(&str, &str, &str)> = trail.iter().map(|e| (e.action.as_str(), e.entity_kind.as_str(), e.entity_id.as_str())).collect();
    assert_eq!(got, [("job.discarded", "job", d.to_string().as_str()), ("job.retried", "job", a.to_string().as_str())]);
    assert!(trail.iter().all(|e| e.actor_label() == "user Ada Admin"), "the admin who did it");
    let payload: serde_json::Value = serde_json::from_str(&trail[1].payload).unwrap();
    assert_eq!(payload, json!({"kind": "mail.nowhere", "last_error": "attempt 1: no handler for jobs of kind \"mail.nowhere\""}));
    assert!(audit::verify_tenant(&app.db, &acme).await.unwrap().is_intact());
}

#[tokio::test]
async fn clerks_and_forms_without_the_right_token_are_refused() {
    let app = spawn_app().await;
    let acme = app.tenant(ACME).await.slug;
    record_all(&app, &acme, &[(&dana(), "exception.claimed", "exception", "EX-SECRET")]).await;
    let id = dead_job(&app, &acme, "mail.nowhere").await;

    let clerk = signed_in(&app, ACME, "clerk@acme.test").await;
    for path in [AUDIT.to_owned(), format!("{AUDIT}?verify=1"), "/workspace/admin/audit.csv".into(), JOBS.into()] {
        let (status, html) = page(&app, &clerk, ACME, &path).await;
        assert_eq!(status, 403, "{path}");
        assert!(!html.contains("EX-SECRET") && !html.contains("mail.nowhere"), "{path} shows nothing");
    }
    let clerk_csrf = extract_csrf(&page(&app, &clerk, ACME, "/workspace").await.1);
    for action in ["retry", "discard"] {
        assert_eq!(job_form(&app, &clerk, ACME, id, action, Some(&clerk_csrf)).await.status(), 403, "clerk {action}");
    }

    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    for (what, csrf) in [("missing", None), ("wrong", Some("0".repeat(64))), ("the clerk's", Some(clerk_csrf.clone()))] {
        for action in ["retry", "discard"] {
            assert_eq!(job_form(&app, &admin, ACME, id, action, csrf.as_deref()).await.status(), 403, "{what} token, {action}");
        }
    }
    assert_eq!(job(&app, &acme, id).await.unwrap().status, "dead", "untouched");
    assert!(audit_entries(&app, &acme, job_filter()).await.is_empty(), "nothing audited");
}

#[tokio::test]
async fn another_tenants_admin_reaches_nothing() {
    let app = spawn_app().await;
    let (acme, bg) = (app.tenant(ACME).await.slug, app.tenant(BG).await.slug);
    record_all(&app, &bg, &[(&dana(), "exception.claimed", "exception", "BG-SECRET")]).await;
    let bg_job = dead_job(&app, &bg, "bg.nowhere").await;
    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    let csrf = extract_csrf(&page(&app, &admin, ACME, JOBS).await.1);

    // Acme's session is no session on bluegrass's host.
    for path in [AUDIT, "/workspace/admin/audit.csv", JOBS] {
        let r = admin.get(app.url(BG, path)).send().await.unwrap();
        assert_eq!(location(&r), "/login", "{path}");
        assert!(!r.text().await.unwrap().contains("BG-SECRET"));
    }
    for action in ["retry", "discard"] {
        let r = job_form(&app, &admin, BG, bg_job, action, Some(&csrf)).await;
        assert_eq!(location(&r), "/login", "{action} on bluegrass's host");
    }
    // Bluegrass's job id through acme's host is no job at all.
    for action in ["retry", "discard"] {
        let r = job_form(&app, &admin, ACME, bg_job, action, Some(&csrf)).await;
        assert_eq!(location(&r), JOBS);
        let (_, html) = page(&app, &admin, ACME, JOBS).await;
        assert!(html.contains("There is no such dead job"), "{action}");
    }
    assert_eq!(job(&app, &bg, bg_job).await.unwrap().status, "dead", "bluegrass's job is untouched");
    assert!(audit_entries(&app, &bg, job_filter()).await.is_empty() && audit_entries(&app, &acme, job_filter()).await.is_empty(), "nothing audited");
}
