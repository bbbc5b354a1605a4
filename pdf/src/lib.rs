//! Invoice and statement PDFs, rendered on the server by Typst used as a library: no browser,
//! no network, no files read at run time. The templates are Typst files in this crate
//! (`templates/`, compiled in with `include_str!`), the fonts are Typst's bundled ones
//! (`typst-assets`), and the data reaches a template only as the file `/data.json` — built
//! from the serde value of [`Invoice`] or [`Statement`] — so nothing a customer typed is ever
//! spliced into markup.
pub mod images;
mod world;

use serde::Serialize;

/// The seller's brand as printed on a document.
#[derive(Clone, Debug, Serialize)]
pub struct Brand {
    /// The distributor's name (`Acme Industrial Supply`).
    pub name: String,
    /// The portal's product name (`Acme Order Hub`).
    pub product_name: String,
    /// `#rrggbb`.
    pub primary_color: String,
    /// Postal address lines; may be empty.
    pub address: Vec<String>,
    /// Where payments go (remit-to lines); may be empty.
    pub remit_to: Vec<String>,
    /// A line above the page footer (the tenant's footer text and support contact); may be
    /// empty.
    pub footer: String,
    /// The logo (an SVG, PNG, JPEG or WebP that [`images::accept`] passed), if any.
    #[serde(skip)]
    pub logo: Option<images::Image>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Party {
    pub name: String,
    pub number: String,
    pub address: Vec<String>,
}

/// One invoice line; amounts arrive formatted with their currency.
#[derive(Clone, Debug, Serialize)]
pub struct Line {
    pub line: String,
    pub sku: String,
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub amount: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Invoice {
    pub number: String,
    pub status: String,
    pub issued_on: String,
    pub due_on: String,
    pub terms: String,
    pub order_number: String,
    pub po_number: String,
    pub currency: String,
    pub customer: Party,
    pub lines: Vec<Line>,
    pub subtotal: String,
    pub tax: String,
    pub total: String,
    pub paid: String,
    pub credited: String,
    pub open: String,
}

/// One row of a statement of account.
#[derive(Clone, Debug, Serialize)]
pub struct StatementRow {
    pub date: String,
    pub kind: String,
    pub reference: String,
    pub due_on: String,
    pub amount: String,
    pub open: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Statement {
    pub as_of: String,
    pub currency: String,
    pub customer: Party,
    pub rows: Vec<StatementRow>,
    /// Aging buckets in order: current, 1-30, 31-60, 61-90, 90+ (formatted).
    pub aging: Vec<(String, String)>,
    pub total_open: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the document could not be laid out: {0}")]
    Layout(String),
    #[error("the document data could not be prepared: {0}")]
    Data(String),
}

const INVOICE: &str = include_str!("../templates/invoice.typ");
const STATEMENT: &str = include_str!("../templates/statement.typ");

/// Renders one invoice under `brand`.
pub fn invoice(brand: &Brand, invoice: &Invoice) -> Result<Vec<u8>, Error> {
    world::render(INVOICE, brand, invoice)
}

/// Renders a statement of account under `brand`.
pub fn statement(brand: &Brand, statement: &Statement) -> Result<Vec<u8>, Error> {
    world::render(STATEMENT, brand, statement)
}

#[cfg(test)]
mod tests;
