//! Form posts of the delivery and reminders page: the tenant defaults (the `delivery` rule)
//! and the reminder sequences (the `dunning` rule), each saved as the rule's next version
//! with its audit entry. Refusals name what was wrong; nothing is saved then.
use crate::admin::{admin_of, back};
use crate::{AppState, Auth};
use app::reminders_admin::PATH;
use axum::extract::State;
use axum::response::Response;
use axum::{Extension, Form};
use domain::AppError;
use domain::audit::Actor;
use domain::dunning::{Dunning, Sequence, Step};
use domain::tenancy::Scope;
use domain::workflow::rules;
use serde_json::json;
use std::collections::HashMap;
use tower_sessions::Session;

pub(crate) type Fields = HashMap<String, String>;

pub(crate) fn field<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.get(name).map_or("", String::as_str)
}

/// The sequences as posted: `segment_{i}`, and per step `days_`, `name_`, `subject_`,
/// `body_{i}_{j}`. Steps without a name are dropped, and sequences left without steps.
pub fn sequences(f: &Fields) -> Result<Dunning, String> {
    let mut sequences = Vec::new();
    for i in 0.. {
        if !f.contains_key(&format!("segment_{i}")) {
            break;
        }
        let mut steps = Vec::new();
        for j in 0.. {
            let k = |n: &str| format!("{n}_{i}_{j}");
            if !f.contains_key(&k("name")) {
                break;
            }
            let name = field(f, &k("name")).trim();
            if name.is_empty() {
                if ["days", "subject", "body"].iter().any(|n| !field(f, &k(n)).trim().is_empty()) {
                    return Err(format!("a step of {} has a day, subject or body but no name; name it, or clear it to remove it", if field(f, &format!("segment_{i}")).trim().is_empty() { "the default sequence".to_owned() } else { format!("{:?}", field(f, &format!("segment_{i}")).trim()) }));
                }
                continue;
            }
            let days_text = field(f, &k("days")).trim();
            let days = days_text.parse().map_err(|_| format!("step {name:?}: {days_text:?} is not a whole number of days"))?;
            let text = |n: &str| field(f, &k(n)).replace("\r\n", "\n").trim().to_owned();
            steps.push(Step { days, name: name.to_owned(), subject: text("subject"), body: text("body") });
        }
        if !steps.is_empty() {
            sequences.push(Sequence { segment: field(f, &format!("segment_{i}")).trim().to_owned(), steps });
        }
    }
    Ok(Dunning { sequences })
}

async fn save(st: &AppState, scope: &Scope, auth: &Auth, session: &Session, f: &Fields, rule: &str, what: &str, config: Result<serde_json::Value, String>, enabled: bool) -> Response {
    let (t, me) = match admin_of(scope, auth, session, field(f, "csrf")).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let config = match config {
        Ok(c) => c,
        Err(m) => return back(session, PATH, format!("Not saved: {m}.")).await,
    };
    let actor = Actor::User { id: me.user_id, name: me.name.clone() };
    let saved = async {
        let txn = st.db.tenant_txn(&t.slug).await?;
        let v = rules::save(&txn, rule, enabled, config, &actor).await?;
        txn.commit().await?;
        Ok::<_, AppError>(v)
    };
    match saved.await {
        Ok(v) => back(session, PATH, format!("Saved the {what} as v{v}.")).await,
        Err(AppError::Invalid(m)) => back(session, PATH, format!("Not saved: {}.", m.trim_start_matches("settings of dunning: "))).await,
        Err(e) => {
            tracing::error!(error = %e, rule, "saving a delivery setting failed");
            back(session, PATH, "Not saved: the service is temporarily unavailable.".into()).await
        }
    }
}

/// The default channels as posted: a box per channel (`channel_email`…; the portal always)
/// and `reminder_channel`.
pub(crate) fn defaults_config(f: &Fields) -> serde_json::Value {
    let channels: Vec<&str> = ["email", "edi", "webhook"].into_iter().filter(|c| f.contains_key(&format!("channel_{c}"))).collect();
    json!({"invoice_channels": std::iter::once("portal").chain(channels).collect::<Vec<_>>(), "reminder_channel": field(f, "reminder_channel")})
}

/// `POST /workspace/admin/reminders/defaults`.
pub async fn defaults(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Form(f): Form<Fields>) -> Response {
    let config = defaults_config(&f);
    save(&st, &scope, &auth, &session, &f, "delivery", "tenant defaults", Ok(config), true).await
}

/// `POST /workspace/admin/reminders/sequences`.
pub async fn sequences_post(State(st): State<AppState>, Extension(scope): Extension<Scope>, Extension(auth): Extension<Auth>, session: Session, Form(f): Form<Fields>) -> Response {
    let config = sequences(&f).and_then(|d| serde_json::to_value(d).map_err(|e| e.to_string()));
    let enabled = f.contains_key("enabled");
    save(&st, &scope, &auth, &session, &f, "dunning", "reminder sequences", config, enabled).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Fields {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn posted_sequences_drop_unnamed_steps_and_empty_sequences() {
        let f = form(&[
            ("segment_0", " key accounts "),
            ("days_0_0", "3"), ("name_0_0", "Friendly"), ("subject_0_0", "Hi {invoice}"), ("body_0_0", "Body\r\nline"),
            ("days_0_1", ""), ("name_0_1", ""), ("subject_0_1", ""), ("body_0_1", ""),
            ("segment_1", "new"),
            ("days_1_0", ""), ("name_1_0", ""), ("subject_1_0", ""), ("body_1_0", ""),
        ]);
        let d = sequences(&f).unwrap();
        assert_eq!(d.sequences.len(), 1);
        assert_eq!(d.sequences[0].segment, "key accounts");
        assert_eq!(d.sequences[0].steps, vec![Step { days: 3, name: "Friendly".into(), subject: "Hi {invoice}".into(), body: "Body\nline".into() }]);
        let bad = form(&[("segment_0", ""), ("days_0_0", "soon"), ("name_0_0", "Late"), ("subject_0_0", "s"), ("body_0_0", "b")]);
        assert_eq!(sequences(&bad).unwrap_err(), "step \"Late\": \"soon\" is not a whole number of days");
        let unnamed = form(&[("segment_0", ""), ("days_0_0", "4"), ("name_0_0", " "), ("subject_0_0", "s"), ("body_0_0", "b")]);
        assert!(sequences(&unnamed).unwrap_err().contains("no name"), "not dropped silently");
    }
}
