//! EDI X12 through the API and the command line: 850 → order (with its dates), 856 → shipment
//! (flat or pick-pack, with packs and serial numbers; over-shipments kept as exceptions), 997
//! per group, 810 for an invoice, malformed and oversized interchanges, separators inside
//! outbound data, and tenant isolation.

use crate::common::*;
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

const SSCC_1: &str = "006141410000044719";
const SSCC_2: &str = "006141410000044726";

/// A ship notice in pick-pack form: two cartons, order line 1 split across both (6 + 4),
/// line 2 in the second; the first label carries the `00` application identifier.
fn pick_pack_856(shipment: &str, po: &str) -> String {
    format!(
        "BSN*00*{shipment}*20261125*1400*0001~\nHL*1**S~\nTD1*CTN25*2****G*32.5*LB~\nTD5*B*2*UPSN*M*UPS Ground~\nREF*BM*BOL-4471~\nN1*SF*Main DC~\n\
         HL*2*1*O~\nPRF*{po}~\n\
         HL*3*2*P~\nPO4*1*6*EA*CTN25*G*20.5*LB***16*12*10*IN~\nMAN*GM*00{SSCC_1}~\n\
         HL*4*3*I~\nLIN*1*VP*BRG-6204~\nSN1*1*6*EA~\nREF*SE*BRG-SN-0001~\nREF*SE*BRG-SN-0002~\n\
         HL*5*2*P~\nPO4*1*7*EA*CTN25*G*12*LB***12*10*8*IN~\nMAN*GM*{SSCC_2}~\n\
         HL*6*5*I~\nLIN*1*VP*BRG-6204~\nSN1*1*4*EA~\nREF*SE*BRG-SN-0003~\n\
         HL*7*5*I~\nLIN*2*VP*HYD-HOSE-12~\nSN1*2*3*EA~\nCTT*7~\n"
    )
}

async fn get_json(app: &TestApp, token: &str, path: &str) -> Value {
    let r = app.browser().get(app.url(ACME, path)).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

#[tokio::test]
async fn a_pick_pack_ship_notice_with_one_line_in_two_cartons_is_one_shipment_line_and_its_packs_show_on_the_order_page() {
    let app = spawn_app().await;
    let t = token(&app, ACME, "acme-erp").await;
    let v: Value = post_edi(&app, ACME, &t, &interchange("INITECH", 701, &[po_850("PO-PP-1", "C-1001")], "PO")).await.json().await.unwrap();
    assert_eq!(v["sets"][0]["result"], "accepted", "{v}");
    let r = post_edi(&app, ACME, &t, &interchange("ACMEWMS", 702, &[pick_pack_856("ASN-PP-1", "PO-PP-1")], "SH")).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["sets"][0]["result"].as_str(), v["sets"][0]["status"].as_str()), (Some("accepted"), Some("applied")), "{v}");
    assert!(v["ack_997"].as_str().unwrap().contains("AK5*A~"), "{v}");
    let s = get_json(&app, &t, "/api/v1/shipments/ASN-PP-1").await;
    assert_eq!(s["lines"], json!([
        {"line": 1, "quantity": 10, "serials": ["BRG-SN-0001", "BRG-SN-0002", "BRG-SN-0003"]},
        {"line": 2, "quantity": 3, "serials": []},
    ]), "{s}");
    let packs = s["packs"].as_array().unwrap();
    assert_eq!(packs.len(), 2, "{s}");
    assert_eq!(packs[0], json!({"sscc": SSCC_1, "weight": 20.5, "weight_unit": "LB", "length": 16.0, "width": 12.0, "height": 10.0, "dimension_unit": "IN",
        "contents": [{"line": 1, "quantity": 6, "serials": ["BRG-SN-0001", "BRG-SN-0002"]}]}));
    assert_eq!(packs[1]["sscc"], SSCC_2);
    assert_eq!(packs[1]["contents"], json!([{"line": 1, "quantity": 4, "serials": ["BRG-SN-0003"]}, {"line": 2, "quantity": 3, "serials": []}]));
    let o = get_json(&app, &t, "/api/v1/orders/EDI-PO-PP-1").await;
    assert_eq!((o["status"].as_str(), o["lines"][0]["quantity_shipped"].as_i64(), o["lines"][1]["quantity_shipped"].as_i64()), (Some("shipped"), Some(10), Some(3)), "{o}");
    assert_eq!(o["shipments"][0]["packs"], s["packs"]);
    // Staff see the cartons under the shipment.
    let b = app.browser();
    app.login(&b, ACME, "clerk@acme.test", PW).await;
    let r = b.get(app.url(ACME, "/workspace/orders/EDI-PO-PP-1")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("data-testid=\"packs\"") && html.contains(SSCC_1) && html.contains(SSCC_2), "{html}");
    assert!(html.contains("20.5 LB") && html.contains("16 × 12 × 10 IN") && html.contains("BRG-SN-0003"), "{html}");
}

#[tokio::test]
async fn a_ship_notice_or_api_shipment_that_ships_more_than_ordered_is_recorded_with_a_quantity_mismatch_exception() {
    let app = spawn_app().await;
    let t = token(&app, ACME, "acme-erp").await;
    post_edi(&app, ACME, &t, &interchange("INITECH", 801, &[po_850("PO-OV-1", "C-1001")], "PO")).await;
    // Line 1 was ordered 10 times; the warehouse shipped 12.
    let over = asn_856("ASN-OV-1", "PO-OV-1").replace("SN1**10*EA", "SN1**12*EA");
    let v: Value = post_edi(&app, ACME, &t, &interchange("ACMEWMS", 802, std::slice::from_ref(&over), "SH")).await.json().await.unwrap();
    assert_eq!((v["sets"][0]["result"].as_str(), v["sets"][0]["status"].as_str()), (Some("accepted"), Some("applied")), "{v}");
    assert!(v["ack_997"].as_str().unwrap().contains("AK5*A~"), "a 997 answers syntax: {v}");
    let o = get_json(&app, &t, "/api/v1/orders/EDI-PO-OV-1").await;
    assert_eq!(o["lines"][0]["quantity_shipped"], 12, "{o}");
    assert_eq!(o["shipments"][0]["lines"][0]["quantity"], 12);
    // The same notice again, in a new interchange: no second exception.
    post_edi(&app, ACME, &t, &interchange("ACMEWMS", 803, &[over], "SH")).await;
    // Through the API: line 2 was ordered 3 times, 5 are shipped, listed as 2 + 3.
    let api = json!({"number": "API-OV-1", "order_number": "EDI-PO-OV-1", "lines": [{"line": 2, "quantity": 2}, {"line": 2, "quantity": 3}],
        "packs": [{"sscc": SSCC_1, "weight": 7.25, "weight_unit": "KG", "contents": [{"line": 2, "quantity": 5, "serials": ["H-1"]}]}]});
    let r = app.browser().post(app.url(ACME, "/api/v1/shipments")).bearer_auth(&t).json(&api).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let s: Value = r.json().await.unwrap();
    assert_eq!(s["lines"], json!([{"line": 2, "quantity": 5, "serials": ["H-1"]}]), "{s}");
    assert_eq!((s["packs"][0]["sscc"].as_str(), s["packs"][0]["weight"].as_f64()), (Some(SSCC_1), Some(7.25)), "{s}");
    let x = get_json(&app, &t, "/api/v1/exceptions?status=open").await;
    let mismatches: Vec<&Value> = x["items"].as_array().unwrap().iter().filter(|e| e["kind"] == "quantity_mismatch").collect();
    assert_eq!(mismatches.len(), 2, "{x}");
    let detail = |reference: &str| mismatches.iter().find(|e| e["reference"] == reference).unwrap_or_else(|| panic!("{reference} in {x}"))["detail"].as_str().unwrap().to_owned();
    assert_eq!(detail("quantity_mismatch:ASN-OV-1:1"), "Shipment ASN-OV-1 brings line 1 of order EDI-PO-OV-1 to 12 shipped of 10 ordered: 2 more than ordered");
    assert_eq!(detail("quantity_mismatch:API-OV-1:2"), "Shipment API-OV-1 brings line 2 of order EDI-PO-OV-1 to 6 shipped of 3 ordered: 3 more than ordered");
}

#[tokio::test]
async fn an_850_keeps_its_requested_ship_delivery_requested_and_cancel_after_dates() {
    let app = spawn_app().await;
    let t = token(&app, ACME, "acme-erp").await;
    let po = po_850("PO-DT-1", "C-1001").replace("DTM*002*20261201~\n", "DTM*010*20261128~\nDTM*002*20261201~\nDTM*001*20261215~\n");
    let v: Value = post_edi(&app, ACME, &t, &interchange("INITECH", 901, &[po], "PO")).await.json().await.unwrap();
    assert_eq!(v["sets"][0]["result"], "accepted", "{v}");
    let o = get_json(&app, &t, "/api/v1/orders/EDI-PO-DT-1").await;
    assert_eq!((o["requested_ship_date"].as_str(), o["requested_date"].as_str(), o["cancel_after"].as_str()), (Some("2026-11-28"), Some("2026-12-01"), Some("2026-12-15")), "{o}");
    let listed = get_json(&app, &t, "/api/v1/orders?po_number=PO-DT-1").await;
    assert_eq!(listed["items"][0]["cancel_after"], "2026-12-15", "{listed}");
}
