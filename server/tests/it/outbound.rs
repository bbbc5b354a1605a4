//! Invoice delivery by e-mail through a real SMTP server on loopback: the message read back
//! (recipients, subject, sender and colour of the tenant's brand, a link into the portal, the
//! attachment a PDF of that invoice), `invoice.delivered` once; a temporary refusal retried, a
//! permanent one dead-lettered and shown as failed; the portal channel recorded as available.
use crate::common::smtp::SmtpServer;
use crate::common::*;
use chrono::{Duration, Utc};
use serde_json::json;

/// A customer invoiced by e-mail and one of its invoices; returns the invoice's id.
async fn invoiced(app: &TestApp, token: &str, number: &str) -> uuid::Uuid {
    let c = json!({"external_id": "C-MAIL", "name": "Mailroom & Co", "invoice_channels": ["email"], "invoice_emails": "ap@mailroom.test, AP2@mailroom.test"});
    assert!(app.post(ACME, token, "/api/v1/customers", &c).await.status().is_success());
    let inv = json!({"number": number, "customer": "C-MAIL", "currency": "USD", "issued_on": "2026-12-01", "tax_minor": 150,
        "lines": [{"line": 1, "sku": "BRG-6204", "description": "Bearing", "quantity": 10, "unit_price_minor": 250}]});
    let r = app.post(ACME, token, "/api/v1/invoices", &inv).await;
    assert_eq!(r.status(), 201);
    invoice_id(app, number).await
}

async fn invoice_id(app: &TestApp, number: &str) -> uuid::Uuid {
    use domain::entity::invoice;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let slug = app.tenant(ACME).await.slug;
    let txn = app.db.tenant_txn(&slug).await.unwrap();
    let id = invoice::Entity::find().filter(invoice::Column::Number.eq(number)).one(&txn).await.unwrap().expect("the invoice").id;
    txn.commit().await.unwrap();
    id
}

async fn deliveries(app: &TestApp, invoice: uuid::Uuid) -> Vec<domain::outbound::DeliveryView> {
    let slug = app.tenant(ACME).await.slug;
    let txn = app.db.tenant_txn(&slug).await.unwrap();
    let d = domain::outbound::for_invoice(&txn, invoice).await.unwrap();
    txn.commit().await.unwrap();
    d
}

async fn delivered_events(app: &TestApp, number: &str) -> usize {
    let slug = app.tenant(ACME).await.slug;
    let txn = app.db.tenant_txn(&slug).await.unwrap();
    use domain::entity::event;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let rows = event::Entity::find().filter(event::Column::Kind.eq("invoice.delivered")).all(&txn).await.unwrap();
    let n = rows.iter().filter(|e| serde_json::from_str::<serde_json::Value>(&e.payload).is_ok_and(|p| p["number"] == number)).count();
    txn.commit().await.unwrap();
    n
}

#[tokio::test]
async fn a_posted_invoice_is_emailed_under_the_tenants_brand_with_its_pdf() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let token = app.acme_token().await;
    let id = invoiced(&app, &token, "INV-MAIL-1").await;
    let before = deliveries(&app, id).await;
    let mut pairs: Vec<(String, String)> = before.iter().map(|d| (d.channel.clone(), d.status.clone())).collect();
    pairs.sort();
    assert_eq!(pairs, [("email".to_owned(), "queued".to_owned()), ("portal".to_owned(), "delivered".to_owned())]);
    server::workers::run_due(&app.db, &app.config, Utc::now()).await.unwrap();
    // The demo's own invoices of e-mail customers went too; this one went once, to both.
    let mails = mails_for(&smtp, "INV-MAIL-1");
    assert_eq!(mails.len(), 1, "one message to every AP address");
    let m = &mails[0];
    assert_eq!(m.to, ["ap@mailroom.test", "ap2@mailroom.test"]);
    assert_eq!(m.from, "billing@acme.test");
    assert_eq!(m.header("From").unwrap(), "\"Acme Order Hub\" <billing@acme.test>");
    let subject = m.header("Subject").unwrap();
    assert!(subject.contains("INV-MAIL-1") && subject.contains("Acme"), "{subject}");
    assert!(m.data.contains("Content-Type: text/plain") && m.data.contains("Content-Type: text/html"), "a plain-text part and an HTML part");
    assert!(m.data.contains("#1d4ed8"), "the tenant's colour is in the HTML");
    assert!(m.data.contains("/portal/invoices/INV-MAIL-1"), "a link to the invoice in the portal");
    let pdf = m.attachment("application/pdf").expect("a PDF attachment");
    assert!(pdf.starts_with(b"%PDF"));
    let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
    for want in ["INV-MAIL-1", "Acme", "Mailroom & Co", "USD 26.50"] {
        assert!(text.contains(want), "the PDF names {want}: {text}");
    }
    let after = deliveries(&app, id).await;
    let email = after.iter().find(|d| d.channel == "email").unwrap();
    assert_eq!(email.status, "sent");
    assert_eq!(email.plain(), "Sent to ap@mailroom.test, ap2@mailroom.test");
    assert!(email.sent_at.is_some());
    assert_eq!(delivered_events(&app, "INV-MAIL-1").await, 1);
    // Running the jobs again sends nothing more.
    server::workers::run_due(&app.db, &app.config, Utc::now() + Duration::hours(1)).await.unwrap();
    assert_eq!(mails_for(&smtp, "INV-MAIL-1").len(), 1);
}

/// The messages about invoice `number`.
fn mails_for(smtp: &SmtpServer, number: &str) -> Vec<crate::common::smtp::Mail> {
    smtp.mails().into_iter().filter(|m| m.header("Subject").is_some_and(|s| s.contains(&format!("Invoice {number} ")))).collect()
}

#[tokio::test]
async fn a_temporary_refusal_is_retried_and_a_permanent_one_fails_the_delivery() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let token = app.acme_token().await;
    smtp.refuse_with(Some("451 4.3.0 mailbox busy, try later"));
    let id = invoiced(&app, &token, "INV-MAIL-2").await;
    server::workers::run_due(&app.db, &app.config, Utc::now()).await.unwrap();
    assert!(mails_for(&smtp, "INV-MAIL-2").is_empty());
    let email = deliveries(&app, id).await.into_iter().find(|d| d.channel == "email").unwrap();
    assert_eq!(email.status, "retrying");
    assert_eq!(email.attempts, 1);
    assert!(email.last_error.as_deref().unwrap_or_default().contains("451"), "{email:?}");
    smtp.refuse_with(None);
    server::workers::run_due(&app.db, &app.config, Utc::now() + Duration::hours(1)).await.unwrap();
    assert_eq!(mails_for(&smtp, "INV-MAIL-2").len(), 1, "sent on the retry");
    assert_eq!(deliveries(&app, id).await.into_iter().find(|d| d.channel == "email").unwrap().status, "sent");

    smtp.refuse_with(Some("550 5.7.1 relaying denied"));
    let id = invoiced(&app, &token, "INV-MAIL-3").await;
    server::workers::run_due(&app.db, &app.config, Utc::now() + Duration::hours(2)).await.unwrap();
    let email = deliveries(&app, id).await.into_iter().find(|d| d.channel == "email").unwrap();
    assert_eq!(email.status, "failed", "a 5xx is not retried: {email:?}");
    assert!(email.last_error.as_deref().unwrap_or_default().contains("550"));
    assert_eq!(email.plain(), "Could not be e-mailed to ap@mailroom.test, ap2@mailroom.test");
    assert!(mails_for(&smtp, "INV-MAIL-3").is_empty());
    assert_eq!(delivered_events(&app, "INV-MAIL-3").await, 0);
}

#[tokio::test]
async fn one_smtp_connection_carries_many_messages_and_one_that_was_refused_is_not_reused() {
    use server::outbound::email::{Mailer, SendError};
    let smtp = SmtpServer::start().await;
    let mailer = Mailer::from_url(&smtp.url()).unwrap();
    let msg = |n: usize| lettre::Message::builder().from("billing@acme.test".parse().unwrap()).to("ap@x.test".parse().unwrap()).subject(format!("m{n}")).body(String::from("hello")).unwrap();
    for n in 0..3 {
        mailer.send(msg(n)).await.unwrap();
    }
    assert_eq!((smtp.count(), smtp.connections()), (3, 1), "one connection, kept for the next message");
    smtp.refuse_with(Some("451 4.3.0 busy"));
    assert!(matches!(mailer.send(msg(3)).await, Err(SendError::Temporary(m)) if m.contains("451")));
    smtp.refuse_with(None);
    mailer.send(msg(4)).await.unwrap();
    assert_eq!((smtp.count(), smtp.connections()), (4, 2), "the refused connection was closed; the next message opened another");
    // A server that is gone: a temporary failure naming it, no hang.
    let gone = Mailer::from_url("smtp://127.0.0.1:1").unwrap();
    assert!(matches!(gone.send(msg(5)).await, Err(SendError::Temporary(m)) if m.contains("could not connect to 127.0.0.1:1")));
}

#[tokio::test]
async fn a_portal_only_customer_gets_no_email_and_the_invoice_is_available_in_the_portal() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let token = app.acme_token().await;
    let c = json!({"external_id": "C-PORTAL", "name": "Portal Only Ltd"});
    assert!(app.post(ACME, &token, "/api/v1/customers", &c).await.status().is_success());
    let inv = json!({"number": "INV-PORTAL-1", "customer": "C-PORTAL", "currency": "USD", "issued_on": "2026-12-01",
        "lines": [{"line": 1, "sku": "BRG-6204", "quantity": 1, "unit_price_minor": 250}]});
    assert_eq!(app.post(ACME, &token, "/api/v1/invoices", &inv).await.status(), 201);
    let id = invoice_id(&app, "INV-PORTAL-1").await;
    let d = deliveries(&app, id).await;
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].channel.as_str(), d[0].status.as_str()), ("portal", "delivered"));
    server::workers::run_due(&app.db, &app.config, Utc::now()).await.unwrap();
    assert!(mails_for(&smtp, "INV-PORTAL-1").is_empty());
}

/// A partner's 997 for group control number `control` with AK9 code `code`.
fn ack_997(control: &str, code: &str) -> String {
    format!(
        "ISA*00*          *00*          *ZZ*INITECH        *ZZ*ACME           *261206*0930*U*00401*000000777*0*P*>~\n\
         GS*FA*INITECH*ACME*20261206*0930*777*X*004010~\nST*997*0001~\nAK1*IN*{control}~\nAK2*810*0001~\nAK5*{code}~\nAK9*{code}*1*1*{}~\nSE*6*0001~\nGE*1*777~\nIEA*1*000000777~\n",
        if code == "A" { 1 } else { 0 }
    )
}

async fn post_x12(app: &TestApp, token: &str, body: &str) -> serde_json::Value {
    let r = app.browser().post(app.url(ACME, "/api/v1/edi")).bearer_auth(token).header("content-type", "application/edi-x12").body(body.to_owned()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn an_edi_customers_invoice_waits_in_the_outbox_until_the_partners_997() {
    let app = spawn_app().await;
    let token = app.acme_token().await;
    let c = json!({"external_id": "C-EDI", "name": "EDI Buyer Inc", "invoice_channels": ["edi"]});
    assert!(app.post(ACME, &token, "/api/v1/customers", &c).await.status().is_success());
    for n in ["INV-EDI-OUT-1", "INV-EDI-OUT-2"] {
        let inv = json!({"number": n, "customer": "C-EDI", "currency": "USD", "issued_on": "2026-12-01", "lines": [{"line": 1, "sku": "BRG-6204", "quantity": 2, "unit_price_minor": 745}]});
        assert_eq!(app.post(ACME, &token, "/api/v1/invoices", &inv).await.status(), 201);
    }
    server::workers::run_due(&app.db, &app.config, Utc::now()).await.unwrap();
    // The demo's own EDI customers' invoices are there too; these two come in order.
    let outbox: serde_json::Value = app.get(ACME, &token, "/api/v1/edi/outbox").await.json().await.unwrap();
    let items: Vec<&serde_json::Value> = outbox.as_array().unwrap().iter().filter(|i| i["invoice_number"].as_str().unwrap().starts_with("INV-EDI-OUT")).collect();
    assert_eq!(items.iter().map(|i| i["invoice_number"].as_str().unwrap()).collect::<Vec<_>>(), ["INV-EDI-OUT-1", "INV-EDI-OUT-2"]);
    let doc = items[0]["document"].as_str().unwrap();
    assert!(doc.starts_with("ISA*") && doc.contains("ST*810*") && doc.contains("BIG*20261201*INV-EDI-OUT-1") && doc.contains("N1*BT*EDI Buyer Inc"), "{doc}");
    let control = items[0]["control"].as_str().unwrap().to_owned();
    assert_eq!(control.len(), 9);
    assert!(doc.contains(&format!("*{control}*")), "the ISA carries the control number");
    let id = invoice_id(&app, "INV-EDI-OUT-1").await;
    let edi = deliveries(&app, id).await.into_iter().find(|d| d.channel == "edi").unwrap();
    assert_eq!((edi.status.as_str(), edi.plain()), ("sent", "Sent by EDI".to_owned()));
    // Another tenant's outbox does not show it.
    let bg: serde_json::Value = app.get(BG, &app.bg_token().await, "/api/v1/edi/outbox?limit=500").await.json().await.unwrap();
    assert!(!bg.to_string().contains("INV-EDI-OUT") && !bg.to_string().contains("C-EDI"));

    // The partner accepts the first: delivered, once; no 997 is sent back for a 997.
    let group = control.trim_start_matches('0');
    let res = post_x12(&app, &token, &ack_997(group, "A")).await;
    assert_eq!(res["sets"][0]["status"], "delivered", "{res}");
    assert_eq!(res["sets"][0]["reference"], "INV-EDI-OUT-1");
    assert_eq!(res["ack_997"], "");
    let edi = deliveries(&app, id).await.into_iter().find(|d| d.channel == "edi").unwrap();
    assert_eq!(edi.status, "delivered");
    assert_eq!(delivered_events(&app, "INV-EDI-OUT-1").await, 1);
    // The same 997 again changes nothing.
    let res = post_x12(&app, &token, &ack_997(group, "R")).await;
    assert_eq!(res["sets"][0]["result"], "duplicate");
    assert_eq!(deliveries(&app, id).await.into_iter().find(|d| d.channel == "edi").unwrap().status, "delivered");
    assert_eq!(delivered_events(&app, "INV-EDI-OUT-1").await, 1);
    let outbox: serde_json::Value = app.get(ACME, &token, "/api/v1/edi/outbox?limit=500").await.json().await.unwrap();
    let left: Vec<&str> = outbox.as_array().unwrap().iter().filter_map(|i| i["invoice_number"].as_str()).filter(|n| n.starts_with("INV-EDI-OUT")).collect();
    assert_eq!(left, ["INV-EDI-OUT-2"], "only the unacknowledged one is left");
    // A 997 for nothing we sent is refused by name.
    let res = post_x12(&app, &token, &ack_997("999999", "A")).await;
    assert_eq!(res["sets"][0]["result"], "rejected");
    assert!(res["sets"][0]["errors"][0].as_str().unwrap().contains("no invoice was sent under group control number 999999"));

    // The second gets no 997: a day on it is an integration exception.
    server::workers::run_due(&app.db, &app.config, Utc::now() + Duration::hours(25)).await.unwrap();
    let ex: serde_json::Value = app.get(ACME, &token, "/api/v1/exceptions?kind=integration").await.json().await.unwrap();
    assert!(ex.to_string().contains("INV-EDI-OUT-2") && ex.to_string().contains("no 997"), "{ex}");
    assert!(!ex.to_string().contains("INV-EDI-OUT-1"));
}

#[tokio::test]
async fn edi_810s_rendered_together_take_consecutive_control_numbers_and_a_broken_job_fails_alone() {
    use domain::jobs::{self, NewJob};
    let app = spawn_app().await;
    let token = app.acme_token().await;
    let c = json!({"external_id": "C-EDI", "name": "EDI Buyer Inc", "invoice_channels": ["edi"]});
    assert!(app.post(ACME, &token, "/api/v1/customers", &c).await.status().is_success());
    let numbers = ["INV-EDI-T-1", "INV-EDI-T-2", "INV-EDI-T-3"];
    for n in numbers {
        let inv = json!({"number": n, "customer": "C-EDI", "currency": "USD", "issued_on": "2026-12-01", "lines": [{"line": 1, "sku": "BRG-6204", "quantity": 1, "unit_price_minor": 745}]});
        assert_eq!(app.post(ACME, &token, "/api/v1/invoices", &inv).await.status(), 201);
    }
    // Two broken jobs of the same kind among them: one names no delivery, one has no payload to speak of.
    let slug = app.tenant(ACME).await.slug;
    let txn = app.db.tenant_txn(&slug).await.unwrap();
    let gone = uuid::Uuid::new_v4();
    let broken = vec![NewJob::new(domain::outbound::edi::EDI_JOB, json!({"delivery": gone}), Utc::now()), NewJob::new(domain::outbound::edi::EDI_JOB, json!({"invoice": 1}), Utc::now())];
    jobs::enqueue(&txn, broken).await.unwrap();
    txn.commit().await.unwrap();
    server::workers::run_due(&app.db, &app.config, Utc::now()).await.unwrap();

    let outbox: serde_json::Value = app.get(ACME, &token, "/api/v1/edi/outbox?limit=500").await.json().await.unwrap();
    let mine: Vec<&serde_json::Value> = outbox.as_array().unwrap().iter().filter(|i| i["invoice_number"].as_str().unwrap().starts_with("INV-EDI-T-")).collect();
    assert_eq!(mine.iter().map(|i| i["invoice_number"].as_str().unwrap()).collect::<Vec<_>>(), numbers, "each once, in order");
    let controls: Vec<u64> = mine.iter().map(|i| i["control"].as_str().unwrap().parse().unwrap()).collect();
    assert!(controls.windows(2).all(|w| w[1] == w[0] + 1), "consecutive: {controls:?}");
    let all: Vec<&str> = outbox.as_array().unwrap().iter().map(|i| i["control"].as_str().unwrap()).collect();
    assert_eq!(all.iter().collect::<std::collections::HashSet<_>>().len(), all.len(), "no control number is used twice");
    for (item, n) in mine.iter().zip(numbers) {
        let doc = item["document"].as_str().unwrap();
        assert!(doc.contains(&format!("BIG*20261201*{n}")) && doc.contains(&format!("*{}*", item["control"].as_str().unwrap())), "{doc}");
        let d = deliveries(&app, invoice_id(&app, n).await).await.into_iter().find(|d| d.channel == "edi").unwrap();
        assert_eq!(d.status, "sent");
        assert!(d.detail.contains(&format!("interchange {}", item["control"].as_str().unwrap())), "each delivery names its own interchange: {}", d.detail);
    }
    let txn = app.db.tenant_txn(&slug).await.unwrap();
    let dead = jobs::admin::dead(&txn, 50).await.unwrap();
    txn.commit().await.unwrap();
    let errors: Vec<&str> = dead.iter().filter(|j| j.kind == domain::outbound::edi::EDI_JOB).filter_map(|j| j.last_error.as_deref()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().any(|e| e.contains(&format!("delivery {gone} does not exist"))), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("payload of this invoice.edi job is not valid")), "{errors:?}");

    // One 810 on its own (nothing else queued) renders too.
    let inv = json!({"number": "INV-EDI-T-4", "customer": "C-EDI", "currency": "USD", "issued_on": "2026-12-01", "lines": [{"line": 1, "sku": "BRG-6204", "quantity": 1, "unit_price_minor": 745}]});
    assert_eq!(app.post(ACME, &token, "/api/v1/invoices", &inv).await.status(), 201);
    let o = server::workers::run_due(&app.db, &app.config, Utc::now()).await.unwrap();
    assert_eq!((o.dead, o.retried), (0, 0), "{o:?}");
    let d = deliveries(&app, invoice_id(&app, "INV-EDI-T-4").await).await.into_iter().find(|d| d.channel == "edi").unwrap();
    assert_eq!(d.status, "sent", "{}", d.detail);
    let control: u64 = d.detail.split("interchange ").nth(1).and_then(|r| r.get(..9)).and_then(|n| n.parse().ok()).expect("a control number");
    assert!(control > controls[2], "a later control number: {}", d.detail);
}
