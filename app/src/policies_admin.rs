//! The partner's defaults as its console page shows them (`/partner/policies`): every workflow
//! rule and policy its tenants inherit (SLAs, billing, approvals, retention…), the default
//! invoice and reminder channels, the reminder sequences, and the default brand — each the
//! partner's latest version or the built-in default — with the history of changes. Tenants
//! follow a default until they save their own version; each tenant admin sees where every
//! value comes from and can revert to the default (see `domain::policies`).
use crate::reminders_admin::RemindersPage;
use crate::rules_admin::RuleView;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub const PATH: &str = "/partner/policies";

/// The default brand's editor fields.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
pub struct BrandDefault {
    pub product_name: String,
    pub primary_color: String,
    pub accent_color: String,
    pub support_email: String,
    pub support_phone: String,
    pub footer_text: String,
    pub powered_by: bool,
    /// "v2 by Mia Harbor", or "none yet".
    pub version: String,
}

/// One saved default version, for the history.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DefaultChange {
    pub policy: String,
    pub version: i32,
    pub by: String,
    /// UTC, RFC 3339.
    pub at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PoliciesView {
    pub partner: String,
    /// A partner viewer reads the page; only a partner admin changes it.
    pub can_change: bool,
    pub rules: Vec<RuleView>,
    pub reminders: RemindersPage,
    pub brand: BrandDefault,
    pub history: Vec<DefaultChange>,
    /// How many of the partner's tenants there are (each inherits what it has not overridden).
    pub tenants: u64,
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use domain::policies::entity::Model as Default_;
    use serde_json::Value;

    pub fn version(d: Option<&Default_>) -> String {
        d.map_or("built-in default".into(), |d| format!("v{}, saved by {}", d.version, d.created_by))
    }

    pub fn rules(defaults: &[Default_]) -> Vec<RuleView> {
        crate::rules_admin::RULE_INFO
            .iter()
            .map(|info| {
                let d = defaults.iter().find(|d| d.policy == info.name);
                let config = d.and_then(|d| serde_json::from_str::<Value>(&d.config).ok()).unwrap_or_else(|| domain::workflow::rules::builtin(info.name));
                let state = (d.map_or(0, |d| d.version), d.is_none_or(|d| d.enabled), &config);
                crate::rules_admin::server::card(info, state, d.map(|d| (d.created_by.clone(), d.created_at.to_rfc3339())), format!("{PATH}/rules/{}", info.name))
            })
            .collect()
    }

    pub fn reminders(defaults: &[Default_], partner: &str) -> RemindersPage {
        use crate::reminders_admin::server as r;
        use domain::customers::prefs::DeliveryDefaults;
        use domain::dunning::Dunning;
        let get = |name: &str| defaults.iter().find(|d| d.policy == name);
        let delivery: DeliveryDefaults = get("delivery").and_then(|d| serde_json::from_str(&d.config).ok()).unwrap_or_default();
        let dunning: Dunning = get("dunning").and_then(|d| serde_json::from_str(&d.config).ok()).unwrap_or_default();
        let fill = r::example(partner, "https://portal.example");
        RemindersPage {
            channels: r::channels(&delivery.channels()),
            reminder_channels: r::reminder_channels(delivery.reminder_channel),
            delivery_version: version(get("delivery")),
            dunning_version: version(get("dunning")),
            dunning_enabled: get("dunning").is_none_or(|d| d.enabled),
            sequences: r::sequences(&dunning, &fill),
            placeholders: domain::dunning::PLACEHOLDERS.iter().map(|(p, what)| format!("{{{p}}}: {what}")).collect(),
            action: format!("{PATH}/reminders"),
            delivery_source: String::new(),
            delivery_can_revert: false,
            dunning_source: String::new(),
            dunning_can_revert: false,
        }
    }

    pub fn brand(defaults: &[Default_]) -> BrandDefault {
        let d = defaults.iter().find(|d| d.policy == domain::policies::BRANDING);
        match d.and_then(|d| domain::policies::brand_of(&d.config)) {
            Some(b) => BrandDefault {
                product_name: b.product_name,
                primary_color: b.primary_color,
                accent_color: b.accent_color,
                support_email: b.support_email,
                support_phone: b.support_phone,
                footer_text: b.footer_text,
                powered_by: b.powered_by,
                version: version(d),
            },
            None => BrandDefault { primary_color: "#1d4ed8".into(), accent_color: "#1d4ed8".into(), version: "none yet: each tenant keeps its own brand".into(), ..Default::default() },
        }
    }
}

/// The signed-in partner user's defaults (admins and viewers of a partner).
#[server(prefix = "/sfn")]
pub async fn policies_data() -> Result<PoliciesView, ServerFnError> {
    use domain::types::Role;
    let parts: http::request::Parts = use_context().ok_or_else(|| ServerFnError::new("no request context"))?;
    let me = parts.extensions.get::<domain::auth::Principal>().cloned().ok_or_else(|| ServerFnError::new("sign in first"))?;
    if !matches!(parts.extensions.get::<domain::tenancy::Scope>(), Some(domain::tenancy::Scope::Platform)) {
        return Err(ServerFnError::new("The partner console is not served at this address."));
    }
    let db = parts.extensions.get::<domain::Db>().cloned().ok_or_else(|| ServerFnError::new("no database"))?;
    let partner_id = domain::policies::member_partner(&me).map_err(|e| ServerFnError::new(e.public_message()))?;
    let internal = crate::orders::server::internal;
    let defaults = domain::policies::defaults(db.platform(), partner_id).await.map_err(internal)?;
    let history = domain::policies::history(db.platform(), partner_id, 30).await.map_err(internal)?;
    let tenants = domain::policies::tenant_count(&db, partner_id).await.map_err(internal)?;
    let partner = domain::partner::partner_name(&db, partner_id).await.map_err(internal)?;
    Ok(PoliciesView {
        can_change: me.role == Role::PartnerAdmin && me.support_session.is_none(),
        rules: server::rules(&defaults),
        reminders: server::reminders(&defaults, &partner),
        brand: server::brand(&defaults),
        history: history.into_iter().map(|d| DefaultChange { policy: d.policy, version: d.version, by: d.created_by, at: d.created_at.to_rfc3339() }).collect(),
        partner,
        tenants,
    })
}
