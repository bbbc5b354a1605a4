//! Customer master data, upserted by external id.
use crate::entity::customer;
use crate::events::{Fail, FieldError, release_parked, terms_days};
use crate::money;
use chrono::Utc;
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};

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

#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
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
        }
    }
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
    let errs = check(&input);
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
            am.updated_at = Set(now);
            (am.update(c).await?, false)
        }
        None => {
            let m = customer::ActiveModel {
                id: Set(crate::new_id()),
                external_id: Set(input.external_id.trim().into()),
                name: Set(input.name.trim().into()),
                bill_to: Set(addr(&input.bill_to)),
                ship_to: Set(addr(&input.ship_to)),
                payment_terms: Set(input.payment_terms.clone().unwrap_or_else(|| "NET30".into())),
                credit_limit_minor: Set(input.credit_limit_minor),
                segment: Set(input.segment.clone()),
                currency: Set(input.currency.clone().unwrap_or_else(|| "USD".into())),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(c)
            .await?;
            (m, true)
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
