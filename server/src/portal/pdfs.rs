//! The data of the invoice and statement PDFs: amounts formatted with their currency, the
//! tenant's brand (name, colour, logo, address, remit-to). The layout is the `pdf` crate's.
use domain::entity::{customer, invoice};
use domain::money::format;
use domain::portal::{AGING_BUCKETS, PortalInvoice, aging};
use domain::tenancy::TenantInfo;
use sea_orm::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder};

/// The brand as printed: with the uploaded logo (read from the platform database only when
/// the tenant has one), else the SVG it was created with.
pub(crate) async fn brand(db: &domain::Db, t: &TenantInfo) -> domain::Result<pdf::Brand> {
    let uploaded = match t.logo_etag.as_str() {
        "" => None,
        _ => domain::brand_images::load(db, t.id, domain::brand_images::Kind::Logo).await?,
    };
    let logo = match uploaded {
        Some(img) => pdf::images::Format::from_content_type(&img.content_type).map(|format| pdf::images::Image { format, bytes: img.bytes }),
        None => pdf::images::Image::svg_text(&t.logo_svg),
    };
    Ok(pdf::Brand {
        name: t.name.clone(),
        product_name: t.product_name.clone(),
        primary_color: t.primary_color.clone(),
        address: t.address.clone(),
        remit_to: t.remit_to.clone(),
        footer: t.footer_line(),
        logo,
    })
}

pub(crate) fn invoice(p: &PortalInvoice) -> pdf::Invoice {
    let i = &p.invoice;
    let m = |v: i64| format(v, &i.currency);
    pdf::Invoice {
        number: i.number.clone(),
        status: i.status.replace('_', " "),
        issued_on: i.issued_on.to_string(),
        due_on: i.due_on.to_string(),
        terms: p.terms.clone(),
        order_number: i.order_number.clone().unwrap_or_default(),
        po_number: p.po_number.clone().unwrap_or_default(),
        currency: i.currency.clone(),
        customer: pdf::Party { name: p.customer_name.clone(), number: p.customer_number.clone(), address: p.bill_to.clone() },
        lines: i
            .lines
            .iter()
            .map(|l| pdf::Line { line: l.line.to_string(), sku: l.sku.clone(), description: l.description.clone(), quantity: l.quantity.to_string(), unit_price: m(l.unit_price_minor), amount: m(l.amount_minor) })
            .collect(),
        subtotal: m(i.subtotal_minor),
        tax: m(i.tax_minor),
        total: m(i.total_minor),
        paid: m(i.paid_minor),
        credited: m(i.credited_minor),
        open: m(i.open_minor),
    }
}

/// The statement of account: every invoice with money open, oldest due first, and the aging.
pub(crate) async fn statement_data<C: ConnectionTrait>(c: &C, customer_id: Uuid, today: chrono::NaiveDate) -> domain::Result<pdf::Statement> {
    let cu = customer::Entity::find_by_id(customer_id).one(c).await?.ok_or(domain::Error::NotFound)?;
    let open: Vec<invoice::Model> = invoice::Entity::find()
        .filter(invoice::Column::CustomerId.eq(customer_id))
        .filter(invoice::Column::Status.ne("paid"))
        .order_by_asc(invoice::Column::DueOn)
        .all(c)
        .await?
        .into_iter()
        .filter(|i| i.open_minor() > 0)
        .collect();
    let a = aging(c, customer_id, today).await?;
    let currency = a.by_currency.keys().next().cloned().unwrap_or(cu.currency.clone());
    let buckets = a.by_currency.get(&currency).copied().unwrap_or([0; 5]);
    Ok(pdf::Statement {
        as_of: today.to_string(),
        customer: pdf::Party { name: cu.name, number: cu.external_id, address: domain::portal::address_lines(cu.bill_to.as_deref()) },
        rows: open
            .iter()
            .map(|i| pdf::StatementRow {
                date: i.issued_on.to_string(),
                kind: "Invoice".into(),
                reference: i.number.clone(),
                due_on: i.due_on.to_string(),
                amount: format(i.total_minor, &i.currency),
                open: format(i.open_minor(), &i.currency),
            })
            .collect(),
        aging: AGING_BUCKETS.iter().zip(buckets).map(|(l, v)| ((*l).to_owned(), format(v, &currency))).collect(),
        total_open: format(buckets.iter().sum(), &currency),
        currency,
    })
}
