//! A partner's team: a partner admin invites a partner viewer and a partner admin by e-mail
//! (read back from the SMTP server); each joins by the link on the console's host. The viewer
//! sees the console and the team and changes nothing; the admin disables and enables others,
//! never themself nor the last admin; invitations can be withdrawn. Every change is in the
//! partner's record. Another partner reaches none of it (rows of the cross-partner matrix).
use crate::common::smtp::{Mail, SmtpServer};
use crate::common::*;
use chrono::Utc;

fn link_in(mail: &Mail) -> String {
    let body = mail.data.replace("=\r\n", "");
    let at = body.find("/invite/").expect("an invitation link");
    format!("/invite/{}", &body[at + 8..at + 8 + 64])
}

/// The `nth` invitation e-mailed to `to`, after the platform sweep has run.
async fn mail_to(app: &TestApp, smtp: &SmtpServer, to: &str, nth: usize) -> Mail {
    for _ in 0..50 {
        server::workers::run_due(&app.db, &app.config, Utc::now()).await.unwrap();
        let mails: Vec<Mail> = smtp.mails().into_iter().filter(|m| m.to.iter().any(|t| t == to)).collect();
        if let Some(m) = mails.get(nth) {
            return m.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no invitation {nth} to {to}")
}

/// Accepts the invitation of `link` on the console's host with a good password: the browser
/// that did it, signed in.
async fn join(app: &TestApp, link: &str, name: &str) -> reqwest::Client {
    let b = app.browser();
    let (status, form) = page(app, &b, "localhost", link).await;
    assert_eq!(status, 200, "{form}");
    assert!(form.contains("Join Northwind Partners on Throughline Partner Console"), "{form}");
    let csrf = extract_csrf(&form);
    let pw = "harbour lights over 9 piers";
    let r = post_form(app, &b, "localhost", link, &[("csrf", &csrf), ("name", name), ("password", pw), ("confirm", pw)]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/partner".into()));
    b
}

#[tokio::test]
async fn a_partner_admin_builds_a_team_of_admins_and_viewers() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(&smtp).await;
    let (nora, csrf) = console(&app, "partner@northwind.test", PW).await;

    // A viewer, invited by e-mail under the console's name and the partner's.
    let r = post_form(&app, &nora, "localhost", "/partner/team/invite", &[("csrf", &csrf), ("email", "Vic@Northwind.test"), ("name", "Vic"), ("role", "partner_viewer")]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/partner/team".into()));
    let (_, team) = page(&app, &nora, "localhost", "/partner/team").await;
    assert!(team.contains("An invitation to vic@northwind.test as partner viewer is on its way"), "{team}");
    assert!(team.contains("data-testid=\"invitation\"") && team.contains("Partner viewer"), "{team}");
    let mail = mail_to(&app, &smtp, "vic@northwind.test", 0).await;
    assert_eq!(mail.header("Subject").unwrap(), "You are invited to Northwind Partners on Throughline Partner Console");
    assert!(mail.data.contains("Nora Partner") && mail.data.contains("partner viewer"), "{}", mail.data);
    let link = link_in(&mail);
    assert_eq!(page(&app, &app.browser(), ACME, &link).await.0, 404, "a console link opens nothing on a tenant's host");
    let (_, team) = page(&app, &nora, "localhost", "/partner/team").await;
    assert!(team.contains(">sent<"), "the e-mail's state: {team}");

    let vic = join(&app, &link, "Vic Viewer").await;
    assert_eq!(page(&app, &app.browser(), "localhost", &link).await.0, 404, "a link works once");
    let (status, home) = page(&app, &vic, "localhost", "/partner").await;
    assert_eq!(status, 200);
    assert!(home.contains("Partner viewer") && home.contains("data-testid=\"tenant-acme\""), "the viewer sees the tenants: {home}");
    assert!(!home.contains("/partner/tenants/acme/suspend") && !home.contains("Create tenant"), "and no actions: {home}");
    assert_eq!(page(&app, &vic, "localhost", "/partner/tenants/acme/health").await.0, 200);
    let (_, vteam) = page(&app, &vic, "localhost", "/partner/team").await;
    assert!(vteam.contains("Vic Viewer") && vteam.contains("Nora Partner") && !vteam.contains("Send invitation"), "{vteam}");
    // Whatever a viewer posts is refused, and nothing changes.
    let vcsrf = extract_csrf(&home);
    for (path, form) in [
        ("/partner/team/invite", vec![("csrf", vcsrf.as_str()), ("email", "x@northwind.test"), ("role", "partner_admin")]),
        ("/partner/tenants/acme/suspend", vec![("csrf", vcsrf.as_str()), ("confirm", "on")]),
        ("/partner/tenants", vec![("csrf", vcsrf.as_str()), ("name", "X"), ("slug", "xco"), ("admin_email", "a@x.test")]),
    ] {
        assert_eq!(post_form(&app, &vic, "localhost", path, &form).await.status(), 403, "{path}");
    }
    assert!(domain::tenancy::is_active(&app.db, &domain::types::TenantSlug::parse("acme").unwrap()).await.unwrap(), "acme is still active");

    // A second admin; Nora disables and enables the viewer; no one disables themself or the last admin.
    let r = post_form(&app, &nora, "localhost", "/partner/team/invite", &[("csrf", &csrf), ("email", "ada@northwind.test"), ("name", ""), ("role", "partner_admin")]).await;
    assert_eq!(r.status(), 303);
    let ada = join(&app, &link_in(&mail_to(&app, &smtp, "ada@northwind.test", 0).await), "Ada Second").await;
    let vic_id = member_id(&app, "vic@northwind.test").await;
    let r = post_form(&app, &nora, "localhost", &format!("/partner/team/users/{vic_id}/disable"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&vic.get(app.url("localhost", "/partner")).send().await.unwrap()), "/login", "a disabled user is signed out");
    let r = post_form(&app, &nora, "localhost", &format!("/partner/team/users/{vic_id}/enable"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    let nora_id = nora_id(&app).await;
    post_form(&app, &nora, "localhost", &format!("/partner/team/users/{nora_id}/disable"), &[("csrf", &csrf)]).await;
    let (_, team) = page(&app, &nora, "localhost", "/partner/team").await;
    assert!(team.contains("Nothing changed: you cannot disable or enable yourself"), "{team}");
    // Nora's open invitation goes with her when she is disabled.
    post_form(&app, &nora, "localhost", "/partner/team/invite", &[("csrf", &csrf), ("email", "pending@northwind.test"), ("role", "partner_admin")]).await;
    let pending = link_in(&mail_to(&app, &smtp, "pending@northwind.test", 0).await);
    let (_, ahome) = page(&app, &ada, "localhost", "/partner/team").await;
    let acsrf = extract_csrf(&ahome);
    assert_eq!(post_form(&app, &ada, "localhost", &format!("/partner/team/users/{nora_id}/disable"), &[("csrf", &acsrf)]).await.status(), 303);
    assert_eq!(page(&app, &app.browser(), "localhost", &pending).await.0, 404, "a disabled admin's invitation stops working");
    let ada_id = member_id(&app, "ada@northwind.test").await;
    let who = domain::auth::load_principal(&app.db, &domain::tenancy::Scope::Platform, ada_id).await.unwrap().unwrap();
    let last = domain::partner_team::set_disabled(&app.db, &who, ada_id, true, Utc::now()).await;
    assert!(matches!(last, Err(domain::AppError::Conflict(_))), "{last:?}");
    let refused = domain::partner_team::set_disabled(&app.db, &domain::auth::Principal { user_id: uuid::Uuid::nil(), ..who.clone() }, ada_id, true, Utc::now()).await;
    assert!(matches!(refused, Err(domain::AppError::Conflict(m)) if m.contains("last enabled admin")), "the partner's last enabled admin stays");

    // Withdrawn: the link stops working.
    post_form(&app, &ada, "localhost", "/partner/team/invite", &[("csrf", &acsrf), ("email", "late@northwind.test"), ("role", "partner_viewer")]).await;
    let late = link_in(&mail_to(&app, &smtp, "late@northwind.test", 0).await);
    let inv = domain::partner_team::team(&app.db, &who, Utc::now()).await.unwrap().invitations.into_iter().find(|i| i.email == "late@northwind.test").unwrap();
    assert_eq!(post_form(&app, &ada, "localhost", &format!("/partner/team/invitations/{}/withdraw", inv.id), &[("csrf", &acsrf)]).await.status(), 303);
    assert_eq!(page(&app, &app.browser(), "localhost", &late).await.0, 404);

    // The partner's record names each change and who made it.
    let recent = domain::partner_team::team(&app.db, &who, Utc::now()).await.unwrap().recent;
    let actions: Vec<(&str, &str, &str)> = recent.iter().map(|a| (a.actor.as_str(), a.action.as_str(), a.subject.as_str())).collect();
    for want in [
        ("Nora Partner <partner@northwind.test>", "partner.user_invited", "vic@northwind.test"),
        ("Vic Viewer <vic@northwind.test>", "partner.invitation_accepted", "vic@northwind.test"),
        ("Nora Partner <partner@northwind.test>", "partner.user_disabled", "vic@northwind.test"),
        ("Nora Partner <partner@northwind.test>", "partner.user_enabled", "vic@northwind.test"),
        ("Ada Second <ada@northwind.test>", "partner.user_disabled", "partner@northwind.test"),
        ("Ada Second <ada@northwind.test>", "partner.invitation_withdrawn", "late@northwind.test"),
    ] {
        assert!(actions.contains(&want), "{want:?} in {actions:?}");
    }

    // Another partner: none of it, and its admin's posts find nothing.
    other_partner(&app).await;
    let (olga, ocsrf) = console(&app, "boss@other.test", "other-partner-pw").await;
    let (_, theirs) = page(&app, &olga, "localhost", "/partner/team").await;
    assert!(!theirs.contains("northwind.test") && theirs.contains("boss@other.test"), "{theirs}");
    assert_eq!(post_form(&app, &olga, "localhost", &format!("/partner/team/users/{vic_id}/disable"), &[("csrf", &ocsrf)]).await.status(), 404);
    // Whether an address has an account with another partner is not told; its link is refused.
    let r = post_form(&app, &olga, "localhost", "/partner/team/invite", &[("csrf", &ocsrf), ("email", "vic@northwind.test"), ("role", "partner_admin")]).await;
    assert_eq!(r.status(), 303);
    let (_, theirs) = page(&app, &olga, "localhost", "/partner/team").await;
    assert!(theirs.contains("An invitation to vic@northwind.test as partner admin is on its way"), "{theirs}");
    let stolen = link_in(&mail_to(&app, &smtp, "vic@northwind.test", 1).await);
    let b = app.browser();
    let (_, form) = page(&app, &b, "localhost", &stolen).await;
    let pw = "another long password 7";
    let r = post_form(&app, &b, "localhost", &stolen, &[("csrf", &extract_csrf(&form)), ("name", "V"), ("password", pw), ("confirm", pw)]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("already has an account on the console"));
    assert_eq!(member_id(&app, "vic@northwind.test").await, vic_id, "the account stays Northwind's");
    // And a partner admin's own team member is named as such.
    let r = post_form(&app, &ada, "localhost", "/partner/team/invite", &[("csrf", &acsrf), ("email", "vic@northwind.test"), ("role", "partner_admin")]).await;
    assert_eq!(r.status(), 303);
    let (_, team) = page(&app, &ada, "localhost", "/partner/team").await;
    assert!(team.contains("No invitation sent: vic@northwind.test is already in your team"), "{team}");
}

async fn member_id(app: &TestApp, email: &str) -> uuid::Uuid {
    use domain::entity::platform_user;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    platform_user::Entity::find().filter(platform_user::Column::Email.eq(email)).one(app.db.platform()).await.unwrap().unwrap().id
}
