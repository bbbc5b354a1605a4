//! The partner's defaults as its console page shows them (`/partner/policies`): every workflow
//! rule and policy its tenants inherit (SLAs, billing, approvals, retention…), the default
//! invoice and reminder channels, the reminder sequences, and the default brand — each the
//! partner's latest version or the built-in default — with the history of changes. Tenants
//! follow a default until they save their own version; each tenant admin sees where every
//! value comes from and can revert to the default (see `domain::policies`).
use crate::branding_admin::BrandingView;
use crate::reminders_admin::RemindersPage;
use crate::rules_admin::RuleView;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub const PATH: &str = "/partner/policies";

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
    /// The default brand in the editor's fields (`slug` empty), and its version line.
    pub brand: BrandingView,
    pub brand_version: String,
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

    /// The default brand as the editor shows it (a blank one with the start colour if none).
    pub fn brand(defaults: &[Default_], partner: &str) -> (BrandingView, String) {
        let d = defaults.iter().find(|d| d.policy == domain::policies::BRANDING);
        let b = d.and_then(|d| domain::policies::brand_of(&d.config)).unwrap_or_else(|| domain::branding::BrandingIn { primary_color: "#1d4ed8".into(), accent_color: "#1d4ed8".into(), ..Default::default() });
        let view = BrandingView {
            slug: String::new(),
            name: String::new(),
            product_name: b.product_name,
            primary_color: b.primary_color,
            accent_color: b.accent_color,
            support_email: b.support_email,
            support_phone: b.support_phone,
            footer_text: b.footer_text,
            powered_by: b.powered_by,
            partner_name: partner.to_owned(),
            primary_contrast: String::new(),
            accent_contrast: String::new(),
            logo_url: String::new(),
            favicon_url: String::new(),
            inherited: false,
            partner_has_brand: d.is_some(),
        };
        (view, if d.is_some() { version(d) } else { "none yet: each tenant keeps its own brand".into() })
    }
}

/// The signed-in partner user's defaults (admins and viewers of a partner).
#[server(prefix = "/sfn")]
pub async fn policies_data() -> Result<PoliciesView, ServerFnError> {
    use domain::types::Role;
    let (db, me) = crate::team_admin::console_user()?;
    let partner_id = domain::policies::member_partner(&me).map_err(|e| ServerFnError::new(e.public_message()))?;
    let internal = crate::orders::server::internal;
    let defaults = domain::policies::defaults(db.platform(), partner_id).await.map_err(internal)?;
    let history = domain::policies::history(db.platform(), partner_id, 30).await.map_err(internal)?;
    let tenants = domain::policies::tenant_count(&db, partner_id).await.map_err(internal)?;
    let partner = domain::partner::partner_name(&db, partner_id).await.map_err(internal)?;
    let (brand, brand_version) = server::brand(&defaults, &partner);
    Ok(PoliciesView {
        can_change: me.role == Role::PartnerAdmin && me.support_session.is_none(),
        rules: server::rules(&defaults),
        reminders: server::reminders(&defaults, &partner),
        brand,
        brand_version,
        history: history.into_iter().map(|d| DefaultChange { policy: d.policy, version: d.version, by: d.created_by, at: d.created_at.to_rfc3339() }).collect(),
        partner,
        tenants,
    })
}
