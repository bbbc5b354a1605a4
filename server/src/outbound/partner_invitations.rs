//! The e-mails of partner team invitations (see [`domain::partner_team`]): sent as soon as an
//! invitation commits, and by the platform's minute sweep when one is still to be sent (a
//! retry, or another instance's that did not finish). Under the console's name, with the
//! partner's name as the organisation.
use super::email::{InvitationMail, MailBrand};
use super::{Sending, send};
use chrono::{DateTime, Utc};
use domain::jobs::JobError;
use domain::partner_team;
use domain::types::Role;

/// The console's name in its e-mails (as on its pages).
const PRODUCT: &str = "Throughline Partner Console";
/// E-mails one round sends at most.
const BATCH: u64 = 50;

/// Sends every partner invitation e-mail due at `now`; answers how many were attempted.
pub async fn send_due(s: &Sending, key: &[u8], now: DateTime<Utc>) -> usize {
    let due = match partner_team::claim_sends(&s.db, now, BATCH).await {
        Ok(due) => due,
        Err(e) => {
            tracing::warn!(error = %e, "claiming partner invitation e-mails failed; the next sweep tries again");
            return 0;
        }
    };
    for inv in &due {
        let outcome = match s.mailer() {
            Ok(mailer) => send(mailer, message(s, key, inv).await).await,
            Err(e) => Err(e),
        };
        let outcome = outcome.map_err(|e| match e {
            JobError::Permanent(m) => (m, true),
            JobError::Retry(m) => (m, false),
        });
        if let Err((e, _)) = &outcome {
            tracing::warn!(invitation = %inv.id, error = %e, "a partner invitation e-mail was not sent");
        }
        if let Err(e) = partner_team::sent(&s.db, inv, outcome, now).await {
            tracing::warn!(invitation = %inv.id, error = %e, "recording a partner invitation e-mail failed; it is sent again after its lease");
        }
    }
    due.len()
}

async fn message(s: &Sending, key: &[u8], inv: &partner_team::Invitation) -> Result<lettre::Message, super::email::SendError> {
    let partner = domain::partner::partner_name(&s.db, inv.partner_id).await.unwrap_or_default();
    let token = domain::invitations::token_for(key, inv.id, &inv.nonce);
    let link = format!("{}/invite/{token}", s.links.console_origin());
    let role = Role::parse(&inv.role).map(|r| r.label().to_lowercase()).unwrap_or_else(|_| inv.role.clone());
    let mail = InvitationMail {
        message_id: format!("<{}@throughline>", inv.id),
        brand: MailBrand { product_name: PRODUCT, primary_color: "#334155", accent_color: "#334155", footer: String::new() },
        from: &s.from,
        to: &inv.email,
        name: &inv.name,
        org_name: &partner,
        invited_by: &inv.invited_by,
        role: &role,
        link: &link,
        expires: &partner_team::expires_words(inv),
    };
    mail.message()
}
