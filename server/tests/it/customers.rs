//! The customer master: the API's new fields and their 422s, the demo's commercial settings,
//! the tenant admin's settings form (without JavaScript: post, redirect, notice; audited),
//! who may not use it, and the rows of the cross-tenant matrix for it.

use crate::common::*;
use domain::audit::AuditFilter;
use serde_json::{Value, json};

/// The value of the hidden or text input `name` on a page.
fn input_value(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let i = html.find(&key).unwrap_or_else(|| panic!("an input {name} on the page")) + key.len();
    html[i..].split('"').next().unwrap().to_owned()
}

/// The settings form of C-1001 filled with these values (csrf and version from `html`).
fn settings(html: &str, fields: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut f = vec![("csrf".to_owned(), extract_csrf(html)), ("version".to_owned(), input_value(html, "version"))];
    f.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    f
}

const FORM: &[(&str, &str)] = &[
    ("credit_limit", "30,000.50"),
    ("payment_terms", "net45"),
    ("segment", "oem"),
    ("invoicing_hold", "on"),
    ("billing_rule", "pod"),
    ("channel_email", "on"),
    ("channel_webhook", "on"),
    ("invoice_emails", "AP@initech.test,\r\nar@initech.test"),
    ("reminder_channel", "portal"),
];

async fn customer_in(app: &TestApp, host: &str, id: &str) -> domain::customers::CustomerView {
    let t = app.tenant(host).await;
    let txn = app.db.tenant_txn(&t.slug).await.unwrap();
    let c = domain::customers::find(&txn, id).await.unwrap().unwrap_or_else(|| panic!("{id} at {host}"));
    txn.commit().await.unwrap();
    c
}

async fn audit_of(app: &TestApp, host: &str, id: &str) -> Vec<domain::audit::Entry> {
    let filter = AuditFilter { action: Some("customer.updated".into()), entity_id: Some(id.into()), ..Default::default() };
    audit_entries(app, &app.tenant(host).await.slug, filter).await
}

#[tokio::test]
async fn the_api_upserts_the_invoicing_preferences_and_reads_them_back() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let body = json!({"external_id": "P-1", "name": "Pref Co", "invoicing_hold": true, "billing_rule": "delivery", "invoice_channels": ["email", "edi"],
                      "invoice_emails": "AP@pref.test, billing@pref.test", "reminder_channel": "none"});
    let r = app.post(ACME, &t, "/api/v1/customers", &body).await;
    assert_eq!(r.status(), 201);
    let c: Value = r.json().await.unwrap();
    assert_eq!((&c["invoicing_hold"], &c["billing_rule"], &c["reminder_channel"]), (&json!(true), &json!("delivery"), &json!("none")));
    assert_eq!(c["invoice_channels"], json!(["portal", "email", "edi"]), "portal is always there, first");
    assert_eq!(c["invoice_emails"], json!(["ap@pref.test", "billing@pref.test"]));
    // Absent fields stay; null returns to the tenant's default; a list replaces the list.
    let r = app.post(ACME, &t, "/api/v1/customers", &json!({"external_id": "P-1", "name": "Pref Co", "billing_rule": null, "invoice_channels": "portal"})).await;
    assert_eq!(r.status(), 200);
    let c: Value = app.get(ACME, &t, "/api/v1/customers/P-1").await.json().await.unwrap();
    assert_eq!((&c["billing_rule"], &c["invoice_channels"], &c["invoicing_hold"]), (&Value::Null, &json!(["portal"]), &json!(true)));
    assert_eq!((&c["reminder_channel"], &c["invoice_emails"][1]), (&json!("none"), &json!("billing@pref.test")));
    // A customer sent with none of them follows the tenant's defaults (null); null goes back.
    let c: Value = app.post(ACME, &t, "/api/v1/customers", &json!({"external_id": "P-2", "name": "Plain Co"})).await.json().await.unwrap();
    assert_eq!(c["invoice_channels"], Value::Null);
    let p1: Value = app.post(ACME, &t, "/api/v1/customers", &json!({"external_id": "P-1", "name": "Pref Co", "invoice_channels": null})).await.json().await.unwrap();
    assert_eq!(p1["invoice_channels"], Value::Null, "back to the tenant's default");
    assert_eq!((&c["invoicing_hold"], &c["billing_rule"], &c["invoice_emails"], &c["reminder_channel"]), (&json!(false), &Value::Null, &json!([]), &Value::Null));
}

#[tokio::test]
async fn each_wrong_preference_is_a_422_naming_its_field_and_nothing_is_written() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    let cases = [
        (json!({"billing_rule": "monthly"}), "billing_rule", "dispatch, delivery or pod"),
        (json!({"reminder_channel": "sms"}), "reminder_channel", "email, portal or none"),
        (json!({"invoice_channels": ["email", "fax"], "invoice_emails": ["ap@x.test"]}), "invoice_channels", "\"fax\""),
        (json!({"invoice_emails": ["ap@x.test", "not-an-address"]}), "invoice_emails", "\"not-an-address\""),
        (json!({"invoice_channels": ["email"]}), "invoice_emails", "at least one AP address"),
        (json!({"reminder_channel": "email"}), "invoice_emails", "reminder_channel is email"),
        (json!({"invoicing_hold": "yes"}), "invoicing_hold", ""),
        (json!({"invoice_channels": 5}), "invoice_channels", "array of strings"),
        (json!({"segment": "s".repeat(65)}), "segment", "64"),
    ];
    for (extra, field, says) in cases {
        let mut body = json!({"external_id": "BAD-1", "name": "Bad Co"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let v = problem(app.post(ACME, &t, "/api/v1/customers", &body).await, 422).await;
        let errors = v["errors"].as_array().unwrap();
        assert!(errors.iter().any(|e| e["field"] == field && e["reason"].as_str().unwrap().contains(says)), "{field}: {v}");
    }
    // Every wrong field at once, each named.
    let v = problem(app.post(ACME, &t, "/api/v1/customers", &json!({"external_id": "BAD-1", "name": "Bad Co", "billing_rule": "x", "reminder_channel": "y", "invoice_emails": "z"})).await, 422).await;
    let fields: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["billing_rule", "reminder_channel", "invoice_emails"], "{v}");
    problem(app.get(ACME, &t, "/api/v1/customers/BAD-1").await, 404).await;
    // An update that would leave e-mail invoices without an address is refused too.
    let c: Value = app.get(ACME, &t, "/api/v1/customers/C-1001").await.json().await.unwrap();
    assert!(c["invoice_channels"].as_array().unwrap().contains(&json!("email")), "{c}");
    let v = problem(app.post(ACME, &t, "/api/v1/customers", &json!({"external_id": "C-1001", "name": "Initech Manufacturing", "invoice_emails": []})).await, 422).await;
    assert_eq!(v["errors"][0]["field"], "invoice_emails");
}

#[tokio::test]
async fn the_openapi_document_describes_the_preferences() {
    let app = spawn_app().await;
    let doc: Value = app.browser().get(app.url(ACME, "/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let schemas = &doc["components"]["schemas"];
    for field in ["invoicing_hold", "billing_rule", "invoice_channels", "invoice_emails", "reminder_channel"] {
        assert!(schemas["CustomerIn"]["properties"].get(field).is_some(), "CustomerIn.{field}");
        assert!(schemas["CustomerView"]["properties"].get(field).is_some(), "CustomerView.{field}");
    }
    assert_eq!(schemas["BillingRule"]["enum"], json!(["dispatch", "delivery", "pod"]), "{}", schemas["BillingRule"]);
    assert_eq!(schemas["ReminderChannel"]["enum"], json!(["email", "portal", "none"]));
}

#[tokio::test]
async fn the_demo_customers_carry_realistic_commercial_settings() {
    let app = spawn_app().await;
    let named = customer_in(&app, ACME, "C-1001").await;
    assert_eq!((named.credit_limit_minor, named.payment_terms.as_str(), named.segment.as_deref()), (Some(25_000_000), "NET30", Some("key_account")));
    assert_eq!(named.invoice_emails, ["ap@initech.test", "controller@initech.test"]);
    let on_hold = customer_in(&app, ACME, "C-1012").await;
    assert!(on_hold.invoicing_hold);
    let small = customer_in(&app, BG, "G-1027").await;
    assert_eq!((small.credit_limit_minor, small.payment_terms.as_str()), (Some(150_000), "DUE_ON_RECEIPT"), "a small account the orders exceed");
    let key = customer_in(&app, BG, "G-1005").await;
    assert_eq!((key.billing_rule.map(|r| r.as_str()), key.reminder_channel.map(|r| r.as_str())), (Some("pod"), Some("none")));
}

#[tokio::test]
async fn a_tenant_admin_edits_the_commercial_settings_without_javascript_and_it_is_audited() {
    let app = spawn_app().await;
    let b = signed_in(&app, ACME, "admin@acme.test").await;
    let (status, list) = page(&app, &b, ACME, "/workspace/admin/customers?q=initech").await;
    assert_eq!(status, 200);
    assert!(list.contains("Initech Manufacturing") && list.contains("/workspace/admin/customers/C-1001") && list.contains("USD 250,000.00"), "{list}");
    assert!(!list.contains("C-1002"), "the search narrows the list");
    let (status, html) = page(&app, &b, ACME, "/workspace/admin/customers/C-1001").await;
    assert_eq!(status, 200);
    assert_eq!(input_value(&html, "credit_limit"), "250,000.00", "major units");
    assert!(html.contains("Tenant default (on dispatch)") && html.contains("Tenant default (by e-mail)"), "inherited values are named");

    let r = b.post(app.url(ACME, "/workspace/admin/customers/C-1001/settings")).form(&settings(&html, FORM)).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/workspace/admin/customers/C-1001".to_owned()));
    let (_, after) = page(&app, &b, ACME, "/workspace/admin/customers/C-1001").await;
    assert!(after.contains("Saved the commercial settings of C-1001."), "a notice");
    assert_eq!(input_value(&after, "credit_limit"), "30,000.50");
    let c = customer_in(&app, ACME, "C-1001").await;
    assert_eq!((c.credit_limit_minor, c.payment_terms.as_str(), c.segment.as_deref(), c.invoicing_hold), (Some(3_000_050), "NET45", Some("oem"), true));
    assert_eq!(serde_json::to_value(&c).unwrap()["invoice_channels"], json!(["portal", "email", "webhook"]));
    assert_eq!((c.invoice_emails.join(" "), c.billing_rule.map(|r| r.as_str()), c.reminder_channel.map(|r| r.as_str())), ("ap@initech.test ar@initech.test".into(), Some("pod"), Some("portal")));

    let entries = audit_of(&app, ACME, "C-1001").await;
    assert_eq!(entries.len(), 1);
    let (e, payload): (_, Value) = (&entries[0], serde_json::from_str(&entries[0].payload).unwrap());
    assert_eq!((e.actor_kind.as_str(), e.actor_name.as_str(), e.entity_kind.as_str()), ("user", "Ada Admin", "customer"));
    assert_eq!((&payload["before"]["credit_limit_minor"], &payload["after"]["credit_limit_minor"]), (&json!(25_000_000), &json!(3_000_050)));
    assert_eq!((&payload["before"]["billing_rule"], &payload["after"]["billing_rule"]), (&Value::Null, &json!("pod")));

    // The same form again (its version is now old): refused, nothing written.
    let stale = settings(&html, &[("credit_limit", "1"), ("payment_terms", "NET30")]);
    b.post(app.url(ACME, "/workspace/admin/customers/C-1001/settings")).form(&stale).send().await.unwrap();
    let (_, shown) = page(&app, &b, ACME, "/workspace/admin/customers/C-1001").await;
    assert!(shown.contains("someone else changed this customer"), "{shown}");
    // Wrong values: each named in the notice, nothing written.
    let bad = settings(&shown, &[("credit_limit", "lots"), ("payment_terms", "NET30"), ("billing_rule", "weekly"), ("invoice_emails", "nobody")]);
    b.post(app.url(ACME, "/workspace/admin/customers/C-1001/settings")).form(&bad).send().await.unwrap();
    let (_, shown) = page(&app, &b, ACME, "/workspace/admin/customers/C-1001").await;
    assert!(shown.contains("Not saved.") && shown.contains("Credit limit: ") && shown.contains("Billing rule: ") && shown.contains("AP e-mail addresses: "), "{shown}");
    // Without the CSRF token: refused.
    let mut no_csrf = settings(&shown, &[("credit_limit", "1"), ("payment_terms", "NET30")]);
    no_csrf.remove(0);
    assert_eq!(b.post(app.url(ACME, "/workspace/admin/customers/C-1001/settings")).form(&no_csrf).send().await.unwrap().status(), 403);
    assert_eq!(customer_in(&app, ACME, "C-1001").await.credit_limit_minor, Some(3_000_050));
    assert_eq!(audit_of(&app, ACME, "C-1001").await.len(), 1, "refusals are not audited");
}

#[tokio::test]
async fn a_clerk_can_neither_see_nor_change_commercial_settings() {
    let app = spawn_app().await;
    let b = signed_in(&app, ACME, "clerk@acme.test").await;
    for path in ["/workspace/admin/customers", "/workspace/admin/customers/C-1001"] {
        let (status, html) = page(&app, &b, ACME, path).await;
        assert_eq!(status, 403, "{path}");
        assert!(html.contains("Only tenant admins") && !html.contains("250,000.00") && !html.contains("ap@initech.test"), "{path}: {html}");
    }
    let (_, html) = page(&app, &b, ACME, "/workspace").await;
    let form = [("csrf", extract_csrf(&html)), ("version", "0".into()), ("credit_limit", "999,999.00".into()), ("payment_terms", "NET30".into())];
    let r = b.post(app.url(ACME, "/workspace/admin/customers/C-1001/settings")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(customer_in(&app, ACME, "C-1001").await.credit_limit_minor, Some(25_000_000));
    assert!(audit_of(&app, ACME, "C-1001").await.is_empty());
}

/// Cross-tenant matrix, customer settings rows: acme's admin reaches no bluegrass customer,
/// neither through acme's host (where it does not exist) nor with acme's session on
/// bluegrass's host (where that session is no session).
#[tokio::test]
async fn cross_tenant_matrix_acme_admin_cannot_read_or_edit_bluegrass_customer_settings() {
    let app = spawn_app().await;
    let before = customer_in(&app, BG, "G-2001").await;
    let b = signed_in(&app, ACME, "admin@acme.test").await;
    // Acme's host: no such customer, in the list or on its page.
    let (status, html) = page(&app, &b, ACME, "/workspace/admin/customers/G-2001").await;
    assert_eq!(status, 404);
    assert!(html.contains("No such customer") && !html.contains("Globex"), "{html}");
    let (_, list) = page(&app, &b, ACME, "/workspace/admin/customers?q=globex").await;
    assert!(!list.contains("G-2001") && list.contains("No customer matches"), "{list}");
    let (_, own) = page(&app, &b, ACME, "/workspace/admin/customers/C-1001").await;
    let form = settings(&own, &[("credit_limit", "1.00"), ("payment_terms", "NET30"), ("invoicing_hold", "on")]);
    let r = b.post(app.url(ACME, "/workspace/admin/customers/G-2001/settings")).form(&form).send().await.unwrap();
    assert_eq!(location(&r), "/workspace/admin/customers");
    let (_, list) = page(&app, &b, ACME, "/workspace/admin/customers").await;
    assert!(list.contains("There is no customer G-2001."), "{list}");
    // Bluegrass's host with acme's session cookie: signed out there, read and write alike.
    let cookie = app.signed_in_cookie(ACME, "admin@acme.test").await;
    let raw = app.raw_client();
    let own = raw.get(app.url(ACME, "/workspace/admin/customers/C-1001")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
    for path in ["/workspace/admin/customers", "/workspace/admin/customers/G-2001"] {
        let r = raw.get(app.url(BG, path)).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(location(&r), "/login", "{path}");
    }
    let r = raw.post(app.url(BG, "/workspace/admin/customers/G-2001/settings")).header("cookie", &cookie).form(&settings(&own, &[("credit_limit", "1.00"), ("payment_terms", "NET30")])).send().await.unwrap();
    assert_eq!(location(&r), "/login");
    assert_eq!(customer_in(&app, BG, "G-2001").await, before, "bluegrass's customer is untouched");
    assert!(audit_of(&app, BG, "G-2001").await.is_empty());
}

/// The credit check reads the limit the admin sets: a limit removed and set again counts the
/// orders taken meanwhile.
#[tokio::test]
async fn a_credit_limit_changed_in_the_form_is_what_the_credit_check_uses() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    assert_eq!(app.post(ACME, &t, "/api/v1/customers", &json!({"external_id": "LIM-C", "name": "Limit Co"})).await.status(), 201);
    let b = signed_in(&app, ACME, "admin@acme.test").await;
    let set_limit = |limit: &'static str| {
        let (b, app) = (b.clone(), &app);
        async move {
            let (_, html) = page(app, &b, ACME, "/workspace/admin/customers/LIM-C").await;
            let form = settings(&html, &[("credit_limit", limit), ("payment_terms", "NET30")]);
            let r = b.post(app.url(ACME, "/workspace/admin/customers/LIM-C/settings")).form(&form).send().await.unwrap();
            assert_eq!(location(&r), "/workspace/admin/customers/LIM-C");
        }
    };
    set_limit("100.00").await;
    assert_eq!(app.post(ACME, &t, "/api/v1/orders", &order_payload("LIM-1", "LIM-C")).await.status(), 201);
    set_limit("").await;
    assert_eq!(app.post(ACME, &t, "/api/v1/orders", &order_payload("LIM-2", "LIM-C")).await.status(), 201);
    set_limit("150.00").await;
    assert_eq!(app.post(ACME, &t, "/api/v1/orders", &order_payload("LIM-3", "LIM-C")).await.status(), 201);
    let status = |n: &'static str| {
        let (app, t) = (&app, &t);
        async move { order(app, t, n).await["status"].as_str().unwrap().to_owned() }
    };
    assert_eq!((status("LIM-1").await, status("LIM-2").await), ("accepted".to_owned(), "accepted".to_owned()));
    assert_eq!(status("LIM-3").await, "credit_hold", "USD 195.00 of orders against a limit of USD 150.00");
    assert_eq!(audit_of(&app, ACME, "LIM-C").await.len(), 3);
}
