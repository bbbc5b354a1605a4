//! `make bench`'s portal measurements. Usage:
//!   portal_bench <base-url-with-port> <host> <email> <password> <requests>
//! Signs in as a customer user and times their order list and invoice list pages (walking
//! the keyset pages by their "Next page" links, 20 deep, then from the start again), then
//! renders a three-page invoice PDF (120 lines, logo) in this process: one at a time for the
//! latency, and on every core at once for the rate. Prints `key=value` lines.
#[path = "common/mod.rs"]
mod common;
use common::attr_after;
use std::time::Instant;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn time_list(c: &reqwest::Client, base: &str, path: &str, requests: usize, row_marker: &str) -> Vec<f64> {
    let mut times = Vec::with_capacity(requests);
    let mut next: Option<String> = None;
    let mut depth = 0;
    for _ in 0..requests {
        let url = format!("{base}{}", next.as_deref().unwrap_or(path)).replace("&amp;", "&");
        let t0 = Instant::now();
        let r = c.get(&url).send().await.expect("the page answers");
        let status = r.status();
        let html = r.text().await.expect("a body");
        times.push(t0.elapsed().as_secs_f64() * 1000.0);
        assert!(status.is_success() && html.contains(row_marker), "{url} answered {status} without rows");
        depth += 1;
        next = if depth < 20 { attr_after(&html, "rel=\"next\"", "href").map(str::to_owned) } else { None };
        if next.is_none() {
            depth = 0;
        }
    }
    times.sort_by(f64::total_cmp);
    times
}

fn invoice_doc() -> (pdf::Brand, pdf::Invoice) {
    let brand = pdf::Brand {
        name: "Acme Industrial Supply".into(),
        product_name: "Acme Order Hub".into(),
        primary_color: "#1d4ed8".into(),
        address: vec!["400 Industrial Pkwy".into(), "Louisville, KY 40218".into()],
        remit_to: vec!["Acme Industrial Supply".into(), "Lockbox 4410".into()],
        footer: String::new(),
        logo: pdf::images::Image::svg_text(r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="#1d4ed8"/><text x="32" y="44" font-size="36" text-anchor="middle" fill="#fff">A</text></svg>"##),
    };
    let lines = (1..=120)
        .map(|i| pdf::Line { line: i.to_string(), sku: format!("BRG-{i:04}"), description: format!("Deep groove ball bearing, size {i}"), quantity: "4".into(), unit_price: "USD 7.45".into(), amount: "USD 29.80".into() })
        .collect();
    let inv = pdf::Invoice {
        number: "INV-000042".into(),
        status: "open".into(),
        issued_on: "2026-11-02".into(),
        due_on: "2026-12-02".into(),
        terms: "NET30".into(),
        order_number: "SO-100001".into(),
        po_number: "PO-40000".into(),
        currency: "USD".into(),
        customer: pdf::Party { name: "Initech Manufacturing".into(), number: "C-1001".into(), address: vec!["1 Initech Way".into(), "Austin, TX 78701".into()] },
        lines,
        subtotal: "USD 3,576.00".into(),
        tax: "USD 250.32".into(),
        total: "USD 3,826.32".into(),
        paid: "USD 0.00".into(),
        credited: "USD 0.00".into(),
        open: "USD 3,826.32".into(),
    };
    (brand, inv)
}

fn pdf_phase(renders: usize) {
    let (brand, inv) = invoice_doc();
    let first = pdf::invoice(&brand, &inv).expect("renders");
    let mut times: Vec<f64> = (0..renders)
        .map(|_| {
            let t0 = Instant::now();
            pdf::invoice(&brand, &inv).expect("renders");
            t0.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let t0 = Instant::now();
    let per = renders.div_ceil(cores);
    std::thread::scope(|s| {
        for _ in 0..cores {
            s.spawn(|| (0..per).for_each(|_| drop(pdf::invoice(&brand, &inv).expect("renders"))));
        }
    });
    let rate = (per * cores) as f64 / t0.elapsed().as_secs_f64();
    println!("pdf_bytes={} pdf_renders={renders} pdf_p50_ms={:.1} pdf_p99_ms={:.1} pdf_renders_per_sec={rate:.0} cores={cores}", first.len(), percentile(&times, 0.5), percentile(&times, 0.99));
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, host, email, password, requests] = &args[..] else {
        eprintln!("usage: portal_bench <base-url-with-port> <host> <email> <password> <requests>");
        std::process::exit(2);
    };
    let requests: usize = requests.parse().expect("a number of requests");
    let port = base.rsplit(':').next().expect("a port");
    let (c, base) = common::signed_in(port, host, email, password).await;
    for (name, path, marker) in [("portal_orders", "/portal/orders", "data-testid=\"order-row\""), ("portal_invoices", "/portal/invoices", "data-testid=\"invoice-row\"")] {
        time_list(&c, &base, path, 20, marker).await;
        let t = time_list(&c, &base, path, requests, marker).await;
        println!("{name}_requests={requests} {name}_p50_ms={:.1} {name}_p99_ms={:.1}", percentile(&t, 0.5), percentile(&t, 0.99));
    }
    pdf_phase(200);
}
