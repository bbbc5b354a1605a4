//! Health across tenants: each tenant's health.snapshot job measures it into the platform's
//! tenant_health table; the partner console lists its tenants most trouble first from that
//! table alone, with the figures and a sparkline, and each row opens the tenant's health page.
//! Another partner sees neither (rows of the cross-partner matrix).
use crate::common::*;
use chrono::{Duration, Utc};
use domain::jobs::NewJob;
use domain::types::TenantSlug;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

#[tokio::test]
async fn the_console_lists_tenants_most_trouble_first_from_their_health_snapshots() {
    let app = spawn_app().await;
    let now = Utc::now();
    // Two jobs of Bluegrass end dead-lettered (no handler knows their kind).
    let bluegrass = TenantSlug::parse("bluegrass").unwrap();
    let txn = app.db.tenant_txn(&bluegrass).await.unwrap();
    let jobs = (0..2).map(|i| NewJob::new("no.such.job", json!({ "i": i }), now).attempts(1)).collect();
    domain::jobs::enqueue(&txn, jobs).await.unwrap();
    txn.commit().await.unwrap();
    server::workers::run_due(&app.db, &app.config, now).await.unwrap();
    // Measured again a period later, now that they are dead.
    server::workers::run_due(&app.db, &app.config, now + Duration::seconds(domain::health::EVERY_SECS + 1)).await.unwrap();
    let txn = app.db.tenant_txn(&bluegrass).await.unwrap();
    let dead = domain::health::measure(&txn, now).await.unwrap().dead_jobs;
    txn.commit().await.unwrap();
    assert!(dead >= 2, "{dead}");
    let rows = domain::health::entity::Entity::find().count(app.db.platform()).await.unwrap();
    assert!(rows >= 2, "one row per tenant and day: {rows}");

    let (partner, _) = console(&app, "partner@northwind.test", PW).await;
    let (status, html) = page(&app, &partner, "localhost", "/partner").await;
    assert_eq!(status, 200);
    let (bg, acme) = (html.find("data-testid=\"tenant-bluegrass\"").expect("bluegrass row"), html.find("data-testid=\"tenant-acme\"").expect("acme row"));
    // Rows in order of trouble, most first.
    let troubles: Vec<i32> = html.split("data-testid=\"trouble\"").skip(1).map(|r| r[r.find('>').unwrap() + 1..r.find('<').unwrap()].parse().unwrap()).collect();
    assert!(troubles.len() == 2 && troubles[0] >= troubles[1], "{troubles:?}");
    let (first, second) = if bg < acme { (bg, acme) } else { (acme, bg) };
    let row = &html[bg..if bg == first { second } else { html.len() }];
    assert!(row.contains(&format!("Dead jobs</dt><dd>{dead}</dd>")), "the dead jobs as measured: {row}");
    assert!(row.contains("aria-label=\"Events per day of Bluegrass Foodservice over the last 14 days\""), "a sparkline: {row}");
    assert!(row.contains("/partner/tenants/bluegrass/health"), "the row opens the health page");

    let (status, health) = page(&app, &partner, "localhost", "/partner/tenants/bluegrass/health").await;
    assert_eq!(status, 200);
    assert!(health.contains("Health of Bluegrass Foodservice") && health.contains("data-testid=\"health-days\"") && health.contains(&now.format("%-d %b").to_string()), "{health}");

    // Another partner: not listed, and the page is 404.
    other_partner(&app).await;
    let (other, _) = console(&app, "boss@other.test", "other-partner-pw").await;
    let (_, theirs) = page(&app, &other, "localhost", "/partner").await;
    assert!(!theirs.contains("Bluegrass") && theirs.contains("Zenith Wholesale"), "{theirs}");
    let (status, _) = page(&app, &other, "localhost", "/partner/tenants/bluegrass/health").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_measurement_counts_what_is_open_stuck_and_received() {
    let app = spawn_app().await;
    let acme = TenantSlug::parse("acme").unwrap();
    let now = Utc::now();
    behind_the_apps_back(&app, &acme, "UPDATE exceptions SET sla_due_at = '2020-01-01 00:00:00+00:00' WHERE status <> 'resolved'").await;
    let txn = app.db.tenant_txn(&acme).await.unwrap();
    let m = domain::health::measure(&txn, now).await.unwrap();
    txn.commit().await.unwrap();
    assert!(m.open_exceptions > 0 && m.sla_breaches == m.open_exceptions, "{m:?}");
    assert!(m.oldest_open_at.is_some() && m.last_event_at.is_some(), "{m:?}");
    assert!(domain::health::trouble(&m, now) >= 20 * m.sla_breaches, "{m:?}");
}

#[tokio::test]
async fn health_history_is_kept_for_its_days_and_deleted_after() {
    let app = spawn_app().await;
    let acme = app.tenant(ACME).await.id;
    let now = Utc::now();
    let keep = domain::health::KEEP_DAYS;
    for age in [keep + 1, keep - 1, 0] {
        domain::health::record(&app.db, acme, &domain::health::Measured::default(), now - Duration::days(age)).await.unwrap();
    }
    server::workers::run_due(&app.db, &app.config, now).await.unwrap();
    let days: Vec<i64> = domain::health::entity::Entity::find()
        .filter(domain::health::entity::Column::TenantId.eq(acme))
        .all(app.db.platform())
        .await
        .unwrap()
        .into_iter()
        .map(|h| (now.date_naive() - h.day).num_days())
        .collect();
    assert!(!days.contains(&(keep + 1)) && days.contains(&(keep - 1)) && days.contains(&0), "older than {keep} days deleted, the rest kept: {days:?}");
}

#[tokio::test]
async fn the_console_searches_and_pages_its_tenants_most_trouble_first() {
    let app = spawn_app().await;
    let today = Utc::now().date_naive();
    let (acme, bluegrass) = (app.tenant(ACME).await.id, app.tenant("bluegrass.localhost").await.id);
    let mut m = domain::health::Measured { dead_jobs: 3, ..Default::default() };
    domain::health::record(&app.db, bluegrass, &m, Utc::now()).await.unwrap();
    m.dead_jobs = 0;
    domain::health::record(&app.db, acme, &m, Utc::now()).await.unwrap();
    other_partner(&app).await;

    // Searching by part of the name or the address, any case.
    let (partner, _) = console(&app, "partner@northwind.test", PW).await;
    let (status, html) = page(&app, &partner, "localhost", "/partner?q=BLUE").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"tenant-bluegrass\"") && !html.contains("data-testid=\"tenant-acme\""), "{html}");
    assert!(html.contains("tenants match"), "the count of matches: {html}");
    let (_, html) = page(&app, &partner, "localhost", "/partner?q=acm").await;
    assert!(html.contains("data-testid=\"tenant-acme\"") && !html.contains("data-testid=\"tenant-bluegrass\""));
    let (_, html) = page(&app, &partner, "localhost", "/partner?q=zenith").await;
    assert!(html.contains("No tenant matches.") && !html.contains("Zenith"), "another partner's tenant is not found: {html}");

    // A page at a time, most trouble first; a page out of range shows the last.
    let nora = domain::auth::load_principal(&app.db, &domain::tenancy::Scope::Platform, nora_id(&app).await).await.unwrap().unwrap();
    let first = domain::console::list(&app.db, &nora, "", 1, 1, today).await.unwrap();
    assert_eq!((first.rows.len(), first.page, first.pages, first.matching), (1, 1, first.total, first.total));
    assert_eq!(first.rows[0].slug, "bluegrass", "the tenant in most trouble first");
    assert!(first.in_trouble >= 1 && first.rows[0].health.last().map(|h| h.dead_jobs) == Some(3));
    let last = domain::console::list(&app.db, &nora, "", 99, 1, today).await.unwrap();
    assert_eq!(last.page, last.pages);
    assert!(!last.rows.iter().any(|r| r.slug == "zenith"));
    let all = domain::console::list(&app.db, &nora, "", 1, 50, today).await.unwrap();
    assert_eq!(all.rows.len(), all.total);
    assert!(!all.rows.iter().any(|r| r.slug == "zenith"), "only the partner's own tenants");

    // A tenant user's principal lists nothing.
    let clerk = domain::auth::Principal { user_id: uuid::Uuid::nil(), name: "C".into(), email: "c@x".into(), role: domain::types::Role::ArClerk, customer_name: None, customer_id: None, partner_id: Some(nora.partner_id.unwrap()), support_session: None };
    assert_eq!(domain::console::list(&app.db, &clerk, "", 1, 50, today).await.unwrap().total, 0);
}
