//! The partner's team as its console page shows it (`/partner/team`): the partner's users, open
//! invitations with the state of their e-mail, and the latest changes; what a partner admin
//! may change (a partner viewer sees the same and changes nothing).
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub const TEAM: &str = "/partner/team";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MemberView {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role_label: String,
    pub disabled: bool,
    pub is_me: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InvitationView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role_label: String,
    pub invited_by: String,
    pub expires: String,
    /// `sent`, `sending`, or `not sent: <why>`.
    pub email_state: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ChangeView {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TeamView {
    pub partner: String,
    pub can_change: bool,
    pub members: Vec<MemberView>,
    pub invitations: Vec<InvitationView>,
    pub recent: Vec<ChangeView>,
}

/// What a change record's action says, in words.
pub fn action_words(action: &str) -> &str {
    match action {
        "partner.user_invited" => "invited",
        "partner.invitation_withdrawn" => "withdrew the invitation of",
        "partner.invitation_accepted" => "accepted the invitation as",
        "partner.user_disabled" => "disabled",
        "partner.user_enabled" => "enabled",
        other => other,
    }
}

/// The database and the signed-in user of a partner console page (on the console's host only).
#[cfg(feature = "ssr")]
pub(crate) fn console_user() -> Result<(domain::Db, domain::auth::Principal), ServerFnError> {
    let parts: http::request::Parts = use_context().ok_or_else(|| ServerFnError::new("no request context"))?;
    let me = parts.extensions.get::<domain::auth::Principal>().cloned().ok_or_else(|| ServerFnError::new("sign in first"))?;
    if !matches!(parts.extensions.get::<domain::tenancy::Scope>(), Some(domain::tenancy::Scope::Platform)) {
        return Err(ServerFnError::new("The partner console is not served at this address."));
    }
    let db = parts.extensions.get::<domain::Db>().cloned().ok_or_else(|| ServerFnError::new("no database"))?;
    Ok((db, me))
}

/// The signed-in partner user's team.
#[server(prefix = "/sfn")]
pub async fn team_data() -> Result<TeamView, ServerFnError> {
    use domain::types::Role;
    let (db, me) = console_user()?;
    let now = chrono::Utc::now();
    let team = domain::partner_team::team(&db, &me, now).await.map_err(|e| ServerFnError::new(e.public_message()))?;
    let partner = match me.partner_id {
        Some(id) => domain::partner::partner_name(&db, id).await.unwrap_or_default(),
        None => String::new(),
    };
    let label = |r: &str| Role::parse(r).map(|r| r.label().to_owned()).unwrap_or_else(|_| r.to_owned());
    let members = team
        .members
        .into_iter()
        .map(|u| MemberView { id: u.id.to_string(), is_me: u.id == me.user_id, role_label: label(&u.role), name: u.name, email: u.email, disabled: u.disabled })
        .collect();
    let invitations = team
        .invitations
        .into_iter()
        .map(|i| InvitationView {
            id: i.id.to_string(),
            email_state: match (&i.next_send_at, &i.last_error) {
                (_, Some(e)) if i.next_send_at.is_none() => format!("not sent: {e}"),
                (Some(_), Some(e)) => format!("sending again (last try: {e})"),
                (Some(_), None) => "sending".into(),
                (None, _) => "sent".into(),
            },
            expires: domain::partner_team::expires_words(&i),
            role_label: label(&i.role),
            email: i.email,
            name: i.name,
            invited_by: i.invited_by,
        })
        .collect();
    let recent = team.recent.into_iter().map(|a| ChangeView { at: a.at.format("%-d %b %Y %H:%M UTC").to_string(), actor: a.actor, action: action_words(&a.action).to_owned(), subject: a.subject }).collect();
    Ok(TeamView { partner, can_change: me.role == Role::PartnerAdmin, members, invitations, recent })
}
