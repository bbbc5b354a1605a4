//! `make bench`'s many-tenants measurements. Usage:
//!   tenants_bench <port> <label> <seconds>
//! Signs in on the demo's acme tenant (as its admin) and on the partner console (as Northwind's
//! partner admin), then times, one request at a time, acme's order list for `seconds` and the
//! console's first page for a third of that, after a warm-up of each. Run once with the demo's
//! few tenants and once with 1,000; the server's job engine runs for all of them meanwhile.
//! Prints `key=value` lines prefixed by `label`.
use std::time::{Duration, Instant};

const PASSWORD: &str = "throughline-demo";

fn attr_after<'a>(html: &'a str, marker: &str, attr: &str) -> Option<&'a str> {
    let at = html.find(marker)?;
    let start = html[..at].rfind('<')?;
    let tag = &html[start..html[start..].find('>')? + start];
    let v = &tag[tag.find(&format!("{attr}=\""))? + attr.len() + 2..];
    Some(&v[..v.find('"')?])
}

async fn signed_in(port: &str, host: &str, email: &str) -> (reqwest::Client, String) {
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("an address");
    let c = reqwest::Client::builder().cookie_store(true).resolve(host, addr).timeout(Duration::from_secs(60)).build().expect("a client");
    let base = format!("http://{host}:{port}");
    let login = c.get(format!("{base}/login")).send().await.expect("the sign-in page").text().await.expect("a body");
    let csrf = attr_after(&login, "name=\"csrf\"", "value").expect("a CSRF token").to_owned();
    let r = c.post(format!("{base}/login")).form(&[("email", email), ("password", PASSWORD), ("csrf", csrf.as_str())]).send().await.expect("signs in");
    assert!(r.status().is_success(), "sign-in of {email} answered {}", r.status());
    (c, base)
}

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
    let (tenant, tenant_base) = signed_in(port, "acme.localhost", "admin@acme.test").await;
    let (console, console_base) = signed_in(port, "localhost", "partner@northwind.test").await;
    let orders = format!("{tenant_base}/workspace/orders");
    let partner = format!("{console_base}/partner");
    time_page(&tenant, &orders, "data-testid=\"order-row\"", 2.0).await;
    time_page(&console, &partner, "data-testid=\"tenants\"", 2.0).await;
    report(label, "tenant_page", &time_page(&tenant, &orders, "data-testid=\"order-row\"", secs).await);
    report(label, "console", &time_page(&console, &partner, "data-testid=\"tenants\"", secs / 3.0).await);
}
