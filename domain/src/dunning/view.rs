//! An invoice's dunning as staff and the customer see it: where it is in its sequence (next
//! reminder, paused and why, or done), the reminders sent with their status, and the promise
//! to pay in force.
use super::engine::shown_status;
use super::entity::{promise, reminder};
use super::{last_sent, next_step, pause, step_date};
use crate::customers::prefs::ReminderChannel;
use crate::entity::{customer, invoice};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ReminderView {
    pub step_name: String,
    pub step_days: i32,
    /// `email` or `portal`.
    pub channel: String,
    pub target: String,
    /// `queued`, `retrying`, `sent` or `failed`.
    pub status: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub attempts: i32,
    pub last_error: Option<String>,
}

impl ReminderView {
    /// The customer's words: "Friendly note, sent to ap@initech.test".
    pub fn plain(&self) -> String {
        match (self.channel.as_str(), self.status.as_str()) {
            ("portal", _) => format!("{}, posted here in the portal", self.step_name),
            (_, "sent") => format!("{}, sent to {}", self.step_name, self.target),
            (_, "failed") => format!("{}, could not be e-mailed", self.step_name),
            _ => format!("{}, being e-mailed to {}", self.step_name, self.target),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PromiseView {
    pub promised_on: NaiveDate,
    pub amount_minor: i64,
    pub currency: String,
    /// `staff` or `customer`.
    pub by_kind: String,
    pub by_name: String,
    pub note: String,
    pub created_at: DateTime<Utc>,
    /// Its date has passed.
    pub lapsed: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InvoiceDunning {
    /// "Next: Reminder on 2026-12-08", "Paused: payment promised by 2026-12-14", …
    pub state: String,
    /// Whether reminders are paused (a dispute or a promise).
    pub paused: bool,
    pub reminders: Vec<ReminderView>,
    /// The latest promise, lapsed or not.
    pub promise: Option<PromiseView>,
    /// Every promise, oldest first (the staff timeline).
    pub promises: Vec<PromiseView>,
}

fn promise_view(p: promise::Model, today: NaiveDate) -> PromiseView {
    PromiseView { lapsed: p.promised_on < today, promised_on: p.promised_on, amount_minor: p.amount_minor, currency: p.currency, by_kind: p.by_kind, by_name: p.by_name, note: p.note, created_at: p.created_at }
}

/// The dunning of `inv` (whose customer is `cust`) as of `today`.
pub async fn for_invoice<C: ConnectionTrait>(c: &C, inv: &invoice::Model, cust: &customer::Model, today: NaiveDate) -> Result<InvoiceDunning, DbErr> {
    let rules = crate::workflow::rules::load(c).await.map_err(|e| DbErr::Custom(e.to_string()))?;
    let rows = reminder::Entity::find().filter(reminder::Column::InvoiceId.eq(inv.id)).order_by_asc(reminder::Column::StepDays).all(c).await?;
    let keys: Vec<String> = rows.iter().filter_map(|r| r.job_key.clone()).collect();
    let jobs = crate::jobs::by_unique_keys(c, keys).await?;
    let promises: Vec<PromiseView> = promise::Entity::find().filter(promise::Column::InvoiceId.eq(inv.id)).order_by_asc(promise::Column::CreatedAt).all(c).await?.into_iter().map(|p| promise_view(p, today)).collect();
    let latest = promises.last().cloned();
    let sent: Vec<i32> = rows.iter().map(|r| r.step_days).collect();
    let open_dispute = crate::workflow::disputes::in_dispute(c, inv.id, None).await? > 0;
    let channel = cust.reminder_channel.as_deref().and_then(|r| r.parse().ok()).unwrap_or(rules.delivery.config.reminder_channel);
    let paused = pause(&inv.status, open_dispute, latest.as_ref().map(|p| p.promised_on), today);
    let open = inv.total_minor - inv.paid_minor - inv.credited_minor;
    let state = match (&paused, rules.dunning.config.for_segment(cust.segment.as_deref())) {
        _ if inv.status == "paid" || open <= 0 => "Paid: no reminders".to_owned(),
        _ if !rules.dunning.enabled => "Reminders are switched off for this tenant".to_owned(),
        _ if channel == ReminderChannel::Off => "Reminders are off for this customer".to_owned(),
        (Some(p), _) => p.said(),
        (None, None) => "No reminder sequence applies".to_owned(),
        (None, Some(seq)) => {
            let days: Vec<i32> = seq.steps.iter().map(|s| s.days).collect();
            let last = last_sent(&days, &sent);
            let next = next_step(&days, inv.due_on, today, last).or_else(|| Some(last.map_or(0, |l| l + 1)).filter(|&i| i < days.len()));
            match next {
                Some(i) => {
                    let on = step_date(inv.due_on, days[i]).max(today);
                    format!("Next: {} on {on}", seq.steps[i].name)
                }
                None => "Every reminder of the sequence has been sent".to_owned(),
            }
        }
    };
    let reminders = rows
        .into_iter()
        .map(|r| {
            let j = r.job_key.as_ref().and_then(|k| jobs.get(k));
            ReminderView {
                status: shown_status(&r, j),
                attempts: j.map_or(0, |j| j.attempts),
                last_error: j.and_then(|j| j.last_error.clone()),
                step_name: r.step_name,
                step_days: r.step_days,
                channel: r.channel,
                target: r.target,
                subject: r.subject,
                body: r.body,
                created_at: r.created_at,
                sent_at: r.sent_at,
            }
        })
        .collect();
    Ok(InvoiceDunning { state, paused: paused.is_some(), reminders, promise: latest, promises })
}

/// The dunning of the invoice with this id.
pub async fn by_id<C: ConnectionTrait>(c: &C, invoice_id: Uuid, today: NaiveDate) -> Result<InvoiceDunning, crate::AppError> {
    let inv = invoice::Entity::find_by_id(invoice_id).one(c).await?.ok_or(crate::AppError::NotFound)?;
    let cust = customer::Entity::find_by_id(inv.customer_id).one(c).await?.ok_or(crate::AppError::NotFound)?;
    Ok(for_invoice(c, &inv, &cust, today).await?)
}

/// The invoice with this number, its customer and its dunning; `None` when there is none.
pub async fn by_number<C: ConnectionTrait>(c: &C, number: &str, today: NaiveDate) -> Result<Option<(invoice::Model, customer::Model, InvoiceDunning)>, crate::AppError> {
    let Some(inv) = invoice::Entity::find().filter(invoice::Column::Number.eq(number)).one(c).await? else { return Ok(None) };
    let cust = customer::Entity::find_by_id(inv.customer_id).one(c).await?.ok_or(crate::AppError::NotFound)?;
    let d = for_invoice(c, &inv, &cust, today).await?;
    Ok(Some((inv, cust, d)))
}
