//! Custom domains from the partner console and the tenant admin's own page: added unverified with a token; verified only when
//! the DNS server on loopback has the TXT record `_throughline.<domain>` holding that token;
//! only then served (pages, the TLS ask); checked again daily and unverified when the record
//! is gone; sessions on the custom domain are its own. Refusals name what is wrong; another
//! partner reaches none of it (rows of the cross-partner matrix).
use crate::common::dns::DnsServer;
use crate::common::*;
use chrono::{Duration, Utc};

const PORTAL: &str = "portal.initech-supply.test";
const RECORD: &str = "_throughline.portal.initech-supply.test";
const DOMAINS: &str = "/partner/tenants/acme/domains";

async fn dns_app(dns: &DnsServer) -> TestApp {
    let addr = dns.addr;
    spawn_app_with(move |c| c.dns_server = Some(addr)).await
}

async fn ask(app: &TestApp, name: &str) -> u16 {
    app.browser().get(app.url("localhost", "/internal/tls/ask")).query(&[("domain", name)]).send().await.unwrap().status().as_u16()
}

async fn acme_domain(app: &TestApp, name: &str) -> Option<domain::entity::tenant_domain::Model> {
    let acme = app.tenant(ACME).await;
    domain::domains::list(&app.db, acme.id).await.unwrap().into_iter().find(|d| d.domain == name)
}

/// Posts a form of the domains page and answers the page it comes back to.
async fn submit(app: &TestApp, b: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> String {
    let r = post_form(app, b, "localhost", path, form).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, DOMAINS.to_owned()), "{path}");
    page(app, b, "localhost", DOMAINS).await.1
}

#[tokio::test]
async fn a_domain_serves_its_tenant_once_dns_verifies_it_and_stops_when_the_record_is_gone() {
    let dns = DnsServer::start().await;
    let app = dns_app(&dns).await;
    let (partner, csrf) = console(&app, "partner@northwind.test", PW).await;
    let html = submit(&app, &partner, DOMAINS, &[("csrf", &csrf), ("domain", "Portal.Initech-Supply.test.")]).await;
    let d = acme_domain(&app, PORTAL).await.expect("added, in lower case, without the trailing dot");
    assert!(!d.verified && d.token.starts_with("throughline-verify="));
    assert!(html.contains("portal.initech-supply.test is added to Acme Industrial Supply") && html.contains(RECORD) && html.contains(&d.token), "{html}");
    assert!(html.contains("Not verified: waiting for its DNS record"), "{html}");
    // Not served, and no certificate, before it is verified.
    let b = app.browser_for(&[PORTAL]);
    assert_eq!(page(&app, &b, PORTAL, "/login").await.0, 404);
    assert_eq!(ask(&app, PORTAL).await, 404);

    // No record, then a record without the token: not verified, and the page says what was found.
    let check = format!("{DOMAINS}/{}/check", d.id);
    let html = submit(&app, &partner, &check, &[("csrf", &csrf)]).await;
    assert!(html.contains(&format!("portal.initech-supply.test is not verified. No TXT record was found at {RECORD}.")), "{html}");
    dns.set_txt(RECORD, &["throughline-verify=someone-else"]);
    let html = submit(&app, &partner, &check, &[("csrf", &csrf)]).await;
    assert!(html.contains("does not hold this domain&#x27;s token") || html.contains("does not hold this domain's token"), "{html}");
    assert_eq!(ask(&app, PORTAL).await, 404);

    // The token (among other records): verified, served under the tenant's brand.
    dns.set_txt(RECORD, &["v=spf1 -all", &d.token]);
    let html = submit(&app, &partner, &check, &[("csrf", &csrf)]).await;
    assert!(html.contains("portal.initech-supply.test is verified: it serves Acme Industrial Supply.") && html.contains("Verified: serves the tenant"), "{html}");
    assert_eq!(ask(&app, PORTAL).await, 200);
    let (status, login) = page(&app, &b, PORTAL, "/login").await;
    assert_eq!(status, 200);
    assert!(login.contains("Acme Order Hub"), "the tenant's brand on its own domain");

    // Sessions: a cookie of the custom domain works there only, and one of the subdomain
    // never works on the custom domain.
    let on_portal = app.signed_in_cookie(PORTAL, "admin@acme.test").await;
    let on_sub = app.signed_in_cookie(ACME, "admin@acme.test").await;
    let raw = app.raw_client_for(&[PORTAL]);
    let home = |host: &'static str, cookie: String| {
        let (raw, url) = (raw.clone(), app.url(host, "/workspace"));
        async move { raw.get(url).header("cookie", cookie).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(home(PORTAL, on_portal.clone()).await, 200);
    assert_eq!(home(ACME, on_portal).await, 303, "the custom domain's session is not the subdomain's");
    assert_eq!(home(PORTAL, on_sub.clone()).await, 303, "nor the other way");
    assert_eq!(home(ACME, on_sub).await, 200);
    let r = app.raw_client_for(&[PORTAL]).get(app.url(PORTAL, "/login")).send().await.unwrap();
    let set = r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_ascii_lowercase()).collect::<Vec<_>>();
    assert!(!set.is_empty() && set.iter().all(|c| !c.contains("domain=")), "host-only cookies: {set:?}");
    // Suspending the tenant ends its sessions on every host, its custom domain's too.
    let on_portal = app.signed_in_cookie(PORTAL, "admin@acme.test").await;
    assert_eq!(post_form(&app, &partner, "localhost", "/partner/tenants/acme/suspend", &[("csrf", &csrf), ("confirm", "on")]).await.status(), 303);
    assert_eq!(post_form(&app, &partner, "localhost", "/partner/tenants/acme/reactivate", &[("csrf", &csrf)]).await.status(), 303);
    assert_eq!(home(PORTAL, on_portal).await, 303, "the session on the custom domain ended with the suspension");

    // The daily check: with the record gone the domain is unverified; it is audited both ways.
    dns.remove(RECORD);
    server::workers::run_due(&app.db, &app.config, Utc::now() + Duration::days(1)).await.unwrap();
    let d = acme_domain(&app, PORTAL).await.unwrap();
    assert!(!d.verified && d.verified_at.is_none(), "{d:?}");
    assert_eq!(d.check_error.as_deref(), Some("No TXT record was found at _throughline.portal.initech-supply.test."));
    assert_eq!(ask(&app, PORTAL).await, 404);
    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    let csv = admin.get(app.url(ACME, "/workspace/admin/audit.csv")).send().await.unwrap().text().await.unwrap();
    for action in ["domain.added", "domain.verified", "domain.unverified"] {
        assert!(csv.contains(action), "{action} in {csv}");
    }
    assert!(csv.contains("Nora Partner (Partner admin, Northwind Partners)"), "the partner user is named: {csv}");

    // Removed: gone from the page, and its name can be added again.
    let remove = format!("{DOMAINS}/{}/remove", d.id);
    let html = submit(&app, &partner, &remove, &[("csrf", &csrf)]).await;
    assert!(html.contains("portal.initech-supply.test is removed") && html.contains("No domain of its own yet."), "{html}");
    assert!(acme_domain(&app, PORTAL).await.is_none());
}

#[tokio::test]
async fn a_dns_server_that_fails_or_does_not_answer_changes_nothing() {
    // Nothing listens on this port: every look-up times out.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    let app = spawn_app_with(move |c| c.dns_server = Some(addr)).await;
    let acme = app.tenant(ACME).await;
    domain::seed::add_custom_domain(&app.db, acme.id, PORTAL).await.unwrap();
    server::workers::run_due(&app.db, &app.config, Utc::now() + Duration::days(20)).await.unwrap();
    let d = acme_domain(&app, PORTAL).await.unwrap();
    assert!(d.verified, "still verified: {d:?}");
    assert!(d.check_error.as_deref().is_some_and(|e| e.contains("got no answer") && e.contains("nothing changed")), "{d:?}");
    drop(silent);

    // A server that answers SERVFAIL has not said that the record is gone either.
    let dns = DnsServer::start().await;
    dns.fail(RECORD);
    let app = dns_app(&dns).await;
    domain::seed::add_custom_domain(&app.db, app.tenant(ACME).await.id, PORTAL).await.unwrap();
    server::workers::run_due(&app.db, &app.config, Utc::now() + Duration::days(20)).await.unwrap();
    let d = acme_domain(&app, PORTAL).await.unwrap();
    assert!(d.verified && d.check_error.as_deref().is_some_and(|e| e.contains("got no answer")), "{d:?}");
}

#[tokio::test]
async fn a_domain_verified_before_dns_checks_keeps_serving_during_its_grace_only() {
    let dns = DnsServer::start().await;
    let app = dns_app(&dns).await;
    // As the migration leaves a domain verified before: verified, with a grace of 14 days.
    domain::seed::add_custom_domain(&app.db, app.tenant(ACME).await.id, PORTAL).await.unwrap();
    server::workers::run_due(&app.db, &app.config, Utc::now() + Duration::days(1)).await.unwrap();
    let d = acme_domain(&app, PORTAL).await.unwrap();
    assert!(d.verified && d.check_error.as_deref().is_some_and(|e| e.contains("No TXT record was found") && e.contains("It keeps serving until")), "{d:?}");
    assert_eq!(ask(&app, PORTAL).await, 200);
    server::workers::run_due(&app.db, &app.config, Utc::now() + Duration::days(15)).await.unwrap();
    let d = acme_domain(&app, PORTAL).await.unwrap();
    assert!(!d.verified && d.grace_until.is_none(), "the grace is over: {d:?}");
    assert_eq!(ask(&app, PORTAL).await, 404);
    // Its token published: verified again, for good.
    dns.set_txt(RECORD, &[&d.token]);
    server::workers::run_due(&app.db, &app.config, Utc::now() + Duration::days(16)).await.unwrap();
    let d = acme_domain(&app, PORTAL).await.unwrap();
    assert!(d.verified && d.check_error.is_none() && d.grace_until.is_none(), "{d:?}");
}

#[tokio::test]
async fn refusals_name_what_is_wrong_and_another_partner_reaches_no_domain() {
    let dns = DnsServer::start().await;
    let app = dns_app(&dns).await;
    let (partner, csrf) = console(&app, "partner@northwind.test", PW).await;
    let refused = [
        ("https://portal.example.com", "without http://"),
        ("acme.localhost", "names under localhost are the platform&#x27;s own"),
        ("intranet", "needs at least two labels"),
        ("bad_name.example.com", "is not a valid part of a name"),
        ("10.1.2.3", "an IP address cannot be a custom domain"),
        ("", "type a domain name"),
    ];
    for (typed, says) in refused {
        let html = submit(&app, &partner, DOMAINS, &[("csrf", &csrf), ("domain", typed)]).await;
        let html = html.replace("&#x27;", "'").replace("&#39;", "'");
        assert!(html.contains("Not added: Domain: ") && html.contains(&says.replace("&#x27;", "'")), "{typed:?}: {html}");
    }
    submit(&app, &partner, DOMAINS, &[("csrf", &csrf), ("domain", PORTAL)]).await;
    let html = submit(&app, &partner, DOMAINS, &[("csrf", &csrf), ("domain", "PORTAL.initech-supply.test")]).await;
    assert!(html.contains("Not added: portal.initech-supply.test is added already."), "{html}");
    let r = post_form(&app, &partner, "localhost", DOMAINS, &[("csrf", "forged"), ("domain", "x.example.com")]).await;
    assert_eq!(r.status(), 403, "no CSRF token, no domain");
    let d = acme_domain(&app, PORTAL).await.unwrap();

    // Another partner: acme's domains page and every form answer 404, and nothing changes.
    other_partner(&app).await;
    let (olga, ocsrf) = console(&app, "boss@other.test", "other-partner-pw").await;
    let (status, html) = page(&app, &olga, "localhost", DOMAINS).await;
    assert_eq!(status, 404);
    assert!(!html.contains(PORTAL) && !html.contains(&d.token), "{html}");
    dns.set_txt(RECORD, &[&d.token]);
    for path in [DOMAINS.to_owned(), format!("{DOMAINS}/{}/check", d.id), format!("{DOMAINS}/{}/remove", d.id)] {
        let r = post_form(&app, &olga, "localhost", &path, &[("csrf", &ocsrf), ("domain", "olga.example.com")]).await;
        assert_eq!(r.status(), 404, "{path}");
    }
    // Through her own tenant's address, acme's domain is not found either.
    for action in ["check", "remove"] {
        let r = post_form(&app, &olga, "localhost", &format!("/partner/tenants/zenith/domains/{}/{action}", d.id), &[("csrf", &ocsrf)]).await;
        assert_eq!(r.status(), 404, "{action} through zenith");
    }
    let still = acme_domain(&app, PORTAL).await.expect("still there");
    assert!(!still.verified && still.checked_at.is_none(), "not checked by another partner: {still:?}");
    dns.remove(RECORD);
    // A claim keeps nobody out: she may claim the name too, and the tenant whose token the
    // name's DNS holds gets it. Neither learns the other's claim.
    let r = post_form(&app, &olga, "localhost", "/partner/tenants/zenith/domains", &[("csrf", &ocsrf), ("domain", PORTAL)]).await;
    assert_eq!(r.status(), 303);
    let (_, html) = page(&app, &olga, "localhost", "/partner/tenants/zenith/domains").await;
    assert!(html.contains("portal.initech-supply.test is added to Zenith Wholesale") && !html.contains("Acme") && !html.contains(&d.token), "{html}");
    let zenith = app.tenant("zenith.localhost").await;
    let theirs = domain::domains::list(&app.db, zenith.id).await.unwrap().into_iter().find(|x| x.domain == PORTAL).unwrap();
    assert_ne!(theirs.token, d.token);
    let r = post_form(&app, &olga, "localhost", &format!("/partner/tenants/zenith/domains/{}/check", theirs.id), &[("csrf", &ocsrf)]).await;
    assert_eq!(r.status(), 303);
    assert!(!acme_domain(&app, PORTAL).await.unwrap().verified);
    dns.set_txt(RECORD, &[&d.token]);
    let html = submit(&app, &partner, &format!("{DOMAINS}/{}/check", d.id), &[("csrf", &csrf)]).await;
    assert!(html.contains("portal.initech-supply.test is verified"), "{html}");
    // Both tokens published: the name is already another workspace's.
    dns.set_txt(RECORD, &[&d.token, &theirs.token]);
    let r = post_form(&app, &olga, "localhost", &format!("/partner/tenants/zenith/domains/{}/check", theirs.id), &[("csrf", &ocsrf)]).await;
    assert_eq!(r.status(), 303);
    let (_, html) = page(&app, &olga, "localhost", "/partner/tenants/zenith/domains").await;
    assert!(html.contains("is verified for another workspace; it cannot serve this one."), "{html}");
    assert!(resolves_to_acme(&app).await);
    // A name verified for another workspace cannot be claimed.
    let r = post_form(&app, &olga, "localhost", "/partner/tenants/zenith/domains", &[("csrf", &ocsrf), ("domain", "other.initech-supply.test")]).await;
    assert_eq!(r.status(), 303);
    let acme_id = app.tenant(ACME).await.id;
    domain::seed::add_custom_domain(&app.db, acme_id, "verified.initech-supply.test").await.unwrap();
    let r = post_form(&app, &olga, "localhost", "/partner/tenants/zenith/domains", &[("csrf", &ocsrf), ("domain", "verified.initech-supply.test")]).await;
    assert_eq!(r.status(), 303);
    let (_, html) = page(&app, &olga, "localhost", "/partner/tenants/zenith/domains").await;
    assert!(html.contains("Not added: verified.initech-supply.test is verified for another workspace"), "{html}");
    // A tenant admin is not a partner admin.
    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    let csrf_t = extract_csrf(&admin.get(app.url(ACME, "/workspace")).send().await.unwrap().text().await.unwrap());
    let r = post_form(&app, &admin, ACME, DOMAINS, &[("csrf", &csrf_t), ("domain", "y.example.com")]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/workspace".into()));
    assert_eq!(domain::domains::list(&app.db, app.tenant(ACME).await.id).await.unwrap().len(), 2);
}

async fn resolves_to_acme(app: &TestApp) -> bool {
    matches!(domain::tenancy::resolve_site(&app.db, PORTAL, "localhost").await.unwrap(), Some(domain::tenancy::Site::Open(domain::tenancy::Scope::Tenant(t))) if t.slug.as_str() == "acme")
}

const OWN: &str = "/workspace/admin/domains";

/// A tenant admin's post on the tenant's own domains page; answers the page it comes back to.
async fn own_submit(app: &TestApp, b: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> String {
    let r = post_form(app, b, ACME, path, form).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, OWN.to_owned()), "{path}");
    page(app, b, ACME, OWN).await.1
}

#[tokio::test]
async fn a_tenant_admin_runs_the_workspaces_own_domains_and_no_one_else_reaches_them() {
    let dns = DnsServer::start().await;
    let app = dns_app(&dns).await;
    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    let (status, html) = page(&app, &admin, ACME, OWN).await;
    assert_eq!(status, 200);
    assert!(html.contains("No domain of its own yet.") && html.contains("always serves it at acme.localhost"), "{html}");
    let csrf = extract_csrf(&html);
    let html = own_submit(&app, &admin, OWN, &[("csrf", &csrf), ("domain", "Portal.Initech-Supply.test")]).await;
    let d = acme_domain(&app, PORTAL).await.expect("added");
    assert!(html.contains("portal.initech-supply.test is added to Acme Industrial Supply") && html.contains(RECORD) && html.contains(&d.token), "{html}");
    let html = own_submit(&app, &admin, OWN, &[("csrf", &csrf), ("domain", "intranet")]).await;
    assert!(html.contains("Not added: Domain: ") && html.contains("needs at least two labels"), "{html}");
    // The partner console shows the same domain.
    let (partner, _) = console(&app, "partner@northwind.test", PW).await;
    assert!(page(&app, &partner, "localhost", DOMAINS).await.1.contains(&d.token));

    // Verified from the admin's page once the record is there; then served.
    let check = format!("{OWN}/{}/check", d.id);
    let html = own_submit(&app, &admin, &check, &[("csrf", &csrf)]).await;
    assert!(html.contains("portal.initech-supply.test is not verified. No TXT record was found"), "{html}");
    dns.set_txt(RECORD, &[&d.token]);
    let html = own_submit(&app, &admin, &check, &[("csrf", &csrf)]).await;
    assert!(html.contains("portal.initech-supply.test is verified: it serves Acme Industrial Supply."), "{html}");
    assert_eq!(ask(&app, PORTAL).await, 200);
    // The same page on the custom domain does not pass the domain off as the subdomain.
    let on_portal = app.browser_for(&[PORTAL]);
    assert_eq!(app.login(&on_portal, PORTAL, "admin@acme.test", PW).await.status(), 303);
    let (status, html) = page(&app, &on_portal, PORTAL, OWN).await;
    assert!(status == 200 && html.contains("always serves it at its own subdomain.") && html.contains(&d.token), "{html}");

    // Nobody else: a clerk of the tenant (403), a forged form (403), the admin of another
    // tenant (404 through their own host, and their page does not list it).
    let clerk = signed_in(&app, ACME, "clerk@acme.test").await;
    assert_eq!(page(&app, &clerk, ACME, OWN).await.0, 403);
    let clerk_csrf = extract_csrf(&clerk.get(app.url(ACME, "/workspace")).send().await.unwrap().text().await.unwrap());
    let remove = format!("{OWN}/{}/remove", d.id);
    assert_eq!(post_form(&app, &clerk, ACME, &remove, &[("csrf", &clerk_csrf)]).await.status(), 403);
    assert_eq!(post_form(&app, &clerk, ACME, OWN, &[("csrf", &clerk_csrf), ("domain", "c.example.com")]).await.status(), 403);
    assert_eq!(post_form(&app, &admin, ACME, &remove, &[("csrf", "forged")]).await.status(), 403);
    let bg = signed_in(&app, BG, "admin@bluegrass.test").await;
    let (status, html) = page(&app, &bg, BG, OWN).await;
    assert!(status == 200 && !html.contains(PORTAL) && !html.contains(&d.token), "{html}");
    let bg_csrf = extract_csrf(&html);
    for action in ["check", "remove"] {
        let r = post_form(&app, &bg, BG, &format!("{OWN}/{}/{action}", d.id), &[("csrf", &bg_csrf)]).await;
        assert_eq!(r.status(), 404, "{action} of acme's domain from bluegrass");
    }
    assert!(acme_domain(&app, PORTAL).await.is_some_and(|d| d.verified), "untouched by the others");

    // Removed by the admin: no longer served; the audit trail names the admin.
    let html = own_submit(&app, &admin, &remove, &[("csrf", &csrf)]).await;
    assert!(html.contains("portal.initech-supply.test is removed") && html.contains("No domain of its own yet."), "{html}");
    assert_eq!(ask(&app, PORTAL).await, 404);
    let csv = admin.get(app.url(ACME, "/workspace/admin/audit.csv")).send().await.unwrap().text().await.unwrap();
    let by_admin = csv.lines().filter(|l| l.contains("domain.") && l.contains("Ada Admin")).count();
    assert_eq!(by_admin, 3, "added, verified and removed, each by the admin: {csv}");
}
