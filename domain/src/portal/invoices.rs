//! A customer's invoices: the list (status filter, number search, keyset pages, newest first),
//! one invoice with its lines, payments, credit memos and disputes, and the first view of it
//! by each user (`invoice.viewed`).
use crate::entity::{invoice, order, payment, payment_allocation};
use crate::orders::{InvoiceView, csv_cell};
use crate::workflow::disputes::{DisputeStatus, credit_memo, dispute};
use crate::{Error, Result};
use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::{Condition, OnConflict};
use sea_orm::{ConnectionTrait, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

/// What the invoice list asks for. `status` is `open` (anything not paid), `overdue`,
/// `disputed`, `paid` or empty for all.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct InvoiceFilter {
    pub status: Option<String>,
    /// An invoice number prefix.
    pub q: Option<String>,
}

pub const INVOICE_FILTERS: [&str; 4] = ["open", "overdue", "disputed", "paid"];

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct InvoiceRow {
    pub number: String,
    pub status: String,
    pub currency: String,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub total_minor: i64,
    pub open_minor: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct InvoicePage {
    pub items: Vec<InvoiceRow>,
    pub next_cursor: Option<String>,
}

fn encode(on: NaiveDate, id: Uuid) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{on}|{id}"))
}

fn decode(s: &str) -> Result<(NaiveDate, Uuid)> {
    let bad = || Error::Invalid("the cursor is not valid; use the link to the next page".into());
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (on, id) = text.split_once('|').ok_or_else(bad)?;
    Ok((on.parse().map_err(|_| bad())?, id.parse().map_err(|_| bad())?))
}

/// The status a customer sees: `overdue` for an unpaid invoice past its due date.
pub fn shown_status(status: &str, due_on: NaiveDate, today: NaiveDate) -> String {
    if matches!(status, "open" | "partially_paid") && due_on < today { "overdue".into() } else { status.to_owned() }
}

fn row(i: invoice::Model, today: NaiveDate) -> InvoiceRow {
    InvoiceRow { status: shown_status(&i.status, i.due_on, today), open_minor: i.open_minor(), number: i.number, currency: i.currency, issued_on: i.issued_on, due_on: i.due_on, total_minor: i.total_minor }
}

/// One page of the customer's invoices, newest first.
pub async fn invoices<C: ConnectionTrait>(c: &C, customer: Uuid, f: &InvoiceFilter, today: NaiveDate, limit: u64, after: Option<&str>) -> Result<InvoicePage> {
    let mut q = invoice::Entity::find().filter(invoice::Column::CustomerId.eq(customer));
    match f.status.as_deref().map(str::trim).unwrap_or("") {
        "" => {}
        "open" => q = q.filter(invoice::Column::Status.ne("paid")),
        "overdue" => q = q.filter(invoice::Column::Status.is_in(["open", "partially_paid"])).filter(invoice::Column::DueOn.lt(today)),
        "disputed" => q = q.filter(invoice::Column::Status.eq("disputed")),
        "paid" => q = q.filter(invoice::Column::Status.eq("paid")),
        other => return Err(Error::Invalid(format!("status: {other:?} is not one of {}", INVOICE_FILTERS.join(", ")))),
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        q = q.filter(invoice::Column::Number.like(format!("{}%", text.replace(['%', '_'], ""))));
    }
    if let Some(cur) = after.filter(|s| !s.is_empty()) {
        let (on, id) = decode(cur)?;
        q = q.filter(Condition::any().add(invoice::Column::IssuedOn.lt(on)).add(Condition::all().add(invoice::Column::IssuedOn.eq(on)).add(invoice::Column::Id.lt(id))));
    }
    let mut rows = q.order_by_desc(invoice::Column::IssuedOn).order_by_desc(invoice::Column::Id).limit(limit + 1).all(c).await?;
    let next_cursor = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|i| encode(i.issued_on, i.id))
    } else {
        None
    };
    Ok(InvoicePage { items: rows.into_iter().map(|i| row(i, today)).collect(), next_cursor })
}

/// The invoice list as CSV (a header row when `header`).
pub fn to_csv(rows: &[InvoiceRow], header: bool) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| Error::Invalid(e.to_string());
    if header {
        w.write_record(["invoice", "status", "issued_on", "due_on", "currency", "total", "open"]).map_err(err)?;
    }
    for r in rows {
        let (total, open) = (crate::money::format_plain(r.total_minor, &r.currency), crate::money::format_plain(r.open_minor, &r.currency));
        w.write_record([csv_cell(&r.number).as_ref(), &r.status, &r.issued_on.to_string(), &r.due_on.to_string(), &r.currency, &total, &open]).map_err(err)?;
    }
    w.into_inner().map_err(|e| Error::Invalid(e.to_string()))
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PaymentApplied {
    pub payment: String,
    pub received_on: NaiveDate,
    pub reference: Option<String>,
    pub amount_minor: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CreditApplied {
    pub number: String,
    pub amount_minor: i64,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DisputeBrief {
    pub number: String,
    pub status: String,
    pub reason: String,
    pub disputed_minor: i64,
    pub opened_at: DateTime<Utc>,
}

/// One invoice as the portal shows it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PortalInvoice {
    pub id: Uuid,
    pub invoice: InvoiceView,
    pub customer_name: String,
    /// The customer's external id (their account number).
    pub customer_number: String,
    /// Bill-to address lines.
    pub bill_to: Vec<String>,
    pub po_number: Option<String>,
    pub terms: String,
    pub payments: Vec<PaymentApplied>,
    pub credits: Vec<CreditApplied>,
    pub disputes: Vec<DisputeBrief>,
    /// An open dispute stops another being opened for the same money.
    pub open_dispute: bool,
}

/// One of the customer's invoices; another customer's is `NotFound`.
pub async fn invoice<C: ConnectionTrait>(c: &C, customer: Uuid, number: &str) -> Result<PortalInvoice> {
    let i = invoice::Entity::find().filter(invoice::Column::Number.eq(number)).one(c).await?;
    invoice_of(c, i.filter(|i| i.customer_id == customer).ok_or(Error::NotFound)?).await
}

/// [`invoice`] for an invoice already read (by a caller that knows it is the customer's).
pub async fn invoice_of<C: ConnectionTrait>(c: &C, i: invoice::Model) -> Result<PortalInvoice> {
    let id = i.id;
    let (view, cu, ord) = crate::orders::invoice_with_parties(c, i).await?;
    let cu = cu.ok_or(Error::NotFound)?;
    let po_number = ord.and_then(|o| o.po_number);
    let allocs = payment_allocation::Entity::find().filter(payment_allocation::Column::InvoiceId.eq(id)).order_by_asc(payment_allocation::Column::CreatedAt).all(c).await?;
    let pays = if allocs.is_empty() { Vec::new() } else { payment::Entity::find().filter(payment::Column::Id.is_in(allocs.iter().map(|a| a.payment_id))).all(c).await? };
    let payments = allocs
        .iter()
        .filter_map(|a| pays.iter().find(|p| p.id == a.payment_id).map(|p| PaymentApplied { payment: p.number.clone(), received_on: p.received_on, reference: p.reference.clone(), amount_minor: a.amount_minor }))
        .collect();
    let credits = credit_memo::Entity::find().filter(credit_memo::Column::InvoiceId.eq(id)).order_by_asc(credit_memo::Column::CreatedAt).all(c).await?;
    let disputes = dispute::Entity::find().filter(dispute::Column::InvoiceId.eq(id)).order_by_desc(dispute::Column::CreatedAt).all(c).await?;
    Ok(PortalInvoice {
        id,
        invoice: view,
        customer_name: cu.name,
        customer_number: cu.external_id,
        bill_to: address_lines(cu.bill_to.as_deref()),
        po_number,
        terms: cu.payment_terms,
        payments,
        credits: credits.into_iter().map(|m| CreditApplied { number: m.number, amount_minor: m.amount_minor, reason: m.reason, created_at: m.created_at }).collect(),
        open_dispute: disputes.iter().any(|d| d.status == DisputeStatus::Open.as_str()),
        disputes: disputes.into_iter().map(|d| DisputeBrief { number: d.number, status: d.status, reason: d.reason, disputed_minor: d.disputed_amount_minor, opened_at: d.created_at }).collect(),
    })
}

/// A stored address (JSON text) as printable lines: street lines, then `city, region postal`,
/// then the country; unreadable or absent → none.
pub fn address_lines(json: Option<&str>) -> Vec<String> {
    let Some(v) = json.and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok()) else { return vec![] };
    let f = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned);
    let city_line = [f("city").map(|c| format!("{c},")), f("region"), f("postal_code")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let city_line = city_line.trim_end_matches(',').to_owned();
    [f("line1"), f("line2"), Some(city_line).filter(|l| !l.is_empty()), f("country")].into_iter().flatten().collect()
}

/// Records that `user` opened the invoice. The first view by each user publishes
/// `invoice.viewed` on the invoice's order timeline and sets the invoice's `viewed_at` if it
/// was unset; later views change nothing. Answers whether this was the user's first view.
pub async fn record_view<C: ConnectionTrait>(c: &C, inv: &PortalInvoice, user: Uuid, user_name: &str, now: DateTime<Utc>) -> Result<bool> {
    let inserted = crate::entity::invoice_view::Entity::insert(crate::entity::invoice_view::ActiveModel {
        invoice_id: sea_orm::ActiveValue::Set(inv.id),
        user_id: sea_orm::ActiveValue::Set(user),
        viewed_at: sea_orm::ActiveValue::Set(now),
    })
    .on_conflict(OnConflict::columns([crate::entity::invoice_view::Column::InvoiceId, crate::entity::invoice_view::Column::UserId]).do_nothing().to_owned())
    .exec_without_returning(c)
    .await?;
    if inserted == 0 {
        return Ok(false);
    }
    invoice::Entity::update_many()
        .col_expr(invoice::Column::ViewedAt, sea_orm::sea_query::Expr::value(now))
        .filter(invoice::Column::Id.eq(inv.id))
        .filter(invoice::Column::ViewedAt.is_null())
        .exec(c)
        .await?;
    let order_id = match &inv.invoice.order_number {
        Some(n) => order::Entity::find().filter(order::Column::Number.eq(n.as_str())).one(c).await?.map(|o| o.id),
        None => None,
    };
    let payload = serde_json::json!({"invoice_number": inv.invoice.number, "viewed_by": user_name, "channel": "portal"});
    crate::workflow::raise::publish(c, "invoice.viewed", order_id, &payload, &format!("Invoice {} viewed in the portal by {user_name}", inv.invoice.number), now).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpaid_invoices_past_due_show_as_overdue() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let cases = [("open", -1, "overdue"), ("open", 0, "open"), ("partially_paid", -5, "overdue"), ("disputed", -5, "disputed"), ("paid", -90, "paid")];
        for (status, days, want) in cases {
            assert_eq!(shown_status(status, today + chrono::Duration::days(days), today), want, "{status} {days}");
        }
    }

    #[test]
    fn addresses_print_as_lines() {
        let full = r#"{"line1":"1 Initech Way","line2":"","city":"Austin","region":"TX","postal_code":"78701","country":"US"}"#;
        assert_eq!(address_lines(Some(full)), ["1 Initech Way", "Austin, TX 78701", "US"]);
        assert_eq!(address_lines(Some(r#"{"city":"Austin"}"#)), ["Austin"]);
        assert!(address_lines(Some("not json")).is_empty());
        assert!(address_lines(None).is_empty());
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let on = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
        let id = Uuid::new_v4();
        assert_eq!(decode(&encode(on, id)).unwrap(), (on, id));
        assert!(matches!(decode("zzz"), Err(Error::Invalid(_))));
    }
}
