//! The `invitation.email` job: e-mails an invitation (see [`domain::invitations`]) under the
//! tenant's brand. The link's token is made here, in the job's transaction: a retried send
//! carries a new one, and only the last e-mailed link works.
use super::email::{InvitationMail, MailBrand};
use super::{Sending, send};
use domain::invitations;
use domain::jobs::{Handler, JobCx, JobError, async_trait};
use domain::types::Role;
use uuid::Uuid;

/// Where an invitation's link points on the tenant's host.
pub fn accept_path(token: &str) -> String {
    format!("/invite/{token}")
}

pub struct EmailInvitation(pub Sending);

#[derive(serde::Deserialize)]
struct Payload {
    invitation: Uuid,
}

#[async_trait]
impl Handler for EmailInvitation {
    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        let p: Payload = cx.payload()?;
        let s = &self.0;
        let mailer = s.mailer()?;
        // Accepted, replaced or expired meanwhile: nothing to send.
        let Some(inv) = invitations::sendable(cx.txn, p.invitation, cx.now).await? else { return Ok(()) };
        let tenant = s.tenant(cx.tenant).await?;
        let token = invitations::issue_token(cx.txn, &inv).await?;
        let link = format!("{}{}", s.links.origin(tenant.slug.as_str()), accept_path(&token));
        let role = Role::parse(&inv.role).map(|r| r.label().to_lowercase()).unwrap_or_else(|_| inv.role.clone());
        let mail = InvitationMail {
            message_id: format!("<{}.{}@throughline>", inv.id, cx.job.attempts),
            brand: MailBrand::of(&tenant),
            from: &s.from,
            to: &inv.email,
            name: &inv.name,
            org_name: &tenant.name,
            invited_by: &inv.invited_by,
            role: &role,
            link: &link,
            expires: &invitations::expires_words(&inv),
        };
        send(mailer, mail.message()).await
    }
}
