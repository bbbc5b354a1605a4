//! Dunning on the controlled clock: a key account's sequence (+3, +10, +30) e-mailed through
//! the SMTP server on loopback and read back; paused by an open dispute and by a promise to
//! pay a clerk recorded, resumed after each; a portal customer's reminder and promise in the
//! portal; two runs at once recording each reminder once; tenant default channels inherited
//! by customers without their own; the admin's sequences refused by name or saved with a
//! preview; the cross-tenant and role matrix of the new pages and posts.
use crate::common::smtp::{Mail, SmtpServer};
use crate::common::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

/// Every invoice here is issued 30 days before today on NET30: due today (promises are
/// checked against the real clock, so the story is told from today).
fn due() -> chrono::NaiveDate {
    Utc::now().date_naive()
}

fn day(days_after_due: i64) -> String {
    (due() + Duration::days(days_after_due)).to_string()
}

fn at(days_after_due: i64) -> DateTime<Utc> {
    Utc.from_utc_datetime(&due().and_hms_opt(12, 0, 0).unwrap()) + Duration::days(days_after_due)
}

async fn customer_with_invoice(app: &TestApp, t: &str, customer: Value, number: &str) {
    let id = customer["external_id"].as_str().unwrap().to_owned();
    assert!(app.post(ACME, t, "/api/v1/customers", &customer).await.status().is_success());
    let inv = json!({"number": number, "customer": id, "currency": "USD", "issued_on": day(-30),
        "lines": [{"line": 1, "sku": "BRG-6204", "description": "Bearing", "quantity": 10, "unit_price_minor": 9_000}]});
    assert_eq!(app.post(ACME, t, "/api/v1/invoices", &inv).await.status(), 201);
}

fn reminders_for(smtp: &SmtpServer, number: &str) -> Vec<Mail> {
    smtp.mails().into_iter().filter(|m| m.header("Subject").is_some_and(|s| s.contains(number) && !s.starts_with(&format!("Invoice {number} from")))).collect()
}

async fn run(app: &TestApp, days_after_due: i64) {
    server::workers::run_due(&app.db, &app.config, at(days_after_due)).await.unwrap();
}

/// The `reminder.sent` events about invoice `number`.
async fn sent_events(app: &TestApp, host: &str, number: &str) -> Vec<Value> {
    use domain::entity::event;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let txn = app.db.tenant_txn(&app.tenant(host).await.slug).await.unwrap();
    let rows = event::Entity::find().filter(event::Column::Kind.eq("reminder.sent")).all(&txn).await.unwrap();
    txn.commit().await.unwrap();
    rows.iter().filter_map(|e| serde_json::from_str::<Value>(&e.payload).ok()).filter(|p| p["invoice"] == number).collect()
}

async fn staff_state(app: &TestApp, b: &reqwest::Client, number: &str) -> String {
    let (status, html) = page(app, b, ACME, &format!("/workspace/invoices/{number}")).await;
    assert_eq!(status, 200);
    html
}

#[tokio::test]
async fn a_key_accounts_reminders_pause_for_a_dispute_and_a_promise_and_resume_after() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let t = app.acme_token().await;
    let c = json!({"external_id": "C-DUN", "name": "Dunmore & Sons", "segment": "Key Accounts", "reminder_channel": "email", "invoice_emails": "ap@dunmore.test"});
    customer_with_invoice(&app, &t, c, "INV-DUN-1").await;

    run(&app, 1).await;
    assert!(reminders_for(&smtp, "INV-DUN-1").is_empty(), "a key account's first reminder is 3 days after the due date");
    run(&app, 3).await;
    let mails = reminders_for(&smtp, "INV-DUN-1");
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert_eq!((m.to.as_slice(), m.header("Subject").unwrap()), (&["ap@dunmore.test".to_owned()][..], "A friendly note about invoice INV-DUN-1".to_owned()));
    assert!(m.data.contains("Dunmore & Sons") && m.data.contains("USD 900.00") && m.data.contains(&day(0)), "the template is filled in");
    assert!(m.data.contains("/portal/invoices/INV-DUN-1") && m.data.contains("#1d4ed8"), "a link into the portal, the tenant's colour");
    assert!(m.attachment("application/pdf").is_some_and(|p| p.starts_with(b"%PDF")), "the invoice PDF is attached");
    assert_eq!(sent_events(&app, ACME, "INV-DUN-1").await.len(), 1);
    run(&app, 5).await;
    assert_eq!(reminders_for(&smtp, "INV-DUN-1").len(), 1, "one step, one reminder");

    // An open dispute pauses the sequence; the staff page says why.
    let d: Value = app.post(ACME, &t, "/api/v1/disputes", &json!({"invoice_number": "INV-DUN-1", "reason": "pricing", "description": "x", "lines": [{"line": 1, "quantity": 1}]})).await.json().await.unwrap();
    let clerk = signed_in(&app, ACME, "clerk@acme.test").await;
    assert!(staff_state(&app, &clerk, "INV-DUN-1").await.contains("Paused while the invoice is disputed"));
    run(&app, 10).await;
    assert_eq!(reminders_for(&smtp, "INV-DUN-1").len(), 1, "nothing while disputed");
    let n = d["number"].as_str().unwrap();
    let r = app.post(ACME, &t, &format!("/api/v1/disputes/{n}/resolve"), &json!({"outcome": "reject", "reason": "the price was agreed"})).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    run(&app, 11).await;
    let mails = reminders_for(&smtp, "INV-DUN-1");
    assert_eq!(mails.len(), 2, "resumed once the dispute closed");
    assert_eq!(mails[1].header("Subject").unwrap(), "Invoice INV-DUN-1 is 11 days overdue");

    // A clerk records a promise to pay: the final notice waits until it lapses.
    let (_, html) = page(&app, &clerk, ACME, "/workspace/invoices/INV-DUN-1").await;
    let csrf = extract_csrf(&html);
    let promised = day(35);
    let bad = post_form(&app, &clerk, ACME, "/workspace/invoices/INV-DUN-1/promise", &[("csrf", &csrf), ("promised_on", &promised), ("amount", "901.00")]).await;
    assert_eq!(location(&bad), "/workspace/invoices/INV-DUN-1?refused=1");
    let (_, html) = page(&app, &clerk, ACME, "/workspace/invoices/INV-DUN-1?refused=1").await;
    assert!(html.contains("amount: USD 901.00 is more than the USD 900.00 open"), "the refusal names the field");
    let ok = post_form(&app, &clerk, ACME, "/workspace/invoices/INV-DUN-1/promise", &[("csrf", &csrf), ("promised_on", &promised), ("amount", ""), ("note", "Called AP")]).await;
    assert_eq!(location(&ok), "/workspace/invoices/INV-DUN-1");
    let html = staff_state(&app, &clerk, "INV-DUN-1").await;
    assert!(html.contains(&format!("Paused: payment promised by {promised}")), "the state names the promise");
    assert!(html.contains(&format!("Promise to pay USD 900.00 by {promised}")) && html.contains("Called AP"), "the promise is on the timeline");
    let again = post_form(&app, &clerk, ACME, "/workspace/invoices/INV-DUN-1/promise", &[("csrf", &csrf), ("promised_on", &day(40))]).await;
    assert_eq!(location(&again), "/workspace/invoices/INV-DUN-1?refused=1", "not while one is in force");
    assert!(html.contains("Reminder \"Friendly note\" by email to ap@dunmore.test"), "so are the reminders");
    run(&app, 30).await;
    assert_eq!(reminders_for(&smtp, "INV-DUN-1").len(), 2, "nothing while the promise holds");
    run(&app, 36).await;
    let mails = reminders_for(&smtp, "INV-DUN-1");
    assert_eq!(mails.len(), 3, "resumed the day after the promise lapsed");
    assert_eq!(mails[2].header("Subject").unwrap(), "Final notice: invoice INV-DUN-1");
    let mut steps: Vec<(i64, String)> = sent_events(&app, ACME, "INV-DUN-1").await.iter().map(|e| (e["step_days"].as_i64().unwrap(), e["step"].as_str().unwrap().to_owned())).collect();
    steps.sort();
    assert_eq!(steps, [(3, "Friendly note".to_owned()), (10, "Second reminder".into()), (30, "Final notice".into())]);
    run(&app, 60).await;
    assert_eq!(reminders_for(&smtp, "INV-DUN-1").len(), 3, "the sequence is done");
    let entries = audit_entries(&app, &app.tenant(ACME).await.slug, domain::audit::AuditFilter { action: Some("invoice.promise_to_pay".into()), ..Default::default() }).await;
    assert_eq!((entries.len(), entries[0].actor_name.as_str()), (1, "Carl Clerk"));
}

#[tokio::test]
async fn a_portal_customer_sees_its_reminder_and_promises_to_pay_in_the_portal() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    customer_with_invoice(&app, &t, json!({"external_id": "C-1001", "name": "Initech Manufacturing", "reminder_channel": "portal"}), "INV-DUN-P").await;
    run(&app, 0).await;
    let events = sent_events(&app, ACME, "INV-DUN-P").await;
    assert_eq!(events.len(), 1, "the standard sequence starts on the due date");
    assert_eq!((events[0]["step"].as_str(), events[0]["channel"].as_str()), (Some("Due today"), Some("portal")));
    let buyer = signed_in(&app, ACME, "buyer@initech.test").await;
    let (status, html) = page(&app, &buyer, ACME, "/portal/invoices/INV-DUN-P").await;
    assert_eq!(status, 200);
    assert!(html.contains("Due today, posted here in the portal"), "the reminder in plain words");
    let csrf = extract_csrf(&html);
    let past = post_form(&app, &buyer, ACME, "/portal/invoices/INV-DUN-P/promise", &[("csrf", &csrf), ("promised_on", "2020-01-01")]).await;
    assert_eq!(location(&past), "/portal/invoices/INV-DUN-P?refused=1");
    let (_, html) = page(&app, &buyer, ACME, "/portal/invoices/INV-DUN-P?refused=1").await;
    assert!(html.contains("promised_on: 2020-01-01 has passed"), "named");
    let on = (Utc::now() + Duration::days(20)).date_naive().to_string();
    let ok = post_form(&app, &buyer, ACME, "/portal/invoices/INV-DUN-P/promise", &[("csrf", &csrf), ("promised_on", &on), ("amount", "500.00")]).await;
    assert_eq!(location(&ok), "/portal/invoices/INV-DUN-P");
    let (_, html) = page(&app, &buyer, ACME, "/portal/invoices/INV-DUN-P").await;
    assert!(html.contains(&format!("You promised USD 500.00 by {on}; no reminders until then")), "the promise in force");
    // The customer cannot promise on another customer's invoice, nor reach the staff page.
    customer_with_invoice(&app, &t, json!({"external_id": "C-OTHER", "name": "Other Co"}), "INV-DUN-O").await;
    let r = post_form(&app, &buyer, ACME, "/portal/invoices/INV-DUN-O/promise", &[("csrf", &csrf), ("promised_on", &on)]).await;
    assert_eq!(r.status(), 404);
    let r = post_form(&app, &buyer, ACME, "/workspace/invoices/INV-DUN-P/promise", &[("csrf", &csrf), ("promised_on", &on)]).await;
    assert!(matches!(r.status().as_u16(), 303 | 403) && location(&r) != "/workspace/invoices/INV-DUN-P", "refused: {}", r.status());
    let promises = audit_entries(&app, &app.tenant(ACME).await.slug, domain::audit::AuditFilter { action: Some("invoice.promise_to_pay".into()), ..Default::default() }).await;
    assert_eq!(promises.len(), 1, "only the customer's own promise on its own invoice");
    let (status, html) = page(&app, &buyer, ACME, "/workspace/invoices/INV-DUN-P").await;
    assert!(status == 403 || !html.contains("INV-DUN-P"), "{status}");
}

#[tokio::test]
async fn two_runs_at_once_record_and_announce_each_reminder_once() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    for i in 0..20 {
        let c = json!({"external_id": format!("C-TWO-{i}"), "name": format!("Twice {i}"), "reminder_channel": "portal"});
        customer_with_invoice(&app, &t, c, &format!("INV-TWO-{i}")).await;
    }
    let slug = app.tenant(ACME).await.slug;
    let cx = domain::dunning::engine::RunCx { company: "Acme".into(), portal_origin: "http://acme.localhost".into(), now: at(8) };
    let go = || {
        let (db, slug, cx) = (app.db.clone(), slug.clone(), cx.clone());
        tokio::spawn(async move {
            let txn = db.tenant_txn(&slug).await.unwrap();
            let out = domain::dunning::engine::run(&txn, &cx).await.unwrap();
            txn.commit().await.unwrap();
            out
        })
    };
    let (a, b) = (go(), go());
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    for i in 0..20 {
        let events = sent_events(&app, ACME, &format!("INV-TWO-{i}")).await;
        assert_eq!(events.len(), 1, "INV-TWO-{i}: one reminder.sent, from whichever run wrote the reminder");
        assert_eq!(events[0]["step"], "Reminder", "day 8: the +7 step, not the passed one too");
    }
    let rows = {
        use sea_orm::{EntityTrait, PaginatorTrait};
        let txn = app.db.tenant_txn(&slug).await.unwrap();
        let n = domain::dunning::entity::reminder::Entity::find().count(&txn).await.unwrap();
        txn.commit().await.unwrap();
        n as usize
    };
    assert_eq!(a.reminders + b.reminders, rows, "each reminder counted by the one run that wrote it: {a:?} {b:?}");
}

#[tokio::test]
async fn customers_without_channels_of_their_own_follow_the_tenant_default() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let t = app.acme_token().await;
    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    let (status, html) = page(&app, &admin, ACME, "/workspace/admin/reminders").await;
    assert_eq!(status, 200);
    assert!(html.contains("built-in default") && html.contains("Friendly note"), "the built-in sequences are shown");
    let csrf = extract_csrf(&html);
    let r = post_form(&app, &admin, ACME, "/workspace/admin/reminders/defaults", &[("csrf", &csrf), ("channel_email", "on"), ("reminder_channel", "portal")]).await;
    assert_eq!(location(&r), "/workspace/admin/reminders");
    let (_, html) = page(&app, &admin, ACME, "/workspace/admin/reminders").await;
    assert!(html.contains("Saved the tenant defaults as v1."), "{}", &html[..200.min(html.len())]);

    customer_with_invoice(&app, &t, json!({"external_id": "C-INH", "name": "Inherits Ltd", "invoice_emails": "ap@inherits.test"}), "INV-INH-1").await;
    customer_with_invoice(&app, &t, json!({"external_id": "C-OWN", "name": "Owns Ltd", "invoice_channels": ["portal"]}), "INV-OWN-1").await;
    server::workers::run_due(&app.db, &app.config, Utc::now()).await.unwrap();
    let subjects: Vec<String> = smtp.mails().iter().filter_map(|m| m.header("Subject")).collect();
    assert!(subjects.iter().any(|s| s.starts_with("Invoice INV-INH-1 from")), "inherited: e-mailed");
    assert!(!subjects.iter().any(|s| s.contains("INV-OWN-1")), "its own portal-only setting wins");
    let c: Value = app.get(ACME, &t, "/api/v1/customers/C-INH").await.json().await.unwrap();
    assert_eq!(c["invoice_channels"], Value::Null, "null: the tenant's default");
    let (_, html) = page(&app, &admin, ACME, "/workspace/admin/customers/C-INH").await;
    assert!(html.contains("Tenant default (Portal, E-mail with PDF)"), "the admin sees what is inherited");
    let (_, html) = page(&app, &admin, ACME, "/workspace/admin/customers").await;
    assert!(html.contains("Tenant default (Portal, E-mail with PDF)"));

    // Sequences: an unknown placeholder is refused by name; a good one is saved and previewed.
    let mut form = vec![("csrf", csrf.as_str()), ("enabled", "on"), ("segment_0", ""), ("days_0_0", "5"), ("name_0_0", "Nudge"), ("subject_0_0", "Pay {amount}"), ("body_0_0", "Hello {customer}")];
    let r = post_form(&app, &admin, ACME, "/workspace/admin/reminders/sequences", &form).await;
    assert_eq!(location(&r), "/workspace/admin/reminders");
    let (_, html) = page(&app, &admin, ACME, "/workspace/admin/reminders").await;
    assert!(html.contains("Not saved") && html.contains("{amount} is not a placeholder"), "refused by name");
    form[5] = ("subject_0_0", "Invoice {invoice} is {days_overdue} days late");
    post_form(&app, &admin, ACME, "/workspace/admin/reminders/sequences", &form).await;
    let (_, html) = page(&app, &admin, ACME, "/workspace/admin/reminders").await;
    assert!(html.contains("Saved the reminder sequences as v1."));
    assert!(html.contains("Invoice INV-10042 is 7 days late") && html.contains("Hello Initech Supply"), "the preview is filled in");
    assert!(!html.contains("Friendly note"), "the key accounts sequence is gone");
    let (status, _) = page(&app, &signed_in(&app, ACME, "clerk@acme.test").await, ACME, "/workspace/admin/reminders").await;
    assert_eq!(status, 403, "a clerk cannot open it");
    // Another tenant's admin, with a valid form of their own: their session means nothing here.
    let bg = signed_in(&app, BG, "admin@bluegrass.test").await;
    let (_, bg_html) = page(&app, &bg, BG, "/workspace/admin/reminders").await;
    let r = post_form(&app, &bg, ACME, "/workspace/admin/reminders/defaults", &[("csrf", &extract_csrf(&bg_html)), ("channel_edi", "on"), ("reminder_channel", "none")]).await;
    assert_eq!(location(&r), "/login");
    let (_, html) = page(&app, &admin, ACME, "/workspace/admin/reminders").await;
    assert!(html.contains("v1, saved by"), "still acme's own v1");
    assert_eq!(audit_entries(&app, &app.tenant(ACME).await.slug, domain::audit::AuditFilter { action: Some("rule.changed".into()), ..Default::default() }).await.len(), 2);
}

#[tokio::test]
async fn the_staff_invoice_page_and_promises_stay_in_their_tenant() {
    let app = spawn_app().await;
    let t = app.acme_token().await;
    customer_with_invoice(&app, &t, json!({"external_id": "C-XT", "name": "Cross Tenant Co"}), "INV-XT-DUN").await;
    let bg = signed_in(&app, BG, "admin@bluegrass.test").await;
    let (status, html) = page(&app, &bg, BG, "/workspace/invoices/INV-XT-DUN").await;
    assert_eq!(status, 404);
    assert!(!html.contains("Cross Tenant Co"));
    let (_, home) = page(&app, &bg, BG, "/workspace").await;
    let r = post_form(&app, &bg, BG, "/workspace/invoices/INV-XT-DUN/promise", &[("csrf", &extract_csrf(&home)), ("promised_on", &day(10))]).await;
    assert_eq!(r.status(), 404);
    let service = signed_in(&app, ACME, "service@acme.test").await;
    let (status, _) = page(&app, &service, ACME, "/workspace/invoices/INV-XT-DUN").await;
    assert_eq!(status, 200, "customer service reads it");
    let (_, html) = page(&app, &service, ACME, "/workspace/invoices/INV-XT-DUN").await;
    assert!(!html.contains("promise-form"), "but records no promise");
    let r = post_form(&app, &service, ACME, "/workspace/invoices/INV-XT-DUN/promise", &[("csrf", &extract_csrf(&html)), ("promised_on", &day(10))]).await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn a_reminder_waiting_for_the_mail_server_is_cancelled_once_the_invoice_is_paid() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let t = app.acme_token().await;
    let c = json!({"external_id": "C-PAYS", "name": "Pays Late Ltd", "reminder_channel": "email", "invoice_emails": "ap@payslate.test"});
    customer_with_invoice(&app, &t, c, "INV-DUN-PAY").await;
    smtp.refuse_with(Some("451 4.3.0 try later"));
    run(&app, 0).await;
    assert!(reminders_for(&smtp, "INV-DUN-PAY").is_empty());
    let pay = ev("pay-dun", "payment.received", &at(0).to_rfc3339(), json!({"number": "PAY-DUN", "customer": "C-PAYS", "currency": "USD", "amount_minor": 90_000,
        "received_on": day(0), "remittance": [{"invoice_number": "INV-DUN-PAY", "amount_minor": 90_000}]}));
    let v: Value = app.post(ACME, &t, "/api/v1/events", &json!([pay])).await.json().await.unwrap();
    assert_eq!(v["results"][0]["result"], "accepted", "{v}");
    assert_eq!(app.get(ACME, &t, "/api/v1/invoices/INV-DUN-PAY").await.json::<Value>().await.unwrap()["status"], "paid");
    smtp.refuse_with(None);
    run(&app, 1).await;
    assert!(reminders_for(&smtp, "INV-DUN-PAY").is_empty(), "paid in the meantime: not sent");
    let clerk = signed_in(&app, ACME, "clerk@acme.test").await;
    let html = staff_state(&app, &clerk, "INV-DUN-PAY").await;
    assert!(html.contains("cancelled") && html.contains("Paid: no reminders"), "the timeline says so");
    assert!(sent_events(&app, ACME, "INV-DUN-PAY").await.is_empty());
}
