//! Payments: receipt, and application to invoices (cash application), which moves the
//! invoice's status and, once every invoice of a fully invoiced order is paid, the order's.
//! A payment has no status of its own: what is left to apply (`unapplied_minor`) says it.
use super::invoice::{self, Change, Standing};
use super::order::{OrderStatus, lines_of, move_to};
use super::{Effect, currency_field, find_customer, parked, text_field};
use crate::entity::{invoice as invoice_row, order, payment, payment_allocation};
use crate::events::{Awaited, Fail, reject};
use crate::money;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait};
use serde::{Deserialize, Serialize};

/// `payment.received`.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentIn {
    pub number: String,
    pub customer: String,
    pub currency: String,
    pub amount_minor: i64,
    pub received_on: NaiveDate,
    #[serde(default)]
    pub reference: Option<String>,
    /// What the customer says the payment is for (the remittance advice): invoices and
    /// amounts. Without it, cash application matches by customer and exact open amount.
    #[serde(default)]
    pub remittance: Vec<RemittanceLine>,
}

/// One line of a remittance advice.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemittanceLine {
    pub invoice_number: String,
    pub amount_minor: i64,
}

/// `payment.applied`.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentApplied {
    pub payment_number: String,
    pub invoice_number: String,
    pub amount_minor: i64,
}

/// An event about a payment, with its typed payload.
#[derive(Clone, Debug)]
pub enum PaymentEvent {
    /// `payment.received`.
    Received(PaymentIn),
    /// `payment.applied`.
    Applied(PaymentApplied),
}

/// Applies one payment event.
pub async fn apply<C: ConnectionTrait>(c: &C, event: PaymentEvent, at: DateTime<Utc>) -> Result<Effect, Fail> {
    match event {
        PaymentEvent::Received(p) => receive(c, p, at).await,
        PaymentEvent::Applied(a) => allocate(c, a, at).await,
    }
}

/// The payment with this number.
pub(crate) async fn find<C: ConnectionTrait>(c: &C, number: &str) -> Result<Option<payment::Model>, DbErr> {
    payment::Entity::find().filter(payment::Column::Number.eq(number)).one(c).await
}

/// Whether `amount_minor` of payment `p` may be applied to invoice `inv`: same currency, no
/// more than is left of the payment, no more than is open on the invoice.
pub fn check_allocation(p: &payment::Model, inv: &invoice_row::Model, amount_minor: i64) -> Result<(), Fail> {
    if p.currency != inv.currency {
        return Err(reject("payload.invoice_number", format!("invoice is in {}, payment in {}", inv.currency, p.currency)));
    }
    if amount_minor > p.unapplied_minor {
        return Err(reject("payload.amount_minor", format!("exceeds the unapplied {}", money::format(p.unapplied_minor, &p.currency))));
    }
    let open = inv.open_minor();
    if amount_minor > open {
        return Err(reject("payload.amount_minor", format!("exceeds the open {} on invoice {}", money::format(open, &inv.currency), inv.number)));
    }
    Ok(())
}

/// Whether an order is paid once invoice `paid_id` has `paid_minor` paid (or credited): every
/// invoice of the order is paid or credited in full, and the order is fully invoiced.
pub fn settles_order(invoices: &[invoice_row::Model], paid_id: Uuid, paid_minor: i64, fully_invoiced: bool) -> bool {
    let all_paid = invoices.iter().all(|i| if i.id == paid_id { paid_minor >= i.total_minor } else { i.settled_minor() >= i.total_minor });
    all_paid && fully_invoiced
}

/// `payment.received`: a payment is received once.
async fn receive<C: ConnectionTrait>(c: &C, p: PaymentIn, at: DateTime<Utc>) -> Result<Effect, Fail> {
    let now = Utc::now();
    text_field("payload.number", &p.number, 64)?;
    let currency = currency_field("payload.currency", &p.currency)?;
    if p.amount_minor <= 0 {
        return Err(reject("payload.amount_minor", "must be greater than zero"));
    }
    if find(c, &p.number).await?.is_some() {
        return Err(reject("payload.number", format!("payment {} was already received", p.number)));
    }
    let Some(cust) = find_customer(c, &p.customer).await? else { return parked(Awaited::Customer, &p.customer) };
    payment::ActiveModel {
        id: Set(crate::new_id()),
        number: Set(p.number.clone()),
        customer_id: Set(cust.id),
        currency: Set(currency.clone()),
        amount_minor: Set(p.amount_minor),
        unapplied_minor: Set(p.amount_minor),
        received_on: Set(p.received_on),
        reference: Set(p.reference.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(c)
    .await?;
    for (i, r) in p.remittance.iter().enumerate() {
        text_field(&format!("payload.remittance[{i}].invoice_number"), &r.invoice_number, 64)?;
        if r.amount_minor <= 0 {
            return Err(reject(&format!("payload.remittance[{i}].amount_minor"), "must be greater than zero"));
        }
    }
    let applied = crate::workflow::cash::on_payment_received(c, &p.number, &p.remittance, at).await?;
    Ok(Effect {
        order_id: None,
        summary: format!("Payment {} of {} received from {}{applied}", p.number, money::format(p.amount_minor, &currency), cust.name),
        creates: vec![Awaited::Payment.key(&p.number)],
        waiting_for: None,
    })
}

/// `payment.applied`: allocates part of a payment to an invoice.
pub(crate) async fn allocate<C: ConnectionTrait>(c: &C, a: PaymentApplied, at: DateTime<Utc>) -> Result<Effect, Fail> {
    let now = Utc::now();
    if a.amount_minor <= 0 {
        return Err(reject("payload.amount_minor", "must be greater than zero"));
    }
    let Some(p) = find(c, &a.payment_number).await? else { return parked(Awaited::Payment, &a.payment_number) };
    let Some(inv) = invoice::find(c, &a.invoice_number).await? else { return parked(Awaited::Invoice, &a.invoice_number) };
    if crate::workflow::cash::already_applied(c, p.id, inv.id, a.amount_minor).await? {
        // Throughline's cash application did this already; the ERP confirms it.
        return Ok(Effect { order_id: inv.order_id, summary: format!("Payment {} to invoice {} confirmed (applied by cash application)", p.number, inv.number), ..Default::default() });
    }
    check_allocation(&p, &inv, a.amount_minor)?;
    payment_allocation::ActiveModel {
        id: Set(crate::new_id()),
        payment_id: Set(p.id),
        invoice_id: Set(inv.id),
        amount_minor: Set(a.amount_minor),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(c)
    .await?;
    let mut pm: payment::ActiveModel = p.clone().into();
    pm.unapplied_minor = Set(p.unapplied_minor - a.amount_minor);
    pm.updated_at = Set(now);
    pm.update(c).await?;
    if p.unapplied_minor == a.amount_minor {
        crate::workflow::raise::resolve_by_system(c, &crate::workflow::cash::unapplied_reference(&p.number), "fixed", "the payment is fully applied", at).await.map_err(|e| Fail::Db(e))?;
    }
    let paid = inv.paid_minor + a.amount_minor;
    let mut im: invoice_row::ActiveModel = inv.clone().into();
    im.paid_minor = Set(paid);
    if let Ok((status, since)) = invoice::next(Standing::of(&inv), Change::Paid { paid_minor: paid + inv.credited_minor }, at) {
        im.status = Set(status.as_str().into());
        im.status_at = Set(since);
    }
    im.updated_at = Set(now);
    im.update(c).await?;
    crate::workflow::credit::exposure_add(c, inv.customer_id, 0, -a.amount_minor).await?;
    if let Some(order_id) = inv.order_id {
        settle_order(c, order_id, &inv, paid + inv.credited_minor, at).await?;
    }
    Ok(Effect {
        order_id: inv.order_id,
        summary: format!("{} of payment {} applied to invoice {}", money::format(a.amount_minor, &p.currency), p.number, inv.number),
        ..Default::default()
    })
}

/// Makes the order `paid` if [`settles_order`] says this payment (or credit memo) settled
/// it; `paid` is the invoice's new amount paid and credited.
pub(crate) async fn settle_order<C: ConnectionTrait>(c: &C, order_id: Uuid, inv: &invoice_row::Model, paid: i64, at: DateTime<Utc>) -> Result<(), DbErr> {
    let o = order::Entity::find_by_id(order_id).one(c).await?.ok_or(DbErr::RecordNotFound("order".into()))?;
    let invoices = invoice_row::Entity::find().filter(invoice_row::Column::OrderId.eq(order_id)).all(c).await?;
    let fully_invoiced = lines_of(c, order_id).await?.iter().all(|l| l.quantity_invoiced >= l.quantity);
    if settles_order(&invoices, inv.id, paid, fully_invoiced) {
        move_to(c, &o, OrderStatus::Paid, at).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payment(currency: &str, unapplied_minor: i64) -> payment::Model {
        let now = Utc::now();
        payment::Model {
            id: Uuid::nil(),
            number: "P-1".into(),
            customer_id: Uuid::nil(),
            currency: currency.into(),
            amount_minor: 10_000,
            unapplied_minor,
            received_on: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            reference: None,
            created_at: now,
            updated_at: now,
        }
    }

    fn invoice(id: u128, currency: &str, total_minor: i64, paid_minor: i64) -> invoice_row::Model {
        let now = Utc::now();
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        invoice_row::Model {
            id: Uuid::from_u128(id),
            number: "INV-1".into(),
            order_id: None,
            customer_id: Uuid::nil(),
            currency: currency.into(),
            issued_on: day,
            due_on: day,
            subtotal_minor: total_minor,
            tax_minor: 0,
            total_minor,
            paid_minor,
            credited_minor: 0,
            dunning_next_on: Some(day),
            status: "open".into(),
            status_at: now,
            delivered_at: None,
            viewed_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_payment_is_applied_in_its_currency_up_to_what_is_left_and_what_is_open() {
        let cases = [
            (payment("USD", 5000), invoice(1, "USD", 3000, 0), 3000, None),
            (payment("USD", 5000), invoice(1, "USD", 3000, 1000), 2000, None),
            (payment("EUR", 5000), invoice(1, "USD", 3000, 0), 100, Some(("payload.invoice_number", "invoice is in USD, payment in EUR"))),
            (payment("USD", 500), invoice(1, "USD", 3000, 0), 501, Some(("payload.amount_minor", "exceeds the unapplied USD 5.00"))),
            (payment("USD", 5000), invoice(1, "USD", 3000, 1000), 2001, Some(("payload.amount_minor", "exceeds the open USD 20.00 on invoice INV-1"))),
        ];
        for (p, inv, amount, want) in cases {
            let got = match check_allocation(&p, &inv, amount) {
                Ok(()) => None,
                Err(Fail::Reject(e)) => Some((e[0].field.clone(), e[0].reason.clone())),
                Err(Fail::Db(e)) => panic!("{e}"),
            };
            assert_eq!(got, want.map(|(f, r)| (f.to_owned(), r.to_owned())), "{amount} of {} {} onto {} open", p.unapplied_minor, p.currency, inv.total_minor - inv.paid_minor);
        }
    }

    #[test]
    fn an_order_is_paid_when_every_invoice_is_paid_and_nothing_is_left_to_invoice() {
        let both = [invoice(1, "USD", 1000, 0), invoice(2, "USD", 500, 500)];
        let cases = [
            (&both[..], 1000, true, true),
            (&both[..], 999, true, false),
            (&both[..], 1000, false, false),
            (&[invoice(1, "USD", 1000, 0), invoice(2, "USD", 500, 499)][..], 1000, true, false),
            (&both[..1], 1200, true, true),
        ];
        for (invoices, paid, fully_invoiced, want) in cases {
            assert_eq!(settles_order(invoices, Uuid::from_u128(1), paid, fully_invoiced), want, "{paid} paid on invoice 1, fully invoiced {fully_invoiced}");
        }
    }
}
