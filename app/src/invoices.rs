//! The staff invoice page's data: the invoice with its customer and amounts, where its
//! dunning stands, and its timeline — each channel's delivery (with attempts and the last
//! error), each reminder (with the words it carried) and each promise to pay — oldest first.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub fn invoice_href(number: &str) -> String {
    format!("/workspace/invoices/{}", crate::urlencode(number))
}

/// One entry of the invoice timeline.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TimelineRow {
    /// RFC 3339.
    pub at: String,
    /// `delivery`, `reminder` or `promise`.
    pub kind: String,
    pub title: String,
    /// `sent`, `queued`, `retrying`, `failed`, …; empty for promises.
    pub status: String,
    pub detail: String,
    /// A reminder's subject and body.
    pub message: Option<(String, String)>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InvoiceData {
    pub number: String,
    pub customer: String,
    pub customer_id: String,
    pub order_number: String,
    pub status: String,
    pub issued_on: String,
    pub due_on: String,
    pub total: String,
    pub open: String,
    /// Where dunning stands: "Next: Reminder on 2026-12-08", "Paused: …".
    pub dunning: String,
    pub paused: bool,
    pub can_promise: bool,
    pub today: String,
    pub timeline: Vec<TimelineRow>,
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use domain::dunning::view::InvoiceDunning;
    use domain::outbound::DeliveryView;

    pub fn timeline(deliveries: Vec<DeliveryView>, d: &InvoiceDunning, created: chrono::DateTime<chrono::Utc>) -> Vec<TimelineRow> {
        let m = |v: i64, cur: &str| domain::money::format(v, cur);
        let mut rows: Vec<(chrono::DateTime<chrono::Utc>, TimelineRow)> = Vec::new();
        for x in deliveries {
            let at = x.sent_at.unwrap_or(created);
            let detail = match (&x.last_error, x.attempts) {
                (Some(e), n) => format!("{} · attempt {n}: {e}", x.detail),
                (None, 0) => x.detail.clone(),
                (None, n) => format!("{} · {n} attempt(s)", x.detail),
            };
            rows.push((at, TimelineRow { at: at.to_rfc3339(), kind: "delivery".into(), title: format!("Delivery by {} to {}", x.channel, x.target), status: x.status, detail, message: None }));
        }
        for r in &d.reminders {
            let at = r.sent_at.unwrap_or(r.created_at);
            let detail = r.last_error.clone().map(|e| format!("attempt {}: {e}", r.attempts)).unwrap_or_else(|| format!("day {} after the due date", r.step_days));
            rows.push((at, TimelineRow { at: at.to_rfc3339(), kind: "reminder".into(), title: format!("Reminder \"{}\" by {} to {}", r.step_name, r.channel, r.target), status: r.status.clone(), detail, message: Some((r.subject.clone(), r.body.clone())) }));
        }
        for p in &d.promises {
            let who = if p.by_kind == "customer" { format!("{} (customer, in the portal)", p.by_name) } else { p.by_name.clone() };
            let detail = if p.note.is_empty() { format!("recorded by {who}") } else { format!("recorded by {who}: {}", p.note) };
            let title = format!("Promise to pay {} by {}", m(p.amount_minor, &p.currency), p.promised_on);
            rows.push((p.created_at, TimelineRow { at: p.created_at.to_rfc3339(), kind: "promise".into(), title, status: if p.lapsed { "lapsed".into() } else { "in force".into() }, detail, message: None }));
        }
        rows.sort_by_key(|(at, _)| *at);
        rows.into_iter().map(|(_, r)| r).collect()
    }
}

/// One invoice for staff; `None` when this tenant has no such invoice.
#[server(prefix = "/sfn")]
pub async fn staff_invoice(number: String) -> Result<Option<InvoiceData>, ServerFnError> {
    use crate::orders::server::{internal, staff};
    let (db, t) = staff()?;
    let txn = db.tenant_txn(&t.slug).await.map_err(internal)?;
    let today = chrono::Utc::now().date_naive();
    let Some((inv, cust, d)) = domain::dunning::view::by_number(&txn, &number, today).await.map_err(internal)? else { return Ok(None) };
    let deliveries = domain::outbound::for_invoice(&txn, inv.id).await.map_err(internal)?;
    let view = domain::orders::invoice(&txn, &number).await.map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    let open = inv.total_minor - inv.paid_minor - inv.credited_minor;
    Ok(Some(InvoiceData {
        timeline: server::timeline(deliveries, &d, inv.created_at),
        number: inv.number,
        customer: cust.name,
        customer_id: cust.external_id,
        order_number: view.order_number.unwrap_or_default(),
        status: view.status,
        issued_on: inv.issued_on.to_string(),
        due_on: inv.due_on.to_string(),
        total: domain::money::format(inv.total_minor, &inv.currency),
        open: domain::money::format(open, &inv.currency),
        dunning: d.state,
        paused: d.paused,
        can_promise: open > 0,
        today: today.to_string(),
    }))
}
