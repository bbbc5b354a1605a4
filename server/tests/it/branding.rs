//! The partner's branding editor: a partner admin rebrands one of its tenants and the new
//! brand shows on the tenant's pages (title, colours, footer and support contact), in its
//! invoice e-mails read back from the SMTP server (sender, banner and button colours, footer)
//! and in the attached PDF; the change is in the tenant's audit trail. A colour too pale for
//! white text is refused with its contrast ratio and nothing changes. The "Powered by" line is
//! the partner's to switch on and off, and shows on pages, e-mails and PDFs while on. Another
//! partner neither sees nor changes the brand (rows of the cross-partner matrix).
use crate::common::smtp::SmtpServer;
use crate::common::*;
use chrono::Utc;
use serde_json::json;

const EDITOR: &str = "/partner/tenants/acme/branding";

/// Whether the editor's "Powered by" box is ticked.
fn powered_box_ticked(editor: &str) -> bool {
    let at = editor.find(r#"name="powered_by""#).expect("the box");
    let tag = &editor[editor[..at].rfind('<').unwrap()..at + editor[at..].find('>').unwrap()];
    tag.contains("checked")
}

fn brand<'a>(csrf: &'a str, primary: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("product_name", "Acme Supply Hub"),
        ("primary_color", primary),
        ("accent_color", "#B45309"),
        ("support_email", "help@acme.test"),
        ("support_phone", "+1 (502) 555-0100"),
        ("footer_text", "Acme Industrial Supply, Louisville KY"),
        ("powered_by", "on"),
    ]
}

#[tokio::test]
async fn a_partner_rebrands_its_tenant_on_pages_emails_and_pdfs() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let (partner, csrf) = console(&app, "partner@northwind.test", PW).await;
    let (status, editor) = page(&app, &partner, "localhost", EDITOR).await;
    assert_eq!(status, 200);
    assert!(editor.contains("Branding of Acme Industrial Supply") && editor.contains("#1d4ed8") && editor.contains("6.70:1"), "{editor}");
    assert!(!powered_box_ticked(&editor), "off until the partner ticks it");

    let r = post_form(&app, &partner, "localhost", EDITOR, &brand(&csrf, "#0F766E")).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, EDITOR.into()));
    let (_, editor) = page(&app, &partner, "localhost", EDITOR).await;
    assert!(editor.contains("Branding of Acme Industrial Supply saved.") && editor.contains("#0f766e") && editor.contains("5.47:1"), "{editor}");
    assert!(powered_box_ticked(&editor), "saved ticked");

    // Pages of the tenant's host: title, colours, footer with the support contact.
    let (_, login) = page(&app, &app.browser(), ACME, "/login").await;
    assert!(login.contains("<title>Acme Supply Hub</title>") && login.contains("--brand:#0f766e;--accent:#b45309"), "{login}");
    assert!(login.contains("Acme Industrial Supply, Louisville KY") && login.contains("mailto:help@acme.test") && login.contains("+1 (502) 555-0100"), "{login}");
    assert!(login.contains("Powered by Northwind Partners"), "the partner switched its line on: {login}");
    let (_, other) = page(&app, &app.browser(), BLUEGRASS, "/login").await;
    assert!(!other.contains("Acme Supply Hub") && !other.contains("help@acme.test") && !other.contains("Powered by"), "bluegrass keeps its own brand");

    // An invoice e-mail under the new brand, its PDF with the footer line.
    let token = app.acme_token().await;
    let c = json!({"external_id": "C-BRAND", "name": "Brandt & Co", "invoice_channels": ["email"], "invoice_emails": "ap@brandt.test"});
    assert!(app.post(ACME, &token, "/api/v1/customers", &c).await.status().is_success());
    let inv = json!({"number": "INV-BRAND-1", "customer": "C-BRAND", "currency": "USD", "issued_on": "2026-12-01", "tax_minor": 0,
        "lines": [{"line": 1, "sku": "BRG-6204", "description": "Bearing", "quantity": 2, "unit_price_minor": 500}]});
    assert_eq!(app.post(ACME, &token, "/api/v1/invoices", &inv).await.status(), 201);
    server::workers::run_due(&app.db, &app.config, Utc::now()).await.unwrap();
    let mail = smtp.mails().into_iter().find(|m| m.header("Subject").is_some_and(|s| s.contains("INV-BRAND-1"))).expect("the invoice e-mail");
    assert!(mail.header("From").unwrap().contains("Acme Supply Hub"), "{:?}", mail.header("From"));
    assert!(mail.data.contains("background:#0f766e") && mail.data.contains("background:#b45309"), "banner and button colours");
    assert!(mail.data.contains("Acme Industrial Supply, Louisville KY =C2=B7 Support: help@acme.test") || mail.data.contains("Acme Industrial Supply, Louisville KY · Support: help@acme.test"), "the footer: {}", mail.data);
    let pdf = mail.attachment("application/pdf").expect("the PDF");
    let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
    assert!(text.contains("Support: help@acme.test") && text.contains("INV-BRAND-1") && text.contains("Powered by Northwind Partners"), "{text}");
    assert!(mail.data.contains("Powered by Northwind Partners"), "the e-mail's footer too");

    // The tenant's audit trail names the partner user and what changed.
    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    let csv = admin.get(app.url(ACME, "/workspace/admin/audit.csv")).send().await.unwrap().text().await.unwrap();
    let row = csv.lines().find(|l| l.contains("tenant.branding_changed")).expect("audited");
    assert!(row.contains("Nora Partner (Partner admin, Northwind Partners)") && row.contains("#0f766e"), "{row}");

    // Switched off by the partner: gone from the pages.
    let off: Vec<_> = brand(&csrf, "#0F766E").into_iter().filter(|(k, _)| *k != "powered_by").collect();
    let r = post_form(&app, &partner, "localhost", EDITOR, &off).await;
    assert_eq!(r.status(), 303);
    let (_, editor) = page(&app, &partner, "localhost", EDITOR).await;
    assert!(editor.contains("Powered by Northwind Partners") && !powered_box_ticked(&editor), "saved unticked: {editor}");
    let (_, login) = page(&app, &app.browser(), ACME, "/login").await;
    assert!(!login.contains("Powered by"), "{login}");
}

#[tokio::test]
async fn a_colour_too_pale_for_white_text_is_refused_with_its_contrast_and_nothing_changes() {
    let app = spawn_app().await;
    let (partner, csrf) = console(&app, "partner@northwind.test", PW).await;
    let cases = [("#FDE047", "Primary colour: white text on #fde047 has a contrast of 1.31:1; WCAG AA needs at least 4.5:1"), ("#777777", "4.47:1"), ("teal", "Primary colour: 'teal' is not a colour of the form #rrggbb")];
    for (colour, says) in cases {
        let r = post_form(&app, &partner, "localhost", EDITOR, &brand(&csrf, colour)).await;
        assert_eq!((r.status().as_u16(), location(&r)), (303, EDITOR.into()));
        let (_, editor) = page(&app, &partner, "localhost", EDITOR).await;
        assert!(editor.contains("Not saved: ") && editor.contains(says), "{colour}: {editor}");
    }
    let mut bad = brand(&csrf, "#0f766e");
    bad[4] = ("support_email", "not-an-address");
    bad[1] = ("product_name", " ");
    assert_eq!(post_form(&app, &partner, "localhost", EDITOR, &bad).await.status(), 303);
    let (_, editor) = page(&app, &partner, "localhost", EDITOR).await;
    assert!(editor.contains("Product name: ") && editor.contains("Support e-mail: "), "every problem at once: {editor}");
    let (_, login) = page(&app, &app.browser(), ACME, "/login").await;
    assert!(login.contains("<title>Acme Order Hub</title>") && login.contains("--brand:#1d4ed8"), "nothing changed: {login}");
    assert_eq!(post_form(&app, &partner, "localhost", EDITOR, &brand("stale", "#0f766e")).await.status(), 403, "CSRF");
}

#[tokio::test]
async fn cross_partner_matrix_another_partner_neither_sees_nor_changes_a_brand() {
    let app = spawn_app().await;
    other_partner(&app).await;
    let (olga, csrf) = console(&app, "boss@other.test", "other-partner-pw").await;
    let (status, body) = page(&app, &olga, "localhost", EDITOR).await;
    assert_eq!(status, 404, "{body}");
    assert!(!body.contains("#1d4ed8") && !body.contains("Acme Order Hub"), "nothing of acme's brand shows: {body}");
    assert_eq!(post_form(&app, &olga, "localhost", EDITOR, &brand(&csrf, "#0f766e")).await.status(), 404);
    let (_, login) = page(&app, &app.browser(), ACME, "/login").await;
    assert!(login.contains("<title>Acme Order Hub</title>"), "unchanged");
    // Olga brands her own; the editor is not served on a tenant's host; a tenant admin is not a partner.
    let (status, own) = page(&app, &olga, "localhost", "/partner/tenants/zenith/branding").await;
    assert!(status == 200 && own.contains("Zenith Hub"), "{own}");
    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    let r = admin.get(app.url(ACME, EDITOR)).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/workspace".into()), "a tenant admin is sent to their own home");
    let csrf_t = extract_csrf(&admin.get(app.url(ACME, "/workspace")).send().await.unwrap().text().await.unwrap());
    let r = post_form(&app, &admin, ACME, EDITOR, &brand(&csrf_t, "#0f766e")).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/workspace".into()));
    let (_, login) = page(&app, &app.browser(), ACME, "/login").await;
    assert!(login.contains("<title>Acme Order Hub</title>") && !login.contains("Powered by"), "still unchanged");
}
