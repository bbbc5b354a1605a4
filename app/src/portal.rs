//! What the customer portal's pages show, and the server functions that load it. Each one
//! reads through `domain::portal` with the signed-in customer user's own customer id, so
//! another customer's order, invoice or dispute is "not found" (`None`), whatever the URL or
//! server-function call asks for. Amounts arrive formatted with their currency.
use crate::orders::{OrderPageData, OrdersPage};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ActivityRow {
    pub at: String,
    pub order: String,
    pub summary: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PortalHomeData {
    pub open_orders: i64,
    pub in_transit: i64,
    pub open_invoices: i64,
    /// Per currency, e.g. `USD 1,234.00`; empty when nothing is owed.
    pub total_due: String,
    pub overdue: String,
    pub open_disputes: i64,
    pub activity: Vec<ActivityRow>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InvoiceListRow {
    pub number: String,
    pub status: String,
    pub issued_on: String,
    pub due_on: String,
    pub total: String,
    pub open: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InvoicesData {
    pub rows: Vec<InvoiceListRow>,
    pub next_cursor: Option<String>,
    /// The aging buckets (label, amount) of the first currency owed.
    pub aging: Vec<(String, String)>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InvoiceLineRow {
    pub line: i32,
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    pub unit_price: String,
    pub amount: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MoneyRow {
    pub reference: String,
    pub date: String,
    pub amount: String,
    pub note: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DisputeBriefRow {
    pub number: String,
    pub status: String,
    pub reason: String,
    pub amount: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InvoicePageData {
    pub number: String,
    pub status: String,
    pub issued_on: String,
    pub due_on: String,
    pub terms: String,
    pub order_number: String,
    pub po_number: String,
    pub currency: String,
    pub lines: Vec<InvoiceLineRow>,
    pub subtotal: String,
    pub tax: String,
    pub total: String,
    pub paid: String,
    pub credited: String,
    pub open: String,
    pub payments: Vec<MoneyRow>,
    pub credits: Vec<MoneyRow>,
    pub disputes: Vec<DisputeBriefRow>,
    /// Whether "Dispute this invoice" is offered (something is open and no dispute is).
    pub can_dispute: bool,
    /// How the invoice reached the customer, in plain words.
    pub deliveries: Vec<DeliveryRow>,
    /// Payment reminders sent about it, in plain words.
    pub reminders: Vec<DeliveryRow>,
    /// The promise to pay in force: "You promised $90.00 by 2026-12-20".
    pub promise: Option<String>,
    /// Whether a promise to pay can be made (something is open).
    pub can_promise: bool,
    /// Today in UTC (`YYYY-MM-DD`), the earliest date a promise may name.
    pub today: String,
}

/// One channel's delivery of an invoice: "Sent to ap@initech.test" and when.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DeliveryRow {
    pub text: String,
    /// RFC 3339, when it was sent.
    pub at: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DisputeListRow {
    pub number: String,
    pub status: String,
    pub reason: String,
    pub invoice: String,
    pub amount: String,
    pub answer_by: Option<String>,
    pub opened_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DisputesData {
    pub rows: Vec<DisputeListRow>,
    pub next_cursor: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Attachment {
    pub id: String,
    pub filename: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ThreadMessage {
    pub at: String,
    pub author: String,
    pub author_kind: String,
    pub body: String,
    pub attachments: Vec<Attachment>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DisputePageData {
    pub number: String,
    pub status: String,
    pub reason: String,
    pub description: String,
    pub invoice: String,
    pub amount: String,
    pub answer_by: Option<String>,
    pub opened_at: String,
    pub resolved_at: Option<String>,
    pub resolution_note: Option<String>,
    /// `CM-000001 for USD 10.00`, once credited.
    pub credit_memo: Option<String>,
    /// `line 2 (BRG-6204): 1 unit, USD 7.45`.
    pub lines: Vec<String>,
    pub messages: Vec<ThreadMessage>,
}

/// The dispute reasons a customer chooses from: code and label.
pub const REASONS: [(&str, &str); 7] = [
    ("pricing", "Price is wrong"),
    ("quantity_short", "Fewer units arrived than billed"),
    ("damaged", "Goods arrived damaged"),
    ("not_received", "Goods not received"),
    ("duplicate_billing", "Billed twice"),
    ("tax", "Tax is wrong"),
    ("other", "Something else"),
];

/// A reason's label for people.
pub fn reason_label(code: &str) -> String {
    REASONS.iter().find(|(c, _)| *c == code).map(|(_, l)| (*l).to_owned()).unwrap_or_else(|| code.replace('_', " "))
}

/// A dispute status in words.
pub fn dispute_status_label(status: &str) -> &'static str {
    match status {
        "open" => "Open — being reviewed",
        "resolved_credited" => "Resolved with a credit",
        "rejected" => "Rejected",
        _ => "Unknown",
    }
}

#[cfg(feature = "ssr")]
mod server;
#[cfg(feature = "ssr")]
pub(crate) use server::dispute_data;

/// The portal home's figures.
#[server(prefix = "/sfn", endpoint = "portal_home")]
pub async fn portal_home() -> Result<PortalHomeData, ServerFnError> {
    server::home().await
}

/// One page of the customer's orders.
#[server(prefix = "/sfn", endpoint = "portal_orders")]
pub async fn portal_orders(q: Option<String>, status: Option<String>, from: Option<String>, to: Option<String>, after: Option<String>) -> Result<OrdersPage, ServerFnError> {
    server::orders(q, status, from, to, after).await
}

/// One of the customer's orders; `None` when it is not theirs or does not exist.
#[server(prefix = "/sfn", endpoint = "portal_order")]
pub async fn portal_order(number: String) -> Result<Option<OrderPageData>, ServerFnError> {
    server::order(number).await
}

/// One page of the customer's invoices, with the aging.
#[server(prefix = "/sfn", endpoint = "portal_invoices")]
pub async fn portal_invoices(q: Option<String>, status: Option<String>, after: Option<String>) -> Result<InvoicesData, ServerFnError> {
    server::invoices(q, status, after).await
}

/// One of the customer's invoices; the first view by each user is recorded.
#[server(prefix = "/sfn", endpoint = "portal_invoice")]
pub async fn portal_invoice(number: String) -> Result<Option<InvoicePageData>, ServerFnError> {
    server::invoice(number).await
}

/// One page of the customer's disputes.
#[server(prefix = "/sfn", endpoint = "portal_disputes")]
pub async fn portal_disputes(after: Option<String>) -> Result<DisputesData, ServerFnError> {
    server::disputes(after).await
}

/// One of the customer's disputes with its thread.
#[server(prefix = "/sfn", endpoint = "portal_dispute")]
pub async fn portal_dispute(number: String) -> Result<Option<DisputePageData>, ServerFnError> {
    server::dispute(number).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_and_statuses_read_as_words() {
        assert_eq!(reason_label("quantity_short"), "Fewer units arrived than billed");
        assert_eq!(reason_label("new_reason"), "new reason");
        assert_eq!(dispute_status_label("resolved_credited"), "Resolved with a credit");
        assert_eq!(dispute_status_label("weird"), "Unknown");
    }
}
