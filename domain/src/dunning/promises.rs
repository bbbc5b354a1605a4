//! Promises to pay: a clerk records one on an invoice (from a call, an e-mail), or the
//! customer makes one in the portal. While the latest promise has not lapsed (its date has
//! not passed) no reminder is sent; the day after, reminders resume where the sequence is.
use super::entity::promise;
use crate::audit::{self, Actor};
use crate::entity::invoice;
use crate::{AppError, money};
use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;
use sea_orm::ConnectionTrait;
use serde_json::json;

/// How far ahead a promise may be.
pub const MAX_DAYS_AHEAD: u64 = 90;
/// Promises a customer may make on one invoice in the portal; after that, a clerk talks to
/// them (and records what they agree).
pub const CUSTOMER_PROMISES: usize = 2;

/// A promise as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct PromiseIn {
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub promised_on: String,
    /// In major units: `1,250.00`; blank: what is open.
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub note: String,
}

/// Who promised.
#[derive(Clone, Debug)]
pub enum PromisedBy {
    /// A clerk, recording what the customer said.
    Staff(Actor),
    /// The customer's own user, in the portal.
    Customer(Actor),
}

impl PromisedBy {
    fn parts(&self) -> (&'static str, &Actor) {
        match self {
            PromisedBy::Staff(a) => ("staff", a),
            PromisedBy::Customer(a) => ("customer", a),
        }
    }
}

/// Checks a promise on an invoice with `open` minor units open, made `today`: the date is
/// from today to [`MAX_DAYS_AHEAD`] days on, the amount more than nothing and at most what is
/// open. Each wrong field is named.
pub fn check(input: &PromiseIn, currency: &str, open: i64, today: NaiveDate) -> Result<(NaiveDate, i64), String> {
    let mut errs = Vec::new();
    let last = today.checked_add_days(Days::new(MAX_DAYS_AHEAD)).unwrap_or(today);
    let on = match NaiveDate::parse_from_str(input.promised_on.trim(), "%Y-%m-%d") {
        Ok(d) if d < today => {
            errs.push(format!("promised_on: {d} has passed; give today or a later date"));
            None
        }
        Ok(d) if d > last => {
            errs.push(format!("promised_on: {d} is more than {MAX_DAYS_AHEAD} days away (at most {last})"));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errs.push(format!("promised_on: {:?} is not a date; use YYYY-MM-DD", input.promised_on.trim()));
            None
        }
    };
    let amount = match input.amount.trim() {
        "" => Some(open),
        text => match money::parse_major(text, currency) {
            Ok(v) if v <= 0 => {
                errs.push("amount: must be more than zero".to_owned());
                None
            }
            Ok(v) if v > open => {
                errs.push(format!("amount: {} is more than the {} open", money::format(v, currency), money::format(open, currency)));
                None
            }
            Ok(v) => Some(v),
            Err(r) => {
                errs.push(format!("amount: {r}"));
                None
            }
        },
    };
    if input.note.chars().count() > 500 {
        errs.push("note: at most 500 characters".into());
    }
    match (on, amount) {
        (Some(on), Some(a)) if errs.is_empty() => Ok((on, a)),
        _ => Err(errs.join("; ")),
    }
}

/// Records a promise on invoice `number` (of `customer` only, when given: a portal user),
/// with an audit entry, in the caller's transaction.
pub async fn make<C: ConnectionTrait>(c: &C, number: &str, customer: Option<Uuid>, input: &PromiseIn, by: &PromisedBy, now: DateTime<Utc>) -> Result<promise::Model, AppError> {
    let mut q = invoice::Entity::find().filter(invoice::Column::Number.eq(number));
    if let Some(id) = customer {
        q = q.filter(invoice::Column::CustomerId.eq(id));
    }
    let inv = q.one(c).await?.ok_or(AppError::NotFound)?;
    let open = inv.total_minor - inv.paid_minor - inv.credited_minor;
    if inv.status == "paid" || open <= 0 {
        return Err(AppError::Conflict(format!("invoice {number} is paid; there is nothing to promise")));
    }
    let (on, amount) = check(input, &inv.currency, open, now.date_naive()).map_err(AppError::Invalid)?;
    let (kind, actor) = by.parts();
    let earlier = promise::Entity::find().filter(promise::Column::InvoiceId.eq(inv.id)).all(c).await?;
    if let Some(p) = earlier.iter().filter(|p| p.promised_on >= now.date_naive()).max_by_key(|p| p.created_at) {
        return Err(AppError::Conflict(format!("a promise to pay by {} is in force on invoice {number}; a new one can be made once it lapses", p.promised_on)));
    }
    if kind == "customer" && earlier.iter().filter(|p| p.by_kind == "customer").count() >= CUSTOMER_PROMISES {
        return Err(AppError::Conflict(format!("{CUSTOMER_PROMISES} promises were already made on invoice {number} here; please contact us to agree a date")));
    }
    let row = promise::ActiveModel {
        id: Set(crate::new_id()),
        invoice_id: Set(inv.id),
        customer_id: Set(inv.customer_id),
        promised_on: Set(on),
        amount_minor: Set(amount),
        currency: Set(inv.currency.clone()),
        by_kind: Set(kind.into()),
        by_name: Set(actor.name().to_owned()),
        note: Set(input.note.trim().to_owned()),
        created_at: Set(now),
    }
    .insert(c)
    .await?;
    audit::record(c, actor, "invoice.promise_to_pay", "invoice", number, json!({"promised_on": on, "amount_minor": amount, "currency": inv.currency, "by": kind, "note": row.note})).await?;
    Ok(row)
}
