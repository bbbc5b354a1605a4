//! EDI X12 through the API and the command line: 850 → order, 856 → shipment, 997 per group,
//! 810 for an invoice, malformed and oversized interchanges, separators inside outbound data,
//! and tenant isolation.
mod common;
use common::*;
use domain::edi::EdiLimits;
use domain::seed::DEMO_API_SECRET;
use serde_json::{Value, json};

const ACME: &str = "acme.localhost";
const BG: &str = "bluegrass.localhost";

fn interchange(sender: &str, control: u32, sets: &[String], functional_id: &str) -> String {
    let mut s = format!("ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*DISTRIBUTOR    *261124*0930*U*00401*{control:09}*0*P*>~\n");
    s.push_str(&format!("GS*{functional_id}*{sender}*DISTRIBUTOR*20261124*0930*{control}*X*004010~\n"));
    for (i, body) in sets.iter().enumerate() {
        let n = body.matches('~').count() + 2;
        let set_id = if functional_id == "PO" { "850" } else { "856" };
        s.push_str(&format!("ST*{set_id}*{:04}~\n{body}SE*{n}*{:04}~\n", i + 1, i + 1));
    }
    s.push_str(&format!("GE*{}*{control}~\nIEA*1*{control:09}~\n", sets.len()));
    s
}

fn po_850(po: &str, customer_id: &str) -> String {
    format!(
        "BEG*00*SA*{po}**20261124~\nCUR*BY*USD~\nDTM*002*20261201~\nN1*BY*Initech Manufacturing*92*{customer_id}~\n\
         PO1*1*10*EA*2.50**VP*BRG-6204~\nPID*F****Deep groove ball bearing~\nPO1*2*3*EA*38.9**VP*HYD-HOSE-12~\nCTT*2~\n"
    )
}

fn asn_856(shipment: &str, po: &str) -> String {
    format!(
        "BSN*00*{shipment}*20261125*1400~\nHL*1**S~\nTD5*B*2*UPSN*M*UPS Ground~\nREF*CN*1Z999AA10123456784~\nN1*SF*Main DC~\n\
         HL*2*1*O~\nPRF*{po}~\nHL*3*2*I~\nLIN**VP*BRG-6204~\nSN1**10*EA~\nHL*4*2*I~\nLIN**VP*HYD-HOSE-12~\nSN1**1*EA~\n"
    )
}

async fn token(app: &TestApp, host: &str, client: &str) -> String {
    let r = app.browser().post(app.url(host, "/api/v1/oauth/token")).basic_auth(client, Some(DEMO_API_SECRET)).form(&[("grant_type", "client_credentials")]).send().await.unwrap();
    r.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
}

async fn post_edi(app: &TestApp, host: &str, token: &str, body: &str) -> reqwest::Response {
    app.browser().post(app.url(host, "/api/v1/edi")).bearer_auth(token).header("content-type", "application/edi-x12").body(body.to_owned()).send().await.unwrap()
}

#[tokio::test]
async fn an_850_becomes_an_order_an_856_its_shipment_each_group_gets_a_997_and_an_invoice_renders_as_810() {
    let app = spawn_app().await;
    let t = token(&app, ACME, "acme-erp").await;
    let x850 = interchange("INITECH", 101, &[po_850("PO-7788", "C-1001"), po_850("PO-7789", "NOBODY").replace("Initech Manufacturing", "Nobody Ltd")], "PO");
    let r = post_edi(&app, ACME, &t, &x850).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["sets"][0]["result"], "accepted", "{v}");
    assert_eq!(v["sets"][0]["reference"], "EDI-PO-7788");
    assert_eq!(v["sets"][1]["result"], "rejected");
    assert!(v["sets"][1]["errors"][0].as_str().unwrap().contains("(N1): expected a known customer"), "{v}");
    // The 997 is itself a valid interchange acknowledging one set and rejecting the other.
    let ack = v["ack_997"].as_str().unwrap();
    let parsed = domain::edi::parse(ack, &EdiLimits::default()).expect("the 997 parses");
    assert_eq!(parsed.groups[0].functional_id, "FA");
    assert_eq!(parsed.sender, "DISTRIBUTOR");
    assert_eq!(parsed.receiver, "INITECH");
    assert!(ack.contains("AK1*PO*101~") && ack.contains("AK2*850*0001~\nAK5*A~") && ack.contains("AK2*850*0002~\nAK5*R~") && ack.contains("AK9*P*2*2*1~"), "{ack}");
    let o: Value = app.browser().get(app.url(ACME, "/api/v1/orders/EDI-PO-7788")).bearer_auth(&t).send().await.unwrap().json().await.unwrap();
    assert_eq!((o["channel"].as_str(), o["po_number"].as_str(), o["customer"].as_str()), (Some("edi"), Some("PO-7788"), Some("C-1001")));
    assert_eq!(o["lines"][1]["unit_price_minor"], 3890);
    assert_eq!(o["lines"][0]["description"], "Deep groove ball bearing");
    assert_eq!(o["requested_date"], "2026-12-01");
    // The same interchange again: no second order.
    let v: Value = post_edi(&app, ACME, &t, &x850).await.json().await.unwrap();
    assert_eq!(v["sets"][0]["result"], "duplicate");
    // The ship notice: items matched by SKU, carrier and tracking from the shipment level.
    let x856 = interchange("ACMEWMS", 102, &[asn_856("ASN-1", "PO-7788")], "SH");
    let v: Value = post_edi(&app, ACME, &t, &x856).await.json().await.unwrap();
    assert_eq!(v["sets"][0]["result"], "accepted", "{v}");
    assert!(v["ack_997"].as_str().unwrap().contains("AK9*A*1*1*1~"));
    let o: Value = app.browser().get(app.url(ACME, "/api/v1/orders/EDI-PO-7788")).bearer_auth(&t).send().await.unwrap().json().await.unwrap();
    assert_eq!(o["status"], "partially_shipped");
    assert_eq!(o["shipments"][0]["tracking_number"], "1Z999AA10123456784");
    assert_eq!(o["shipments"][0]["carrier"], "UPS Ground");
    assert_eq!(o["shipments"][0]["warehouse"], "Main DC");
    assert_eq!(o["lines"][1]["quantity_shipped"], 1);
    // Invoice it and render the 810.
    let inv = json!({"number": "INV-EDI-1", "order_number": "EDI-PO-7788", "customer": "C-1001", "currency": "USD", "issued_on": "2026-11-26", "tax_minor": 150,
        "lines": [{"line": 1, "order_line": 1, "sku": "BRG-6204", "description": "Bearing", "quantity": 10, "unit_price_minor": 250}]});
    assert_eq!(app.browser().post(app.url(ACME, "/api/v1/invoices")).bearer_auth(&t).json(&inv).send().await.unwrap().status(), 201);
    let r = app.browser().get(app.url(ACME, "/api/v1/invoices/INV-EDI-1/edi810")).bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/edi-x12");
    let x810 = r.text().await.unwrap();
    let ix = domain::edi::parse(&x810, &EdiLimits::default()).expect("the 810 parses");
    let set = &ix.groups[0].transactions[0];
    assert_eq!((ix.groups[0].functional_id.as_str(), set.set_id.as_str()), ("IN", "810"));
    let seg = |id: &str| set.segments.iter().find(|s| s.id() == id).unwrap().clone();
    assert_eq!((seg("BIG").el(1), seg("BIG").el(2), seg("BIG").el(4)), ("20261126", "INV-EDI-1", "PO-7788"));
    assert_eq!((seg("IT1").el(2), seg("IT1").el(4), seg("IT1").el(7)), ("10", "2.50", "BRG-6204"));
    assert_eq!(seg("TDS").el(1), "2650");
    assert_eq!(seg("N1").el(4), "C-1001");
    assert_eq!(seg("ITD").el(7), "30", "NET30");
}

#[tokio::test]
async fn malformed_interchanges_are_refused_with_the_segment_position_and_nothing_is_written() {
    let app = spawn_app().await;
    let t = token(&app, ACME, "acme-erp").await;
    let good = interchange("INITECH", 201, &[po_850("PO-9001", "C-1001")], "PO");
    let bad_count = good.replace("SE*10*0001", "SE*7*0001");
    let r = post_edi(&app, ACME, &t, &bad_count).await;
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["position"], 12);
    assert!(v["detail"].as_str().unwrap().contains("segment 12 (SE): expected a segment count of 10"), "{v}");
    for broken in ["", "GS*PO~", &good[..150], &good.replace("IEA*1*000000201", "IEA*2*000000201")] {
        let r = post_edi(&app, ACME, &t, broken).await;
        assert_eq!(r.status(), 422, "{broken:?}");
    }
    let bad_price = interchange("INITECH", 202, &[po_850("PO-9002", "C-1001").replace("2.50", "2.5x")], "PO");
    let v: Value = post_edi(&app, ACME, &t, &bad_price).await.json().await.unwrap();
    assert_eq!(v["sets"][0]["result"], "rejected");
    assert!(v["sets"][0]["errors"][0].as_str().unwrap().contains("(PO1): expected a unit price"), "{v}");
    assert!(v["ack_997"].as_str().unwrap().contains("AK9*R*1*1*0~"));
    for po in ["PO-9001", "PO-9002"] {
        let r = app.browser().get(app.url(ACME, &format!("/api/v1/orders/EDI-{po}"))).bearer_auth(&t).send().await.unwrap();
        assert_eq!(r.status(), 404, "{po}");
    }
}

async fn post_json(app: &TestApp, host: &str, token: &str, path: &str, body: &Value) -> reqwest::Response {
    app.browser().post(app.url(host, path)).bearer_auth(token).json(body).send().await.unwrap()
}

#[tokio::test]
async fn interchanges_beyond_the_limits_are_refused_naming_the_limit_and_nothing_is_written() {
    let app = spawn_app().await;
    let t = token(&app, ACME, "acme-erp").await;
    let limits = EdiLimits::default();
    // An element longer than max_element_len: 422 at the PID segment (position 9).
    let long = po_850("PO-LIM-1", "C-1001").replace("Deep groove ball bearing", &"B".repeat(limits.max_element_len + 1));
    let r = post_edi(&app, ACME, &t, &interchange("INITECH", 501, &[long], "PO")).await;
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["limit"]["name"].as_str(), v["limit"]["value"].as_u64(), v["position"].as_u64()), (Some("max_element_len"), Some(4096), Some(9)), "{v}");
    assert_eq!(v["detail"], "segment 9 (PID): exceeds max_element_len: element 05 is longer than 4096 characters");
    // More data elements in a segment than max_elements: 422.
    let wide = po_850("PO-LIM-2", "C-1001").replace("CUR*BY*USD", &format!("CUR*BY*USD{}", "*".repeat(limits.max_elements)));
    let v: Value = post_edi(&app, ACME, &t, &interchange("INITECH", 502, &[wide], "PO")).await.json().await.unwrap();
    assert_eq!((v["status"].as_u64(), v["limit"]["name"].as_str(), v["limit"]["value"].as_u64()), (Some(422), Some("max_elements"), Some(64)), "{v}");
    assert!(v["detail"].as_str().unwrap().starts_with("segment 5 (CUR): exceeds max_elements"), "{v}");
    // More segments than max_segments: the interchange is too large, 413.
    let many = po_850("PO-LIM-3", "C-1001") + &"REF*ZZ*X~\n".repeat(limits.max_segments);
    let r = post_edi(&app, ACME, &t, &interchange("INITECH", 503, &[many], "PO")).await;
    assert_eq!(r.status(), 413);
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["limit"]["name"].as_str(), v["limit"]["value"].as_u64(), v["position"].as_u64()), (Some("max_segments"), Some(100_000), Some(100_001)), "{v}");
    assert!(v["detail"].as_str().unwrap().contains("exceeds max_segments: an interchange holds at most 100000 segments"), "{v}");
    for po in ["PO-LIM-1", "PO-LIM-2", "PO-LIM-3"] {
        let r = app.browser().get(app.url(ACME, &format!("/api/v1/orders/EDI-{po}"))).bearer_auth(&t).send().await.unwrap();
        assert_eq!(r.status(), 404, "{po}");
    }
}

#[tokio::test]
async fn an_810_for_an_invoice_whose_data_holds_separators_keeps_every_element_in_place() {
    let app = spawn_app().await;
    let t = token(&app, ACME, "acme-erp").await;
    let r = post_json(&app, ACME, &t, "/api/v1/customers", &json!({"external_id": "SEP-1", "name": "Smith*Sons~Ltd>^\nCo"})).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let order = json!({"number": "SEP-SO-1", "customer": "SEP-1", "po_number": "PO*7~8>9^\n0", "channel": "api", "currency": "USD",
        "lines": [{"line": 1, "sku": "BRG-1", "description": "Bolt", "quantity": 4, "unit_price_minor": 250}]});
    let r = post_json(&app, ACME, &t, "/api/v1/orders", &order).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let inv = json!({"number": "SEP-I-1", "order_number": "SEP-SO-1", "customer": "SEP-1", "currency": "USD", "issued_on": "2026-11-26",
        "lines": [{"line": 1, "order_line": 1, "sku": "BRG-1", "description": "M8*1.25~x>y^z\nw", "quantity": 4, "unit_price_minor": 250}]});
    let r = post_json(&app, ACME, &t, "/api/v1/invoices", &inv).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let x810 = app.browser().get(app.url(ACME, "/api/v1/invoices/SEP-I-1/edi810")).bearer_auth(&t).send().await.unwrap().text().await.unwrap();
    assert!(x810.lines().all(|l| l.ends_with('~') && l.matches('~').count() == 1), "one segment per line:\n{x810}");
    let ix = domain::edi::parse(&x810, &EdiLimits::default()).expect("the 810 parses");
    let set = &ix.groups[0].transactions[0];
    let seg = |id: &str| set.segments.iter().find(|s| s.id() == id).unwrap_or_else(|| panic!("{id} in\n{x810}")).clone();
    let counts: Vec<usize> = ["BIG", "N1", "IT1", "PID"].iter().map(|id| seg(id).elements.len()).collect();
    assert_eq!(counts, vec![5, 5, 8, 6], "{x810}");
    assert_eq!(seg("BIG").el(4), "PO 7 8 9  0");
    assert_eq!(seg("N1").el(2), "Smith Sons Ltd   Co");
    assert_eq!(seg("PID").el(5), "M8 1.25 x y z w");
    assert_eq!(seg("N1").el(4), "SEP-1");
}

#[tokio::test]
async fn an_850_for_one_tenants_customer_does_not_create_anything_at_another_tenant() {
    let app = spawn_app().await;
    let bg = token(&app, BG, "bluegrass-erp").await;
    let x850 = interchange("INITECH", 301, &[po_850("PO-5555", "C-1001")], "PO");
    let v: Value = post_edi(&app, BG, &bg, &x850).await.json().await.unwrap();
    assert_eq!(v["sets"][0]["result"], "rejected", "C-1001 is acme's customer: {v}");
    let acme = token(&app, ACME, "acme-erp").await;
    let r = app.browser().get(app.url(ACME, "/api/v1/orders/EDI-PO-5555")).bearer_auth(&acme).send().await.unwrap();
    assert_eq!(r.status(), 404);
    // Acme's token cannot post EDI at bluegrass.
    assert_eq!(post_edi(&app, BG, &acme, &x850).await.status(), 401);
}

#[tokio::test]
async fn the_edi_import_command_imports_a_file_for_a_tenant_and_prints_the_997() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("po.x12");
    std::fs::write(&file, interchange("INITECH", 401, &[po_850("PO-CLI-1", "C-1001")], "PO")).unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_throughline"));
    cmd.args(["edi-import", "--tenant", "acme"]).arg(&file).env("THROUGHLINE_LOG", "warn");
    match &app.db_url {
        Some(url) => cmd.env("DATABASE_URL", url),
        None => cmd.env_remove("DATABASE_URL").env("THROUGHLINE_DATA_DIR", &app.config.data_dir),
    };
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("850 0001 accepted EDI-PO-CLI-1") && stdout.contains("AK5*A~"), "{stdout}");
    let t = token(&app, ACME, "acme-erp").await;
    let r = app.browser().get(app.url(ACME, "/api/v1/orders/EDI-PO-CLI-1")).bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // An unknown tenant is a clear error.
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_throughline"));
    cmd.args(["edi-import", "--tenant", "nosuch"]).arg(&file).env("THROUGHLINE_LOG", "warn").env("THROUGHLINE_DATA_DIR", dir.path());
    if let Some(url) = &app.db_url {
        cmd.env("DATABASE_URL", url);
    }
    let out = cmd.output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no tenant nosuch"));
}

#[tokio::test]
async fn the_configured_segment_limit_applies_and_control_numbers_come_from_the_tenants_counter() {
    let app = spawn_app_with(|c| c.edi_limits.max_segments = 20).await;
    let t = token(&app, ACME, "acme-erp").await;
    let pos: Vec<String> = (0..3).map(|i| po_850(&format!("PO-LIM-{i}"), "C-1001")).collect();
    let r = post_edi(&app, ACME, &t, &interchange("INITECH", 601, &pos, "PO")).await;
    assert_eq!(r.status(), 413);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["limit"], json!({"name": "max_segments", "value": 20}), "{v}");
    // Each 997 and 810 we send is numbered by the tenant's counter: distinct and rising.
    let control = |x12: &str| x12.split('~').next().unwrap().split('*').nth(13).unwrap().trim().to_owned();
    let one = interchange("INITECH", 602, &[po_850("PO-CN-1", "C-1001")], "PO");
    let a: Value = post_edi(&app, ACME, &t, &one).await.json().await.unwrap();
    let two = interchange("INITECH", 603, &[po_850("PO-CN-2", "C-1001")], "PO");
    let b: Value = post_edi(&app, ACME, &t, &two).await.json().await.unwrap();
    let (ca, cb) = (control(a["ack_997"].as_str().unwrap()), control(b["ack_997"].as_str().unwrap()));
    assert_eq!(ca.len(), 9);
    assert!(cb.parse::<u64>().unwrap() == ca.parse::<u64>().unwrap() + 1, "{ca} then {cb}");
}
