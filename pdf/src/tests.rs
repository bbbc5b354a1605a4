use super::*;

fn brand() -> Brand {
    Brand {
        name: "Acme Industrial Supply".into(),
        product_name: "Acme Order Hub".into(),
        primary_color: "#1d4ed8".into(),
        address: vec!["100 Main St".into(), "Louisville, KY 40202".into()],
        remit_to: vec!["Acme Industrial Supply, Lockbox 1234".into()],
        footer: "Acme Industrial Supply · Support: help@acme.test".into(),
        logo_svg: r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="#1d4ed8"/></svg>"##.into(),
    }
}

pub(crate) fn invoice_with(lines: usize) -> Invoice {
    Invoice {
        number: "INV-000042".into(),
        status: "open".into(),
        issued_on: "2026-11-02".into(),
        due_on: "2026-12-02".into(),
        terms: "NET30".into(),
        order_number: "SO-100001".into(),
        po_number: "PO-77 \"#strong[x]\" $ \\".into(),
        currency: "USD".into(),
        customer: Party { name: "Initech Manufacturing".into(), number: "C-1001".into(), address: vec!["1 Initech Way".into()] },
        lines: (1..=lines)
            .map(|i| Line { line: i.to_string(), sku: format!("BRG-{i:04}"), description: format!("Ball bearing #{i} *not bold*"), quantity: "4".into(), unit_price: "$7.45".into(), amount: "$29.80".into() })
            .collect(),
        subtotal: "$3,576.00".into(),
        tax: "$250.32".into(),
        total: "$3,826.32".into(),
        paid: "$0.00".into(),
        credited: "$0.00".into(),
        open: "$3,826.32".into(),
    }
}

/// The PDF's text, as a reader would extract it.
pub(crate) fn text_of(pdf: &[u8]) -> String {
    pdf_extract::extract_text_from_mem(pdf).expect("a readable PDF")
}

pub(crate) fn pages(pdf: &[u8]) -> usize {
    lopdf::Document::load_mem(pdf).expect("a readable PDF").get_pages().len()
}

#[test]
fn an_invoice_renders_as_a_pdf_whose_pages_grow_with_its_lines() {
    let short = invoice(&brand(), &invoice_with(3)).unwrap();
    assert!(short.starts_with(b"%PDF-"));
    assert_eq!(pages(&short), 1);
    let long = invoice(&brand(), &invoice_with(120)).unwrap();
    assert_eq!(pages(&long), 3, "120 lines flow over three pages");
    let text = text_of(&long);
    for want in ["INV-000042", "Acme Industrial Supply", "$3,826.32", "Initech Manufacturing", "Lockbox 1234", "BRG-0120", "Page 3 of 3", "Support: help@acme.test"] {
        assert!(text.contains(want), "{want:?} missing from the PDF text");
    }
    // The table header repeats on every page.
    assert_eq!(text.matches("Unit price").count(), 3, "one header per page");
}

#[test]
fn markup_in_the_data_is_printed_as_text_not_evaluated() {
    // A PO number full of Typst syntax must not break the layout (it would if spliced in).
    let pdf = invoice(&brand(), &invoice_with(2)).unwrap();
    let text = text_of(&pdf);
    assert!(text.contains("#strong[x]"), "the PO is printed literally: {text}");
    assert!(text.contains("*not bold*"), "descriptions are printed literally");
}

#[test]
fn a_brand_without_logo_address_or_remit_to_still_renders() {
    let bare = Brand { logo_svg: String::new(), address: vec![], remit_to: vec![], footer: String::new(), ..brand() };
    assert!(invoice(&bare, &invoice_with(1)).unwrap().starts_with(b"%PDF-"));
}

#[test]
fn a_bad_colour_is_a_layout_error_not_a_panic() {
    let bad = Brand { primary_color: "not-a-colour".into(), ..brand() };
    assert!(matches!(invoice(&bad, &invoice_with(1)), Err(Error::Layout(_))));
}

#[test]
fn a_statement_renders_with_its_aging_buckets() {
    let s = Statement {
        as_of: "2026-11-26".into(),
        currency: "USD".into(),
        customer: Party { name: "Initech Manufacturing".into(), number: "C-1001".into(), address: vec![] },
        rows: (0..40).map(|i| StatementRow { date: "2026-10-01".into(), kind: "Invoice".into(), reference: format!("INV-{i}"), due_on: "2026-10-31".into(), amount: "$10.00".into(), open: "$10.00".into() }).collect(),
        aging: ["Current", "1-30", "31-60", "61-90", "90+"].iter().map(|b| (b.to_string(), "$80.00".to_string())).collect(),
        total_open: "$400.00".into(),
    };
    let text = text_of(&statement(&brand(), &s).unwrap());
    for want in ["STATEMENT", "31-60", "INV-39", "$400.00", "Initech Manufacturing", "Support: help@acme.test"] {
        assert!(text.contains(want), "{want:?} missing from the statement");
    }
}
