//! Cash application on `payment.received`: allocate by the remittance's invoice references;
//! without references, match by customer and exact open amount when exactly one invoice
//! fits; otherwise `unapplied_cash`. Paying less than an invoice's open amount with no dispute
//! opens `short_pay` with the difference; paying more leaves a credit balance (the payment's
//! unapplied amount). The ERP's own `payment.applied` for the same allocation confirms it.
use super::raise::{Raise, raise};
use super::rules::current;
use crate::entity::{invoice, payment, payment_allocation};
use crate::events::{Fail, PaymentApplied};
use crate::money;
use crate::o2c::invoice::InvoiceStatus;
use crate::o2c::payment::RemittanceLine;
use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::ConnectionTrait;

/// The reference of a payment's `unapplied_cash` exception.
pub fn unapplied_reference(payment_number: &str) -> String {
    format!("unapplied:{payment_number}")
}

/// How much of a remittance line to apply: what it names, at most what is left of the
/// payment and what is open on the invoice.
pub fn to_apply(named: i64, left: i64, open: i64) -> i64 {
    named.min(left).min(open).max(0)
}

/// Among open amounts, the one invoice that matches `amount` exactly, if exactly one does.
pub fn exact_match(open: &[(Uuid, i64)], amount: i64) -> Option<Uuid> {
    let mut fits = open.iter().filter(|(_, o)| *o == amount);
    match (fits.next(), fits.next()) {
        (Some((id, _)), None) => Some(*id),
        _ => None,
    }
}

/// Whether `amount` of payment `payment_id` is already allocated to `invoice_id`.
pub async fn already_applied<C: ConnectionTrait>(c: &C, payment_id: Uuid, invoice_id: Uuid, amount: i64) -> Result<bool, DbErr> {
    let n = payment_allocation::Entity::find()
        .filter(payment_allocation::Column::PaymentId.eq(payment_id))
        .filter(payment_allocation::Column::InvoiceId.eq(invoice_id))
        .filter(payment_allocation::Column::AmountMinor.eq(amount))
        .count(c)
        .await?;
    Ok(n > 0)
}

/// Applies a payment just received; answers words for the event's summary.
pub async fn on_payment_received<C: ConnectionTrait>(c: &C, number: &str, remittance: &[RemittanceLine], at: DateTime<Utc>) -> Result<String, Fail> {
    let rules = current(c).await.map_err(|e| Fail::Db(DbErr::Custom(e.to_string())))?;
    if !rules.cash_application.enabled {
        return Ok(String::new());
    }
    let Some(p) = crate::o2c::payment::find(c, number).await? else { return Ok(String::new()) };
    let open: Vec<invoice::Model> = invoice::Entity::find()
        .filter(invoice::Column::CustomerId.eq(p.customer_id))
        .filter(invoice::Column::Currency.eq(p.currency.clone()))
        .filter(invoice::Column::Status.is_in([InvoiceStatus::Open.as_str(), InvoiceStatus::PartiallyPaid.as_str(), InvoiceStatus::Disputed.as_str()]))
        .all(c)
        .await?;
    let mut problems = Vec::new();
    let mut applied = 0;
    if remittance.is_empty() {
        let amounts: Vec<(Uuid, i64)> = open.iter().filter(|i| i.status != InvoiceStatus::Disputed.as_str()).map(|i| (i.id, i.open_minor())).collect();
        match exact_match(&amounts, p.amount_minor).and_then(|id| open.iter().find(|i| i.id == id)) {
            Some(inv) => applied += apply(c, &p, inv, p.amount_minor, at).await?,
            None => problems.push(format!("no remittance, and {} open invoices of {} match its amount", amounts.iter().filter(|(_, a)| *a == p.amount_minor).count(), money::format(p.amount_minor, &p.currency))),
        }
    }
    for r in remittance {
        let Some(inv) = open.iter().find(|i| i.number == r.invoice_number) else {
            problems.push(format!("the remittance names invoice {}, which is not an open invoice of this customer", r.invoice_number));
            continue;
        };
        let open_amount = inv.open_minor();
        let amount = to_apply(r.amount_minor, p.amount_minor - applied, open_amount);
        if amount == 0 {
            problems.push(format!("nothing left of the payment for invoice {}", inv.number));
            continue;
        }
        applied += apply(c, &p, inv, amount, at).await?;
        if amount < open_amount && inv.status != InvoiceStatus::Disputed.as_str() {
            short_pay(c, &p, inv, open_amount - amount, &rules, at).await?;
        }
    }
    if !problems.is_empty() {
        let detail = format!("Payment {} of {}: {}", p.number, money::format(p.amount_minor, &p.currency), problems.join("; "));
        let mut x = Raise::new("unapplied_cash", &unapplied_reference(&p.number), &detail, rules.actor("cash_application"));
        x.customer_id = Some(p.customer_id);
        x.amount_minor = Some(p.amount_minor - applied);
        raise(c, x, at).await?;
    }
    let left = p.amount_minor - applied;
    Ok(match (applied, left) {
        (0, _) => String::new(),
        (_, 0) => format!("; applied in full by {}", rules.actor("cash_application")),
        (_, l) if problems.is_empty() => format!("; {} applied, {} left as a credit balance", money::format(applied, &p.currency), money::format(l, &p.currency)),
        (_, l) => format!("; {} applied, {} unapplied", money::format(applied, &p.currency), money::format(l, &p.currency)),
    })
}

async fn apply<C: ConnectionTrait>(c: &C, p: &payment::Model, inv: &invoice::Model, amount: i64, at: DateTime<Utc>) -> Result<i64, Fail> {
    crate::o2c::payment::allocate(c, PaymentApplied { payment_number: p.number.clone(), invoice_number: inv.number.clone(), amount_minor: amount }, at).await?;
    Ok(amount)
}

async fn short_pay<C: ConnectionTrait>(c: &C, p: &payment::Model, inv: &invoice::Model, short: i64, rules: &super::rules::RuleSet, at: DateTime<Utc>) -> Result<(), Fail> {
    let detail = format!("Payment {} left {} open on invoice {} without a dispute", p.number, money::format(short, &p.currency), inv.number);
    let mut x = Raise::new("short_pay", &format!("short-pay:{}:{}", inv.number, p.number), &detail, rules.actor("cash_application"));
    (x.customer_id, x.invoice_id, x.order_id, x.amount_minor) = (Some(p.customer_id), Some(inv.id), inv.order_id, Some(short));
    raise(c, x, at).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remittance_line_applies_no_more_than_is_left_or_open() {
        let cases = [(100, 500, 300, 100), (400, 500, 300, 300), (400, 200, 300, 200), (100, 0, 300, 0), (100, 500, 0, 0)];
        for (named, left, open, want) in cases {
            assert_eq!(to_apply(named, left, open), want, "{named} named, {left} left, {open} open");
        }
    }

    #[test]
    fn only_a_single_exact_amount_matches_without_a_remittance() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let cases: [(&[(Uuid, i64)], i64, Option<Uuid>); 4] = [(&[(a, 500), (b, 700)], 700, Some(b)), (&[(a, 500), (b, 500)], 500, None), (&[(a, 500)], 499, None), (&[], 500, None)];
        for (open, amount, want) in cases {
            assert_eq!(exact_match(open, amount), want, "{amount} against {open:?}");
        }
    }
}
