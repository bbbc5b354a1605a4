//! Support sessions: a partner admin enters a tenant's workspace only through one. Without the
//! tenant's approval policy it opens at once; the console's one-time link signs the partner in
//! on the tenant's host as a tenant admin under their own name, which the audit trail
//! records; the link works once; the session ends when it runs out. With the policy on, the
//! partner waits for an admin's approval, and an admin ends the session. Another partner,
//! another tenant's host or admin, and the support user themselves reach nothing they should
//! not (cross-partner rows).
use crate::common::*;
use domain::support::entity as support;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

const PAGE: &str = "/partner/tenants/acme/support";
const ADMIN: &str = "/workspace/admin/support";

/// Asks for a session; returns its id (from the newest row's enter form or admin buttons).
async fn ask(app: &TestApp, partner: &reqwest::Client, csrf: &str, reason: &str) -> String {
    let r = post_form(app, partner, "localhost", PAGE, &[("csrf", csrf), ("reason", reason), ("minutes", "30")]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, PAGE.into()));
    let acme = app.tenant(ACME).await;
    let txn = app.db.tenant_txn(&acme.slug).await.unwrap();
    let s = domain::support::recent(&txn).await.unwrap().into_iter().find(|s| s.reason == reason).expect("the session");
    txn.commit().await.unwrap();
    s.id.to_string()
}

/// The one-time link on the page the console's enter button answers with.
async fn link_of(app: &TestApp, partner: &reqwest::Client, csrf: &str, id: &str) -> String {
    let r = post_form(app, partner, "localhost", &format!("{PAGE}/{id}/enter"), &[("csrf", csrf)]).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["cache-control"].to_str().unwrap().contains("no-store"));
    let html = r.text().await.unwrap();
    let at = html.find("http://acme.localhost:").expect("the link");
    let link = &html[at..at + html[at..].find('"').unwrap()];
    assert!(link.contains("/support/enter/"), "{link}");
    link.to_owned()
}

/// Follows the console's enter button to the tenant's host in a fresh browser; returns it and
/// the link's path.
async fn enter(app: &TestApp, partner: &reqwest::Client, csrf: &str, id: &str) -> (reqwest::Client, String) {
    let to = link_of(app, partner, csrf, id).await;
    assert!(to.starts_with("http://acme.localhost:"), "{to}");
    let path = to[to.find("/support/enter/").unwrap()..].to_owned();
    let b = app.browser();
    let r = b.get(app.url(ACME, &path)).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/workspace".into()));
    (b, path)
}

/// The demo partner admin's platform user id.
async fn set_expiry_past(app: &TestApp, id: &str) {
    let acme = app.tenant(ACME).await;
    let txn = app.db.tenant_txn(&acme.slug).await.unwrap();
    let past = chrono::Utc::now() - chrono::Duration::minutes(1);
    support::Entity::update_many().col_expr(support::Column::ExpiresAt, Expr::value(past)).filter(support::Column::Id.eq(id.parse::<uuid::Uuid>().unwrap())).exec(&txn).await.unwrap();
    txn.commit().await.unwrap();
}

#[tokio::test]
async fn a_partner_enters_a_workspace_by_a_support_session_under_their_own_name() {
    let app = spawn_app().await;
    let (partner, csrf) = console(&app, "partner@northwind.test", PW).await;
    let (status, html) = page(&app, &partner, "localhost", PAGE).await;
    assert!(status == 200 && html.contains("Support access to Acme Industrial Supply") && html.contains("do not require approval"), "{html}");
    let r = post_form(&app, &partner, "localhost", PAGE, &[("csrf", &csrf), ("reason", " "), ("minutes", "30")]).await;
    assert_eq!(r.status(), 303);
    assert!(page(&app, &partner, "localhost", PAGE).await.1.contains("Not asked: say why you need to enter"));

    let id = ask(&app, &partner, &csrf, "INV-7 shows the wrong total to Initech").await;
    let (_, html) = page(&app, &partner, "localhost", PAGE).await;
    assert!(html.contains("is open for 30 minutes") && html.contains("Active") && html.contains("Enter workspace"), "{html}");
    let (support_browser, link) = enter(&app, &partner, &csrf, &id).await;
    let (status, ws) = page(&app, &support_browser, ACME, "/workspace/admin").await;
    assert!(status == 200 && ws.contains("Nora Partner (support, Northwind Partners)"), "a tenant admin under their own name: {ws}");
    let again = app.browser().get(app.url(ACME, &link)).send().await.unwrap();
    assert_eq!(again.status(), 404, "the link works once");

    // What they do is audited under their name; they cannot approve support sessions.
    let csrf_s = extract_csrf(&ws);
    let r = post_form(&app, &support_browser, ACME, "/workspace/admin/domains", &[("csrf", &csrf_s), ("domain", "help.acme-supply.test")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(post_form(&app, &support_browser, ACME, &format!("{ADMIN}/policy"), &[("csrf", &csrf_s), ("required", "on")]).await.status(), 403);
    // Nor grant itself access that outlives the session, or lock the admins out.
    let r = post_form(&app, &support_browser, ACME, "/workspace/admin/api-clients", &[("csrf", &csrf_s), ("name", "backdoor"), ("read", "on")]).await;
    assert_eq!(r.status(), 403, "no API clients");
    let r = post_form(&app, &support_browser, ACME, "/workspace/admin/webhooks/new", &[("csrf", &csrf_s), ("url", "https://hooks.example.test/x"), ("event_types", "invoice.posted")]).await;
    assert_eq!(r.status(), 403, "no webhook endpoints");
    let r = post_form(&app, &support_browser, ACME, "/workspace/admin/users/disable", &[("csrf", &csrf_s), ("email", "admin@acme.test")]).await;
    assert_eq!(r.status(), 403, "no user changes");
    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    let csv = admin.get(app.url(ACME, "/workspace/admin/audit.csv")).send().await.unwrap().text().await.unwrap();
    for action in ["support.requested", "support.entered", "domain.added"] {
        let row = csv.lines().find(|l| l.contains(action)).unwrap_or_else(|| panic!("{action}: {csv}"));
        assert!(row.contains("Nora Partner"), "{row}");
    }
    let added = csv.lines().find(|l| l.contains("domain.added")).unwrap();
    assert!(added.contains("Nora Partner (support, Northwind Partners)"), "{added}");

    // When it runs out, the partner is signed out of the workspace.
    set_expiry_past(&app, &id).await;
    let r = support_browser.get(app.url(ACME, "/workspace/admin")).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/login".into()));
    let (_, html) = page(&app, &partner, "localhost", PAGE).await;
    assert!(html.contains("Expired") && !html.contains("Enter workspace"), "{html}");
}

#[tokio::test]
async fn with_the_policy_on_an_admin_approves_and_ends_a_support_session() {
    let app = spawn_app().await;
    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    let (_, html) = page(&app, &admin, ACME, ADMIN).await;
    let csrf_a = extract_csrf(&html);
    let r = post_form(&app, &admin, ACME, &format!("{ADMIN}/policy"), &[("csrf", &csrf_a), ("required", "on")]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, ADMIN.into()));
    assert!(page(&app, &admin, ACME, ADMIN).await.1.contains("now wait for an admin"));

    let (partner, csrf) = console(&app, "partner@northwind.test", PW).await;
    let id = ask(&app, &partner, &csrf, "help with the EDI 810 mapping").await;
    let (_, html) = page(&app, &partner, "localhost", PAGE).await;
    assert!(html.contains("requires approval") && html.contains("Waiting for the tenant's approval") && !html.contains("Enter workspace"), "{html}");
    let r = post_form(&app, &partner, "localhost", &format!("{PAGE}/{id}/enter"), &[("csrf", &csrf)]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, PAGE.into()), "no link before approval");

    let (_, html) = page(&app, &admin, ACME, ADMIN).await;
    assert!(html.contains("help with the EDI 810 mapping") && html.contains("Approve"), "{html}");
    let r = post_form(&app, &admin, ACME, &format!("{ADMIN}/{id}/approve"), &[("csrf", &csrf_a)]).await;
    assert_eq!(r.status(), 303);
    let (support_browser, _) = enter(&app, &partner, &csrf, &id).await;
    assert_eq!(page(&app, &support_browser, ACME, "/workspace/admin").await.0, 200);
    let r = post_form(&app, &admin, ACME, &format!("{ADMIN}/{id}/approve"), &[("csrf", &csrf_a)]).await;
    assert_eq!(r.status(), 303);
    assert!(page(&app, &admin, ACME, ADMIN).await.1.contains("Nothing changed: this support session is active"));

    let r = post_form(&app, &admin, ACME, &format!("{ADMIN}/{id}/end"), &[("csrf", &csrf_a)]).await;
    assert_eq!(r.status(), 303);
    let r = support_browser.get(app.url(ACME, "/workspace/admin")).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/login".into()), "ended by the admin");
    let csv = admin.get(app.url(ACME, "/workspace/admin/audit.csv")).send().await.unwrap().text().await.unwrap();
    for action in ["support.approval_required", "support.approved", "support.ended"] {
        let row = csv.lines().find(|l| l.contains(action)).unwrap_or_else(|| panic!("{action}: {csv}"));
        assert!(row.contains("Ada Admin"), "{row}");
    }
    // A denied request never opens.
    let id2 = ask(&app, &partner, &csrf, "second look").await;
    assert_eq!(post_form(&app, &admin, ACME, &format!("{ADMIN}/{id2}/deny"), &[("csrf", &csrf_a)]).await.status(), 303);
    let r = post_form(&app, &partner, "localhost", &format!("{PAGE}/{id2}/enter"), &[("csrf", &csrf)]).await;
    assert_eq!(location(&r), PAGE, "denied: no link");
}

#[tokio::test]
async fn cross_partner_matrix_support_sessions() {
    let app = spawn_app().await;
    other_partner(&app).await;
    let (partner, csrf) = console(&app, "partner@northwind.test", PW).await;
    let id = ask(&app, &partner, &csrf, "matrix").await;
    let (olga, olga_csrf) = console(&app, "boss@other.test", "other-partner-pw").await;
    assert_eq!(page(&app, &olga, "localhost", PAGE).await.0, 404);
    assert_eq!(post_form(&app, &olga, "localhost", PAGE, &[("csrf", &olga_csrf), ("reason", "x"), ("minutes", "30")]).await.status(), 404);
    assert_eq!(post_form(&app, &olga, "localhost", &format!("{PAGE}/{id}/enter"), &[("csrf", &olga_csrf)]).await.status(), 404, "another partner's session");
    assert_eq!(post_form(&app, &olga, "localhost", &format!("/partner/tenants/zenith/support/{id}/enter"), &[("csrf", &olga_csrf)]).await.status(), 404, "acme's id under her tenant");
    assert_eq!(post_form(&app, &partner, "localhost", PAGE, &[("csrf", "forged"), ("reason", "x"), ("minutes", "30")]).await.status(), 403, "CSRF");
    // Another admin of the same partner cannot enter Nora's session.
    let northwind = domain::partner::own_tenant(&app.db, &domain::auth::load_principal(&app.db, &domain::tenancy::Scope::Platform, nora_id(&app).await).await.unwrap().unwrap(), "acme").await.unwrap().partner_id;
    let hash = domain::password::hash(PW.into()).await;
    domain::seed::create_platform_user(app.db.platform(), Some(northwind), "pia@northwind.test", "Pia Partner", domain::types::Role::PartnerAdmin, &hash).await.unwrap();
    let (pia, pia_csrf) = console(&app, "pia@northwind.test", PW).await;
    assert_eq!(post_form(&app, &pia, "localhost", &format!("{PAGE}/{id}/enter"), &[("csrf", &pia_csrf)]).await.status(), 404, "a colleague's session");

    // A link of acme's used on bluegrass's host opens nothing there.
    let to = link_of(&app, &partner, &csrf, &id).await;
    let path = &to[to.find("/support/enter/").unwrap()..];
    assert_eq!(app.browser().get(app.url(BLUEGRASS, path)).send().await.unwrap().status(), 404);
    // Bluegrass's admin cannot decide acme's sessions; acme's admin is sent home from the console.
    let bg = signed_in(&app, BLUEGRASS, "admin@bluegrass.test").await;
    let csrf_bg = extract_csrf(&page(&app, &bg, BLUEGRASS, ADMIN).await.1);
    assert_eq!(post_form(&app, &bg, BLUEGRASS, &format!("{ADMIN}/{id}/end"), &[("csrf", &csrf_bg)]).await.status(), 404);
    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    let r = admin.get(app.url(ACME, PAGE)).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/workspace".into()));
    // A clerk is not an admin.
    let clerk = signed_in(&app, ACME, "clerk@acme.test").await;
    let csrf_c = extract_csrf(&page(&app, &clerk, ACME, "/workspace").await.1);
    assert_eq!(post_form(&app, &clerk, ACME, &format!("{ADMIN}/{id}/end"), &[("csrf", &csrf_c)]).await.status(), 403);

    // The partner user disabled on the platform: their open support session ends with it.
    let (support_browser, _) = enter(&app, &partner, &csrf, &id).await;
    assert_eq!(page(&app, &support_browser, ACME, "/workspace/admin").await.0, 200);
    use domain::entity::platform_user;
    platform_user::Entity::update_many().col_expr(platform_user::Column::Disabled, Expr::value(true)).filter(platform_user::Column::Email.eq("partner@northwind.test")).exec(app.db.platform()).await.unwrap();
    let r = support_browser.get(app.url(ACME, "/workspace/admin")).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/login".into()), "disabled on the platform");
}
