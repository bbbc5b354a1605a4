//! Customer master data, upserted by external id: addresses, payment terms, credit limit,
//! segment, and the invoicing preferences the workflow rules read ([`prefs`]). Tenant admins
//! edit the commercial part through [`commercial`]; integrations through the API's upsert.
pub mod commercial;
pub mod prefs;

use crate::entity::customer;
use crate::events::{Fail, FieldError, release_parked, terms_days};
use crate::money;
use chrono::Utc;
use prefs::{ApEmails, BillingRule, InvoiceChannel, InvoiceChannels, ReminderChannel, parse_override};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};

/// The allowed names, as the 422 reasons list them.
pub(crate) const BILLING_RULES: &str = "dispatch, delivery or pod";
pub(crate) const REMINDER_CHANNELS: &str = "email, portal or none";

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    #[serde(default)]
    pub name: Option<String>,
    pub line1: String,
    #[serde(default)]
    pub line2: Option<String>,
    pub city: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2, e.g. `US`.
    pub country: String,
}

/// A customer as an integration sends it. Absent optional fields leave a stored customer's
/// value as it is (a new customer gets the default).
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerIn {
    pub external_id: String,
    pub name: String,
    #[serde(default)]
    pub bill_to: Option<Address>,
    #[serde(default)]
    pub ship_to: Option<Address>,
    /// `NET30`, `NET45`, `DUE_ON_RECEIPT`… (default `NET30`).
    #[serde(default)]
    pub payment_terms: Option<String>,
    #[serde(default)]
    pub credit_limit_minor: Option<i64>,
    #[serde(default)]
    pub segment: Option<String>,
    /// ISO 4217 (default `USD`).
    #[serde(default)]
    pub currency: Option<String>,
    /// While `true` no invoice is raised for the customer (default `false`).
    #[serde(default)]
    pub invoicing_hold: Option<bool>,
    /// When invoices are raised: `dispatch`, `delivery` or `pod`; `null` follows the tenant's
    /// default.
    #[serde(default, deserialize_with = "prefs::nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<BillingRule>, nullable)]
    pub billing_rule: Option<Option<String>>,
    /// Where invoices go besides the portal (always implied): any of `portal`, `email`, `edi`,
    /// `webhook`, as an array or one space-separated string; `null` follows the tenant's
    /// default (as a new customer sent without it does).
    #[serde(default, deserialize_with = "prefs::nullable_list", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<InvoiceChannel>>, nullable)]
    pub invoice_channels: Option<Option<Vec<String>>>,
    /// Accounts-payable addresses for invoices and reminders, as an array or one string
    /// separated by spaces or commas; at most 10. Needed when `email` is a channel.
    #[serde(default, deserialize_with = "prefs::text_or_list", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>, example = json!(["ap@initech.test"]))]
    pub invoice_emails: Option<Vec<String>>,
    /// How payment reminders go: `email`, `portal` or `none`; `null` follows the tenant's
    /// default.
    #[serde(default, deserialize_with = "prefs::nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ReminderChannel>, nullable)]
    pub reminder_channel: Option<Option<String>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct CustomerView {
    pub external_id: String,
    pub name: String,
    pub bill_to: Option<Address>,
    pub ship_to: Option<Address>,
    pub payment_terms: String,
    pub credit_limit_minor: Option<i64>,
    pub segment: Option<String>,
    pub currency: String,
    pub invoicing_hold: bool,
    /// `null`: the tenant's default applies.
    pub billing_rule: Option<BillingRule>,
    /// Always starts with `portal`; `null`: the tenant's default applies.
    pub invoice_channels: Option<Vec<InvoiceChannel>>,
    pub invoice_emails: Vec<String>,
    /// `null`: the tenant's default applies.
    pub reminder_channel: Option<ReminderChannel>,
}

impl From<customer::Model> for CustomerView {
    fn from(m: customer::Model) -> Self {
        Self {
            external_id: m.external_id,
            name: m.name,
            bill_to: m.bill_to.and_then(|s| serde_json::from_str(&s).ok()),
            ship_to: m.ship_to.and_then(|s| serde_json::from_str(&s).ok()),
            payment_terms: m.payment_terms,
            credit_limit_minor: m.credit_limit_minor,
            segment: m.segment,
            currency: m.currency,
            invoicing_hold: m.invoicing_hold,
            billing_rule: m.billing_rule.and_then(|r| r.parse().ok()),
            invoice_channels: InvoiceChannels::stored_override(&m.invoice_channels).map(|c| c.to_vec()),
            invoice_emails: ApEmails::from_stored(&m.invoice_emails).as_slice().to_vec(),
            reminder_channel: m.reminder_channel.and_then(|r| r.parse().ok()),
        }
    }
}

/// The preference fields of a [`CustomerIn`], parsed; `None` leaves a field as it is.
struct PrefsPatch {
    invoicing_hold: Option<bool>,
    billing_rule: Option<Option<BillingRule>>,
    channels: Option<Option<InvoiceChannels>>,
    emails: Option<ApEmails>,
    reminder: Option<Option<ReminderChannel>>,
}

impl PrefsPatch {
    fn parse(c: &CustomerIn, errs: &mut Vec<FieldError>) -> Self {
        Self {
            invoicing_hold: c.invoicing_hold,
            billing_rule: c.billing_rule.as_ref().and_then(|r| keep(errs, parse_override("billing_rule", r.as_deref(), BILLING_RULES))),
            reminder: c.reminder_channel.as_ref().and_then(|r| keep(errs, parse_override("reminder_channel", r.as_deref(), REMINDER_CHANNELS))),
            channels: match &c.invoice_channels {
                None => None,
                Some(None) => Some(None),
                Some(Some(l)) => keep(errs, InvoiceChannels::parse(l).map_err(|r| FieldError::new("invoice_channels", r))).map(Some),
            },
            emails: c.invoice_emails.as_ref().and_then(|l| keep(errs, ApEmails::parse(l).map_err(|r| FieldError::new("invoice_emails", r)))),
        }
    }

    /// Writes the given fields into `am`, then checks that what the customer ends up with
    /// can be delivered (`current` is the stored customer, if any).
    fn apply(self, am: &mut customer::ActiveModel, current: Option<&customer::Model>) -> Result<(), Fail> {
        let channels = self.channels.unwrap_or_else(|| current.and_then(|m| InvoiceChannels::stored_override(&m.invoice_channels)));
        let emails = self.emails.unwrap_or_else(|| current.map(|m| ApEmails::from_stored(&m.invoice_emails)).unwrap_or_default());
        let reminder = self.reminder.unwrap_or_else(|| current.and_then(|m| m.reminder_channel.as_deref().and_then(|r| r.parse().ok())));
        let errs = deliverable(channels.as_ref(), &emails, reminder);
        if !errs.is_empty() {
            return Err(Fail::Reject(errs));
        }
        if let Some(hold) = self.invoicing_hold {
            am.invoicing_hold = Set(hold);
        }
        if let Some(rule) = self.billing_rule {
            am.billing_rule = Set(rule.map(|r| r.as_str().to_owned()));
        }
        am.invoice_channels = Set(channels.map(|c| c.to_text()).unwrap_or_default());
        am.invoice_emails = Set(emails.to_text());
        am.reminder_channel = Set(reminder.map(|r| r.as_str().to_owned()));
        Ok(())
    }
}

/// The value, or `None` with its error noted: every field's problem is reported at once.
pub(crate) fn keep<T>(errs: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errs.push(e)).ok()
}

/// Invoices and reminders the customer's own settings send by e-mail need an address to go
/// to (a tenant default by e-mail is the admin's choice for every customer: a customer
/// without an address shows its e-mails as failed).
pub(crate) fn deliverable(channels: Option<&InvoiceChannels>, emails: &ApEmails, reminder: Option<ReminderChannel>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if emails.is_empty() && channels.is_some_and(|c| c.contains(InvoiceChannel::Email)) {
        errs.push(FieldError::new("invoice_emails", "invoices go by e-mail (invoice_channels has email): give at least one AP address"));
    } else if emails.is_empty() && reminder == Some(ReminderChannel::Email) {
        errs.push(FieldError::new("invoice_emails", "reminders go by e-mail (reminder_channel is email): give at least one AP address"));
    }
    errs
}

/// Keeps the credit exposure in step with the limit (see [`crate::workflow::credit`]): it is
/// tracked only while a customer has a limit, so a limit set or changed counts the orders and
/// invoices as they are now, and a limit removed stops the tracking.
pub(crate) async fn track_exposure<C: ConnectionTrait>(c: &C, id: Uuid, before: Option<i64>, after: Option<i64>) -> Result<(), DbErr> {
    match after {
        _ if before == after => Ok(()),
        Some(_) => crate::workflow::credit::recompute(c, id).await.map(|_| ()),
        None => crate::workflow::credit::untrack(c, id).await,
    }
}

/// Checks a segment name: optional, at most 64 characters.
pub(crate) fn check_segment(segment: Option<&str>) -> Option<FieldError> {
    segment.filter(|s| s.trim().len() > 64).map(|_| FieldError::new("segment", "must be at most 64 characters"))
}

fn check(c: &CustomerIn) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if c.external_id.trim().is_empty() || c.external_id.len() > 64 {
        errs.push(FieldError::new("external_id", "must be 1 to 64 characters"));
    }
    if c.name.trim().is_empty() || c.name.len() > 200 {
        errs.push(FieldError::new("name", "must be 1 to 200 characters"));
    }
    if let Some(t) = &c.payment_terms {
        if terms_days(t).is_none() {
            errs.push(FieldError::new("payment_terms", "must be NET<days> (0 to 365) or DUE_ON_RECEIPT"));
        }
    }
    if c.credit_limit_minor.is_some_and(|l| l < 0) {
        errs.push(FieldError::new("credit_limit_minor", "must not be negative"));
    }
    errs.extend(check_segment(c.segment.as_deref()));
    if let Some(cur) = &c.currency {
        if let Err(r) = money::currency(cur) {
            errs.push(FieldError::new("currency", r));
        }
    }
    for (field, a) in [("bill_to", &c.bill_to), ("ship_to", &c.ship_to)] {
        if let Some(a) = a {
            if a.line1.trim().is_empty() {
                errs.push(FieldError::new(format!("{field}.line1"), "must not be empty"));
            }
            if a.city.trim().is_empty() {
                errs.push(FieldError::new(format!("{field}.city"), "must not be empty"));
            }
            if a.country.len() != 2 || !a.country.chars().all(|c| c.is_ascii_uppercase()) {
                errs.push(FieldError::new(format!("{field}.country"), "must be an ISO 3166-1 alpha-2 code such as US"));
            }
        }
    }
    errs
}

/// Creates or updates a customer by external id; a new customer releases events parked for it.
/// Returns the customer and whether it was created.
pub async fn upsert<C: ConnectionTrait>(c: &C, input: CustomerIn) -> Result<(CustomerView, bool), Fail> {
    let mut errs = check(&input);
    let prefs = PrefsPatch::parse(&input, &mut errs);
    if !errs.is_empty() {
        return Err(Fail::Reject(errs));
    }
    let now = Utc::now();
    let addr = |a: &Option<Address>| a.as_ref().map(|a| serde_json::to_string(a).expect("addresses serialise"));
    let existing = customer::Entity::find().filter(customer::Column::ExternalId.eq(input.external_id.trim())).one(c).await?;
    let (model, created) = match existing {
        Some(m) => {
            let mut am: customer::ActiveModel = m.clone().into();
            am.name = Set(input.name.trim().into());
            if input.bill_to.is_some() {
                am.bill_to = Set(addr(&input.bill_to));
            }
            if input.ship_to.is_some() {
                am.ship_to = Set(addr(&input.ship_to));
            }
            if let Some(t) = &input.payment_terms {
                am.payment_terms = Set(t.clone());
            }
            if input.credit_limit_minor.is_some() {
                am.credit_limit_minor = Set(input.credit_limit_minor);
            }
            if input.segment.is_some() {
                am.segment = Set(input.segment.clone());
            }
            if let Some(cur) = &input.currency {
                if *cur != m.currency {
                    return Err(Fail::Reject(vec![FieldError::new("currency", format!("customer {} is billed in {}; the currency cannot change", m.external_id, m.currency))]));
                }
            }
            prefs.apply(&mut am, Some(&m))?;
            am.updated_at = Set(now);
            let updated = am.update(c).await?;
            track_exposure(c, m.id, m.credit_limit_minor, updated.credit_limit_minor).await?;
            if (&m.segment, &m.reminder_channel) != (&updated.segment, &updated.reminder_channel) {
                // Another sequence or channel may apply to its unpaid invoices from today.
                crate::dunning::engine::look_again(c, Some(m.id), now.date_naive()).await?;
            }
            (updated, false)
        }
        None => {
            let mut am = customer::ActiveModel {
                id: Set(crate::new_id()),
                external_id: Set(input.external_id.trim().into()),
                name: Set(input.name.trim().into()),
                bill_to: Set(addr(&input.bill_to)),
                ship_to: Set(addr(&input.ship_to)),
                payment_terms: Set(input.payment_terms.clone().unwrap_or_else(|| "NET30".into())),
                credit_limit_minor: Set(input.credit_limit_minor),
                segment: Set(input.segment.clone()),
                currency: Set(input.currency.clone().unwrap_or_else(|| "USD".into())),
                invoicing_hold: Set(false),
                billing_rule: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            prefs.apply(&mut am, None)?;
            let created = am.insert(c).await?;
            track_exposure(c, created.id, None, created.credit_limit_minor).await?;
            (created, true)
        }
    };
    if created {
        release_parked(c, vec![format!("customer:{}", model.external_id)]).await?;
    }
    Ok((model.into(), created))
}

pub async fn find<C: ConnectionTrait>(c: &C, external_id: &str) -> Result<Option<CustomerView>, DbErr> {
    Ok(customer::Entity::find().filter(customer::Column::ExternalId.eq(external_id)).one(c).await?.map(Into::into))
}
