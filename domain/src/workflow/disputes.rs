//! Disputes: a customer (through the portal, next), a clerk or the ERP (through the API)
//! objects to an invoice, line by line, with a reason code. The reason routes it: opening a
//! dispute raises an exception of kind `dispute_<reason>`, so it lands in that category's
//! queue with that category's SLA ([`super::kinds::policy`]), and the SLA due time is the
//! date by which the customer can expect an answer. While a dispute is open its invoice is
//! `disputed`, which pauses short-pay exceptions and exact-amount cash matching.
//!
//! A dispute ends in a credit memo (the invoice's open amount and the customer's exposure
//! shrink by it) or a rejection with a reason. Both resolve the dispute's exception through
//! [`super::act`], so the queue's roles and segregation of duties (whoever raised an amount
//! above the approval threshold cannot credit it) apply exactly as in the workspace.
mod check;
pub(crate) mod entity;
mod resolve;
mod view;

pub use check::{Billed, Checked, CheckedLine, DisputeIn, DisputeLineIn, MAX_TEXT, Resolution, ResolveIn, check, credit_allowed, text_problem};
pub use entity::{credit_memo, dispute, dispute_line, dispute_message};
pub use resolve::resolve;
pub use view::{CreditMemoView, DisputeFilter, DisputeLineView, DisputePage, DisputeRow, DisputeView, MessageView, attachment_names, detail, list};

use super::raise::{Raise, history, publish, raise};
use crate::audit::{self, Actor};
use crate::entity::{document, exception, invoice, invoice_line, user};
use crate::events::FieldError;
use crate::o2c::invoice::{Change, Kept, Standing, next};
use crate::types::Role;
use crate::{AppError, TenantTxn, money};
use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QuerySelect, Statement};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Why a customer disputes: each reason is an exception kind with its own queue and SLA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Pricing,
    QuantityShort,
    Damaged,
    NotReceived,
    DuplicateBilling,
    Tax,
    Other,
}

impl Reason {
    pub const ALL: [Reason; 7] = [Reason::Pricing, Reason::QuantityShort, Reason::Damaged, Reason::NotReceived, Reason::DuplicateBilling, Reason::Tax, Reason::Other];

    pub const fn as_str(self) -> &'static str {
        match self {
            Reason::Pricing => "pricing",
            Reason::QuantityShort => "quantity_short",
            Reason::Damaged => "damaged",
            Reason::NotReceived => "not_received",
            Reason::DuplicateBilling => "duplicate_billing",
            Reason::Tax => "tax",
            Reason::Other => "other",
        }
    }

    /// The exception kind that routes a dispute for this reason (`dispute_pricing`).
    pub fn kind(self) -> String {
        format!("dispute_{}", self.as_str())
    }
}

stored_as_text!(Reason);

/// Where a dispute stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisputeStatus {
    Open,
    ResolvedCredited,
    Rejected,
}

impl DisputeStatus {
    pub const ALL: [DisputeStatus; 3] = [DisputeStatus::Open, DisputeStatus::ResolvedCredited, DisputeStatus::Rejected];

    pub const fn as_str(self) -> &'static str {
        match self {
            DisputeStatus::Open => "open",
            DisputeStatus::ResolvedCredited => "resolved_credited",
            DisputeStatus::Rejected => "rejected",
        }
    }
}

stored_as_text!(DisputeStatus);

/// Who opens a dispute or writes in its thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthorKind {
    /// A user of this customer: sees and writes on its own disputes only.
    Customer(Uuid),
    Staff,
    Api,
}

impl AuthorKind {
    pub const fn as_str(&self) -> &'static str {
        match self {
            AuthorKind::Customer(_) => "customer",
            AuthorKind::Staff => "staff",
            AuthorKind::Api => "api",
        }
    }
}

/// An author: the actor recorded (history, audit) and what kind of party they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Author {
    pub actor: Actor,
    pub kind: AuthorKind,
}

impl Author {
    /// An API client writing for the system of record.
    pub fn api(id: Uuid, name: &str) -> Self {
        Author { actor: Actor::ApiClient { id, name: name.to_owned() }, kind: AuthorKind::Api }
    }

    /// The customer this author is limited to, if any.
    pub fn scope(&self) -> Option<Uuid> {
        match self.kind {
            AuthorKind::Customer(id) => Some(id),
            _ => None,
        }
    }
}

/// Why a dispute action was refused: fields to fix (422, each named), or a service error
/// with its own status (403 segregation of duties, 404, 409 already resolved).
#[derive(Debug)]
pub enum Refused {
    Fields(Vec<FieldError>),
    App(AppError),
}

/// A refusal as one error: field problems become one 422 naming each field.
impl From<Refused> for AppError {
    fn from(r: Refused) -> Self {
        match r {
            Refused::App(e) => e,
            Refused::Fields(errs) => AppError::Invalid(errs.into_iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; ")),
        }
    }
}

impl From<AppError> for Refused {
    fn from(e: AppError) -> Self {
        Refused::App(e)
    }
}

impl From<DbErr> for Refused {
    fn from(e: DbErr) -> Self {
        Refused::App(AppError::Db(e))
    }
}

fn refuse(field: impl Into<String>, reason: impl Into<String>) -> Refused {
    Refused::Fields(vec![FieldError::new(field, reason)])
}

/// The active user of this tenant with this e-mail, as an author; `field` names the input
/// for the error.
pub async fn author_by_email<C: ConnectionTrait>(c: &C, field: &str, email: &str) -> Result<Author, Refused> {
    let u = user::Entity::find().filter(user::Column::Email.eq(email.trim().to_lowercase())).one(c).await?;
    let Some(u) = u.filter(|u| !u.disabled) else { return Err(refuse(field, format!("{email} is not an active user of this tenant"))) };
    let actor = Actor::User { id: u.id, name: u.name.clone() };
    match (Role::parse(&u.role), u.customer_id) {
        (Ok(Role::Customer), Some(customer)) => Ok(Author { actor, kind: AuthorKind::Customer(customer) }),
        (Ok(Role::Customer), None) | (Err(_), _) => Err(refuse(field, format!("{email} cannot act on disputes"))),
        (Ok(_), _) => Ok(Author { actor, kind: AuthorKind::Staff }),
    }
}

/// Opens a dispute: checks it against the invoice, moves the invoice to `disputed`, raises
/// the `dispute_<reason>` exception, records the dispute with its lines, publishes
/// `dispute.opened` and audits it. Answers the dispute as it now stands.
#[tracing::instrument(skip_all, fields(invoice = %input.invoice_number))]
pub async fn open(txn: &TenantTxn, input: &DisputeIn, by: &Author, now: DateTime<Utc>) -> Result<DisputeView, Refused> {
    let inv = crate::o2c::invoice::find(txn, input.invoice_number.trim()).await?.filter(|i| by.scope().is_none_or(|c| c == i.customer_id));
    let Some(inv) = inv else { return Err(refuse("invoice_number", format!("there is no invoice {:?} to dispute", input.invoice_number))) };
    let (status, since) = match next(Standing::of(&inv), Change::Disputed, now.max(inv.status_at)) {
        Ok(moved) => moved,
        Err(Kept::AlreadyPaid) => return Err(refuse("invoice_number", format!("invoice {} is paid; there is nothing left to dispute", inv.number))),
        Err(kept) => return Err(AppError::Internal(format!("invoice {} cannot be disputed: {kept:?}", inv.number)).into()),
    };
    let billed: Vec<Billed> = invoice_line::Entity::find()
        .filter(invoice_line::Column::InvoiceId.eq(inv.id))
        .all(txn)
        .await?
        .into_iter()
        .map(|l| Billed { line_no: l.line_no, quantity: l.quantity, unit_price_minor: l.unit_price_minor, amount_minor: l.amount_minor })
        .collect();
    let available = inv.open_minor() - in_dispute(txn, inv.id, None).await?;
    let checked = check(input, &billed, available, &inv.currency).map_err(Refused::Fields)?;
    let number = format!("D-{:06}", next_number(txn, "dispute").await?);
    let mut am: invoice::ActiveModel = inv.clone().into();
    am.status = Set(status.as_str().into());
    am.status_at = Set(since);
    am.updated_at = Set(Utc::now());
    am.update(txn).await?;
    let x = raise_for(txn, &number, &inv, &checked, by, now).await?;
    insert(txn, &number, &inv, &checked, &x, by, now).await?;
    let payload = json!({"number": number, "invoice_number": inv.number, "reason": checked.reason, "amount_minor": checked.total_minor, "currency": inv.currency, "sla_due_at": x.sla_due_at, "opened_by": by.actor.to_string()});
    let summary = format!("Dispute {number} opened on invoice {} ({}): {}", inv.number, checked.reason, money::format(checked.total_minor, &inv.currency));
    publish(txn, "dispute.opened", inv.order_id, &payload, &summary, now).await?;
    audit::record(txn, &by.actor, "dispute.opened", "dispute", &number, payload).await?;
    Ok(detail(txn, &number, None).await?)
}

/// The exception that routes the dispute to its category's queue with its SLA.
async fn raise_for(txn: &TenantTxn, number: &str, inv: &invoice::Model, c: &Checked, by: &Author, now: DateTime<Utc>) -> Result<exception::Model, DbErr> {
    let detail = format!("Dispute {number} on invoice {} ({}): {} — {}", inv.number, c.reason, money::format(c.total_minor, &inv.currency), c.description);
    let mut r = Raise::new(&c.reason.kind(), &format!("dispute:{number}"), &detail, by.actor.clone());
    (r.order_id, r.customer_id, r.invoice_id, r.amount_minor) = (inv.order_id, Some(inv.customer_id), Some(inv.id), Some(c.total_minor));
    raise(txn, r, now).await
}

async fn insert(txn: &TenantTxn, number: &str, inv: &invoice::Model, c: &Checked, x: &exception::Model, by: &Author, now: DateTime<Utc>) -> Result<(), DbErr> {
    let id = crate::new_id();
    dispute::ActiveModel {
        id: Set(id),
        number: Set(number.to_owned()),
        invoice_id: Set(inv.id),
        customer_id: Set(inv.customer_id),
        reason: Set(c.reason.as_str().into()),
        description: Set(c.description.clone()),
        status: Set(DisputeStatus::Open.as_str().into()),
        disputed_amount_minor: Set(c.total_minor),
        exception_id: Set(Some(x.id)),
        opened_by: Set(by.actor.to_string()),
        opened_by_user: Set(match &by.actor {
            Actor::User { id, .. } => Some(*id),
            _ => None,
        }),
        resolution_note: Set(None),
        credit_memo_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        resolved_at: Set(None),
    }
    .insert(txn)
    .await?;
    let lines = c.lines.iter().map(|l| dispute_line::ActiveModel { id: Set(crate::new_id()), dispute_id: Set(id), line_no: Set(l.line_no), quantity: Set(l.quantity), amount_minor: Set(l.amount_minor) });
    dispute_line::Entity::insert_many(lines).exec(txn).await?;
    Ok(())
}

/// A message in a dispute's thread.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageIn {
    pub body: String,
    /// Documents already stored (`POST /api/v1/documents`): evidence such as photos or a POD.
    #[serde(default)]
    pub attachments: Vec<Uuid>,
}

/// The most documents one message carries.
pub const MAX_ATTACHMENTS: usize = 10;

/// Adds a message to dispute `number`'s thread (open or resolved: a customer may still ask
/// about a rejection), notes it in the exception's history so the queue sees it, and audits
/// it. Answers the dispute with its thread.
pub async fn post_message(txn: &TenantTxn, number: &str, m: &MessageIn, by: &Author, now: DateTime<Utc>) -> Result<DisputeView, Refused> {
    let d = find(txn, number, by.scope()).await?;
    let mut errs = Vec::new();
    if let Some(e) = text_problem(&m.body, "write the message") {
        errs.push(FieldError::new("body", e));
    }
    if m.attachments.len() > MAX_ATTACHMENTS {
        errs.push(FieldError::new("attachments", format!("at most {MAX_ATTACHMENTS} documents per message")));
    }
    let known: Vec<Uuid> = document::Entity::find().select_only().column(document::Column::Id).filter(document::Column::Id.is_in(m.attachments.clone())).into_tuple().all(txn).await?;
    for (i, id) in m.attachments.iter().enumerate().filter(|(_, id)| !known.contains(id)) {
        errs.push(FieldError::new(format!("attachments[{i}]"), format!("there is no document {id}; upload it first")));
    }
    if !errs.is_empty() {
        return Err(Refused::Fields(errs));
    }
    let attachments = (!m.attachments.is_empty()).then(|| json!(m.attachments).to_string());
    dispute_message::ActiveModel {
        id: Set(crate::new_id()),
        dispute_id: Set(d.id),
        at: Set(now),
        author: Set(by.actor.to_string()),
        author_kind: Set(by.kind.as_str().into()),
        body: Set(m.body.trim().to_owned()),
        attachments: Set(attachments),
    }
    .insert(txn)
    .await?;
    if let Some(x) = d.exception_id {
        let excerpt: String = m.body.trim().chars().take(200).collect();
        history(txn, x, &by.actor, "messaged", Some(&format!("{} message: {excerpt}", by.kind.as_str())), now).await?;
    }
    audit::record(txn, &by.actor, "dispute.message", "dispute", &d.number, json!({"author_kind": by.kind.as_str(), "attachments": m.attachments})).await?;
    Ok(detail(txn, &d.number, None).await?)
}

/// The dispute `number`; with `scope`, only if it is that customer's.
pub(crate) async fn find<C: ConnectionTrait>(c: &C, number: &str, scope: Option<Uuid>) -> crate::Result<dispute::Model> {
    let d = dispute::Entity::find().filter(dispute::Column::Number.eq(number)).one(c).await?;
    d.filter(|d| scope.is_none_or(|s| s == d.customer_id)).ok_or(AppError::NotFound)
}

/// What is in open disputes on an invoice (other than dispute `except`): the same money is
/// not disputed twice.
pub(crate) async fn in_dispute<C: ConnectionTrait>(c: &C, invoice_id: Uuid, except: Option<Uuid>) -> Result<i64, DbErr> {
    let open = dispute::Entity::find()
        .filter(dispute::Column::InvoiceId.eq(invoice_id))
        .filter(dispute::Column::Status.eq(DisputeStatus::Open.as_str()))
        .all(c)
        .await?;
    Ok(open.iter().filter(|d| Some(d.id) != except).map(|d| d.disputed_amount_minor).sum())
}

/// The next value of one of the tenant's counters (`dispute`, `credit_memo`), in the
/// caller's transaction: one atomic upsert, so concurrent requests never share a number.
pub(crate) async fn next_number<C: ConnectionTrait>(c: &C, counter: &'static str) -> Result<i64, DbErr> {
    let sql = format!("INSERT INTO counters (name, value) VALUES ('{counter}', 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value");
    let row = c.query_one_raw(Statement::from_string(c.get_database_backend(), sql)).await?.ok_or_else(|| DbErr::Custom("the counter upsert returned no row".into()))?;
    row.try_get::<i64>("", "value")
}

#[cfg(test)]
mod tests;
