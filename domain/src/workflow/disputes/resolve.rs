//! Ending a dispute: a credit memo or a rejection. The dispute's exception is resolved first,
//! through the workspace's own [`act`](crate::workflow::act), so that whoever may not resolve
//! it (another queue's role, or the person who raised an amount above the approval threshold)
//! is refused before anything changes.
use super::entity::{credit_memo, dispute};
use super::{DisputeStatus, DisputeView, Refused, Resolution, credit_allowed, detail, find, in_dispute, next_number};
use crate::audit;
use crate::entity::invoice;
use crate::o2c::invoice::{Change, InvoiceStatus, Standing, next};
use crate::workflow::raise::publish;
use crate::workflow::actions::apply_act;
use crate::workflow::{Act, Acting};
use crate::{AppError, TenantTxn, money};
use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::ActiveValue::Set;
use serde_json::json;

/// Resolves dispute `number` as `who`: a credit memo (the invoice's open amount and the
/// customer's exposure shrink; the invoice leaves `disputed` for open, partially paid or
/// paid) or a rejection. Publishes `dispute.resolved` (and `creditmemo.created`). Answers the
/// dispute as it now stands.
#[tracing::instrument(skip_all, fields(dispute = %number))]
pub async fn resolve(txn: &TenantTxn, number: &str, how: &Resolution, who: &Acting, now: DateTime<Utc>) -> Result<DisputeView, Refused> {
    let d = find(txn, number, None).await?;
    if d.status != DisputeStatus::Open.as_str() {
        return Err(AppError::Conflict(format!("dispute {} is {} already", d.number, d.status.replace('_', " "))).into());
    }
    let inv = invoice::Entity::find_by_id(d.invoice_id).one(txn).await?.ok_or_else(|| AppError::Internal(format!("dispute {} names a missing invoice", d.number)))?;
    let x_id = d.exception_id.ok_or_else(|| AppError::Internal(format!("dispute {} has no exception", d.number)))?;
    let x = crate::entity::exception::Entity::find_by_id(x_id).one(txn).await?.ok_or_else(|| AppError::Internal(format!("dispute {} names a missing exception", d.number)))?;
    match how {
        Resolution::Credit { amount_minor, note } => {
            credit_allowed(*amount_minor, d.disputed_amount_minor, inv.open_minor(), &inv.currency).map_err(|e| Refused::Fields(vec![e]))?;
            apply_act(txn, x.clone(), Act::Resolve { code: "credited".into(), note: note.clone() }, who, now).await?;
            credit(txn, &d, inv, *amount_minor, note.as_deref(), who, now).await?;
        }
        Resolution::Reject { reason } => {
            apply_act(txn, x, Act::Resolve { code: "rejected".into(), note: Some(reason.clone()) }, who, now).await?;
            settle_invoice(txn, &d, inv.clone(), 0, now).await?;
            close(txn, d.clone(), DisputeStatus::Rejected, Some(reason.clone()), None, now).await?;
            let payload = json!({"number": d.number, "invoice_number": inv.number, "outcome": "rejected", "reason": reason, "by": who.actor.to_string()});
            publish(txn, "dispute.resolved", inv.order_id, &payload, &format!("Dispute {} on invoice {} rejected: {reason}", d.number, inv.number), now).await?;
            audit::record(txn, &who.actor, "dispute.resolved", "dispute", &d.number, payload).await?;
        }
    }
    Ok(detail(txn, &d.number, None).await?)
}

/// Issues the credit memo and applies it: to the invoice, the customer's exposure, the
/// dispute, the event log and the audit trail.
async fn credit(txn: &TenantTxn, d: &dispute::Model, inv: invoice::Model, amount: i64, note: Option<&str>, who: &Acting, now: DateTime<Utc>) -> Result<(), Refused> {
    let memo_number = format!("CM-{:06}", next_number(txn, "credit_memo").await?);
    let reason = note.map_or_else(|| format!("Dispute {} ({})", d.number, d.reason), |n| format!("Dispute {} ({}): {n}", d.number, d.reason));
    let memo = credit_memo::ActiveModel {
        id: Set(crate::new_id()),
        number: Set(memo_number.clone()),
        invoice_id: Set(inv.id),
        customer_id: Set(inv.customer_id),
        amount_minor: Set(amount),
        currency: Set(inv.currency.clone()),
        reason: Set(reason.clone()),
        created_by: Set(who.actor.to_string()),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    settle_invoice(txn, d, inv.clone(), amount, now).await?;
    // The credit is money the customer no longer owes.
    crate::workflow::credit::exposure_add(txn, inv.customer_id, 0, -amount).await?;
    close(txn, d.clone(), DisputeStatus::ResolvedCredited, note.map(str::to_owned), Some(memo.id), now).await?;
    let shown = money::format(amount, &inv.currency);
    let memo_payload = json!({"number": memo_number, "invoice_number": inv.number, "dispute_number": d.number, "amount_minor": amount, "currency": inv.currency, "reason": reason});
    publish(txn, "creditmemo.created", inv.order_id, &memo_payload, &format!("Credit memo {memo_number} of {shown} on invoice {}", inv.number), now).await?;
    audit::record(txn, &who.actor, "creditmemo.created", "credit_memo", &memo_number, memo_payload).await?;
    let payload = json!({"number": d.number, "invoice_number": inv.number, "outcome": "credited", "amount_minor": amount, "credit_memo": memo_number, "note": note, "by": who.actor.to_string()});
    publish(txn, "dispute.resolved", inv.order_id, &payload, &format!("Dispute {} on invoice {} resolved with credit memo {memo_number} of {shown}", d.number, inv.number), now).await?;
    audit::record(txn, &who.actor, "dispute.resolved", "dispute", &d.number, payload).await?;
    Ok(())
}

/// Adds `credited` to the invoice and recomputes its status: out of `disputed` once no other
/// dispute on it is open (by what is paid and credited), and its order `paid` when the
/// credit settled the last of it.
async fn settle_invoice(txn: &TenantTxn, d: &dispute::Model, inv: invoice::Model, credited: i64, now: DateTime<Utc>) -> Result<(), DbErr> {
    let others_open = in_dispute(txn, inv.id, Some(d.id)).await? > 0;
    let settled = inv.settled_minor() + credited;
    let standing = Standing { paid_minor: settled, ..Standing::of(&inv) };
    let change = match standing.status {
        Some(InvoiceStatus::Disputed) if others_open => None,
        Some(InvoiceStatus::Disputed) => Some(Change::DisputeResolved),
        // The ERP resolved the dispute already (`dispute.resolved`): only the amounts move it.
        _ => Some(Change::Paid { paid_minor: settled }),
    };
    let mut am: invoice::ActiveModel = inv.clone().into();
    am.credited_minor = Set(inv.credited_minor + credited);
    let mut now_paid = false;
    if let Some(Ok((status, since))) = change.map(|ch| next(standing, ch, now.max(inv.status_at))) {
        now_paid = status == InvoiceStatus::Paid && inv.status != InvoiceStatus::Paid.as_str();
        am.status = Set(status.as_str().into());
        am.status_at = Set(since);
    }
    am.updated_at = Set(Utc::now());
    let updated = am.update(txn).await?;
    if let (true, Some(order_id)) = (now_paid, updated.order_id) {
        crate::o2c::payment::settle_order(txn, order_id, &updated, settled, now).await?;
    }
    Ok(())
}

/// Marks the dispute resolved.
async fn close(txn: &TenantTxn, d: dispute::Model, status: DisputeStatus, note: Option<String>, memo: Option<Uuid>, now: DateTime<Utc>) -> Result<(), DbErr> {
    let mut am: dispute::ActiveModel = d.into();
    am.status = Set(status.as_str().into());
    am.resolution_note = Set(note);
    am.credit_memo_id = Set(memo);
    am.resolved_at = Set(Some(now));
    am.updated_at = Set(now);
    am.update(txn).await?;
    Ok(())
}
