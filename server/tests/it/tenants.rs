//! Tenants created from the partner console: the partner admin names the distributor, its
//! address and its first admin; the admin gets an e-mail (read back from the SMTP server)
//! under the new tenant's brand with a link that works once; following it they choose a name
//! and a password and land in their workspace, signed in. A second invitation replaces the
//! first link. Refusals name what is wrong and create nothing; another partner reaches none of
//! it (rows of the cross-partner matrix).
use crate::common::smtp::{Mail, SmtpServer};
use crate::common::*;
use chrono::Utc;
use domain::audit::AuditFilter;
use domain::types::TenantSlug;

const NEWCO: &str = "newco.localhost";

fn new_tenant<'a>(csrf: &'a str, slug: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("csrf", csrf), ("name", "Newco Supply"), ("slug", slug), ("admin_email", email), ("admin_name", "Ann Lee")]
}

/// The invitation link in a message (its text may be quoted-printable, lines soft-broken).
fn link_in(mail: &Mail) -> String {
    let body = mail.data.replace("=\r\n", "");
    let at = body.find("/invite/").expect("an invitation link");
    format!("/invite/{}", &body[at + 8..at + 8 + 64])
}

async fn invitation_to(app: &TestApp, smtp: &SmtpServer, to: &str, nth: usize) -> Mail {
    server::workers::run_due(&app.db, &app.config, Utc::now()).await.unwrap();
    let mails: Vec<Mail> = smtp.mails().into_iter().filter(|m| m.to.iter().any(|t| t == to)).collect();
    mails.get(nth).cloned().unwrap_or_else(|| panic!("invitation {nth} to {to}: {} received", mails.len()))
}

#[tokio::test]
async fn a_partner_creates_a_tenant_whose_first_admin_joins_by_the_emailed_link() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let (partner, csrf) = console(&app, "partner@northwind.test", PW).await;
    let r = post_form(&app, &partner, "localhost", "/partner/tenants", &new_tenant(&csrf, "newco", "Ann@Newco.test")).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/partner".into()));
    let (_, console_html) = page(&app, &partner, "localhost", "/partner").await;
    assert!(console_html.contains("Newco Supply is created at its address newco. An invitation to ann@newco.test is on its way"), "{console_html}");
    assert!(console_html.contains("newco.localhost"), "the new tenant is listed");

    let first = invitation_to(&app, &smtp, "ann@newco.test", 0).await;
    assert!(first.header("From").unwrap().contains("Newco Supply"), "{:?}", first.header("From"));
    assert_eq!(first.header("Subject").unwrap(), "You are invited to Newco Supply on Newco Supply");
    assert!(first.data.contains("Northwind") && first.data.contains("tenant admin"), "who invites, as what: {}", first.data);
    assert!(first.attachment("application/pdf").is_none());

    // Invited again before accepting: a new link, and the first stops working.
    let r = post_form(&app, &partner, "localhost", "/partner/tenants/newco/invite", &[("csrf", &csrf), ("email", "ann@newco.test"), ("name", "Ann Lee")]).await;
    assert_eq!(r.status(), 303);
    let second = invitation_to(&app, &smtp, "ann@newco.test", 1).await;
    let (old, link) = (link_in(&first), link_in(&second));
    assert_ne!(old, link);
    let ann = app.browser_for(&[NEWCO]);
    let (status, gone) = page(&app, &ann, NEWCO, &old).await;
    assert_eq!(status, 404);
    assert!(gone.contains("This invitation link is not valid any more"), "{gone}");

    assert_eq!(page(&app, &app.browser(), ACME, &link).await.0, 404, "a link of one tenant opens nothing at another");
    let r = ann.get(app.url(NEWCO, &link)).send().await.unwrap();
    assert_eq!((r.headers()["referrer-policy"].to_str().unwrap(), r.headers()["cache-control"].to_str().unwrap()), ("no-referrer", "private, no-store"), "the link is a secret");
    let (status, form) = page(&app, &ann, NEWCO, &link).await;
    assert_eq!(status, 200);
    assert!(form.contains("Join Newco Supply on Newco Supply") && form.contains("ann@newco.test") && form.contains("tenant admin"), "{form}");
    let csrf = extract_csrf(&form);
    let r = post_form(&app, &ann, NEWCO, &link, &[("csrf", &csrf), ("name", "Ann Lee-Smith"), ("password", "too short"), ("confirm", "too short")]).await;
    assert_eq!(r.status(), 422);
    let again = r.text().await.unwrap();
    assert!(again.contains("at least 12 characters") && again.contains("Ann Lee-Smith"), "the reason, the name kept: {again}");
    let pw = "plum orchard lantern 42";
    let r = post_form(&app, &ann, NEWCO, &link, &[("csrf", &csrf), ("name", "Ann Lee-Smith"), ("password", pw), ("confirm", pw)]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/workspace".into()));
    let (status, home) = page(&app, &ann, NEWCO, "/workspace").await;
    assert_eq!(status, 200);
    assert!(home.contains("Ann Lee-Smith") && home.contains("Tenant admin"), "signed in: {home}");
    assert_eq!(page(&app, &ann, NEWCO, &link).await.0, 404, "a link works once");

    // She signs in again with what she chose; the session is the new tenant's only.
    let b = app.browser_for(&[NEWCO]);
    assert_eq!(app.login(&b, NEWCO, "ann@newco.test", pw).await.status(), 303);
    assert_eq!(app.login(&app.browser(), ACME, "ann@newco.test", pw).await.status(), 401, "not a user of acme");

    let slug = TenantSlug::parse("newco").unwrap();
    let actions: Vec<String> = audit_entries(&app, &slug, AuditFilter::default()).await.into_iter().map(|e| e.action).collect();
    for want in ["tenant.created", "user.invited", "user.invitation_accepted"] {
        assert!(actions.iter().any(|a| a == want), "{want} in {actions:?}");
    }
}

#[tokio::test]
async fn creating_a_tenant_refuses_what_is_wrong_and_other_partners() {
    // Without a mail server no invitation could go out: nothing is created.
    let plain = spawn_app().await;
    let (partner, csrf) = console(&plain, "partner@northwind.test", PW).await;
    assert_eq!(post_form(&plain, &partner, "localhost", "/partner/tenants", &new_tenant(&csrf, "okay", "a@x.test")).await.status(), 303);
    assert!(page(&plain, &partner, "localhost", "/partner").await.1.contains("this server has no mail server (set THROUGHLINE_SMTP_URL)"));
    assert!(domain::tenancy::tenant_by_slug(&plain.db, &TenantSlug::parse("okay").unwrap()).await.unwrap().is_none());

    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let (partner, csrf) = console(&app, "partner@northwind.test", PW).await;
    let cases = [
        (new_tenant(&csrf, "acme", "a@x.test"), "No tenant created: the address 'acme' is taken"),
        (new_tenant(&csrf, "Bad Slug", "a@x.test"), "No tenant created: Address: 'Bad Slug' is not a valid tenant slug"),
        (new_tenant(&csrf, "www", "a@x.test"), "is kept for the platform"),
        (new_tenant(&csrf, "okay", "not-an-address"), "No tenant created: First admin's e-mail"),
        (new_tenant(&csrf, "okay", "a b@x.test"), "has a space in it"),
        (vec![("csrf", csrf.as_str()), ("name", " "), ("slug", "okay"), ("admin_email", "a@x.test")], "No tenant created: Name: 1 to 100 characters"),
    ];
    for (form, want) in cases {
        let r = post_form(&app, &partner, "localhost", "/partner/tenants", &form).await;
        assert_eq!(r.status(), 303, "{want}");
        let (_, html) = page(&app, &partner, "localhost", "/partner").await;
        assert!(html.contains(want), "{want}: {html}");
    }
    assert!(domain::tenancy::tenant_by_slug(&app.db, &TenantSlug::parse("okay").unwrap()).await.unwrap().is_none(), "nothing created");
    let r = post_form(&app, &partner, "localhost", "/partner/tenants", &new_tenant("", "okay", "a@x.test")).await;
    assert_eq!(r.status(), 403, "no CSRF token, no tenant");

    // Another partner cannot invite into this partner's tenant; a tenant admin has no console.
    other_partner(&app).await;
    let (other, other_csrf) = console(&app, "boss@other.test", "other-partner-pw").await;
    let r = post_form(&app, &other, "localhost", "/partner/tenants/acme/invite", &[("csrf", &other_csrf), ("email", "spy@other.test")]).await;
    assert_eq!(r.status(), 404);
    let admin = signed_in(&app, ACME, "admin@acme.test").await;
    let r = post_form(&app, &admin, "localhost", "/partner/tenants", &new_tenant("x", "sneaky", "a@x.test")).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/login".into()), "a tenant admin's session does not reach the console");
    assert!(domain::tenancy::tenant_by_slug(&app.db, &TenantSlug::parse("sneaky").unwrap()).await.unwrap().is_none());
    // The invitation page exists only on a tenant's host, and only for a real token.
    assert_eq!(page(&app, &app.browser(), "localhost", &format!("/invite/{}", "a".repeat(64))).await.0, 404);
    assert_eq!(page(&app, &app.browser(), ACME, "/invite/not-a-token").await.0, 404);
}
