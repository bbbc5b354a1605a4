//! The customer portal's read models and the few writes a customer makes (an invoice viewed).
//! Every function takes the signed-in customer's id and answers only that customer's rows:
//! another customer's order, invoice or document is `NotFound`, exactly like one that does not
//! exist, so ids changed in a URL reveal nothing.
mod aging;
mod home;
mod invoices;

pub use aging::{AGING_BUCKETS, Aging, aging, bucket};
pub use home::{Activity, Home, home};
pub use invoices::{INVOICE_FILTERS, InvoiceFilter, InvoicePage, InvoiceRow, PortalInvoice, address_lines, invoice, invoice_of, invoices, record_view, shown_status, to_csv};

use crate::entity::{document, order, shipment};
use crate::orders::{DocumentView, OrderDetail, OrderFilter, OrderPage};
use crate::{Error, Result};
use sea_orm::prelude::*;
use sea_orm::ConnectionTrait;

/// One page of the customer's orders: the staff list's filters, always limited to `customer`.
pub async fn orders<C: ConnectionTrait>(c: &C, customer: Uuid, f: &OrderFilter, limit: u64, after: Option<&str>) -> Result<OrderPage> {
    let f = OrderFilter { customer: None, customer_id: Some(customer), ..f.clone() };
    crate::orders::page(c, &f, limit, after).await
}

/// One of the customer's orders with its lines, shipments, documents, invoices and timeline.
pub async fn order<C: ConnectionTrait>(c: &C, customer: Uuid, number: &str) -> Result<OrderDetail> {
    let o = order::Entity::find().filter(order::Column::Number.eq(number)).one(c).await?;
    if o.is_none_or(|o| o.customer_id != customer) {
        return Err(Error::NotFound);
    }
    crate::orders::detail(c, number).await
}

/// A document the customer may download: a proof of delivery or packing list of one of
/// their shipments, a document of one of their orders or invoices, evidence in one of their
/// disputes, or a file they uploaded themselves. Anything else is `NotFound`.
pub async fn document<C: ConnectionTrait>(c: &C, customer: Uuid, id: Uuid) -> Result<(DocumentView, String)> {
    let d = document::Entity::find_by_id(id).one(c).await?.ok_or(Error::NotFound)?;
    if !may_read(c, customer, &d).await? {
        return Err(Error::NotFound);
    }
    let key = d.object_key.clone();
    Ok((d.into(), key))
}

async fn may_read<C: ConnectionTrait>(c: &C, customer: Uuid, d: &document::Model) -> Result<bool> {
    if d.customer_id == Some(customer) {
        return Ok(true);
    }
    let order_id = match (d.order_id, d.shipment_id) {
        (Some(o), _) => Some(o),
        (None, Some(s)) => shipment::Entity::find_by_id(s).one(c).await?.map(|s| s.order_id),
        (None, None) => None,
    };
    if let Some(o) = order_id {
        return Ok(order::Entity::find_by_id(o).one(c).await?.is_some_and(|o| o.customer_id == customer));
    }
    if let Some(i) = d.invoice_id {
        return Ok(crate::entity::invoice::Entity::find_by_id(i).one(c).await?.is_some_and(|i| i.customer_id == customer));
    }
    if let Some(x) = d.dispute_id {
        return Ok(crate::workflow::disputes::dispute::Entity::find_by_id(x).one(c).await?.is_some_and(|x| x.customer_id == customer));
    }
    Ok(false)
}

