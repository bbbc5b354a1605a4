//! The partner console's tenant actions: a partner admin suspends one of its tenants (users
//! see a neutral page, the API answers 403, sessions end, background work waits, the data is
//! kept) and reactivates it; the tenant's audit trail names the partner user; another
//! partner can neither suspend nor even find it (rows of the cross-partner matrix).
use crate::common::*;
use domain::seed;

#[tokio::test]
async fn a_partner_suspends_a_tenant_and_reactivates_it_with_its_data_kept() {
    let app = spawn_app().await;
    let token = app.acme_token().await;
    assert_eq!(app.post(ACME, &token, "/api/v1/orders", &order_payload("SUSP-1", "C-1001")).await.status(), 201);
    let staff = signed_in(&app, ACME, "admin@acme.test").await;
    let (partner, csrf) = console(&app, "partner@northwind.test", PW).await;
    assert!(partner.get(app.url("localhost", "/partner")).send().await.unwrap().text().await.unwrap().contains("Suspend Acme Industrial Supply"));

    // A stale form is refused; a good one suspends.
    let r = post_form(&app, &partner, "localhost", "/partner/tenants/acme/suspend", &[("csrf", "nope")]).await;
    assert_eq!(r.status(), 403);
    // Without its confirmation box ticked, nothing happens.
    let r = post_form(&app, &partner, "localhost", "/partner/tenants/acme/suspend", &[("csrf", &csrf)]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/partner".into()));
    let page = partner.get(app.url("localhost", "/partner")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Nothing changed: tick the box that confirms suspending Acme Industrial Supply.") && !page.contains("suspended (data kept)"), "{page}");
    assert_eq!(app.browser().get(app.url(ACME, "/login")).send().await.unwrap().status(), 200, "still open");
    let r = post_form(&app, &partner, "localhost", "/partner/tenants/acme/suspend", &[("csrf", &csrf), ("confirm", "on")]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/partner".into()));
    let page = partner.get(app.url("localhost", "/partner")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("is suspended") && page.contains("Reactivate Acme Industrial Supply") && page.contains("suspended (data kept)"), "{page}");
    let again = post_form(&app, &partner, "localhost", "/partner/tenants/acme/suspend", &[("csrf", &csrf), ("confirm", "on")]).await;
    assert_eq!(again.status(), 303);
    assert!(partner.get(app.url("localhost", "/partner")).send().await.unwrap().text().await.unwrap().contains("already suspended"));

    // Users get a neutral page, the API a 403 problem; the signed-in staff session is over.
    let r = app.browser().get(app.url(ACME, "/login")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Acme Industrial Supply is suspended"));
    let v = problem(app.get(ACME, &token, "/api/v1/orders").await, 403).await;
    assert!(v["detail"].as_str().unwrap().contains("suspended"), "{v}");
    assert_eq!(staff.get(app.url(ACME, "/workspace")).send().await.unwrap().status(), 403);
    // Background work skips it while suspended, however its workers are woken: a job due now
    // is not claimed; maintenance still sees the tenant.
    let slug = app.tenant(BLUEGRASS).await.slug; // bluegrass is open: a control
    let acme_slug = domain::types::TenantSlug::parse("acme").unwrap();
    for t in [&acme_slug, &slug] {
        let txn = app.db.tenant_txn(t).await.unwrap();
        domain::jobs::enqueue(&txn, vec![domain::jobs::NewJob::new("dunning.run", serde_json::Value::Null, chrono::Utc::now())]).await.unwrap();
        txn.commit().await.unwrap();
    }
    let reg = server::workers::registry(&app.db, &app.config);
    let settings = domain::jobs::Settings::default();
    assert_eq!(domain::jobs::work_tenant(&app.db, &acme_slug, &reg, chrono::Utc::now(), &settings).await.unwrap().claimed, 0, "acme's job waits");
    assert!(domain::jobs::work_tenant(&app.db, &slug, &reg, chrono::Utc::now(), &settings).await.unwrap().claimed >= 1, "bluegrass's runs");
    let active = domain::tenancy::active_tenant_slugs(&app.db).await.unwrap();
    assert!(!active.iter().any(|t| t.as_str() == "acme") && active.iter().any(|t| t.as_str() == "bluegrass"));
    assert!(domain::tenancy::all_tenant_slugs(&app.db).await.unwrap().iter().any(|t| t.as_str() == "acme"));
    // Bluegrass, the same partner's other tenant, is untouched.
    assert_eq!(app.browser().get(app.url(BLUEGRASS, "/login")).send().await.unwrap().status(), 200);

    let r = post_form(&app, &partner, "localhost", "/partner/tenants/acme/reactivate", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    let token = app.acme_token().await;
    assert_eq!(order(&app, &token, "SUSP-1").await["number"], "SUSP-1", "the data is kept");
    assert_eq!(staff.get(app.url(ACME, "/workspace")).send().await.unwrap().status().as_u16(), 303, "the old session ended: sign in again");
    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    let csv = admin.get(app.url(ACME, "/workspace/admin/audit.csv")).send().await.unwrap().text().await.unwrap();
    assert!(csv.contains("tenant.suspended") && csv.contains("tenant.reactivated"), "{csv}");
    assert!(csv.contains("Nora Partner (Partner admin, Northwind Partners)"), "the partner user is named: {csv}");
}

#[tokio::test]
async fn cross_partner_matrix_another_partner_cannot_suspend_or_find_a_tenant() {
    let app = spawn_app().await;
    other_partner(&app).await;
    let (olga, csrf) = console(&app, "boss@other.test", "other-partner-pw").await;
    for action in ["suspend", "reactivate"] {
        let r = post_form(&app, &olga, "localhost", &format!("/partner/tenants/acme/{action}"), &[("csrf", &csrf), ("confirm", "on")]).await;
        assert_eq!(r.status(), 404, "{action}: another partner's tenant is not even found");
    }
    let r = post_form(&app, &olga, "localhost", "/partner/tenants/no-such/suspend", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 404);
    let r = post_form(&app, &olga, "localhost", "/partner/tenants/acme/suspend", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 404, "unconfirmed, it is still not found");
    assert_eq!(app.browser().get(app.url(ACME, "/login")).send().await.unwrap().status(), 200, "acme still open");
    // A tenant admin is not a partner admin, and the console is not served on a tenant host.
    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    let csrf_t = extract_csrf(&admin.get(app.url(ACME, "/workspace")).send().await.unwrap().text().await.unwrap());
    let r = post_form(&app, &admin, ACME, "/partner/tenants/acme/suspend", &[("csrf", &csrf_t)]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/workspace".into()), "sent to their own home");
    let r = post_form(&app, &app.browser(), "localhost", "/partner/tenants/acme/suspend", &[("csrf", &csrf)]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/login".into()), "signed out: sign in first");
    assert_eq!(app.browser().get(app.url(ACME, "/login")).send().await.unwrap().status(), 200, "acme still open");
    // Olga runs her own.
    let r = post_form(&app, &olga, "localhost", "/partner/tenants/zenith/suspend", &[("csrf", &csrf), ("confirm", "on")]).await;
    assert_eq!(r.status(), 303);
    let site = domain::tenancy::resolve_site(&app.db, "zenith.localhost", "localhost").await.unwrap();
    assert!(matches!(site, Some(domain::tenancy::Site::Suspended(ref name)) if name == "Zenith Wholesale"), "{site:?}");
}

#[tokio::test]
async fn the_tls_ask_endpoint_answers_only_for_names_served_here() {
    use sea_orm::ActiveModelTrait;
    let app = spawn_app().await;
    let acme = app.tenant(ACME).await;
    seed::add_custom_domain(&app.db, acme.id, "portal.acme-supply.test").await.unwrap();
    let now = chrono::Utc::now();
    domain::domains::pending(acme.id, "pending.acme-supply.test", now)
        .insert(app.db.platform())
        .await
        .unwrap();
    let b = app.browser();
    let cases = [
        ("portal.acme-supply.test", 200),
        ("PORTAL.Acme-Supply.test", 200),
        ("acme.localhost", 200),
        ("localhost", 200),
        ("pending.acme-supply.test", 404),
        ("nope.localhost", 404),
        ("evil.example", 404),
        ("", 400),
    ];
    for (name, status) in cases {
        let r = b.get(app.url("localhost", "/internal/tls/ask")).query(&[("domain", name)]).send().await.unwrap();
        assert_eq!(r.status(), status, "{name:?}");
    }
    assert_eq!(b.get(app.url("localhost", "/internal/tls/ask")).send().await.unwrap().status(), 400, "no domain at all");
    // A suspended tenant's names still get certificates: its users must reach its notice.
    let (partner, csrf) = console(&app, "partner@northwind.test", PW).await;
    assert_eq!(post_form(&app, &partner, "localhost", "/partner/tenants/acme/suspend", &[("csrf", &csrf), ("confirm", "on")]).await.status(), 303);
    let r = b.get(app.url("localhost", "/internal/tls/ask")).query(&[("domain", "portal.acme-supply.test")]).send().await.unwrap();
    assert_eq!(r.status(), 200);
}
