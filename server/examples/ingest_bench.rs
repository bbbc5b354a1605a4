//! Load generator for `make bench`: ingests events through the HTTP API from concurrent
//! clients and times the order list. Usage:
//!   ingest_bench <base-url-with-port> <host> <clients> <seconds>
//! Prints one `key=value` line per measurement for scripts/bench.sh.
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// An order event as JSON text, written directly (like pgbench, the load generator should
/// cost the machine little: building and serialising a JSON tree per request cost this one
/// about a tenth of the CPU it shares with the server and the database).
fn order_text(run: &str, n: u64) -> String {
    format!(
        r#"{{"event_id":"{run}-{n}","type":"order.accepted","occurred_at":"{}","source":"erp","payload":{{"number":"{run}-{n}","customer":"C-1001","po_number":"BPO-{n}","currency":"USD","lines":[{{"line":1,"sku":"BRG-6204","quantity":3,"unit_price_minor":745}}]}}}}"#,
        chrono::Utc::now().to_rfc3339()
    )
}

/// A batch of `size` order events as one JSON array.
fn batch_text(run: &str, first: u64, size: u64) -> String {
    let mut out = String::with_capacity(size as usize * 320);
    out.push('[');
    for i in 0..size {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&order_text(run, first + i));
    }
    out.push(']');
    out
}

/// The `accepted` count of an ingestion answer, read without parsing the whole answer.
fn accepted_of(answer: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(answer).ok()?;
    let rest = &text[text.find("\"accepted\":")? + 11..];
    rest[..rest.find(|c: char| !c.is_ascii_digit())?].parse().ok()
}

fn order_event(run: &str, n: u64) -> Value {
    json!({"event_id": format!("{run}-{n}"), "type": "order.accepted", "occurred_at": chrono::Utc::now().to_rfc3339(), "source": "erp",
           "payload": {"number": format!("{run}-{n}"), "customer": "C-1001", "po_number": format!("BPO-{n}"), "currency": "USD",
                       "lines": [{"line": 1, "sku": "BRG-6204", "quantity": 3, "unit_price_minor": 745}]}})
}

/// Customers of the rules phase: every order runs the credit check (each has a limit), and
/// the last one's limit is tiny, so its orders go on credit hold.
const RULE_CUSTOMERS: [&str; 10] = ["C-1002", "C-1003", "C-1004", "C-1006", "C-1007", "C-1010", "C-1011", "C-1014", "C-1015", "C-1030"];
const HELD_CUSTOMER: &str = "C-1030";

fn shipment_event(run: &str, n: u64) -> Value {
    json!({"event_id": format!("{run}-{n}-S"), "type": "shipment.dispatched", "occurred_at": chrono::Utc::now().to_rfc3339(), "source": "erp",
           "payload": {"number": format!("{run}-{n}-S1"), "order_number": format!("{run}-{n}"), "carrier": "UPS", "lines": [{"line": 1, "quantity": 3}]}})
}

/// The rules phase: each client accepts an order (credit check) and dispatches it (billing in
/// generate mode posts its invoice), one event per request, as the plain single-event phase.
/// Every 10th order is for the held customer: the time from sending it until its
/// `credit_hold` exception answers in the exception API is recorded. With `holds` false the
/// same events run without waiting for exceptions: the plain mix, with the rules off.
async fn rules_phase(base: &str, host: &str, tok: &str, clients: usize, secs: u64, run_id: &str, holds: bool) -> (u64, Vec<f64>) {
    let counter = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (base, host, tok, counter, run_id) = (base.to_owned(), host.to_owned(), tok.to_owned(), counter.clone(), run_id.to_owned());
        tasks.push(tokio::spawn(async move {
            let c = reqwest::Client::new();
            let (mut events, mut visible) = (0u64, Vec::new());
            let post = |body: Value| c.post(format!("{base}/api/v1/events")).header("host", &host).bearer_auth(&tok).json(&body).send();
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let held = n % 10 == 9;
                let customer = if held { HELD_CUSTOMER } else { RULE_CUSTOMERS[(n % 9) as usize] };
                let mut order = order_event(&run_id, n);
                order["payload"]["customer"] = json!(customer);
                let t0 = Instant::now();
                let r = post(order).await.expect("post order");
                assert!(r.status().is_success(), "order: {}", r.text().await.unwrap_or_default());
                events += 1;
                if held && holds {
                    let url = format!("{base}/api/v1/exceptions/credit-hold:{run_id}-{n}");
                    loop {
                        let r = c.get(&url).header("host", &host).bearer_auth(&tok).send().await.expect("get exception");
                        if r.status().is_success() {
                            break;
                        }
                        assert!(t0.elapsed() < Duration::from_secs(30), "the credit hold of {run_id}-{n} never showed");
                    }
                    visible.push(t0.elapsed().as_secs_f64() * 1000.0);
                }
                let r = post(shipment_event(&run_id, n)).await.expect("post dispatch");
                assert!(r.status().is_success(), "dispatch: {}", r.text().await.unwrap_or_default());
                events += 1;
            }
            (events, visible)
        }));
    }
    let (mut events, mut visible) = (0, Vec::new());
    for t in tasks {
        let (e, v) = t.await.expect("client task");
        events += e;
        visible.extend(v);
    }
    visible.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    (events, visible)
}

async fn token(c: &reqwest::Client, base: &str, host: &str) -> String {
    token_of(c, base, host, "acme-erp").await
}

async fn token_of(c: &reqwest::Client, base: &str, host: &str, client: &str) -> String {
    let r = c
        .post(format!("{base}/api/v1/oauth/token"))
        .header("host", host)
        .basic_auth(client, Some("throughline-demo-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request");
    r.json::<Value>().await.expect("token json")["access_token"].as_str().expect("token").to_owned()
}

/// Runs `clients` loops for `secs` seconds; each iteration posts what `body(n)` returns.
/// Returns (requests, events, latencies in ms).
async fn run(base: &str, host: &str, tok: &str, clients: usize, secs: u64, per_request: u64, body: Arc<dyn Fn(u64) -> String + Send + Sync>) -> (u64, u64, Vec<f64>) {
    let counter = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (base, host, tok, counter, body) = (base.to_owned(), host.to_owned(), tok.to_owned(), counter.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let c = reqwest::Client::new();
            let mut lat = Vec::new();
            let mut events = 0u64;
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let t0 = Instant::now();
                let r = c
                    .post(format!("{base}/api/v1/events"))
                    .header("host", &host)
                    .bearer_auth(&tok)
                    .header("content-type", "application/json")
                    .body(body(n))
                    .send()
                    .await
                    .expect("post");
                let ok = r.status().is_success();
                let answer = r.bytes().await.unwrap_or_default();
                lat.push(t0.elapsed().as_secs_f64() * 1000.0);
                assert!(ok, "ingestion failed: {}", String::from_utf8_lossy(&answer));
                events += accepted_of(&answer).unwrap_or(0);
            }
            let _ = per_request;
            (lat, events)
        }));
    }
    let mut all = Vec::new();
    let mut events = 0;
    for t in tasks {
        let (l, e) = t.await.expect("client task");
        all.extend(l);
        events += e;
    }
    all.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    (all.len() as u64, events, all)
}

async fn time_gets(c: &reqwest::Client, base: &str, host: &str, auth: (&str, &str), paths: &[String], rounds: usize) -> Vec<f64> {
    let mut lat = Vec::new();
    for i in 0..rounds {
        let p = &paths[i % paths.len()];
        let t0 = Instant::now();
        let r = c.get(format!("{base}{p}")).header("host", host).header(auth.0, auth.1).send().await.expect("get");
        assert!(r.status().is_success(), "{p}: {}", r.status());
        let _ = r.bytes().await;
        lat.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    lat.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    lat
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args.get(1).cloned().unwrap_or_else(|| "http://127.0.0.1:3000".into());
    let host = args.get(2).cloned().unwrap_or_else(|| "acme.localhost".into());
    let clients: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(8);
    let secs: u64 = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(20);
    // Which measurements to run (comma-separated: single, batch, fair, list, mix, rules); all
    // but mix and rules by default (they need the rules and limits bench.sh sets first).
    let only = args.get(5).cloned().unwrap_or_else(|| "single,batch,fair,list".into());
    let wants = |what: &str| only.split(',').any(|w| w == what);
    let c = reqwest::Client::new();
    let tok = token(&c, &base, &host).await;
    let run_id = format!("B{}", chrono::Utc::now().timestamp());

    if wants("single") {
        let r1 = run_id.clone();
        let (reqs, events, lat) = run(&base, &host, &tok, clients, secs, 1, Arc::new(move |n| order_text(&r1, n))).await;
        println!("single_events_per_sec={:.0}", events as f64 / secs as f64);
        println!("single_requests={reqs} single_p50_ms={:.2} single_p99_ms={:.2}", percentile(&lat, 0.5), percentile(&lat, 0.99));
    }

    if wants("batch") {
        let r2 = format!("{run_id}X");
        let (reqs, events, lat) = run(
            &base,
            &host,
            &tok,
            clients,
            secs,
            1000,
            Arc::new(move |n| batch_text(&r2, n * 1000, 1000)),
        )
        .await;
        println!("batch_events_per_sec={:.0}", events as f64 / secs as f64);
        println!("batch_requests={reqs} batch_p50_ms={:.2} batch_p99_ms={:.2}", percentile(&lat, 0.5), percentile(&lat, 0.99));
    }

    if wants("fair") {
        // Fair share: acme ingests flat out while bluegrass, another tenant on the same
        // server and database, lists its orders.
        let (b2, h2, t2, r3) = (base.clone(), host.clone(), tok.clone(), format!("{run_id}F"));
        let load = tokio::spawn(async move { run(&b2, &h2, &t2, clients, secs, 1, Arc::new(move |n| order_text(&r3, n))).await });
        let bg_host = "bluegrass.localhost";
        let bg = token_of(&c, &base, bg_host, "bluegrass-erp").await;
        let bearer = format!("Bearer {bg}");
        let deadline = Instant::now() + Duration::from_secs(secs.saturating_sub(1).max(1));
        let mut lat = Vec::new();
        while Instant::now() < deadline {
            lat.extend(time_gets(&c, &base, bg_host, ("authorization", &bearer), &["/api/v1/orders?limit=50".to_owned()], 1).await);
        }
        let (_, events, _) = load.await.expect("load");
        lat.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
        println!("fair_ingest_events_per_sec={:.0}", events as f64 / secs as f64);
        println!("fair_other_tenant_list_requests={} fair_other_tenant_list_p50_ms={:.2} fair_other_tenant_list_p99_ms={:.2}", lat.len(), percentile(&lat, 0.5), percentile(&lat, 0.99));
    }

    if wants("mix") {
        let r5 = format!("{run_id}M");
        let (events, _) = rules_phase(&base, &host, &tok, clients, secs, &r5, false).await;
        println!("mix_events_per_sec={:.0}", events as f64 / secs as f64);
    }

    if wants("rules") {
        let r4 = format!("{run_id}R");
        let (events, visible) = rules_phase(&base, &host, &tok, clients, secs, &r4, true).await;
        println!("rules_events_per_sec={:.0}", events as f64 / secs as f64);
        println!("rules_exception_visible_count={} rules_exception_visible_p50_ms={:.2} rules_exception_visible_p99_ms={:.2}", visible.len(), percentile(&visible, 0.5), percentile(&visible, 0.99));
    }

    if !wants("list") {
        return;
    }
    // The order list (first pages, filters, and deep keyset pages), through the API.
    let first: Value = c
        .get(format!("{base}/api/v1/orders?limit=50"))
        .header("host", &host)
        .bearer_auth(&tok)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let mut paths = vec![
        "/api/v1/orders?limit=50".to_owned(),
        "/api/v1/orders?limit=50&status=shipped".into(),
        "/api/v1/orders?limit=50&customer=C-1001".into(),
    ];
    if let Some(cur) = first["next_cursor"].as_str() {
        paths.push(format!("/api/v1/orders?limit=50&after={cur}"));
    }
    let bearer = format!("Bearer {tok}");
    let lat = time_gets(&c, &base, &host, ("authorization", &bearer), &paths, 400).await;
    println!("list_api_p50_ms={:.2} list_api_p99_ms={:.2}", percentile(&lat, 0.5), percentile(&lat, 0.99));

    // The staff page itself, signed in as the clerk.
    let jar = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let login = jar.get(format!("{base}/login")).header("host", &host).send().await.expect("login page").text().await.expect("html");
    let csrf = login.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_owned();
    let r = jar
        .post(format!("{base}/login"))
        .header("host", &host)
        .form(&[("email", "clerk@acme.test"), ("password", "throughline-demo"), ("csrf", csrf.as_str())])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 303, "clerk sign-in");
    let pages = vec!["/workspace/orders".to_owned(), "/workspace/orders?status=shipped".into()];
    let lat = time_gets(&jar, &base, &host, ("x-bench", "1"), &pages, 200).await;
    println!("list_page_p50_ms={:.2} list_page_p99_ms={:.2}", percentile(&lat, 0.5), percentile(&lat, 0.99));
}
