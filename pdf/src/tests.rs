use super::*;

fn brand() -> Brand {
    Brand {
        name: "Acme Industrial Supply".into(),
        product_name: "Acme Order Hub".into(),
        primary_color: "#1d4ed8".into(),
        address: vec!["100 Main St".into(), "Louisville, KY 40202".into()],
        remit_to: vec!["Acme Industrial Supply, Lockbox 1234".into()],
        footer: "Acme Industrial Supply · Support: help@acme.test".into(),
        logo: images::Image::svg_text(r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="#1d4ed8"/></svg>"##),
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
    let bare = Brand { logo: None, address: vec![], remit_to: vec![], footer: String::new(), ..brand() };
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

/// A PNG of `w` × `h` pixels, drawn in the test.
fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(w, h, image::Rgba([29, 78, 216, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

const HOSTILE_SVG: &str = r##"<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 64 64" onload="alert(1)">
  <script>alert(document.cookie)</script>
  <style>@import url(https://evil.test/x.css);</style>
  <a href="javascript:alert(2)"><rect width="64" height="64" fill="#047857"/></a>
  <image href="https://evil.test/track.png" width="10" height="10"/>
  <image xlink:href="/etc/passwd" width="10" height="10"/>
  <foreignObject width="10" height="10"><iframe src="https://evil.test/"/></foreignObject>
  <text x="8" y="40" font-family="Arial" font-size="24" fill="#fff">AB</text>
</svg>"##;

#[test]
fn brand_images_are_accepted_cleaned_or_refused() {
    let mut truncated = png(8, 8);
    truncated.truncate(truncated.len() - 20);
    // (file, accepted format or the start of the reason it is refused)
    let cases: Vec<(&str, Vec<u8>, Result<images::Format, &str>)> = vec![
        ("png", png(120, 40), Ok(images::Format::Png)),
        ("svg", br##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4" fill="#000"/></svg>"##.to_vec(), Ok(images::Format::Svg)),
        ("hostile svg", HOSTILE_SVG.as_bytes().to_vec(), Ok(images::Format::Svg)),
        ("empty", vec![], Err("the file is empty")),
        ("text", b"hello, world".to_vec(), Err("the file is not a PNG, JPEG, WebP or SVG")),
        ("gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(), Err("GIF images are not accepted")),
        ("truncated png", truncated, Err("the image is damaged")),
        ("too wide", png(MAX + 1, 1), Err("the image is larger than 4096")),
        ("svg drawing nothing", br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec(), Err("the SVG draws nothing")),
        ("broken svg", b"<svg xmlns='http://www.w3.org/2000/svg'><rect</svg>".to_vec(), Err("the SVG could not be read")),
        ("svgz", vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0], Err("compressed SVG (.svgz) is not accepted")),
        ("jpeg", encoded(image::ImageFormat::Jpeg), Ok(images::Format::Jpeg)),
        ("webp", encoded(image::ImageFormat::WebP), Ok(images::Format::Webp)),
    ];
    for (name, bytes, want) in cases {
        match (images::accept(&bytes), want) {
            (Ok(img), Ok(format)) => assert_eq!(img.format, format, "{name}"),
            (Err(reason), Err(start)) => assert!(reason.starts_with(start), "{name}: {reason}"),
            (got, want) => panic!("{name}: got {got:?}, wanted {want:?}"),
        }
    }
}
const MAX: u32 = images::MAX_SIDE;

/// A small image in `format`, drawn in the test.
fn encoded(format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(24, 12, image::Rgb([4, 120, 87]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

#[test]
fn a_hostile_svg_keeps_its_drawing_and_loses_everything_else() {
    let clean = String::from_utf8(images::accept(HOSTILE_SVG.as_bytes()).unwrap().bytes).unwrap();
    for gone in ["script", "onload", "alert", "javascript", "evil.test", "passwd", "foreignObject", "iframe", "@import", "<a "] {
        assert!(!clean.contains(gone), "{gone:?} survived cleaning: {clean}");
    }
    assert!(clean.contains("#047857"), "the rectangle is kept: {clean}");
    // The text is drawn as paths in a face we have: no <text>, more than the one rectangle.
    assert!(!clean.contains("<text"), "text became paths: {clean}");
    assert!(clean.matches("<path").count() >= 2, "the letters are paths: {clean}");
}

#[test]
fn a_raster_logo_is_drawn_on_the_invoice() {
    let with_png = Brand { logo: Some(images::accept(&png(300, 100)).unwrap()), ..brand() };
    let pdf = invoice(&with_png, &invoice_with(1)).unwrap();
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let images = doc.objects.values().filter(|o| o.as_stream().is_ok_and(|s| s.dict.get(b"Subtype").and_then(|t| t.as_name()).is_ok_and(|n| n == b"Image"))).count();
    assert!(images >= 1, "the PNG is an image in the PDF");
    let without = invoice(&Brand { logo: None, ..brand() }, &invoice_with(1)).unwrap();
    let doc = lopdf::Document::load_mem(&without).unwrap();
    assert!(!doc.objects.values().any(|o| o.as_stream().is_ok_and(|s| s.dict.get(b"Subtype").and_then(|t| t.as_name()).is_ok_and(|n| n == b"Image"))), "no logo, no image");
}
