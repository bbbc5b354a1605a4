//! A customer's commercial settings as the tenant admin sees and edits them: credit limit,
//! payment terms, segment, invoicing hold, billing rule, invoice channels and AP addresses,
//! reminder channel. An edit replaces all of them at once, is refused whole when any field
//! is wrong (each problem named), is refused when someone else saved the customer since the
//! form was loaded, and is written to the audit trail in the same transaction (with the
//! credit exposure tracking a changed limit needs).
use super::prefs::{ApEmails, BillingRule, InvoiceChannels, ReminderChannel, TenantDefaults, parse_override, split_list};
use super::{BILLING_RULES, CustomerView, REMINDER_CHANNELS, check_segment, deliverable, keep};
use crate::audit::{self, Actor};
use crate::entity::customer;
use crate::events::{FieldError, terms_days};
use crate::money;
use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use serde_json::json;

/// What the admin form sends, as typed. Blank texts mean "none" (credit limit, segment) or
/// "the tenant's default" (billing rule, reminder channel).
#[derive(Clone, Debug, Default)]
pub struct CommercialIn {
    /// In major units of the customer's currency: `25,000.00`.
    pub credit_limit: String,
    pub payment_terms: String,
    pub segment: String,
    pub invoicing_hold: bool,
    pub billing_rule: String,
    pub invoice_channels: Vec<String>,
    /// Follow the tenant's default channels (then `invoice_channels` is not read).
    pub inherit_channels: bool,
    /// Separated by spaces, commas or new lines.
    pub invoice_emails: String,
    pub reminder_channel: String,
    /// The [`Editable::version`] the form was loaded at; `None` skips the check.
    pub version: Option<i64>,
}

/// The commercial settings, parsed. Also the `before` and `after` of the audit entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Commercial {
    pub credit_limit_minor: Option<i64>,
    pub payment_terms: String,
    pub segment: Option<String>,
    pub invoicing_hold: bool,
    pub billing_rule: Option<BillingRule>,
    /// `None`: the tenant's default.
    pub invoice_channels: Option<InvoiceChannels>,
    pub invoice_emails: ApEmails,
    pub reminder_channel: Option<ReminderChannel>,
}

impl Commercial {
    fn of(m: &customer::Model) -> Self {
        Self {
            credit_limit_minor: m.credit_limit_minor,
            payment_terms: m.payment_terms.clone(),
            segment: m.segment.clone(),
            invoicing_hold: m.invoicing_hold,
            billing_rule: m.billing_rule.as_deref().and_then(|r| r.parse().ok()),
            invoice_channels: InvoiceChannels::stored_override(&m.invoice_channels),
            invoice_emails: ApEmails::from_stored(&m.invoice_emails),
            reminder_channel: m.reminder_channel.as_deref().and_then(|r| r.parse().ok()),
        }
    }

    /// Parses the form for a customer billed in `currency`, naming every wrong field.
    pub fn parse(f: &CommercialIn, currency: &str) -> Result<Self, Vec<FieldError>> {
        let mut errs = Vec::new();
        let limit = f.credit_limit.trim();
        let credit_limit_minor = match limit {
            "" => None,
            text => match money::parse_major(text, currency) {
                Ok(v) if v < 0 => keep(&mut errs, Err(FieldError::new("credit_limit", "must not be negative"))),
                Ok(v) => Some(v),
                Err(r) => keep(&mut errs, Err(FieldError::new("credit_limit", r))),
            },
        };
        let payment_terms = f.payment_terms.trim().to_ascii_uppercase();
        if terms_days(&payment_terms).is_none() {
            errs.push(FieldError::new("payment_terms", "must be NET<days> (0 to 365) or DUE_ON_RECEIPT"));
        }
        let segment = Some(f.segment.trim().to_owned()).filter(|s| !s.is_empty());
        errs.extend(check_segment(segment.as_deref()));
        let billing_rule = keep(&mut errs, parse_override("billing_rule", Some(&f.billing_rule), BILLING_RULES)).flatten();
        let reminder_channel = keep(&mut errs, parse_override("reminder_channel", Some(&f.reminder_channel), REMINDER_CHANNELS)).flatten();
        let invoice_channels = if f.inherit_channels { Some(None) } else { keep(&mut errs, InvoiceChannels::parse(&f.invoice_channels).map_err(|r| FieldError::new("invoice_channels", r))).map(Some) };
        let invoice_emails = keep(&mut errs, ApEmails::parse(&split_list(&f.invoice_emails)).map_err(|r| FieldError::new("invoice_emails", r)));
        let (Some(invoice_channels), Some(invoice_emails)) = (invoice_channels, invoice_emails) else { return Err(errs) };
        errs.extend(deliverable(invoice_channels.as_ref(), &invoice_emails, reminder_channel));
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(Self { credit_limit_minor, payment_terms, segment, invoicing_hold: f.invoicing_hold, billing_rule, invoice_channels, invoice_emails, reminder_channel })
    }

    fn write_into(&self, am: &mut customer::ActiveModel) {
        am.credit_limit_minor = Set(self.credit_limit_minor);
        am.payment_terms = Set(self.payment_terms.clone());
        am.segment = Set(self.segment.clone());
        am.invoicing_hold = Set(self.invoicing_hold);
        am.billing_rule = Set(self.billing_rule.map(|r| r.as_str().to_owned()));
        am.invoice_channels = Set(self.invoice_channels.as_ref().map(InvoiceChannels::to_text).unwrap_or_default());
        am.invoice_emails = Set(self.invoice_emails.to_text());
        am.reminder_channel = Set(self.reminder_channel.map(|r| r.as_str().to_owned()));
    }
}

/// Why an edit was not saved.
#[derive(Debug)]
pub enum EditError {
    /// No such customer in this tenant.
    NotFound,
    /// Fields are wrong; nothing was written.
    Rejected(Vec<FieldError>),
    /// Someone saved the customer after the form was loaded.
    Stale,
    Db(DbErr),
}

impl From<DbErr> for EditError {
    fn from(e: DbErr) -> Self {
        EditError::Db(e)
    }
}

/// What an edit did.
#[derive(Debug, PartialEq, Eq)]
pub enum Edited {
    Saved,
    /// The form held the stored values: nothing written, nothing audited.
    Unchanged,
}

/// A customer with the version its form carries back.
#[derive(Clone, Debug)]
pub struct Editable {
    pub customer: CustomerView,
    /// `updated_at` in microseconds: changes with every save.
    pub version: i64,
}

/// The settings a customer without an override follows: the billing rule's trigger and the
/// `delivery` rule's channels, as the tenant admin set them.
pub async fn tenant_defaults<C: ConnectionTrait>(c: &C) -> Result<TenantDefaults, DbErr> {
    let rules = crate::workflow::rules::load(c).await.map_err(|e| DbErr::Custom(e.to_string()))?;
    Ok(defaults_of(&rules))
}

/// The defaults in a rule set.
pub fn defaults_of(rules: &crate::workflow::rules::RuleSet) -> TenantDefaults {
    TenantDefaults { billing_rule: rules.billing.config.trigger, reminder_channel: rules.delivery.config.reminder_channel, invoice_channels: rules.delivery.config.channels() }
}

/// The customer with this external id, for its edit form.
pub async fn editable<C: ConnectionTrait>(c: &C, external_id: &str) -> Result<Option<Editable>, DbErr> {
    let m = customer::Entity::find().filter(customer::Column::ExternalId.eq(external_id)).one(c).await?;
    Ok(m.map(|m| Editable { version: m.updated_at.timestamp_micros(), customer: m.into() }))
}

/// Replaces the commercial settings of one customer and records `customer.updated` with the
/// settings before and after, all in the caller's transaction. The row is locked first
/// (PostgreSQL; a SQLite tenant transaction is already the only writer), so the version check
/// and the write cannot interleave with another save.
pub async fn update<C: ConnectionTrait>(c: &C, external_id: &str, input: &CommercialIn, actor: &Actor) -> Result<Edited, EditError> {
    let m = customer::Entity::find().filter(customer::Column::ExternalId.eq(external_id)).lock_exclusive().one(c).await?.ok_or(EditError::NotFound)?;
    if input.version.is_some_and(|v| v != m.updated_at.timestamp_micros()) {
        return Err(EditError::Stale);
    }
    let after = Commercial::parse(input, &m.currency).map_err(EditError::Rejected)?;
    let before = Commercial::of(&m);
    if after == before {
        return Ok(Edited::Unchanged);
    }
    let id = m.id;
    let mut am: customer::ActiveModel = m.into();
    after.write_into(&mut am);
    am.updated_at = Set(Utc::now());
    am.update(c).await?;
    super::track_exposure(c, id, before.credit_limit_minor, after.credit_limit_minor).await?;
    if (&before.segment, before.reminder_channel) != (&after.segment, after.reminder_channel) {
        // Another sequence or channel may apply to its unpaid invoices from today.
        crate::dunning::engine::look_again(c, Some(id), Utc::now().date_naive()).await?;
    }
    audit::record(c, actor, "customer.updated", "customer", external_id, json!({"before": before, "after": after})).await?;
    Ok(Edited::Saved)
}

/// One page of the customer list.
#[derive(Clone, Debug)]
pub struct CustomerPage {
    pub items: Vec<CustomerView>,
    /// The external id to pass as `after` for the next page; `None` on the last page.
    pub next_after: Option<String>,
}

/// Up to `limit` customers by external id after `after`, whose name or external id contains
/// `search` (any case). Keyset on the unique external id, so every page costs the same.
pub async fn list<C: ConnectionTrait>(c: &C, search: Option<&str>, after: Option<&str>, limit: u64) -> Result<CustomerPage, DbErr> {
    let mut q = customer::Entity::find();
    if let Some(s) = search.map(str::trim).filter(|s| !s.is_empty()) {
        let literal = s.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let pattern = LikeExpr::new(format!("%{literal}%")).escape('\\');
        let lower = |col: customer::Column| Expr::expr(Func::lower(Expr::col(col))).like(pattern.clone());
        q = q.filter(Condition::any().add(lower(customer::Column::Name)).add(lower(customer::Column::ExternalId)));
    }
    if let Some(a) = after.filter(|a| !a.is_empty()) {
        q = q.filter(customer::Column::ExternalId.gt(a));
    }
    let limit = limit.clamp(1, 200);
    let mut rows = q.order_by_asc(customer::Column::ExternalId).limit(limit + 1).all(c).await?;
    let next_after = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|m| m.external_id.clone())
    } else {
        None
    };
    Ok(CustomerPage { items: rows.into_iter().map(Into::into).collect(), next_after })
}

/// The segments in use, for the form's suggestions.
pub async fn segments<C: ConnectionTrait>(c: &C) -> Result<Vec<String>, DbErr> {
    let rows: Vec<Option<String>> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Segment)
        .distinct()
        .filter(customer::Column::Segment.is_not_null())
        .order_by_asc(customer::Column::Segment)
        .into_tuple()
        .all(c)
        .await?;
    Ok(rows.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> CommercialIn {
        CommercialIn {
            credit_limit: "25,000.00".into(),
            payment_terms: "net45".into(),
            segment: " contractor ".into(),
            invoice_channels: vec!["email".into()],
            invoice_emails: "ap@x.test, AP2@x.test".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_filled_form_parses_into_stored_values() {
        let c = Commercial::parse(&form(), "USD").unwrap();
        assert_eq!((c.credit_limit_minor, c.payment_terms.as_str(), c.segment.as_deref()), (Some(2_500_000), "NET45", Some("contractor")));
        assert_eq!((c.invoice_channels.as_ref().map(InvoiceChannels::to_text), c.invoice_emails.to_text()), (Some("portal email".into()), "ap@x.test ap2@x.test".into()));
        let inherited = Commercial::parse(&CommercialIn { inherit_channels: true, invoice_channels: vec!["fax".into()], ..form() }, "USD").unwrap();
        assert_eq!(inherited.invoice_channels, None, "the tenant's default; the list is not read");
        assert_eq!((c.billing_rule, c.reminder_channel), (None, None), "blank: the tenant's default");
        let blank = Commercial::parse(&CommercialIn { credit_limit: " ".into(), segment: String::new(), ..form() }, "USD").unwrap();
        assert_eq!((blank.credit_limit_minor, blank.segment), (None, None), "blank: no limit, no segment");
    }

    #[test]
    fn each_wrong_field_is_named() {
        type Edit = fn(&mut CommercialIn);
        let cases: [(Edit, &str); 9] = [
            (|f| f.credit_limit = "lots".into(), "credit_limit"),
            (|f| f.credit_limit = "-5".into(), "credit_limit"),
            (|f| f.payment_terms = "NET400".into(), "payment_terms"),
            (|f| f.segment = "x".repeat(65), "segment"),
            (|f| f.billing_rule = "monthly".into(), "billing_rule"),
            (|f| f.reminder_channel = "sms".into(), "reminder_channel"),
            (|f| f.invoice_channels = vec!["fax".into()], "invoice_channels"),
            (|f| f.invoice_emails = "ap@x.test nobody".into(), "invoice_emails"),
            (|f| f.invoice_emails = String::new(), "invoice_emails"),
        ];
        for (edit, field) in cases {
            let mut f = form();
            edit(&mut f);
            let errs = Commercial::parse(&f, "USD").expect_err(field);
            assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), [field], "{errs:?}");
        }
    }

    #[test]
    fn reminders_by_e_mail_need_an_address_but_the_portal_does_not() {
        let portal_only = CommercialIn { invoice_channels: vec![], invoice_emails: String::new(), ..form() };
        assert!(Commercial::parse(&portal_only, "USD").is_ok());
        let errs = Commercial::parse(&CommercialIn { reminder_channel: "email".into(), ..portal_only }, "USD").unwrap_err();
        assert_eq!(errs[0].field, "invoice_emails");
        assert!(errs[0].reason.contains("reminder_channel is email"), "{}", errs[0].reason);
    }
}
