//! `make bench`'s many-tenants measurements. Usage:
//!   tenants_bench <port> <label> <seconds>
//! Signs in on the demo's acme tenant (as its admin) and on the partner console (as Northwind's
//! partner admin), then times, one request at a time, acme's order list for `seconds` and the
//! console's first page for a third of that, after a warm-up of each. Run once with the demo's
//! few tenants and once with 1,000; the server's job engine runs for all of them meanwhile.
//! Prints `key=value` lines prefixed by `label`.
#[path = "common/mod.rs"]
mod common;
use std::time::Instant;

const PASSWORD: &str = "throughline-demo";

/// Times GETs of `url` one after another for `secs` seconds; each answer must hold `marker`.
/// Answers the sorted times in milliseconds and the size of the last answer.
async fn time_page(c: &reqwest::Client, url: &str, marker: &str, secs: f64) -> (Vec<f64>, usize) {
    let mut times = Vec::new();
    let mut bytes = 0;
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < secs {
        let t0 = Instant::now();
        let r = c.get(url).send().await.expect("the page answers");
        let status = r.status();
        let html = r.text().await.expect("a body");
        times.push(t0.elapsed().as_secs_f64() * 1000.0);
        assert!(status.is_success() && html.contains(marker), "{url} answered {status} without {marker}");
        bytes = html.len();
    }
    times.sort_by(f64::total_cmp);
    (times, bytes)
}

fn report(label: &str, name: &str, (t, bytes): &(Vec<f64>, usize)) {
    let p = |q: f64| t[((t.len() as f64 - 1.0) * q).round() as usize];
    let mean = t.iter().sum::<f64>() / t.len() as f64;
    println!("{label}_{name}_requests={} {label}_{name}_mean_ms={mean:.2} {label}_{name}_p50_ms={:.2} {label}_{name}_p99_ms={:.2} {label}_{name}_bytes={bytes}", t.len(), p(0.5), p(0.99));
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, port, label, secs] = &args[..] else {
        eprintln!("usage: tenants_bench <port> <label> <seconds>");
        std::process::exit(2);
    };
    let secs: f64 = secs.parse().expect("seconds");
    let (tenant, tenant_base) = common::signed_in(port, "acme.localhost", "admin@acme.test", PASSWORD).await;
    let (console, console_base) = common::signed_in(port, "localhost", "partner@northwind.test", PASSWORD).await;
    let orders = format!("{tenant_base}/workspace/orders");
    let partner = format!("{console_base}/partner");
    time_page(&tenant, &orders, "data-testid=\"order-row\"", 2.0).await;
    time_page(&console, &partner, "data-testid=\"tenants\"", 2.0).await;
    report(label, "tenant_page", &time_page(&tenant, &orders, "data-testid=\"order-row\"", secs).await);
    report(label, "console", &time_page(&console, &partner, "data-testid=\"tenants\"", secs / 3.0).await);
}
