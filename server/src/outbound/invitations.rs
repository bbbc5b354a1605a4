//! The `invitation.email` job: e-mails an invitation (see [`domain::invitations`]) under the
//! tenant's brand, with the link whose token it derives from the platform's secret (the same
//! link on every attempt).
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

pub struct EmailInvitation {
    pub sending: Sending,
    /// `THROUGHLINE_JWT_SECRET` when set; else the secret kept in the platform database.
    pub configured_secret: Option<String>,
    /// The invitation key, derived from that secret on the first invitation sent.
    pub key: tokio::sync::OnceCell<Vec<u8>>,
}

#[derive(serde::Deserialize)]
struct Payload {
    invitation: Uuid,
}

#[async_trait]
impl Handler for EmailInvitation {
    /// Without a mail server it fails before it reads or writes anything: no savepoint.
    fn writes(&self) -> bool {
        self.sending.mailer.is_some()
    }

    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        let p: Payload = cx.payload()?;
        let s = &self.sending;
        let mailer = s.mailer()?;
        // Accepted, replaced or expired meanwhile: nothing to send.
        let Some(inv) = invitations::sendable(cx.txn, p.invitation, cx.now).await? else { return Ok(()) };
        let tenant = s.tenant(cx.tenant).await?;
        let key = self
            .key
            .get_or_try_init(|| async { domain::api_clients::signing_secret(&s.db, self.configured_secret.as_deref()).await.map(|secret| invitations::key(&secret)) })
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        let token = invitations::token_of(key, &inv);
        let link = format!("{}{}", s.links.origin(tenant.slug.as_str()), accept_path(&token));
        let role = Role::parse(&inv.role).map(|r| r.label().to_lowercase()).unwrap_or_else(|_| inv.role.clone());
        let mail = InvitationMail {
            message_id: format!("<{}@throughline>", inv.id),
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
