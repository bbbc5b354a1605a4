//! The server side of the portal's server functions.
use super::*;
use crate::orders::server::{internal, order_data, row};
use domain::money::format;
use domain::tenancy::{Scope, TenantInfo};
use domain::types::Role;
use domain::{Db, TenantTxn};
use uuid::Uuid;

/// The signed-in customer user of this request: the database, tenant, user and customer id.
struct Customer {
    db: Db,
    tenant: TenantInfo,
    user: domain::auth::Principal,
    id: Uuid,
}

fn customer() -> Result<Customer, ServerFnError> {
    let parts: http::request::Parts = use_context().ok_or_else(|| ServerFnError::new("no request context"))?;
    let user = parts.extensions.get::<domain::auth::Principal>().cloned().ok_or_else(|| ServerFnError::new("sign in first"))?;
    let (Role::Customer, Some(id)) = (user.role, user.customer_id) else { return Err(ServerFnError::new("this page is for customer users")) };
    let Some(Scope::Tenant(tenant)) = parts.extensions.get::<Scope>().cloned() else { return Err(ServerFnError::new("not a tenant host")) };
    let db = parts.extensions.get::<Db>().cloned().ok_or_else(|| ServerFnError::new("no database"))?;
    Ok(Customer { db, tenant, user, id })
}

impl Customer {
    async fn txn(&self) -> Result<TenantTxn, ServerFnError> {
        self.db.tenant_txn(&self.tenant.slug).await.map_err(internal)
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Amounts per currency in one line (`USD 10.00 · EUR 5.00`); empty for none.
fn amounts(m: &std::collections::BTreeMap<String, i64>) -> String {
    m.iter().filter(|(_, v)| **v != 0).map(|(c, v)| format(*v, c)).collect::<Vec<_>>().join(" · ")
}

pub(super) async fn home() -> Result<PortalHomeData, ServerFnError> {
    let c = customer()?;
    let txn = c.txn().await?;
    let h = domain::portal::home(&txn, c.id, today()).await.map_err(internal)?;
    let _ = txn.commit().await;
    Ok(PortalHomeData {
        open_orders: h.open_orders,
        in_transit: h.in_transit,
        open_invoices: h.aging.open_invoices,
        total_due: amounts(&h.aging.total()),
        overdue: amounts(&h.aging.overdue()),
        open_disputes: h.open_disputes,
        activity: h.activity.into_iter().map(|a| ActivityRow { at: a.at.to_rfc3339(), order: a.order_number, summary: a.summary }).collect(),
    })
}

pub(super) async fn orders(q: Option<String>, status: Option<String>, from: Option<String>, to: Option<String>, after: Option<String>) -> Result<OrdersPage, ServerFnError> {
    let c = customer()?;
    let statuses = domain::events::ORDER_STATUSES.iter().map(|s| s.to_string()).collect();
    let filter = match domain::orders::OrderFilter::from_form(q, status, None, from.as_deref(), to.as_deref()) {
        Ok(f) => f,
        Err(e) => return Ok(OrdersPage { rows: vec![], next_cursor: None, statuses, error: Some(e.to_string()) }),
    };
    let txn = c.txn().await?;
    let page = domain::portal::orders(&txn, c.id, &filter, 25, after.as_deref()).await;
    let _ = txn.commit().await;
    match page {
        Ok(p) => Ok(OrdersPage { rows: p.items.into_iter().map(row).collect(), next_cursor: p.next_cursor, statuses, error: None }),
        Err(domain::Error::Invalid(m)) => Ok(OrdersPage { rows: vec![], next_cursor: None, statuses, error: Some(m) }),
        Err(e) => Err(internal(e)),
    }
}

pub(super) async fn order(number: String) -> Result<Option<OrderPageData>, ServerFnError> {
    let c = customer()?;
    let txn = c.txn().await?;
    let d = domain::portal::order(&txn, c.id, &number).await;
    let _ = txn.commit().await;
    match d {
        Ok(d) => Ok(Some(order_data(d))),
        Err(domain::Error::NotFound) => Ok(None),
        Err(e) => Err(internal(e)),
    }
}

pub(super) async fn invoices(q: Option<String>, status: Option<String>, after: Option<String>) -> Result<InvoicesData, ServerFnError> {
    let c = customer()?;
    let txn = c.txn().await?;
    let aging = domain::portal::aging(&txn, c.id, today()).await.map_err(internal)?;
    let aging = aging.by_currency.iter().next().map(|(cur, b)| domain::portal::AGING_BUCKETS.iter().zip(b).map(|(l, v)| ((*l).to_owned(), format(*v, cur))).collect()).unwrap_or_default();
    let filter = domain::portal::InvoiceFilter { status, q };
    let page = domain::portal::invoices(&txn, c.id, &filter, today(), 25, after.as_deref()).await;
    let _ = txn.commit().await;
    match page {
        Ok(p) => Ok(InvoicesData {
            rows: p
                .items
                .into_iter()
                .map(|i| InvoiceListRow { total: format(i.total_minor, &i.currency), open: format(i.open_minor, &i.currency), number: i.number, status: i.status, issued_on: i.issued_on.to_string(), due_on: i.due_on.to_string() })
                .collect(),
            next_cursor: p.next_cursor,
            aging,
            error: None,
        }),
        Err(domain::Error::Invalid(m)) => Ok(InvoicesData { rows: vec![], next_cursor: None, aging, error: Some(m) }),
        Err(e) => Err(internal(e)),
    }
}

pub(super) async fn invoice(number: String) -> Result<Option<InvoicePageData>, ServerFnError> {
    let c = customer()?;
    let txn = c.txn().await?;
    let p = match domain::portal::invoice(&txn, c.id, &number).await {
        Ok(p) => p,
        Err(domain::Error::NotFound) => return Ok(None),
        Err(e) => return Err(internal(e)),
    };
    domain::portal::record_view(&txn, &p, c.user.user_id, &c.user.name, chrono::Utc::now()).await.map_err(internal)?;
    let deliveries = domain::outbound::for_invoice(&txn, p.id).await.map_err(internal)?;
    let today = chrono::Utc::now().date_naive();
    let dunning = domain::dunning::view::by_id(&txn, p.id, today).await.map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    let deliveries = deliveries.iter().map(|d| DeliveryRow { text: d.plain(), at: d.sent_at.map(|t| t.to_rfc3339()) }).collect();
    let i = p.invoice;
    let m = |v: i64| format(v, &i.currency);
    Ok(Some(InvoicePageData {
        lines: i.lines.iter().map(|l| InvoiceLineRow { line: l.line, sku: l.sku.clone(), description: l.description.clone(), quantity: l.quantity, unit_price: m(l.unit_price_minor), amount: m(l.amount_minor) }).collect(),
        subtotal: m(i.subtotal_minor),
        tax: m(i.tax_minor),
        total: m(i.total_minor),
        paid: m(i.paid_minor),
        credited: m(i.credited_minor),
        open: m(i.open_minor),
        payments: p.payments.iter().map(|a| MoneyRow { reference: a.payment.clone(), date: a.received_on.to_string(), amount: m(a.amount_minor), note: a.reference.clone().unwrap_or_default() }).collect(),
        credits: p.credits.iter().map(|cm| MoneyRow { reference: cm.number.clone(), date: cm.created_at.date_naive().to_string(), amount: m(cm.amount_minor), note: cm.reason.clone() }).collect(),
        disputes: p.disputes.iter().map(|d| DisputeBriefRow { number: d.number.clone(), status: d.status.clone(), reason: reason_label(&d.reason), amount: m(d.disputed_minor) }).collect(),
        can_dispute: i.open_minor > 0 && !p.open_dispute,
        deliveries,
        reminders: dunning.reminders.iter().filter(|r| r.status != "failed" && r.status != "cancelled").map(|r| DeliveryRow { text: r.plain(), at: Some(r.sent_at.unwrap_or(r.created_at).to_rfc3339()) }).collect(),
        promise: dunning.promise.filter(|p| !p.lapsed).map(|p| {
            let who = if p.by_kind == "customer" { "You promised".to_owned() } else { format!("{} noted your promise of", p.by_name) };
            format!("{who} {} by {}; no reminders until then", format(p.amount_minor, &p.currency), p.promised_on)
        }),
        can_promise: i.open_minor > 0,
        today: today.to_string(),
        number: i.number,
        status: i.status,
        issued_on: i.issued_on.to_string(),
        due_on: i.due_on.to_string(),
        terms: p.terms,
        order_number: i.order_number.unwrap_or_default(),
        po_number: p.po_number.unwrap_or_default(),
        currency: i.currency,
    }))
}

pub(super) async fn disputes(after: Option<String>) -> Result<DisputesData, ServerFnError> {
    let c = customer()?;
    let txn = c.txn().await?;
    let f = domain::workflow::disputes::DisputeFilter { customer_id: Some(c.id), ..Default::default() };
    let page = domain::workflow::disputes::list(&txn, &f, after.as_deref(), 25).await.map_err(internal)?;
    let _ = txn.commit().await;
    Ok(DisputesData {
        rows: page
            .items
            .into_iter()
            .map(|d| DisputeListRow {
                amount: format(d.disputed_amount_minor, &d.currency),
                answer_by: d.sla_due_at.filter(|_| d.status == "open").map(|t| t.to_rfc3339()),
                opened_at: d.opened_at.to_rfc3339(),
                reason: reason_label(&d.reason),
                number: d.number,
                status: d.status,
                invoice: d.invoice_number,
            })
            .collect(),
        next_cursor: page.next,
    })
}

pub(super) async fn dispute(number: String) -> Result<Option<DisputePageData>, ServerFnError> {
    let c = customer()?;
    let txn = c.txn().await?;
    let d = match domain::workflow::disputes::detail(&txn, &number, Some(c.id)).await {
        Ok(d) => d,
        Err(domain::Error::NotFound) => return Ok(None),
        Err(e) => return Err(internal(e)),
    };
    let names = domain::workflow::disputes::attachment_names(&txn, &d).await.map_err(internal)?;
    let _ = txn.commit().await;
    Ok(Some(dispute_data(d, &names)))
}

/// Attachment file names by document id.
pub(crate) type Names = std::collections::HashMap<Uuid, String>;

/// A dispute as its page shows it (the portal's and the staff's).
pub(crate) fn dispute_data(d: domain::workflow::disputes::DisputeView, names: &Names) -> DisputePageData {
    let cur = d.currency.clone();
    DisputePageData {
        amount: format(d.disputed_amount_minor, &cur),
        answer_by: d.sla_due_at.filter(|_| d.status == "open").map(|t| t.to_rfc3339()),
        opened_at: d.opened_at.to_rfc3339(),
        resolved_at: d.resolved_at.map(|t| t.to_rfc3339()),
        credit_memo: d.credit_memo.as_ref().map(|cm| format!("{} for {}", cm.number, format(cm.amount_minor, &cm.currency))),
        lines: d
            .lines
            .iter()
            .map(|l| {
                let qty = l.quantity.map(|q| format!("{q} unit{}, ", if q == 1 { "" } else { "s" })).unwrap_or_default();
                format!("line {} ({}): {qty}{}", l.line, l.sku, format(l.amount_minor, &cur))
            })
            .collect(),
        messages: d
            .messages
            .iter()
            .map(|m| ThreadMessage {
                at: m.at.to_rfc3339(),
                author: m.author.trim_start_matches("user ").to_owned(),
                author_kind: m.author_kind.clone(),
                body: m.body.clone(),
                attachments: m.attachments.iter().map(|id| Attachment { id: id.to_string(), filename: names.get(id).cloned().unwrap_or_else(|| "attachment".into()) }).collect(),
            })
            .collect(),
        reason: reason_label(&d.reason),
        number: d.number,
        status: d.status,
        description: d.description,
        invoice: d.invoice_number,
        resolution_note: d.resolution_note,
    }
}

