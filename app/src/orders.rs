//! What the staff Orders pages show, and the server functions that load it. Amounts arrive
//! formatted (the server knows each currency's decimals); times arrive as UTC RFC 3339 and
//! are shown in the viewer's local time once the page has hydrated.
use crate::href::{non_empty, with_query};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The order list's filters, as they appear in the query string.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct OrdersQuery {
    pub q: Option<String>,
    pub status: Option<String>,
    pub customer: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub after: Option<String>,
}

impl OrdersQuery {
    /// The list's address with these filters, with `after` replaced.
    pub fn href(&self, after: Option<&str>) -> String {
        self.link("/workspace/orders", after)
    }

    /// The CSV export of every order that these filters match.
    pub fn csv_href(&self) -> String {
        self.link("/workspace/orders.csv", None)
    }

    fn link(&self, base: &str, after: Option<&str>) -> String {
        let fields = [("q", &self.q), ("status", &self.status), ("customer", &self.customer), ("from", &self.from), ("to", &self.to)];
        with_query(base, fields.into_iter().filter_map(|(k, v)| Some((k, non_empty(v)?))).chain(after.map(|a| ("after", a))))
    }
}

/// `20.5 LB`; empty when the weight is unknown.
pub fn weight_label(weight: Option<f64>, unit: Option<&str>) -> String {
    match (weight, unit) {
        (Some(w), Some(u)) => format!("{w} {u}"),
        (Some(w), None) => w.to_string(),
        (None, _) => String::new(),
    }
}

/// `16 × 12 × 10 IN` (an unknown side as `?`); empty when no side is known.
pub fn dimensions_label(sides: [Option<f64>; 3], unit: Option<&str>) -> String {
    if sides.iter().all(Option::is_none) {
        return String::new();
    }
    let text: Vec<String> = sides.iter().map(|v| v.map(|v| v.to_string()).unwrap_or_else(|| "?".into())).collect();
    let unit = unit.map(|u| format!(" {u}")).unwrap_or_default();
    format!("{}{unit}", text.join(" × "))
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OrderRow {
    pub number: String,
    pub customer: String,
    pub customer_name: String,
    pub po_number: String,
    pub channel: String,
    pub status: String,
    pub total: String,
    pub ordered_at: String,
    pub promised_date: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OrdersPage {
    pub rows: Vec<OrderRow>,
    pub next_cursor: Option<String>,
    pub statuses: Vec<String>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LineRow {
    pub line: i32,
    pub sku: String,
    pub description: String,
    pub ordered: i64,
    pub shipped: i64,
    pub invoiced: i64,
    pub unit_price: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DocRow {
    pub id: String,
    pub filename: String,
    pub kind: String,
    pub size: i64,
}

/// A carton or pallet of a shipment, as the order page shows it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PackRow {
    /// The SSCC-18 on its label; empty when none was sent.
    pub sscc: String,
    /// `20.5 LB`; empty when unknown.
    pub weight: String,
    /// `16 × 12 × 10 IN`; empty when unknown.
    pub dimensions: String,
    /// `line 1 × 6, line 2 × 3`.
    pub contents: String,
    pub serials: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ShipmentRow {
    pub number: String,
    pub status: String,
    pub carrier: String,
    pub tracking_number: String,
    pub tracking_url: Option<String>,
    pub dispatched_at: Option<String>,
    pub delivered_at: Option<String>,
    pub lines: String,
    /// Serial numbers of units not in a pack.
    pub loose_serials: Vec<String>,
    pub packs: Vec<PackRow>,
    pub documents: Vec<DocRow>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InvoiceRow {
    pub number: String,
    pub status: String,
    pub issued_on: String,
    pub due_on: String,
    pub total: String,
    pub paid: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PaymentRow {
    pub payment: String,
    pub invoice: String,
    pub amount: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TimelineRow {
    pub at: String,
    pub kind: String,
    pub source: String,
    pub summary: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OrderPageData {
    pub head: OrderRow,
    /// Delivery requested; empty when none.
    pub requested_date: String,
    /// Shipment requested; empty when none.
    pub requested_ship_date: String,
    /// Cancel if not shipped by; empty when none.
    pub cancel_after: String,
    pub lines: Vec<LineRow>,
    pub shipments: Vec<ShipmentRow>,
    pub invoices: Vec<InvoiceRow>,
    pub payments: Vec<PaymentRow>,
    pub timeline: Vec<TimelineRow>,
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::*;
    use domain::auth::Principal;
    use domain::tenancy::Scope;
    use domain::types::Role;

    /// The tenant and the signed-in staff member of this request, or an error.
    pub fn staff() -> Result<(domain::Db, domain::tenancy::TenantInfo), ServerFnError> {
        let parts: http::request::Parts = use_context().ok_or_else(|| ServerFnError::new("no request context"))?;
        let principal = parts.extensions.get::<Principal>().ok_or_else(|| ServerFnError::new("sign in first"))?;
        if !matches!(principal.role, Role::TenantAdmin | Role::ArClerk | Role::CustomerService) {
            return Err(ServerFnError::new("this page is for staff"));
        }
        let Some(Scope::Tenant(t)) = parts.extensions.get::<Scope>().cloned() else { return Err(ServerFnError::new("not a tenant host")) };
        let db = parts.extensions.get::<domain::Db>().cloned().ok_or_else(|| ServerFnError::new("no database"))?;
        Ok((db, t))
    }

    pub fn row(o: domain::orders::OrderSummary) -> OrderRow {
        OrderRow {
            total: domain::money::format(o.total_minor, &o.currency),
            number: o.number,
            customer: o.customer,
            customer_name: o.customer_name,
            po_number: o.po_number.unwrap_or_default(),
            channel: o.channel,
            status: o.status,
            ordered_at: o.ordered_at.to_rfc3339(),
            promised_date: o.promised_date.map(|d| d.to_string()).unwrap_or_default(),
        }
    }

    /// A pack as the order page shows it.
    pub fn pack_row(p: &domain::orders::PackView) -> PackRow {
        PackRow {
            sscc: p.sscc.clone().unwrap_or_default(),
            weight: weight_label(p.weight, p.weight_unit.as_deref()),
            dimensions: dimensions_label([p.length, p.width, p.height], p.dimension_unit.as_deref()),
            contents: p.contents.iter().map(|c| format!("line {} × {}", c.line, c.quantity)).collect::<Vec<_>>().join(", "),
            serials: p.contents.iter().flat_map(|c| c.serials.iter().cloned()).collect(),
        }
    }

    /// Serial numbers of a shipment's lines that no pack of it holds.
    pub fn loose_serials(s: &domain::orders::ShipmentView) -> Vec<String> {
        let packed: std::collections::HashSet<&String> = s.packs.iter().flat_map(|p| &p.contents).flat_map(|c| &c.serials).collect();
        s.lines.iter().flat_map(|l| &l.serials).filter(|x| !packed.contains(x)).cloned().collect()
    }


    /// An order as the order pages (staff and portal) show it.
    pub fn order_data(d: domain::orders::OrderDetail) -> OrderPageData {
        let cur = d.order.currency.clone();
        let money = |m: i64| domain::money::format(m, &cur);
        OrderPageData {
            requested_date: d.order.requested_date.map(|d| d.to_string()).unwrap_or_default(),
            requested_ship_date: d.order.requested_ship_date.map(|d| d.to_string()).unwrap_or_default(),
            cancel_after: d.order.cancel_after.map(|d| d.to_string()).unwrap_or_default(),
            lines: d
                .lines
                .iter()
                .map(|l| LineRow { line: l.line, sku: l.sku.clone(), description: l.description.clone(), ordered: l.quantity, shipped: l.quantity_shipped, invoiced: l.quantity_invoiced, unit_price: money(l.unit_price_minor) })
                .collect(),
            shipments: d
                .shipments
                .iter()
                .map(|s| ShipmentRow {
                    number: s.number.clone(),
                    status: s.status.clone(),
                    carrier: [s.carrier.clone(), s.service.clone()].into_iter().flatten().collect::<Vec<_>>().join(" "),
                    tracking_number: s.tracking_number.clone().unwrap_or_default(),
                    tracking_url: s.tracking_url.clone().filter(|u| u.starts_with("https://") || u.starts_with("http://")),
                    dispatched_at: s.dispatched_at.map(|t| t.to_rfc3339()),
                    delivered_at: s.delivered_at.map(|t| t.to_rfc3339()),
                    lines: s.lines.iter().map(|l| format!("line {} × {}", l.line, l.quantity)).collect::<Vec<_>>().join(", "),
                    loose_serials: loose_serials(s),
                    packs: s.packs.iter().map(pack_row).collect(),
                    documents: s.documents.iter().map(|d| DocRow { id: d.id.to_string(), filename: d.filename.clone(), kind: d.kind.clone(), size: d.size }).collect(),
                })
                .collect(),
            invoices: d
                .invoices
                .iter()
                .map(|i| InvoiceRow { number: i.number.clone(), status: i.status.clone(), issued_on: i.issued_on.to_string(), due_on: i.due_on.to_string(), total: money(i.total_minor), paid: money(i.paid_minor) })
                .collect(),
            payments: d.payments.iter().map(|p| PaymentRow { payment: p.payment_number.clone(), invoice: p.invoice_number.clone(), amount: money(p.amount_minor) }).collect(),
            timeline: d.timeline.iter().map(|e| TimelineRow { at: e.occurred_at.to_rfc3339(), kind: e.kind.clone(), source: e.source.clone(), summary: e.summary.clone() }).collect(),
            head: row(d.order),
        }
    }

    /// The one conversion of a service error for a page: logged in full, shown as the
    /// error's public message (no database text reaches a browser).
    pub fn internal(e: impl Into<domain::AppError>) -> ServerFnError {
        let e: domain::AppError = e.into();
        tracing::error!(error = %e, status = e.status(), "page data failed");
        ServerFnError::new(e.public_message())
    }
}

/// One page of the order list. The filters travel as separate optional fields, which the
/// URL-encoded server-function call can carry.
#[server(prefix = "/sfn")]
pub async fn list_orders(
    q: Option<String>,
    status: Option<String>,
    customer: Option<String>,
    from: Option<String>,
    to: Option<String>,
    after: Option<String>,
) -> Result<OrdersPage, ServerFnError> {
    let (db, t) = server::staff()?;
    let statuses = domain::events::ORDER_STATUSES.iter().map(|s| s.to_string()).collect();
    let filter = match domain::orders::OrderFilter::from_form(q, status, customer, from.as_deref(), to.as_deref()) {
        Ok(f) => f,
        Err(e) => return Ok(OrdersPage { rows: vec![], next_cursor: None, statuses, error: Some(e.to_string()) }),
    };
    let txn = db.tenant_txn(&t.slug).await.map_err(server::internal)?;
    let page = domain::orders::list(&txn, &filter, 50, after.as_deref()).await;
    let _ = txn.commit().await;
    match page {
        Ok(p) => Ok(OrdersPage { rows: p.items.into_iter().map(server::row).collect(), next_cursor: p.next_cursor, statuses, error: None }),
        Err(domain::Error::Invalid(m)) => Ok(OrdersPage { rows: vec![], next_cursor: None, statuses, error: Some(m) }),
        Err(e) => Err(server::internal(e)),
    }
}

/// One order with everything that happened to it; `None` when there is no such order here.
#[server(prefix = "/sfn")]
pub async fn order_page(number: String) -> Result<Option<OrderPageData>, ServerFnError> {
    let (db, t) = server::staff()?;
    let txn = db.tenant_txn(&t.slug).await.map_err(server::internal)?;
    let d = domain::orders::detail(&txn, &number).await;
    let _ = txn.commit().await;
    let d = match d {
        Ok(d) => d,
        Err(domain::Error::NotFound) => return Ok(None),
        Err(e) => return Err(server::internal(e)),
    };
    Ok(Some(server::order_data(d)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_and_dimensions_read_as_numbers_with_their_units() {
        let weights = [((Some(20.5), Some("LB")), "20.5 LB"), ((Some(12.0), Some("KG")), "12 KG"), ((Some(3.0), None), "3"), ((None, Some("LB")), "")];
        for ((w, u), want) in weights {
            assert_eq!(weight_label(w, u), want);
        }
        let dims = [
            (([Some(16.0), Some(12.0), Some(10.5)], Some("IN")), "16 × 12 × 10.5 IN"),
            (([Some(40.0), None, Some(30.0)], Some("CM")), "40 × ? × 30 CM"),
            (([None, None, None], Some("IN")), ""),
        ];
        for ((sides, u), want) in dims {
            assert_eq!(dimensions_label(sides, u), want);
        }
    }

    #[test]
    fn filter_links_keep_the_filters_and_encode_them() {
        let q = OrdersQuery { q: Some("PO 7&x".into()), status: Some("shipped".into()), ..Default::default() };
        assert_eq!(q.href(None), "/workspace/orders?q=PO%207%26x&status=shipped");
        assert_eq!(q.href(Some("abc")), "/workspace/orders?q=PO%207%26x&status=shipped&after=abc");
        assert_eq!(OrdersQuery::default().href(None), "/workspace/orders");
        let paged = OrdersQuery { status: Some("paid".into()), after: Some("abc".into()), ..Default::default() };
        assert_eq!(paged.csv_href(), "/workspace/orders.csv?status=paid");
    }
}
