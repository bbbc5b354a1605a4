//! The demo picture of a tenant: a few dozen customers and a few hundred orders in every
//! state, with partial shipments, PODs, open, paid and overdue invoices, and payments. All of
//! it goes through the same services the API uses ([`customers::upsert`] and
//! [`events::apply_and_record`]), never raw inserts. Deterministic for a given seed.
mod master;

use crate::customers::{self, Address, CustomerIn};
use crate::events::{self, EventIn, Fail};
use crate::storage::Storage;
use crate::tenancy::TenantInfo;
use crate::{Db, Error, Result, orders};
use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

/// What kind of distributor the demo tenant is.
#[derive(Clone, Copy)]
pub enum Profile {
    Industrial,
    Foodservice,
}

struct Catalogue {
    prefixes: &'static [&'static str],
    suffixes: &'static [&'static str],
    items: &'static [(&'static str, &'static str, i64)],
    cities: &'static [(&'static str, &'static str)],
    /// Segments of the accounts that are not key accounts (see [`master`]).
    segments: &'static [&'static str],
    carriers: &'static [(&'static str, &'static str)],
}

const INDUSTRIAL: Catalogue = Catalogue {
    prefixes: &["Apex", "Vandelay", "Stark", "Wayne", "Cyberdyne", "Soylent", "Tyrell", "Wonka", "Umbrella", "Hooli", "Massive", "Dunder"],
    suffixes: &["Fabrication", "Machining", "Plastics", "Assembly", "Tooling"],
    items: &[
        ("BRG-6204", "Deep groove ball bearing 6204-2RS", 745),
        ("HYD-HOSE-12", "Hydraulic hose 1/2\" x 12 ft", 3890),
        ("FST-M8-100", "Hex bolt M8x40, box of 100", 1650),
        ("VLV-BALL-1", "Brass ball valve 1\"", 2475),
        ("MTR-5HP", "5 HP TEFC electric motor", 48900),
        ("BLT-V-A42", "V-belt A42", 1190),
        ("GLV-NIT-L", "Nitrile gloves L, case", 4200),
        ("LUB-EP2-14", "EP2 grease cartridge 14 oz", 695),
    ],
    cities: &[("Dayton", "OH"), ("Toledo", "OH"), ("Fort Wayne", "IN"), ("Grand Rapids", "MI"), ("Peoria", "IL"), ("Erie", "PA")],
    segments: &["contractor", "oem", "mro", "retail"],
    carriers: &[("UPS", "https://www.ups.com/track?tracknum="), ("FedEx", "https://www.fedex.com/fedextrack/?trknbr="), ("Estes", "https://www.estes-express.com/myestes/shipment-tracking/?query=")],
};

const FOODSERVICE: Catalogue = Catalogue {
    prefixes: &["Globex", "Bluebird", "Magnolia", "Copper Kettle", "Riverside", "Golden Fork", "Harvest", "Smokehouse", "Blue Plate", "Crossroads", "Old Mill", "Summit"],
    suffixes: &["Restaurants", "Diner", "Bistro", "Catering"],
    items: &[
        ("PRD-ROMA-25", "Roma tomatoes, 25 lb case", 3150),
        ("DRY-FLOUR-50", "All-purpose flour, 50 lb", 2680),
        ("MT-CHK-40", "Chicken breast, 40 lb case", 11900),
        ("DRY-RICE-25", "Long grain rice, 25 lb", 2240),
        ("DAI-BUTTER-36", "Butter solids, 36 lb", 14250),
        ("PAP-NAPKIN", "Dinner napkins, case of 3000", 4480),
        ("OIL-FRY-35", "Fry oil, 35 lb jug", 4875),
    ],
    cities: &[("Lexington", "KY"), ("Louisville", "KY"), ("Nashville", "TN"), ("Knoxville", "TN"), ("Cincinnati", "OH")],
    segments: &["chain", "independent", "institutional", "retail"],
    carriers: &[("Bluegrass Fleet", "https://track.bluegrass.test/?n="), ("FedEx Freight", "https://www.fedex.com/fedextrack/?trknbr=")],
};

/// A one-page PDF used as the demo proof of delivery.
fn pod_pdf(shipment: &str, signed_by: &str) -> Vec<u8> {
    let text = format!("Proof of delivery {shipment} signed by {signed_by}");
    let stream = format!("BT /F1 14 Tf 72 720 Td ({text}) Tj ET");
    format!(
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
         3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n\
         4 0 obj<</Length {}>>stream\n{stream}\nendstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
        stream.len()
    )
    .into_bytes()
}

fn fail(f: Fail) -> Error {
    match f {
        Fail::Reject(e) => Error::Invalid(format!("demo data rejected: {e:?}")),
        Fail::Db(e) => Error::Db(e),
    }
}

/// Creates the demo customers (the named demo customer first) and `orders` orders.
pub async fn populate(db: &Db, storage: &Storage, t: &TenantInfo, profile: Profile, named: (&str, &str), orders_n: usize) -> Result<()> {
    let cat = match profile {
        Profile::Industrial => &INDUSTRIAL,
        Profile::Foodservice => &FOODSERVICE,
    };
    let mut rng = StdRng::seed_from_u64(match profile {
        Profile::Industrial => 1001,
        Profile::Foodservice => 2002,
    });
    let prefix = named.0.split('-').next().unwrap_or("C");
    let mut customer_ids = vec![named.0.to_owned()];
    let mut names = vec![named.1.to_owned()];
    let mut n = 2;
    'outer: for p in cat.prefixes {
        for s in cat.suffixes {
            if names.len() >= 36 {
                break 'outer;
            }
            let name = format!("{p} {s}");
            if names.contains(&name) || named.1.starts_with(p) {
                continue;
            }
            customer_ids.push(format!("{prefix}-{}", 1000 + n));
            names.push(name);
            n += 1;
        }
    }
    let txn = db.tenant_txn(&t.slug).await?;
    for (i, (id, name)) in customer_ids.iter().zip(&names).enumerate() {
        let (city, region) = cat.cities[i % cat.cities.len()];
        let addr = Address { name: Some(name.clone()), line1: format!("{} Commerce Way", 100 + i * 7), line2: None, city: city.into(), region: Some(region.into()), postal_code: Some(format!("{:05}", 40000 + i * 37)), country: "US".into() };
        let mut input = CustomerIn { external_id: id.clone(), name: name.clone(), bill_to: Some(addr.clone()), ship_to: Some(addr), currency: Some("USD".into()), ..Default::default() };
        master::fill(&mut input, i, cat.segments);
        customers::upsert(&txn, input).await.map_err(fail)?;
    }
    txn.commit().await?;

    let now = Utc::now();
    let order_prefix = if matches!(profile, Profile::Industrial) { "SO" } else { "BG" };
    let mut pods: Vec<(String, String)> = Vec::new();
    // One transaction per 50 orders keeps start-up quick without one huge transaction.
    for chunk in (0..orders_n).collect::<Vec<_>>().chunks(50) {
        let txn = db.tenant_txn(&t.slug).await?;
        for &i in chunk {
            let number = format!("{order_prefix}-{}", 100_001 + i);
            let cust = &customer_ids[if i % 7 == 0 { 0 } else { rng.gen_range(0..customer_ids.len()) }];
            let age_days = rng.gen_range(0..120i64);
            let t0: DateTime<Utc> = now - Duration::days(age_days) - Duration::minutes(rng.gen_range(0..600));
            let mut at = t0;
            let mut step = |rng: &mut StdRng| {
                at += Duration::hours(rng.gen_range(2..30));
                at
            };
            let n_lines = rng.gen_range(1..=4usize);
            let lines: Vec<_> = (0..n_lines)
                .map(|l| {
                    let (sku, desc, price) = cat.items[(i + l * 3) % cat.items.len()];
                    (l as i32 + 1, sku, desc, rng.gen_range(1..=24i64), price)
                })
                .collect();
            let channel = ["edi", "api", "portal", "inside_sales"][i % 4];
            let mut evs: Vec<EventIn> = Vec::new();
            let mut ev = |kind: &str, at: DateTime<Utc>, source: &str, payload: serde_json::Value| {
                evs.push(EventIn { event_id: format!("{number}-{kind}-{}", evs.len()), kind: kind.into(), occurred_at: at, source: source.into(), payload });
            };
            ev(
                "order.accepted",
                t0,
                "erp",
                json!({
                    "number": number, "customer": cust, "po_number": format!("PO-{}", 40_000 + i * 3), "channel": channel, "currency": "USD",
                    "requested_date": (t0 + Duration::days(7)).date_naive(), "promised_date": (t0 + Duration::days(9)).date_naive(),
                    "lines": lines.iter().map(|(l, sku, d, q, p)| json!({"line": l, "sku": sku, "description": d, "quantity": q, "unit_price_minor": p})).collect::<Vec<_>>(),
                }),
            );
            // How far this order got: weighted so every state is represented.
            let stage = match rng.gen_range(0..100) {
                0..=5 => 0,   // accepted
                6..=10 => 1,  // credit hold
                11..=15 => 2, // backordered
                16..=21 => 3, // allocated / picking
                22..=29 => 4, // partially shipped
                30..=38 => 5, // shipped
                39..=50 => 6, // delivered
                51..=80 => 7, // invoiced (open or overdue)
                _ => 8,       // paid
            };
            let oref = json!({"order_number": number});
            match stage {
                1 => ev("order.credit_hold", step(&mut rng), "erp", json!({"order_number": number, "reason": "over credit limit"})),
                2 => {
                    ev("order.released", step(&mut rng), "erp", oref.clone());
                    ev("order.backordered", step(&mut rng), "wms", json!({"order_number": number, "reason": "awaiting supplier stock"}));
                }
                _ => {}
            }
            if stage >= 3 {
                ev("order.released", step(&mut rng), "erp", oref.clone());
                ev("order.allocated", step(&mut rng), "wms", oref.clone());
                ev("pick.released", step(&mut rng), "wms", oref.clone());
            }
            let (carrier, url) = cat.carriers[i % cat.carriers.len()];
            let ship = |k: usize, ls: Vec<(i32, i64)>| {
                let tn = format!("1Z{:08}{k}", 7_000_000 + i * 13);
                json!({"number": format!("{number}-S{k}"), "order_number": number, "carrier": carrier, "service": "Ground", "tracking_number": tn,
                       "tracking_url": format!("{url}{tn}"), "warehouse": "Main DC", "lines": ls.iter().map(|(l, q)| json!({"line": l, "quantity": q})).collect::<Vec<_>>()})
            };
            if stage == 4 {
                // Part of the first line ships; the rest waits.
                let (l, _, _, q, _) = lines[0];
                let part = (q / 2).max(1);
                if part < q || lines.len() > 1 {
                    ev("shipment.dispatched", step(&mut rng), "wms", ship(1, vec![(l, part)]));
                }
            }
            if stage >= 5 {
                ev("shipment.dispatched", step(&mut rng), "wms", ship(1, lines.iter().map(|(l, _, _, q, _)| (*l, *q)).collect()));
            }
            if stage >= 6 {
                let signer = ["J. Ortiz", "M. Chen", "R. Patel", "K. Novak"][i % 4];
                let delivered_at = step(&mut rng);
                ev("shipment.delivered", delivered_at, "tms", json!({"shipment_number": format!("{number}-S1"), "order_number": number, "signed_by": signer}));
                // Only deliveries that have happened by now get a POD.
                if i % 3 != 0 && delivered_at <= now {
                    pods.push((format!("{number}-S1"), signer.to_owned()));
                }
            }
            if stage >= 7 {
                let issued = step(&mut rng);
                let inv = format!("INV-{number}");
                ev(
                    "invoice.posted",
                    issued,
                    "erp",
                    json!({"number": inv, "order_number": number, "customer": cust, "currency": "USD", "issued_on": issued.date_naive(),
                           "tax_minor": lines.iter().map(|(_, _, _, q, p)| q * p).sum::<i64>() * 6 / 100,
                           "lines": lines.iter().map(|(l, sku, d, q, p)| json!({"line": l, "order_line": l, "sku": sku, "description": d, "quantity": q, "unit_price_minor": p})).collect::<Vec<_>>()}),
                );
                ev("invoice.delivered", step(&mut rng), "throughline", json!({"invoice_number": inv, "channel": "email"}));
                if stage == 8 {
                    let subtotal: i64 = lines.iter().map(|(_, _, _, q, p)| q * p).sum();
                    let total = subtotal + subtotal * 6 / 100;
                    let pay = format!("PAY-{number}");
                    let paid_at = step(&mut rng);
                    ev("payment.received", paid_at, "bank", json!({"number": pay, "customer": cust, "currency": "USD", "amount_minor": total, "received_on": paid_at.date_naive(), "reference": format!("ACH {}", 880_000 + i)}));
                    ev("payment.applied", paid_at + Duration::hours(1), "erp", json!({"payment_number": pay, "invoice_number": inv, "amount_minor": total}));
                } else if i % 11 == 0 {
                    ev("invoice.disputed", step(&mut rng), "portal", json!({"invoice_number": inv, "reason": "quantity short on delivery"}));
                }
            }
            for e in evs.iter().filter(|e| e.occurred_at <= now) {
                events::apply_and_record(&txn, e).await.map_err(fail)?;
            }
        }
        txn.commit().await?;
    }
    for (shipment, signer) in pods {
        let stored = storage.put(&t.slug, "pod", "application/pdf", pod_pdf(&shipment, &signer)).await?;
        let txn = db.tenant_txn(&t.slug).await?;
        orders::attach_to_shipment(&txn, &shipment, "pod", &format!("POD-{shipment}.pdf"), "application/pdf", &stored).await?;
        txn.commit().await?;
    }
    Ok(())
}
