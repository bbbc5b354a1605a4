//! The form post of a customer's commercial settings page. Like the other admin forms
//! ([`crate::admin`]): the CSRF token and the tenant admin role are checked, the tenant is
//! the request's [`Scope`] (never anything the form sends), and the answer is a redirect back
//! to the page with a one-time notice, so the form works without JavaScript.
use crate::admin::{admin_of, back};
use crate::{AppState, Auth};
use app::customers_admin::{LIST, customer_href};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::{Extension, Form};
use domain::audit::Actor;
use domain::customers::commercial::{self, CommercialIn, EditError, Edited};
use domain::events::FieldError;
use domain::tenancy::Scope;
use tower_sessions::Session;

/// The form as posted. Unchecked boxes are absent, so they default to `None`.
#[derive(serde::Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    credit_limit: String,
    #[serde(default)]
    payment_terms: String,
    #[serde(default)]
    segment: String,
    #[serde(default)]
    invoicing_hold: Option<String>,
    #[serde(default)]
    billing_rule: String,
    /// `inherit`: the tenant's default channels; anything else: the ticked ones.
    #[serde(default)]
    channels_mode: String,
    #[serde(default)]
    channel_email: Option<String>,
    #[serde(default)]
    channel_edi: Option<String>,
    #[serde(default)]
    channel_webhook: Option<String>,
    #[serde(default)]
    invoice_emails: String,
    #[serde(default)]
    reminder_channel: String,
}

impl SettingsForm {
    fn into_input(self) -> CommercialIn {
        let channels = [("email", &self.channel_email), ("edi", &self.channel_edi), ("webhook", &self.channel_webhook)];
        CommercialIn {
            invoice_channels: channels.iter().filter(|(_, on)| on.is_some()).map(|(name, _)| (*name).to_owned()).collect(),
            inherit_channels: self.channels_mode == "inherit",
            credit_limit: self.credit_limit,
            payment_terms: self.payment_terms,
            segment: self.segment,
            invoicing_hold: self.invoicing_hold.is_some(),
            billing_rule: self.billing_rule,
            invoice_emails: self.invoice_emails,
            reminder_channel: self.reminder_channel,
            // A form without a version (an old page) is still checked: it cannot match.
            version: Some(self.version.trim().parse().unwrap_or(-1)),
        }
    }
}

/// How the form names a field in a refusal.
fn label(field: &str) -> &str {
    match field {
        "credit_limit" => "Credit limit",
        "payment_terms" => "Payment terms",
        "segment" => "Segment",
        "billing_rule" => "Billing rule",
        "invoice_channels" => "Invoice channels",
        "invoice_emails" => "AP e-mail addresses",
        "reminder_channel" => "Reminder channel",
        other => other,
    }
}

fn refusal(errs: &[FieldError]) -> String {
    let parts: Vec<String> = errs.iter().map(|e| format!("{}: {}", label(&e.field), e.reason)).collect();
    format!("Not saved. {}.", parts.join(". "))
}

/// `POST /workspace/admin/customers/{external_id}/settings`: saves the commercial settings
/// and the audit entry in one transaction.
pub async fn save_settings(
    State(st): State<AppState>,
    Extension(scope): Extension<Scope>,
    Extension(auth): Extension<Auth>,
    session: Session,
    Path(external_id): Path<String>,
    Form(f): Form<SettingsForm>,
) -> Response {
    let (t, me) = match admin_of(&scope, &auth, &session, &f.csrf).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let actor = Actor::User { id: me.user_id, name: me.name.clone() };
    let input = f.into_input();
    let saved = async {
        let txn = st.db.tenant_txn(&t.slug).await?;
        let edited = commercial::update(&txn, &external_id, &input, &actor).await?;
        if edited == Edited::Saved {
            txn.commit().await?;
        }
        Ok::<_, EditError>(edited)
    };
    let page = customer_href(&external_id);
    match saved.await {
        Ok(Edited::Saved) => {
            tracing::info!(customer = %external_id, "customer settings saved");
            back(&session, &page, format!("Saved the commercial settings of {external_id}.")).await
        }
        Ok(Edited::Unchanged) => back(&session, &page, "Nothing to save: the settings are as they were.".into()).await,
        Err(EditError::NotFound) => back(&session, LIST, format!("There is no customer {external_id}.")).await,
        Err(EditError::Rejected(errs)) => back(&session, &page, refusal(&errs)).await,
        Err(EditError::Stale) => back(&session, &page, "Not saved: someone else changed this customer after you opened it. These are the current settings; make your change again.".into()).await,
        Err(EditError::Db(e)) => {
            tracing::error!(error = %e, customer = %external_id, "saving customer settings failed");
            back(&session, &page, "Not saved: the service is temporarily unavailable.".into()).await
        }
    }
}
