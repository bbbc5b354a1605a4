//! Inherited policies through HTTP: a partner admin saves defaults (rules, SLAs, the brand) on
//! the console's Defaults page; every tenant that has not overridden a rule follows it, as a
//! version of its own that names the partner's; a tenant admin sees where each value comes
//! from and reverts an override; a new tenant starts with the defaults; a default brand reaches
//! the tenants that follow it. Refusals name the field; viewers, tenant users and another
//! partner change nothing and see nothing (rows of the cross-partner matrix).
use crate::common::*;
use chrono::Utc;
use domain::types::TenantSlug;
use domain::workflow::entity::rule_version;
use domain::workflow::rules;

const DEFAULTS: &str = "/partner/policies";
const RULES: &str = "/workspace/admin/rules";

/// Every SLA field of the form, with `credit_hold` set to `hours`.
fn sla_form(csrf: &str, hours: &str) -> Vec<(String, String)> {
    let mut f = vec![("csrf".to_owned(), csrf.to_owned())];
    for (k, v) in [
        ("credit_hold_hours", hours), ("backorder_hours", "24"), ("shipment_delay_hours", "24"), ("missing_pod_hours", "48"), ("quantity_mismatch_hours", "24"),
        ("invoice_delay_hours", "24"), ("invoicing_hold_hours", "72"), ("unapplied_cash_hours", "24"), ("short_pay_hours", "48"), ("dispute_hours", "72"),
        ("dispute_other_hours", "120"), ("integration_hours", "4"), ("other_hours", "24"),
    ] {
        f.push((k.to_owned(), v.to_owned()));
    }
    f
}

async fn post_pairs(app: &TestApp, b: &reqwest::Client, host: &str, path: &str, form: &[(String, String)]) -> reqwest::Response {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    post_form(app, b, host, path, &pairs).await
}

async fn rule_set(app: &TestApp, slug: &str) -> rules::RuleSet {
    let txn = app.db.tenant_txn(&TenantSlug::parse(slug).unwrap()).await.unwrap();
    let set = rules::load(&txn).await.unwrap();
    txn.rollback().await.unwrap();
    set
}

async fn latest(app: &TestApp, slug: &str, rule: &str) -> Option<rule_version::Model> {
    let txn = app.db.tenant_txn(&TenantSlug::parse(slug).unwrap()).await.unwrap();
    let r = rules::latest(&txn, rule).await.unwrap();
    txn.rollback().await.unwrap();
    r
}

async fn save_default(app: &TestApp, b: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> String {
    let r = post_form(app, b, "localhost", path, form).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, DEFAULTS.into()), "{path}");
    domain::policies::sync(&app.db, 100).await.unwrap();
    page(app, b, "localhost", DEFAULTS).await.1
}

/// The CSRF token of a tenant's rules page for `b`.
async fn rules_csrf(app: &TestApp, b: &reqwest::Client, host: &str) -> String {
    extract_csrf(&page(app, b, host, RULES).await.1)
}

#[tokio::test]
async fn tenants_follow_a_partner_default_until_they_override_it_and_revert_to_it() {
    let app = spawn_app().await;
    let (nora, csrf) = console(&app, "partner@northwind.test", PW).await;
    let (status, html) = page(&app, &nora, "localhost", DEFAULTS).await;
    assert_eq!(status, 200);
    assert!(html.contains("Defaults of Northwind Partners") && html.contains("No defaults saved yet"), "{html}");
    assert!(html.contains("SLAs") && html.contains("Retention") && html.contains("Reminder sequences") && html.contains("Save the default brand"), "{html}");

    // Acme's admin sets its own approval threshold first: an override.
    let ada = signed_in(&app, ACME, "admin@acme.test").await;
    let t = rules_csrf(&app, &ada, ACME).await;
    assert_eq!(post_form(&app, &ada, ACME, "/workspace/admin/rules/approvals", &[("csrf", &t), ("threshold", "2,000.00")]).await.status(), 303);

    let html = save_default(&app, &nora, "/partner/policies/rules/approvals", &[("csrf", &csrf), ("threshold", "5,000.00")]).await;
    assert!(html.contains("Saved the default Approvals rule as v1; every tenant that inherits it follows now."), "{html}");
    let r = post_pairs(&app, &nora, "localhost", "/partner/policies/rules/sla", &sla_form(&csrf, "2")).await;
    assert_eq!(r.status(), 303);
    domain::policies::sync(&app.db, 100).await.unwrap();

    // Bluegrass never set either: it follows both. Acme keeps its threshold, follows the SLA.
    let (bg, acme) = (rule_set(&app, "bluegrass").await, rule_set(&app, "acme").await);
    assert_eq!((bg.approvals.threshold_minor, bg.sla.config.credit_hold_hours), (500_000, 2));
    assert_eq!((acme.approvals.threshold_minor, acme.sla.config.credit_hold_hours), (200_000, 2));
    let inherited = latest(&app, "bluegrass", "approvals").await.unwrap();
    assert!(inherited.inherited && inherited.partner_version == Some(1), "{inherited:?}");
    assert!(inherited.created_by.contains("Nora Partner (Northwind Partners default v1)"), "the tenant's history names who: {}", inherited.created_by);

    // The SLA decides when a new exception is due.
    let txn = app.db.tenant_txn(&TenantSlug::parse("bluegrass").unwrap()).await.unwrap();
    let at = Utc::now();
    let raise = domain::workflow::raise::Raise {
        kind: "credit_hold".into(), reference: "credit_hold:TEST-1".into(), detail: "over the limit".into(), order_id: None, customer_id: None, invoice_id: None,
        event_id: None, amount_minor: None, raised_by: domain::audit::Actor::System, announce: false,
    };
    let x = domain::workflow::raise::raise(&txn, raise, at).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(x.sla_due_at, Some(at + chrono::Duration::hours(2)), "the partner's 2-hour SLA, not the catalogue's 4");

    // Each tenant admin sees where each value comes from; only an override can be reverted.
    let bgadmin = signed_in(&app, BG, "admin@bluegrass.test").await;
    let (_, bghtml) = page(&app, &bgadmin, BG, RULES).await;
    assert_eq!(bghtml.matches("Partner default v1").count(), 2, "approvals and SLAs: {bghtml}");
    assert!(!bghtml.contains("Revert to default"), "nothing to revert in bluegrass");
    let (_, acmehtml) = page(&app, &ada, ACME, RULES).await;
    assert!(acmehtml.contains("Tenant override") && acmehtml.contains("Revert to default") && acmehtml.contains("/workspace/admin/rules/approvals/revert"), "{acmehtml}");

    let t = rules_csrf(&app, &ada, ACME).await;
    let r = post_form(&app, &ada, ACME, "/workspace/admin/rules/approvals/revert", &[("csrf", &t)]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, RULES.into()));
    assert_eq!(rule_set(&app, "acme").await.approvals.threshold_minor, 500_000, "the default again");
    let (_, acmehtml) = page(&app, &ada, ACME, RULES).await;
    assert!(acmehtml.contains("Reverted approvals to the default") && !acmehtml.contains("Revert to default"), "{acmehtml}");
    let t = extract_csrf(&acmehtml);
    post_form(&app, &ada, ACME, "/workspace/admin/rules/approvals/revert", &[("csrf", &t)]).await;
    let (_, acmehtml) = page(&app, &ada, ACME, RULES).await;
    assert!(acmehtml.contains("Not saved: approvals already follows the default"), "{acmehtml}");

    // A new default version reaches both, now that acme follows it too.
    save_default(&app, &nora, "/partner/policies/rules/approvals", &[("csrf", &csrf), ("threshold", "7,500.00")]).await;
    assert_eq!(rule_set(&app, "acme").await.approvals.threshold_minor, 750_000);
    assert_eq!(rule_set(&app, "bluegrass").await.approvals.threshold_minor, 750_000);
    let txn = app.db.tenant_txn(&TenantSlug::parse("acme").unwrap()).await.unwrap();
    let history: Vec<(bool, Option<i32>)> = rules::versions(&txn).await.unwrap().into_iter().filter(|r| r.rule == "approvals").map(|r| (r.inherited, r.partner_version)).collect();
    txn.rollback().await.unwrap();
    assert_eq!(history, vec![(true, Some(2)), (true, Some(1)), (false, None)], "override, revert to v1, follow v2 (newest first)");
    // Applying again changes nothing.
    assert_eq!(domain::policies::sync(&app.db, 100).await.unwrap(), 0);

    // A wrong value is refused with its field named, and nothing is stored.
    let r = post_pairs(&app, &nora, "localhost", "/partner/policies/rules/sla", &sla_form(&csrf, "0")).await;
    assert_eq!(r.status(), 303);
    let (_, html) = page(&app, &nora, "localhost", DEFAULTS).await;
    assert!(html.contains("Not saved: SLAs stays as it was. Credit hold is 0; an SLA is 1 to 2160 hours."), "{html}");
    let defaults = domain::policies::defaults(app.db.platform(), nora_partner(&app).await).await.unwrap();
    assert_eq!(defaults.iter().find(|d| d.policy == "sla").map(|d| d.version), Some(1));
    assert!(html.contains("data-testid=\"default-history\"") && html.contains("<code>approvals</code>"), "the changes: {html}");
}

async fn nora_partner(app: &TestApp) -> uuid::Uuid {
    use sea_orm::EntityTrait;
    let t = domain::entity::tenant::Entity::find_by_id(app.tenant(ACME).await.id).one(app.db.platform()).await.unwrap().unwrap();
    t.partner_id
}

#[tokio::test]
async fn a_new_tenant_starts_with_the_defaults_and_a_default_brand_reaches_those_that_follow_it() {
    let smtp = crate::common::smtp::SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let (nora, csrf) = console(&app, "partner@northwind.test", PW).await;
    let acme_before = app.tenant(ACME).await.product_name;
    let brand = |name: &'static str, primary: &'static str| vec![("csrf", csrf.clone()), ("product_name", name.into()), ("primary_color", primary.into()), ("accent_color", "#047857".into()), ("support_email", "help@northwind.test".into()), ("powered_by", "on".into())];
    let pale = brand("Northwind Hub", "#fde047");
    let pale: Vec<(&str, &str)> = pale.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let html = save_default(&app, &nora, "/partner/policies/branding", &pale).await;
    assert!(html.contains("Not saved") && html.contains("1.31:1"), "a pale default brand is refused with its contrast: {html}");
    let good = brand("Northwind Hub", "#1d4ed8");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let html = save_default(&app, &nora, "/partner/policies/branding", &good).await;
    assert!(html.contains("Saved the default brand as v1"), "{html}");
    assert_eq!(app.tenant(ACME).await.product_name, acme_before, "a tenant with its own brand keeps it");
    let r = post_pairs(&app, &nora, "localhost", "/partner/policies/rules/sla", &sla_form(&csrf, "3")).await;
    assert_eq!(r.status(), 303);

    // A tenant created now has both.
    let r = post_form(&app, &nora, "localhost", "/partner/tenants", &[("csrf", &csrf), ("name", "Newco Supply"), ("slug", "newco"), ("admin_email", "first@newco.test"), ("admin_name", "Nia")]).await;
    assert_eq!(r.status(), 303);
    let (_, console_html) = page(&app, &nora, "localhost", "/partner").await;
    assert!(console_html.contains("Newco Supply is created"), "{console_html}");
    let newco = app.tenant("newco.localhost").await;
    assert_eq!((newco.product_name.as_str(), newco.primary_color.as_str(), newco.powered_by.as_str()), ("Northwind Hub", "#1d4ed8", "Northwind Partners"));
    let sla = latest(&app, "newco", "sla").await.expect("the default SLA, from the start");
    assert!(sla.inherited && sla.partner_version == Some(1));
    assert_eq!(rule_set(&app, "newco").await.sla.config.credit_hold_hours, 3);
    domain::policies::sync(&app.db, 100).await.unwrap();
    assert_eq!(domain::policies::sync(&app.db, 100).await.unwrap(), 0, "nothing left to apply");

    // The next default brand reaches newco (which follows it) at once, not acme.
    let next = brand("Northwind Portal", "#1d4ed8");
    let next: Vec<(&str, &str)> = next.iter().map(|(k, v)| (*k, v.as_str())).collect();
    save_default(&app, &nora, "/partner/policies/branding", &next).await;
    assert_eq!(app.tenant("newco.localhost").await.product_name, "Northwind Portal");
    assert!(page(&app, &app.browser_for(&["newco.localhost"]), "newco.localhost", "/login").await.1.contains("Northwind Portal"), "its sign-in page shows it");
    let filter = domain::audit::AuditFilter { action: Some("tenant.branding_changed".into()), ..Default::default() };
    let changes = audit_entries(&app, &TenantSlug::parse("newco").unwrap(), filter).await;
    assert!(changes.iter().any(|e| e.payload.contains("Northwind Portal") && e.actor_name.contains("Northwind Partners default v2")), "in the tenant's own trail: {changes:?}");
    assert_eq!(app.tenant(ACME).await.product_name, acme_before);

    // Acme's editor says it has its own brand, and can follow the default instead.
    let (_, editor) = page(&app, &nora, "localhost", "/partner/tenants/acme/branding").await;
    assert!(editor.contains("This tenant has a brand of its own.") && editor.contains("/partner/tenants/acme/branding/follow"), "{editor}");
    let r = post_form(&app, &nora, "localhost", "/partner/tenants/acme/branding/follow", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.tenant(ACME).await.product_name, "Northwind Portal");
    let (_, editor) = page(&app, &nora, "localhost", "/partner/tenants/acme/branding").await;
    assert!(editor.contains("follows your default brand"), "{editor}");
    // Saving a brand of its own stops the following.
    let own = [("csrf", csrf.as_str()), ("product_name", "Acme Own"), ("primary_color", "#1d4ed8"), ("accent_color", "#1d4ed8")];
    assert_eq!(post_form(&app, &nora, "localhost", "/partner/tenants/acme/branding", &own).await.status(), 303);
    save_default(&app, &nora, "/partner/policies/branding", &good).await;
    assert_eq!(app.tenant(ACME).await.product_name, "Acme Own");
    assert_eq!(app.tenant("newco.localhost").await.product_name, "Northwind Hub");
}

#[tokio::test]
async fn cross_partner_matrix_only_the_partner_s_admins_change_its_defaults_and_no_other_partner_reaches_them() {
    let app = spawn_app().await;
    other_partner(&app).await;
    let (nora, csrf) = console(&app, "partner@northwind.test", PW).await;
    save_default(&app, &nora, "/partner/policies/rules/approvals", &[("csrf", &csrf), ("threshold", "5,000.00")]).await;

    // The other partner's page shows none of Northwind's defaults, and its own reach only its tenant.
    let (olga, ocsrf) = console(&app, "boss@other.test", "other-partner-pw").await;
    let (status, html) = page(&app, &olga, "localhost", DEFAULTS).await;
    assert_eq!(status, 200);
    assert!(html.contains("Defaults of Other MSP") && html.contains("No defaults saved yet") && !html.contains("5,000.00"), "{html}");
    save_default(&app, &olga, "/partner/policies/rules/approvals", &[("csrf", &ocsrf), ("threshold", "9,000.00")]).await;
    assert_eq!(rule_set(&app, "zenith").await.approvals.threshold_minor, 900_000);
    assert_eq!(rule_set(&app, "acme").await.approvals.threshold_minor, 500_000);
    assert_eq!(rule_set(&app, "bluegrass").await.approvals.threshold_minor, 500_000);
    // Nor can it make Northwind's tenant follow its brand.
    let r = post_form(&app, &olga, "localhost", "/partner/tenants/acme/branding/follow", &[("csrf", &ocsrf)]).await;
    assert_eq!(r.status(), 404, "{:?}", r.headers().get("location"));

    // A tenant admin, on the console's host or the tenant's, changes no default.
    let ada = signed_in(&app, ACME, "admin@acme.test").await;
    let t = rules_csrf(&app, &ada, ACME).await;
    let r = post_form(&app, &ada, ACME, "/partner/policies/rules/approvals", &[("csrf", &t), ("threshold", "1.00")]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/workspace".into()), "sent to their own home");
    // A clerk cannot revert the tenant's rules.
    let clerk = signed_in(&app, ACME, "clerk@acme.test").await;
    let t = extract_csrf(&page(&app, &clerk, ACME, "/workspace").await.1);
    assert_eq!(post_form(&app, &clerk, ACME, "/workspace/admin/rules/approvals/revert", &[("csrf", &t)]).await.status(), 403);
    // A form without its CSRF token is refused.
    assert_eq!(post_form(&app, &nora, "localhost", "/partner/policies/rules/approvals", &[("threshold", "1.00")]).await.status(), 403);
    // A viewer reads the page with its forms disabled, and a post is refused.
    let (vic, vcsrf) = console(&app, "viewer@northwind.test", PW).await;
    let (status, html) = page(&app, &vic, "localhost", DEFAULTS).await;
    assert_eq!(status, 200);
    assert!(html.contains("only a partner admin changes them") && html.contains("<fieldset disabled"), "{html}");
    assert_eq!(post_form(&app, &vic, "localhost", "/partner/policies/rules/approvals", &[("csrf", &vcsrf), ("threshold", "1.00")]).await.status(), 403);
    assert_eq!(rule_set(&app, "acme").await.approvals.threshold_minor, 500_000, "nothing changed");
    // The tenant's host does not serve the page.
    let (status, html) = page(&app, &ada, ACME, DEFAULTS).await;
    assert!(status != 200 && !html.contains("Defaults of"), "{status}: {html}");
}
