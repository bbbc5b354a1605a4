//! The form posts of the rules page: one rule's settings saved as a new version. Like the
//! other admin forms ([`crate::admin_customers`]): the CSRF token and the tenant admin role
//! are checked, the tenant is the request's [`Scope`] (never anything the form sends), and
//! the answer is a redirect back to the page with a one-time notice, so the form works
//! without JavaScript. A refused save names the field and stores nothing.
use crate::admin::{admin_of, back};
use crate::{AppState, Auth};
use app::rules_admin::{Input, PATH, REFUSED, RuleInfo, Setting, THRESHOLD_CURRENCY, info};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::{Extension, Form};
use domain::AppError;
use domain::audit::Actor;
use domain::tenancy::Scope;
use domain::workflow::rules;
use serde_json::{Map, Value};
use tower_sessions::Session;

/// The posted value of `name`, trimmed; empty when absent.
pub(crate) fn posted<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.trim())
}

/// One setting read from the form: its stored value, or why it cannot be one.
fn read(s: &Setting, raw: &str) -> Result<Value, String> {
    match s.input {
        Input::Choice(all) => match all.iter().find(|(v, _)| *v == raw) {
            Some((v, _)) => Ok(Value::from(*v)),
            None => Err(format!("{raw:?} is not one of {}", all.iter().map(|(v, _)| *v).collect::<Vec<_>>().join(", "))),
        },
        Input::Number { .. } => raw.parse::<i64>().map(Value::from).map_err(|_| format!("{raw:?} is not a whole number")),
        Input::Money => domain::money::parse_major(raw, THRESHOLD_CURRENCY).map(Value::from),
    }
}

/// The rule's settings as the domain stores them, or a refusal naming each wrong field.
pub(crate) fn settings(rule: &RuleInfo, form: &[(String, String)]) -> Result<Value, String> {
    let mut config = Map::new();
    let mut wrong = Vec::new();
    for s in rule.settings {
        match read(s, posted(form, s.field())) {
            Ok(v) => {
                config.insert(s.key.into(), v);
            }
            Err(why) => wrong.push(format!("{}: {why}", s.label)),
        }
    }
    if wrong.is_empty() { Ok(Value::Object(config)) } else { Err(format!("{REFUSED}. {}.", wrong.join(". "))) }
}

/// The domain's refusal in the form's words: its stored keys become the fields' labels
/// (`tax_rate_bp must be …` → `Tax rate of generated invoices must be …`).
pub(crate) fn refusal(rule: &RuleInfo, message: &str) -> String {
    let prefix = format!("settings of {}: ", rule.name);
    let mut text = message.strip_prefix(&prefix).unwrap_or(message).to_owned();
    for s in rule.settings {
        text = text.replace(s.key, s.label);
    }
    format!("{REFUSED}: {} stays as it was. {text}.", rule.title)
}

/// `POST /workspace/admin/rules/{rule}`: stores the posted settings as the rule's next
/// version, with the audit entry, in one transaction.
pub async fn save_rule(
    State(st): State<AppState>,
    Extension(scope): Extension<Scope>,
    Extension(auth): Extension<Auth>,
    session: Session,
    Path(rule): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let (t, me) = match admin_of(&scope, &auth, &session, posted(&form, "csrf")).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(rule) = info(&rule) else { return back(&session, PATH, format!("{REFUSED}: there is no rule {rule:?}.")).await };
    let config = match settings(rule, &form) {
        Ok(c) => c,
        Err(message) => return back(&session, PATH, message).await,
    };
    // Approvals cannot be switched off, so its form has no box to leave unticked.
    let enabled = !rule.can_disable || form.iter().any(|(k, _)| k == "enabled");
    let actor = Actor::User { id: me.user_id, name: me.name.clone() };
    let saved = async {
        let txn = st.db.tenant_txn(&t.slug).await?;
        let version = rules::save(&txn, rule.name, enabled, config, &actor).await?;
        txn.commit().await?;
        Ok::<_, AppError>(version)
    };
    match saved.await {
        Ok(v) => {
            tracing::info!(rule = rule.name, version = v, "rule saved");
            back(&session, PATH, format!("Saved {} as v{v}{}; the next event runs under it.", rule.title, if enabled { "" } else { " (disabled)" })).await
        }
        Err(AppError::Invalid(m)) => back(&session, PATH, refusal(rule, &m)).await,
        Err(AppError::Conflict(m)) => back(&session, PATH, format!("{REFUSED}: {m}; reload and try again.")).await,
        Err(e) => {
            tracing::error!(error = %e, rule = rule.name, "saving a rule failed");
            back(&session, PATH, format!("{REFUSED}: the service is temporarily unavailable.")).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn each_wrong_field_is_named_by_its_label() {
        let billing = info("billing").unwrap();
        let e = settings(billing, &form(&[("trigger", "weekly"), ("mode", "mirror"), ("tax_rate_bp", "8.25"), ("invoice_delay_hours", "24")])).unwrap_err();
        assert_eq!(e, "Not saved. Invoice when: \"weekly\" is not one of dispatch, delivery, pod. Tax rate of generated invoices: \"8.25\" is not a whole number.");
    }

    #[test]
    fn amounts_are_typed_in_major_units() {
        let v = settings(info("approvals").unwrap(), &form(&[("threshold", "2,500.50")])).unwrap();
        assert_eq!(v, serde_json::json!({"threshold_minor": 250_050}));
    }

    #[test]
    fn the_domains_refusal_speaks_of_labels() {
        let r = refusal(info("billing").unwrap(), "settings of billing: tax_rate_bp must be between 0 and 5000 (50 %)");
        assert_eq!(r, "Not saved: Billing stays as it was. Tax rate of generated invoices must be between 0 and 5000 (50 %).");
    }
}
