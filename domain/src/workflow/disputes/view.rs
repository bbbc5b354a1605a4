//! Reading disputes: one with its lines, thread, exception (queue and SLA) and credit memo;
//! a list with filters and keyset pages, newest first. Related rows are read in one query
//! per table for a whole page, never one per dispute.
use super::entity::{credit_memo, dispute, dispute_line, dispute_message};
use super::DisputeStatus;
use crate::entity::{customer, exception, invoice, invoice_line, order};
use crate::orders::{decode_cursor, encode_cursor};
use crate::{AppError, Result};
use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::Condition;
use sea_orm::{ConnectionTrait, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One dispute as the API (and later the portal) shows it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct DisputeView {
    pub number: String,
    /// `open`, `resolved_credited` or `rejected`.
    pub status: String,
    pub reason: String,
    pub description: String,
    pub invoice_number: String,
    pub order_number: Option<String>,
    /// The customer's external id.
    pub customer: String,
    pub customer_name: String,
    pub currency: String,
    pub disputed_amount_minor: i64,
    /// The date by which the customer can expect an answer: the SLA due time of the
    /// dispute's exception, set by its category.
    pub sla_due_at: Option<DateTime<Utc>>,
    /// The exception that routes the dispute (`dispute:D-000123`).
    pub exception_reference: Option<String>,
    /// The queue working it: `ar` or `customer_service` by reason, `admin` once escalated.
    pub queue: Option<String>,
    pub exception_status: Option<String>,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// The credit's note or the rejection's reason.
    pub resolution_note: Option<String>,
    pub lines: Vec<DisputeLineView>,
    pub messages: Vec<MessageView>,
    pub credit_memo: Option<CreditMemoView>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct DisputeLineView {
    pub line: i32,
    pub sku: String,
    pub description: String,
    pub quantity: Option<i64>,
    pub amount_minor: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct MessageView {
    pub at: DateTime<Utc>,
    pub author: String,
    /// `customer`, `staff` or `api`.
    pub author_kind: String,
    pub body: String,
    /// Document ids (`GET /api/v1/documents/{id}`).
    pub attachments: Vec<Uuid>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct CreditMemoView {
    pub number: String,
    pub amount_minor: i64,
    pub currency: String,
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A dispute in a list.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct DisputeRow {
    pub number: String,
    pub status: String,
    pub reason: String,
    pub invoice_number: String,
    pub customer: String,
    pub currency: String,
    pub disputed_amount_minor: i64,
    /// The credit memo's amount, once credited.
    pub credited_minor: Option<i64>,
    pub queue: Option<String>,
    pub sla_due_at: Option<DateTime<Utc>>,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// One page of disputes.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct DisputePage {
    pub items: Vec<DisputeRow>,
    /// Pass as `after` for the next page.
    pub next: Option<String>,
}

/// What a list asks for; unset fields do not filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DisputeFilter {
    /// `open`, `resolved_credited`, `rejected` or `all` (the default).
    pub status: Option<String>,
    /// The customer's external id.
    pub customer: Option<String>,
    /// Only this customer's disputes, whatever else is asked (a customer user's own).
    pub customer_id: Option<Uuid>,
}

/// The disputes matching `f`, newest first, `limit` per page after the cursor `after`.
pub async fn list<C: ConnectionTrait>(c: &C, f: &DisputeFilter, after: Option<&str>, limit: u64) -> Result<DisputePage> {
    let mut q = dispute::Entity::find().filter(condition(c, f).await?);
    if let Some(cursor) = after.filter(|s| !s.is_empty()) {
        let (at, id) = decode_cursor(cursor)?;
        let older = Condition::any().add(dispute::Column::CreatedAt.lt(at)).add(Condition::all().add(dispute::Column::CreatedAt.eq(at)).add(dispute::Column::Id.lt(id)));
        q = q.filter(older);
    }
    let rows = q.order_by_desc(dispute::Column::CreatedAt).order_by_desc(dispute::Column::Id).limit(limit + 1).all(c).await?;
    let more = rows.len() as u64 > limit;
    let rows: Vec<dispute::Model> = rows.into_iter().take(limit as usize).collect();
    let next = if more { rows.last().map(|d| encode_cursor(d.created_at, d.id)) } else { None };
    let r = Related::load(c, &rows).await?;
    let items = rows
        .iter()
        .map(|d| {
            let x = d.exception_id.and_then(|id| r.exceptions.get(&id));
            DisputeRow {
                number: d.number.clone(),
                status: d.status.clone(),
                reason: d.reason.clone(),
                invoice_number: r.invoices.get(&d.invoice_id).map(|i| i.number.clone()).unwrap_or_default(),
                customer: r.customers.get(&d.customer_id).map(|c| c.external_id.clone()).unwrap_or_default(),
                currency: r.invoices.get(&d.invoice_id).map(|i| i.currency.clone()).unwrap_or_default(),
                disputed_amount_minor: d.disputed_amount_minor,
                credited_minor: d.credit_memo_id.and_then(|id| r.memos.get(&id)).map(|m| m.amount_minor),
                queue: x.map(|x| x.queue.clone()),
                sla_due_at: x.and_then(|x| x.sla_due_at),
                opened_at: d.created_at,
                resolved_at: d.resolved_at,
            }
        })
        .collect();
    Ok(DisputePage { items, next })
}

async fn condition<C: ConnectionTrait>(c: &C, f: &DisputeFilter) -> Result<Condition> {
    let mut cond = Condition::all();
    match f.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None | Some("all") => {}
        Some(s) => {
            let st: DisputeStatus = s.parse().map_err(|_| AppError::Invalid("status must be open, resolved_credited, rejected or all".into()))?;
            cond = cond.add(dispute::Column::Status.eq(st.as_str()));
        }
    }
    if let Some(ext) = f.customer.as_deref().filter(|s| !s.is_empty()) {
        let id = crate::o2c::find_customer(c, ext).await?.map_or(Uuid::nil(), |c| c.id);
        cond = cond.add(dispute::Column::CustomerId.eq(id));
    }
    if let Some(id) = f.customer_id {
        cond = cond.add(dispute::Column::CustomerId.eq(id));
    }
    Ok(cond)
}

/// The dispute `number` with everything about it. `scope`: only if it is this customer's
/// (a customer user reads their own and no other; for them another's is not found).
pub async fn detail<C: ConnectionTrait>(c: &C, number: &str, scope: Option<Uuid>) -> Result<DisputeView> {
    let d = super::find(c, number, scope).await?;
    let r = Related::load(c, std::slice::from_ref(&d)).await?;
    let inv = r.invoices.get(&d.invoice_id).ok_or_else(|| AppError::Internal(format!("dispute {} names a missing invoice", d.number)))?;
    let billed = invoice_line::Entity::find().filter(invoice_line::Column::InvoiceId.eq(inv.id)).all(c).await?;
    let lines = dispute_line::Entity::find().filter(dispute_line::Column::DisputeId.eq(d.id)).order_by_asc(dispute_line::Column::LineNo).all(c).await?;
    let messages = dispute_message::Entity::find().filter(dispute_message::Column::DisputeId.eq(d.id)).order_by_asc(dispute_message::Column::At).order_by_asc(dispute_message::Column::Id).all(c).await?;
    let order_number = match inv.order_id {
        Some(id) => order::Entity::find_by_id(id).one(c).await?.map(|o| o.number),
        None => None,
    };
    let x = d.exception_id.and_then(|id| r.exceptions.get(&id));
    let cust = r.customers.get(&d.customer_id);
    Ok(DisputeView {
        lines: lines
            .into_iter()
            .map(|l| {
                let b = billed.iter().find(|b| b.line_no == l.line_no);
                DisputeLineView { line: l.line_no, sku: b.map(|b| b.sku.clone()).unwrap_or_default(), description: b.map(|b| b.description.clone()).unwrap_or_default(), quantity: l.quantity, amount_minor: l.amount_minor }
            })
            .collect(),
        messages: messages.into_iter().map(message_view).collect(),
        credit_memo: d.credit_memo_id.and_then(|id| r.memos.get(&id)).map(|m| CreditMemoView {
            number: m.number.clone(),
            amount_minor: m.amount_minor,
            currency: m.currency.clone(),
            reason: m.reason.clone(),
            created_by: m.created_by.clone(),
            created_at: m.created_at,
        }),
        sla_due_at: x.and_then(|x| x.sla_due_at),
        exception_reference: x.map(|x| x.reference.clone()),
        queue: x.map(|x| x.queue.clone()),
        exception_status: x.map(|x| x.status.clone()),
        invoice_number: inv.number.clone(),
        currency: inv.currency.clone(),
        order_number,
        customer: cust.map(|c| c.external_id.clone()).unwrap_or_default(),
        customer_name: cust.map(|c| c.name.clone()).unwrap_or_default(),
        number: d.number,
        status: d.status,
        reason: d.reason,
        description: d.description,
        disputed_amount_minor: d.disputed_amount_minor,
        opened_by: d.opened_by,
        opened_at: d.created_at,
        resolved_at: d.resolved_at,
        resolution_note: d.resolution_note,
    })
}

fn message_view(m: dispute_message::Model) -> MessageView {
    // Written by this module as a JSON array of ids; anything else reads as none.
    let attachments = m.attachments.as_deref().and_then(|a| serde_json::from_str(a).ok()).unwrap_or_default();
    MessageView { at: m.at, author: m.author, author_kind: m.author_kind, body: m.body, attachments }
}

/// The rows a page of disputes refers to, by id.
struct Related {
    invoices: HashMap<Uuid, invoice::Model>,
    customers: HashMap<Uuid, customer::Model>,
    exceptions: HashMap<Uuid, exception::Model>,
    memos: HashMap<Uuid, credit_memo::Model>,
}

impl Related {
    async fn load<C: ConnectionTrait>(c: &C, rows: &[dispute::Model]) -> Result<Self> {
        if rows.is_empty() {
            return Ok(Related { invoices: HashMap::new(), customers: HashMap::new(), exceptions: HashMap::new(), memos: HashMap::new() });
        }
        let ids = |f: fn(&dispute::Model) -> Option<Uuid>| -> Vec<Uuid> {
            let mut v: Vec<Uuid> = rows.iter().filter_map(f).collect();
            v.sort();
            v.dedup();
            v
        };
        let (inv_ids, cust_ids, x_ids, memo_ids) = (ids(|d| Some(d.invoice_id)), ids(|d| Some(d.customer_id)), ids(|d| d.exception_id), ids(|d| d.credit_memo_id));
        Ok(Related {
            invoices: invoice::Entity::find().filter(invoice::Column::Id.is_in(inv_ids)).all(c).await?.into_iter().map(|i| (i.id, i)).collect(),
            customers: customer::Entity::find().filter(customer::Column::Id.is_in(cust_ids)).all(c).await?.into_iter().map(|i| (i.id, i)).collect(),
            exceptions: exception::Entity::find().filter(exception::Column::Id.is_in(x_ids)).all(c).await?.into_iter().map(|i| (i.id, i)).collect(),
            memos: credit_memo::Entity::find().filter(credit_memo::Column::Id.is_in(memo_ids)).all(c).await?.into_iter().map(|i| (i.id, i)).collect(),
        })
    }
}

/// The file names of the documents attached in a dispute's thread, by id.
pub async fn attachment_names<C: ConnectionTrait>(c: &C, d: &DisputeView) -> Result<HashMap<Uuid, String>> {
    let ids: Vec<Uuid> = d.messages.iter().flat_map(|m| m.attachments.iter().copied()).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let docs = crate::entity::document::Entity::find().filter(crate::entity::document::Column::Id.is_in(ids)).all(c).await?;
    Ok(docs.into_iter().map(|d| (d.id, d.filename)).collect())
}
