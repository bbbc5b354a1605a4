//! The tenant admin's rules page through HTTP, as a browser uses it without JavaScript: a
//! rule's settings saved as versions (who, when, the history), the next event running under
//! the version just saved, wrong values refused with the field named, clerks and forms
//! without the CSRF token refused, and the rows of the cross-tenant matrix for the page.

use crate::common::*;
use domain::audit::AuditFilter;
use domain::workflow::entity::rule_version;
use domain::workflow::rules;
use serde_json::{Value, json};

const RULES: &str = "/workspace/admin/rules";

/// Posts one rule's form with the CSRF token of the rules page; answers where it redirects.
async fn save(app: &TestApp, b: &reqwest::Client, host: &str, rule: &str, fields: &[(&str, &str)]) -> String {
    let (_, html) = page(app, b, host, RULES).await;
    let csrf = extract_csrf(&html);
    let r = post_form(app, b, host, &format!("{RULES}/{rule}"), &[&[("csrf", csrf.as_str())], fields].concat()).await;
    assert_eq!(r.status(), 303, "{rule}: {}", r.status());
    location(&r)
}

/// Every stored version of the host's rules.
async fn versions(app: &TestApp, host: &str) -> Vec<rule_version::Model> {
    let t = app.tenant(host).await;
    let txn = app.db.tenant_txn(&t.slug).await.unwrap();
    let all = rules::versions(&txn).await.unwrap();
    txn.rollback().await.unwrap();
    all
}

async fn rule_changes(app: &TestApp, host: &str) -> usize {
    let filter = AuditFilter { action: Some("rule.changed".into()), ..Default::default() };
    audit_entries(app, &app.tenant(host).await.slug, filter).await.len()
}

const BILLING: &[(&str, &str)] = &[("enabled", "on"), ("trigger", "delivery"), ("mode", "generate"), ("tax_rate_bp", "825"), ("invoice_delay_hours", "48")];

#[tokio::test]
async fn an_admin_saves_billing_settings_as_versions_and_the_history_shows_each() {
    let app = spawn_app().await;
    let b = signed_in(&app, ACME, "admin@acme.test").await;
    let (status, html) = page(&app, &b, ACME, RULES).await;
    assert_eq!(status, 200);
    for title in ["Credit check", "Backorder", "Billing", "Missing proof of delivery", "Shipment delay", "Cash application", "Approvals", "SLAs", "Retention"] {
        assert!(html.contains(title), "{title}");
    }
    assert_eq!(html.matches("v0 · built-in default").count(), 9, "nothing changed yet");
    assert!(html.contains("No changes yet") && html.contains("1,000.00"), "the default threshold in major units");

    assert_eq!(save(&app, &b, ACME, "billing", BILLING).await, RULES);
    let stored = versions(&app, ACME).await;
    assert_eq!(stored.len(), 1);
    let v1 = &stored[0];
    assert_eq!((v1.rule.as_str(), v1.version, v1.enabled, v1.created_by.as_str()), ("billing", 1, true, "user Ada Admin"));
    let config: Value = serde_json::from_str(&v1.config).unwrap();
    assert_eq!(config, json!({"trigger": "delivery", "mode": "generate", "tax_rate_bp": 825, "invoice_delay_hours": 48}));
    let (_, html) = page(&app, &b, ACME, RULES).await;
    assert!(html.contains("Saved Billing as v1") && html.contains("v1 by Ada Admin on "), "{html}");

    // Again, switched off with another rate: v2, and the history lists both, newest first.
    let off = [("trigger", "pod"), ("mode", "mirror"), ("tax_rate_bp", "900"), ("invoice_delay_hours", "24")];
    save(&app, &b, ACME, "billing", &off).await;
    let (_, html) = page(&app, &b, ACME, RULES).await;
    assert!(html.contains("v2 by Ada Admin on ") && html.contains("Saved Billing as v2 (disabled)"), "{html}");
    let history = &html[html.find("data-testid=\"rule-history\"").expect("a history table")..];
    assert_eq!(history.matches("data-testid=\"rule-version-row\"").count(), 2);
    let (at_v2, at_v1) = (history.find(">v2<").unwrap(), history.find(">v1<").unwrap());
    assert!(at_v2 < at_v1, "newest first");
    assert!(history.contains("Tax rate of generated invoices: 900 basis points") && history.contains("Invoice when: On delivery"), "{history}");
    let txn = app.db.tenant_txn(&app.tenant(ACME).await.slug).await.unwrap();
    let set = rules::load(&txn).await.unwrap();
    txn.rollback().await.unwrap();
    assert_eq!((set.billing.version, set.billing.enabled, set.billing.config.tax_rate_bp), (2, false, 900));
    assert_eq!(rule_changes(&app, ACME).await, 2, "each version is audited");
}

#[tokio::test]
async fn the_next_ingested_event_runs_under_the_version_just_saved() {
    let app = spawn_app().await;
    let b = signed_in(&app, ACME, "admin@acme.test").await;
    let t = app.acme_token().await;
    let r = app.post(ACME, &t, "/api/v1/customers", &json!({"external_id": "C-TINY", "name": "Tiny Limit", "credit_limit_minor": 100})).await;
    assert!(r.status().is_success());
    save(&app, &b, ACME, "credit_check", &[("enabled", "on"), ("decider", "erp")]).await;
    save(&app, &b, ACME, "billing", &[("enabled", "on"), ("trigger", "dispatch"), ("mode", "generate"), ("tax_rate_bp", "0"), ("invoice_delay_hours", "24")]).await;
    let events = json!([
        ev("ra-1", "order.accepted", "2026-03-01T09:00:00Z", order_payload("RA-1", "C-TINY")),
        ev("ra-2", "shipment.dispatched", "2026-03-02T09:00:00Z", json!({"number": "RA-1-S1", "order_number": "RA-1", "carrier": "UPS", "lines": [{"line": 1, "quantity": 10}]})),
    ]);
    let v: Value = app.post(ACME, &t, "/api/v1/events", &events).await.json().await.unwrap();
    assert!(v["results"].as_array().unwrap().iter().all(|r| r["result"] == "accepted"), "{v}");
    let o = order(&app, &t, "RA-1").await;
    assert_ne!(o["status"], "credit_hold", "the ERP decides credit now: {o}");
    let r = app.get(ACME, &t, "/api/v1/invoices/RA-1-S1-INV").await;
    assert_eq!(r.status(), 200, "Throughline generates the invoice now");
}

/// A rule, the fields posted, and what the refusal must say.
type Case = (&'static str, Vec<(&'static str, &'static str)>, &'static str);

#[tokio::test]
async fn wrong_values_are_refused_in_red_naming_the_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let b = signed_in(&app, ACME, "admin@acme.test").await;
    let with = |k: &'static str, v: &'static str| BILLING.iter().map(|&(a, b)| if a == k { (a, v) } else { (a, b) }).collect::<Vec<_>>();
    let cases: Vec<Case> = vec![
        ("billing", with("tax_rate_bp", "99999"), "Tax rate of generated invoices must be between 0 and 5000"),
        ("billing", with("mode", "weekly"), "Who invoices: "),
        ("billing", with("invoice_delay_hours", "soon"), "ERP invoice deadline: "),
        ("credit_check", vec![("decider", "bank")], "Who decides credit: "),
        ("missing_pod", vec![("after_delivery_hours", "0"), ("not_delivered_days", "7")], "Hours after delivery must be 1 to 2160"),
        ("approvals", vec![("threshold", "lots")], "Approval threshold: "),
        ("approvals", vec![("threshold", "-5.00")], "Approval threshold must not be negative"),
        ("discounts", vec![], "there is no rule"),
    ];
    for (rule, fields, says) in cases {
        assert_eq!(save(&app, &b, ACME, rule, &fields).await, RULES);
        let (status, html) = page(&app, &b, ACME, RULES).await;
        assert_eq!(status, 200, "a refusal is a page, not an error");
        let notice = &html[html.find("data-testid=\"notice\"").unwrap_or_else(|| panic!("{rule}: a notice"))..];
        let notice = &notice[..notice.find("</div>").unwrap()];
        assert!(notice.contains("Not saved") && notice.contains(says), "{rule} {says}: {notice}");
        assert!(html.contains("role=\"alert\" data-testid=\"notice\""), "shown as an alert: {notice}");
    }
    assert!(versions(&app, ACME).await.is_empty(), "nothing stored");
    assert_eq!(rule_changes(&app, ACME).await, 0, "refusals are not audited");
}

#[tokio::test]
async fn a_clerk_is_refused_and_so_is_a_form_without_the_csrf_token() {
    let app = spawn_app().await;
    let clerk = signed_in(&app, ACME, "clerk@acme.test").await;
    let (status, html) = page(&app, &clerk, ACME, RULES).await;
    assert_eq!(status, 403);
    assert!(html.contains("Only tenant admins") && !html.contains("Save as new version"), "{html}");
    let (_, home) = page(&app, &clerk, ACME, "/workspace").await;
    let r = post_form(&app, &clerk, ACME, &format!("{RULES}/credit_check"), &[("csrf", &extract_csrf(&home)), ("decider", "erp")]).await;
    assert_eq!(r.status(), 403);

    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    let r = post_form(&app, &admin, ACME, &format!("{RULES}/credit_check"), &[("enabled", "on"), ("decider", "erp")]).await;
    assert_eq!(r.status(), 403, "no CSRF token");
    let r = post_form(&app, &admin, ACME, &format!("{RULES}/credit_check"), &[("csrf", "forged"), ("decider", "erp")]).await;
    assert_eq!(r.status(), 403, "a wrong CSRF token");
    assert!(versions(&app, ACME).await.is_empty());
}

/// Cross-tenant matrix, rules rows: acme's admin session is no session on bluegrass's host,
/// for the page and the form alike, and acme's own versions stay acme's.
#[tokio::test]
async fn cross_tenant_matrix_acme_admin_neither_reads_nor_changes_bluegrass_rules() {
    let app = spawn_app().await;
    let cookie = app.signed_in_cookie(ACME, "admin@acme.test").await;
    let raw = app.raw_client();
    let own = raw.get(app.url(ACME, RULES)).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(own.status(), 200);
    let csrf = extract_csrf(&own.text().await.unwrap());
    let r = raw.get(app.url(BG, RULES)).header("cookie", &cookie).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/login".to_owned()), "no page on bluegrass's host");
    let form = [("csrf", csrf.as_str()), ("enabled", "on"), ("decider", "erp")];
    let r = raw.post(app.url(BG, &format!("{RULES}/credit_check"))).header("cookie", &cookie).form(&form).send().await.unwrap();
    assert_eq!(location(&r), "/login");
    let r = raw.post(app.url(BG, &format!("{RULES}/credit_check/revert"))).header("cookie", &cookie).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(location(&r), "/login", "nor a revert");
    assert!(versions(&app, BG).await.is_empty(), "bluegrass's rules are untouched");

    // Acme's own save stays in acme: bluegrass's admin still sees the built-in default.
    let r = raw.post(app.url(ACME, &format!("{RULES}/credit_check"))).header("cookie", &cookie).form(&form).send().await.unwrap();
    assert_eq!(location(&r), RULES);
    assert_eq!(versions(&app, ACME).await.len(), 1);
    assert!(versions(&app, BG).await.is_empty());
    let bea = signed_in(&app, BG, "admin@bluegrass.test").await;
    let (_, html) = page(&app, &bea, BG, RULES).await;
    assert_eq!(html.matches("v0 · built-in default").count(), 9, "{html}");
    assert!(!html.contains("Ada Admin"));
}
