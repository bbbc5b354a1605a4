//! ANSI X12 EDI: inbound 850 (purchase order) and 856 (ship notice) become canonical events,
//! every inbound functional group gets a 997, and any invoice renders as an outbound 810.
//!
//! Separators come from the ISA segment (element separator at byte 3, component separator at
//! byte 104, segment terminator at byte 105). Every error names the segment position (1-based,
//! counted from ISA) and what was expected. Nothing here panics on malformed input.
use crate::events::{self, EventIn, Fail};
use crate::money;
use crate::orders::InvoiceView;
use chrono::{NaiveDate, Utc};
use sea_orm::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder};
use serde::Serialize;
use serde_json::json;
use std::fmt;

/// A syntax or content error at one segment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EdiError {
    /// 1-based position of the segment in the interchange (ISA is 1).
    pub position: usize,
    pub segment: String,
    pub message: String,
}

impl fmt::Display for EdiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "segment {} ({}): {}", self.position, self.segment, self.message)
    }
}

fn err(position: usize, segment: &str, message: impl Into<String>) -> EdiError {
    EdiError { position, segment: segment.chars().take(3).collect(), message: message.into() }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub position: usize,
    pub elements: Vec<String>,
}

impl Segment {
    pub fn id(&self) -> &str {
        self.elements.first().map(String::as_str).unwrap_or("")
    }
    /// Element `n` (1-based as in X12 notation: `BEG03` is `el(3)`), empty when absent.
    pub fn el(&self, n: usize) -> &str {
        self.elements.get(n).map(|s| s.trim()).unwrap_or("")
    }
    fn require(&self, n: usize, what: &str) -> Result<&str, EdiError> {
        let v = self.el(n);
        if v.is_empty() { Err(err(self.position, self.id(), format!("expected {what} in element {n:02}"))) } else { Ok(v) }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Separators {
    pub element: char,
    pub component: char,
    pub segment: char,
}

#[derive(Clone, Debug)]
pub struct Transaction {
    pub set_id: String,
    pub control: String,
    pub segments: Vec<Segment>,
}

#[derive(Clone, Debug)]
pub struct Group {
    pub functional_id: String,
    pub sender: String,
    pub receiver: String,
    pub control: String,
    pub version: String,
    pub transactions: Vec<Transaction>,
}

#[derive(Clone, Debug)]
pub struct Interchange {
    pub separators: Separators,
    pub sender_qualifier: String,
    pub sender: String,
    pub receiver_qualifier: String,
    pub receiver: String,
    pub control: String,
    pub groups: Vec<Group>,
}

/// Parses an interchange, checking envelopes, counts and control numbers.
pub fn parse(input: &str) -> Result<Interchange, EdiError> {
    let start = input.find("ISA").ok_or_else(|| err(1, "ISA", "expected the interchange to start with an ISA segment"))?;
    if !input[..start].trim().is_empty() {
        return Err(err(1, "ISA", "expected the interchange to start with an ISA segment"));
    }
    let text = &input[start..];
    let chars: Vec<char> = text.chars().collect();
    if chars.len() < 106 {
        return Err(err(1, "ISA", "expected a 106-character ISA segment"));
    }
    let element = chars[3];
    let component = chars[104];
    let segment = chars[105];
    if element.is_alphanumeric() || segment.is_alphanumeric() || element == segment || component == element || component == segment {
        return Err(err(1, "ISA", "expected distinct non-alphanumeric separators at ISA positions 4, 105 and 106"));
    }
    let separators = Separators { element, component, segment };
    let segs: Vec<Segment> = text
        .split(segment)
        .map(|s| s.trim_matches(|c: char| c == '\r' || c == '\n' || c == ' ' || c == '\t'))
        .filter(|s| !s.is_empty())
        .enumerate()
        .map(|(i, s)| Segment { position: i + 1, elements: s.split(element).map(str::to_owned).collect() })
        .collect();
    let isa = &segs[0];
    if isa.id() != "ISA" || isa.elements.len() != 17 {
        return Err(err(1, "ISA", format!("expected ISA with 16 elements, found {}", isa.elements.len().saturating_sub(1))));
    }
    let mut it = segs.iter().skip(1).peekable();
    let mut groups = Vec::new();
    let mut last_pos = 1;
    loop {
        let Some(s) = it.next() else { return Err(err(last_pos + 1, "IEA", "expected IEA before the end of the interchange")) };
        last_pos = s.position;
        match s.id() {
            "GS" => {
                let mut g = Group {
                    functional_id: s.require(1, "the functional identifier")?.to_owned(),
                    sender: s.el(2).to_owned(),
                    receiver: s.el(3).to_owned(),
                    control: s.require(6, "the group control number")?.to_owned(),
                    version: s.el(8).to_owned(),
                    transactions: vec![],
                };
                loop {
                    let Some(t) = it.next() else { return Err(err(last_pos + 1, "GE", "expected GE before the end of the interchange")) };
                    last_pos = t.position;
                    match t.id() {
                        "ST" => {
                            let set_id = t.require(1, "the transaction set identifier")?.to_owned();
                            let control = t.require(2, "the transaction set control number")?.to_owned();
                            let mut body = Vec::new();
                            loop {
                                let Some(b) = it.next() else { return Err(err(last_pos + 1, "SE", "expected SE before the end of the interchange")) };
                                last_pos = b.position;
                                match b.id() {
                                    "SE" => {
                                        let n: usize = b.require(1, "the segment count")?.parse().map_err(|_| err(b.position, "SE", "expected a number in element 01"))?;
                                        if n != body.len() + 2 {
                                            return Err(err(b.position, "SE", format!("expected a segment count of {}, found {n}", body.len() + 2)));
                                        }
                                        if b.el(2) != control {
                                            return Err(err(b.position, "SE", format!("expected control number {control}, found {}", b.el(2))));
                                        }
                                        break;
                                    }
                                    "ST" | "GS" | "GE" | "IEA" | "ISA" => return Err(err(b.position, b.id(), "expected SE to close the transaction set first")),
                                    _ => body.push(b.clone()),
                                }
                            }
                            g.transactions.push(Transaction { set_id, control, segments: body });
                        }
                        "GE" => {
                            let n: usize = t.require(1, "the transaction set count")?.parse().map_err(|_| err(t.position, "GE", "expected a number in element 01"))?;
                            if n != g.transactions.len() {
                                return Err(err(t.position, "GE", format!("expected a transaction set count of {}, found {n}", g.transactions.len())));
                            }
                            if t.el(2) != g.control {
                                return Err(err(t.position, "GE", format!("expected control number {}, found {}", g.control, t.el(2))));
                            }
                            break;
                        }
                        other => return Err(err(t.position, other, "expected ST or GE")),
                    }
                }
                groups.push(g);
            }
            "IEA" => {
                let n: usize = s.require(1, "the group count")?.parse().map_err(|_| err(s.position, "IEA", "expected a number in element 01"))?;
                if n != groups.len() {
                    return Err(err(s.position, "IEA", format!("expected a group count of {}, found {n}", groups.len())));
                }
                if s.el(2) != isa.el(13) {
                    return Err(err(s.position, "IEA", format!("expected control number {}, found {}", isa.el(13), s.el(2))));
                }
                if let Some(extra) = it.next() {
                    return Err(err(extra.position, extra.id(), "expected nothing after IEA"));
                }
                break;
            }
            other => return Err(err(s.position, other, "expected GS or IEA")),
        }
    }
    Ok(Interchange {
        separators,
        sender_qualifier: isa.el(5).to_owned(),
        sender: isa.el(6).to_owned(),
        receiver_qualifier: isa.el(7).to_owned(),
        receiver: isa.el(8).to_owned(),
        control: isa.el(13).to_owned(),
        groups,
    })
}

fn date8(s: &Segment, n: usize) -> Result<NaiveDate, EdiError> {
    let v = s.require(n, "a date CCYYMMDD")?;
    NaiveDate::parse_from_str(v, "%Y%m%d").map_err(|_| err(s.position, s.id(), format!("expected a date CCYYMMDD in element {n:02}, found {v:?}")))
}

/// `12.50` in a currency with `exp` decimals → minor units.
fn decimal_to_minor(v: &str, exp: u32) -> Option<i64> {
    let v = v.trim();
    let (neg, v) = match v.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, v),
    };
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    if whole.is_empty() && frac.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) || frac.len() > exp as usize {
        return None;
    }
    let w: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let f: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<width$}", width = exp as usize).parse().ok()? };
    let m = w.checked_mul(10i64.pow(exp))?.checked_add(f)?;
    Some(if neg { -m } else { m })
}

/// The product id of a PO1/LIN segment: the first of the preferred qualifiers present.
fn product_id(s: &Segment, first_qualifier: usize) -> Option<String> {
    let mut pairs = Vec::new();
    let mut i = first_qualifier;
    while i + 1 < s.elements.len() {
        pairs.push((s.el(i).to_owned(), s.el(i + 1).to_owned()));
        i += 2;
    }
    for q in ["VP", "BP", "SK", "IN", "UP", "VN"] {
        if let Some((_, v)) = pairs.iter().find(|(k, v)| k == q && !v.is_empty()) {
            return Some(v.clone());
        }
    }
    pairs.into_iter().find(|(_, v)| !v.is_empty()).map(|(_, v)| v)
}

/// What importing one transaction set did.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SetResult {
    pub set_id: String,
    pub control: String,
    /// `accepted`, `duplicate` or `rejected`.
    pub result: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// The result of importing an interchange: one entry per transaction set, and the 997s.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ImportResult {
    pub interchange_control: String,
    pub sets: Vec<SetResult>,
    pub ack_997: String,
}

async fn find_customer<C: ConnectionTrait>(c: &C, candidates: &[String], names: &[String]) -> Result<Option<crate::entity::customer::Model>, DbErr> {
    use crate::entity::customer;
    for id in candidates.iter().filter(|s| !s.is_empty()) {
        if let Some(m) = customer::Entity::find().filter(customer::Column::ExternalId.eq(id.as_str())).one(c).await? {
            return Ok(Some(m));
        }
    }
    for n in names.iter().filter(|s| !s.is_empty()) {
        if let Some(m) = customer::Entity::find().filter(customer::Column::Name.eq(n.as_str())).one(c).await? {
            return Ok(Some(m));
        }
    }
    Ok(None)
}

/// 850 → an `order.accepted` event payload.
async fn order_from_850<C: ConnectionTrait>(c: &C, ix: &Interchange, t: &Transaction) -> Result<serde_json::Value, EdiError> {
    let first = t.segments.first().map(|s| s.position).unwrap_or(0);
    let beg = t.segments.iter().find(|s| s.id() == "BEG").ok_or_else(|| err(first, "BEG", "expected a BEG segment in the 850"))?;
    let po = beg.require(3, "the purchase order number")?.to_owned();
    date8(beg, 5)?;
    let mut ids = Vec::new();
    let mut names = Vec::new();
    for n1 in t.segments.iter().filter(|s| s.id() == "N1" && matches!(s.el(1), "BY" | "BT" | "ST")) {
        ids.push(n1.el(4).to_owned());
        names.push(n1.el(2).to_owned());
    }
    ids.push(ix.sender.clone());
    let cust = find_customer(c, &ids, &names)
        .await
        .map_err(|e| err(beg.position, "BEG", format!("database error: {e}")))?
        .ok_or_else(|| err(beg.position, "N1", format!("expected a known customer: none of the ids {:?} or names {:?} match", ids.iter().filter(|s| !s.is_empty()).collect::<Vec<_>>(), names)))?;
    let currency = t.segments.iter().find(|s| s.id() == "CUR").map(|s| s.el(2).to_owned()).filter(|s| !s.is_empty()).unwrap_or_else(|| cust.currency.clone());
    let exp = money::exponent(&currency);
    let requested = t.segments.iter().find(|s| s.id() == "DTM" && s.el(1) == "002").map(|s| date8(s, 2)).transpose()?;
    let mut lines = Vec::new();
    let mut last: Option<usize> = None;
    for s in &t.segments {
        match s.id() {
            "PO1" => {
                let line = match s.el(1) {
                    "" => lines.len() as i64 + 1,
                    v => v.parse::<i64>().map_err(|_| err(s.position, "PO1", format!("expected a line number in element 01, found {v:?}")))?,
                };
                let qty_text = s.require(2, "the quantity")?;
                let qty = decimal_to_minor(qty_text, 0).ok_or_else(|| err(s.position, "PO1", format!("expected a whole quantity in element 02, found {qty_text:?}")))?;
                let price_text = s.require(4, "the unit price")?;
                let price = decimal_to_minor(price_text, exp).ok_or_else(|| err(s.position, "PO1", format!("expected a unit price with at most {exp} decimals in element 04, found {price_text:?}")))?;
                let sku = product_id(s, 6).ok_or_else(|| err(s.position, "PO1", "expected a product id (VP, BP, SK, IN…) from element 06"))?;
                lines.push(json!({"line": line, "sku": sku, "description": "", "quantity": qty, "unit_price_minor": price}));
                last = Some(lines.len() - 1);
            }
            "PID" => {
                if let Some(i) = last {
                    lines[i]["description"] = json!(s.el(5));
                }
            }
            "CTT" => {
                let n: usize = s.el(1).parse().map_err(|_| err(s.position, "CTT", "expected the number of line items in element 01"))?;
                if n != lines.len() {
                    return Err(err(s.position, "CTT", format!("expected {} line items, found {n}", lines.len())));
                }
            }
            _ => {}
        }
    }
    if lines.is_empty() {
        return Err(err(beg.position, "BEG", "expected at least one PO1 line"));
    }
    Ok(json!({"number": format!("EDI-{po}"), "customer": cust.external_id, "po_number": po, "channel": "edi", "currency": currency,
              "requested_date": requested, "lines": lines}))
}

/// 856 → a `shipment.dispatched` event payload.
async fn shipment_from_856<C: ConnectionTrait>(c: &C, t: &Transaction) -> Result<serde_json::Value, EdiError> {
    use crate::entity::{order, order_line};
    let first = t.segments.first().map(|s| s.position).unwrap_or(0);
    let bsn = t.segments.iter().find(|s| s.id() == "BSN").ok_or_else(|| err(first, "BSN", "expected a BSN segment in the 856"))?;
    let number = bsn.require(2, "the shipment identification")?.to_owned();
    date8(bsn, 3)?;
    let mut level = "";
    let (mut carrier, mut tracking, mut warehouse, mut po) = (None, None, None, None);
    let mut items: Vec<(Option<i32>, Option<String>, i64, usize)> = Vec::new();
    let mut pending_item: Option<(Option<i32>, Option<String>, usize)> = None;
    for s in &t.segments {
        match s.id() {
            "HL" => {
                level = match s.el(3) {
                    "S" => "S",
                    "O" => "O",
                    "I" => "I",
                    "P" | "T" => "P",
                    other => return Err(err(s.position, "HL", format!("expected hierarchical level S, O, P, T or I in element 03, found {other:?}"))),
                };
            }
            "TD5" if level == "S" => carrier = Some(if s.el(5).is_empty() { s.el(3).to_owned() } else { s.el(5).to_owned() }),
            "REF" if level == "S" && matches!(s.el(1), "CN" | "BM" | "2I") => tracking = Some(s.el(2).to_owned()),
            "N1" if level == "S" && s.el(1) == "SF" => warehouse = Some(s.el(2).to_owned()),
            "PRF" => po = Some(s.require(1, "the purchase order number")?.to_owned()),
            "LIN" if level == "I" => {
                let line = if s.el(1).is_empty() { None } else { Some(s.el(1).parse::<i32>().map_err(|_| err(s.position, "LIN", "expected a line number in element 01"))?) };
                pending_item = Some((line, product_id(s, 2), s.position));
            }
            "SN1" if level == "I" => {
                let q = s.require(2, "the number of units shipped")?;
                let qty = decimal_to_minor(q, 0).ok_or_else(|| err(s.position, "SN1", format!("expected a whole quantity in element 02, found {q:?}")))?;
                let line_from_sn1 = if s.el(1).is_empty() { None } else { s.el(1).parse::<i32>().ok() };
                let (line, sku, pos) = pending_item.take().unwrap_or((line_from_sn1, None, s.position));
                items.push((line.or(line_from_sn1), sku, qty, pos));
            }
            _ => {}
        }
    }
    let po = po.ok_or_else(|| err(bsn.position, "PRF", "expected an order level (HL…O) with a PRF purchase order number"))?;
    if items.is_empty() {
        return Err(err(bsn.position, "SN1", "expected at least one item level (HL…I) with an SN1 quantity"));
    }
    let db = |e: DbErr| err(bsn.position, "BSN", format!("database error: {e}"));
    let ord = order::Entity::find().filter(order::Column::PoNumber.eq(po.as_str())).order_by_desc(order::Column::OrderedAt).one(c).await.map_err(db)?;
    let order_number = ord.as_ref().map(|o| o.number.clone()).unwrap_or_else(|| format!("EDI-{po}"));
    let order_lines = match &ord {
        Some(o) => order_line::Entity::find().filter(order_line::Column::OrderId.eq(o.id)).all(c).await.map_err(db)?,
        None => vec![],
    };
    let mut lines = Vec::new();
    for (line, sku, qty, pos) in items {
        let line_no = match (line, &sku) {
            (Some(l), _) => l,
            (None, Some(sku)) => order_lines.iter().find(|l| &l.sku == sku).map(|l| l.line_no).ok_or_else(|| err(pos, "LIN", format!("expected a SKU of order {order_number}, found {sku:?}")))?,
            (None, None) => return Err(err(pos, "LIN", "expected a line number or product id")),
        };
        lines.push(json!({"line": line_no, "quantity": qty}));
    }
    Ok(json!({"number": number, "order_number": order_number, "carrier": carrier, "tracking_number": tracking, "warehouse": warehouse, "lines": lines}))
}

/// Imports every transaction set of `input` (850s and 856s) into the tenant through `c`, each
/// in its own savepoint, and builds the 997s. A syntax error in the envelope rejects the whole
/// interchange (`Err`).
pub async fn import(c: &sea_orm::DatabaseTransaction, input: &str) -> Result<Result<ImportResult, EdiError>, DbErr> {
    use sea_orm::TransactionTrait;
    let ix = match parse(input) {
        Ok(ix) => ix,
        Err(e) => return Ok(Err(e)),
    };
    let source = format!("edi:{}", ix.sender);
    let mut sets = Vec::new();
    let mut acks = Vec::new();
    for g in &ix.groups {
        let mut group_acks = Vec::new();
        for t in &g.transactions {
            let payload = match t.set_id.as_str() {
                "850" => order_from_850(c, &ix, t).await.map(|p| ("order.accepted", p)),
                "856" => shipment_from_856(c, t).await.map(|p| ("shipment.dispatched", p)),
                other => Err(err(t.segments.first().map(|s| s.position.saturating_sub(1)).unwrap_or(0), "ST", format!("expected transaction set 850 or 856, found {other}"))),
            };
            let mut res = SetResult { set_id: t.set_id.clone(), control: t.control.clone(), result: "rejected".into(), status: None, reference: None, errors: vec![] };
            match payload {
                Err(e) => res.errors.push(e.to_string()),
                Ok((kind, payload)) => {
                    res.reference = payload.get("number").and_then(|v| v.as_str()).map(str::to_owned);
                    let ev = EventIn { event_id: format!("{}-{}-{}", ix.control, g.control, t.control), kind: kind.into(), occurred_at: Utc::now(), source: source.clone(), payload };
                    let dup = crate::entity::event::Entity::find()
                        .filter(crate::entity::event::Column::Source.eq(&ev.source))
                        .filter(crate::entity::event::Column::EventId.eq(&ev.event_id))
                        .count(c)
                        .await?
                        > 0;
                    if dup {
                        res.result = "duplicate".into();
                    } else {
                        let sp = c.begin().await?;
                        match events::apply_and_record(&sp, &ev).await {
                            Ok(effect) => {
                                sp.commit().await?;
                                res.result = "accepted".into();
                                res.status = Some(if effect.waiting_for.is_some() { "parked" } else { "applied" }.into());
                            }
                            Err(Fail::Reject(errors)) => {
                                sp.rollback().await?;
                                res.errors = errors.into_iter().map(|e| format!("{}: {}", e.field, e.reason)).collect();
                            }
                            Err(Fail::Db(e)) => return Err(e),
                        }
                    }
                }
            }
            group_acks.push((t.set_id.clone(), t.control.clone(), res.result != "rejected"));
            sets.push(res);
        }
        acks.push((g.clone(), group_acks));
    }
    let ack_997 = render_997(&ix, &acks);
    Ok(Ok(ImportResult { interchange_control: ix.control.clone(), sets, ack_997 }))
}

fn pad(s: &str, n: usize) -> String {
    format!("{:<n$}", s.chars().take(n).collect::<String>())
}

/// Our own interchange control number: 9 digits from the clock.
fn control_number() -> String {
    format!("{:09}", Utc::now().timestamp_micros().rem_euclid(1_000_000_000))
}

/// Wraps transaction sets (each a list of segments without ST/SE) in ISA/GS/ST…SE/GE/IEA.
fn envelope(sender: (&str, &str), receiver: (&str, &str), functional_id: &str, sets: &[(&str, Vec<Vec<String>>)]) -> String {
    let (e, seg) = ('*', '~');
    let now = Utc::now();
    let icn = control_number();
    let gcn = icn.trim_start_matches('0').to_owned();
    let gcn = if gcn.is_empty() { "1".to_owned() } else { gcn };
    let mut out = String::new();
    let mut push = |els: Vec<String>| {
        out.push_str(&els.join(&e.to_string()));
        out.push(seg);
        out.push('\n');
    };
    push(vec![
        "ISA".into(), "00".into(), pad("", 10), "00".into(), pad("", 10),
        pad(sender.0, 2), pad(sender.1, 15), pad(receiver.0, 2), pad(receiver.1, 15),
        now.format("%y%m%d").to_string(), now.format("%H%M").to_string(), "^".into(), "00401".into(), icn.clone(), "0".into(), "P".into(), ">".into(),
    ]);
    push(vec!["GS".into(), functional_id.into(), sender.1.trim().into(), receiver.1.trim().into(), now.format("%Y%m%d").to_string(), now.format("%H%M").to_string(), gcn.clone(), "X".into(), "004010".into()]);
    for (i, (set_id, body)) in sets.iter().enumerate() {
        let st = format!("{:04}", i + 1);
        push(vec!["ST".into(), (*set_id).to_owned(), st.clone()]);
        for s in body {
            push(s.clone());
        }
        push(vec!["SE".into(), (body.len() + 2).to_string(), st]);
    }
    push(vec!["GE".into(), sets.len().to_string(), gcn]);
    push(vec!["IEA".into(), "1".into(), icn]);
    out
}

/// A 997 for each functional group received (one interchange holding them all).
fn render_997(ix: &Interchange, groups: &[(Group, Vec<(String, String, bool)>)]) -> String {
    let sets: Vec<(&str, Vec<Vec<String>>)> = groups
        .iter()
        .map(|(g, ts)| {
            let mut body = vec![vec!["AK1".to_owned(), g.functional_id.clone(), g.control.clone()]];
            for (set_id, control, ok) in ts {
                body.push(vec!["AK2".into(), set_id.clone(), control.clone()]);
                body.push(vec!["AK5".into(), if *ok { "A".into() } else { "R".into() }]);
            }
            let accepted = ts.iter().filter(|t| t.2).count();
            let code = if accepted == ts.len() { "A" } else if accepted == 0 { "R" } else { "P" };
            body.push(vec!["AK9".into(), code.into(), ts.len().to_string(), ts.len().to_string(), accepted.to_string()]);
            ("997", body)
        })
        .collect();
    envelope((&ix.receiver_qualifier, &ix.receiver), (&ix.sender_qualifier, &ix.sender), "FA", &sets)
}

fn minor_to_decimal(m: i64, exp: u32) -> String {
    if exp == 0 {
        return m.to_string();
    }
    let unit = 10i64.pow(exp);
    let sign = if m < 0 { "-" } else { "" };
    format!("{sign}{}.{:0width$}", m.abs() / unit, m.abs() % unit, width = exp as usize)
}

/// Renders an outbound 810 (invoice) for `inv`, from `(qualifier, id)` to the customer.
pub fn render_810(inv: &InvoiceView, po_number: Option<&str>, customer_name: &str, sender: (&str, &str)) -> String {
    let exp = money::exponent(&inv.currency);
    let mut body: Vec<Vec<String>> = vec![vec![
        "BIG".into(),
        inv.issued_on.format("%Y%m%d").to_string(),
        inv.number.clone(),
        String::new(),
        po_number.unwrap_or("").into(),
    ]];
    body.push(vec!["CUR".into(), "SE".into(), inv.currency.clone()]);
    body.push(vec!["N1".into(), "BT".into(), customer_name.into(), "92".into(), inv.customer.clone()]);
    let days = (inv.due_on - inv.issued_on).num_days();
    body.push(vec!["ITD".into(), "01".into(), "3".into(), String::new(), String::new(), String::new(), inv.due_on.format("%Y%m%d").to_string(), days.to_string()]);
    for l in &inv.lines {
        body.push(vec!["IT1".into(), l.line.to_string(), l.quantity.to_string(), "EA".into(), minor_to_decimal(l.unit_price_minor, exp), String::new(), "VP".into(), l.sku.clone()]);
        if !l.description.is_empty() {
            body.push(vec!["PID".into(), "F".into(), String::new(), String::new(), String::new(), l.description.clone()]);
        }
    }
    // TDS01 is the total in minor units with implied decimals.
    body.push(vec!["TDS".into(), inv.total_minor.to_string()]);
    if inv.tax_minor > 0 {
        body.push(vec!["TXI".into(), "TX".into(), minor_to_decimal(inv.tax_minor, exp)]);
    }
    body.push(vec!["CTT".into(), inv.lines.len().to_string()]);
    envelope(sender, ("ZZ", &inv.customer), "IN", &[("810", body)])
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const SAMPLE_850: &str = "ISA*00*          *00*          *ZZ*INITECH        *ZZ*ACME           *261124*0930*U*00401*000000101*0*P*>~\n\
GS*PO*INITECH*ACME*20261124*0930*101*X*004010~\n\
ST*850*0001~\nBEG*00*SA*PO-7788**20261124~\nCUR*BY*USD~\nDTM*002*20261201~\nN1*BY*Initech Manufacturing*92*C-1001~\n\
PO1*1*10*EA*2.50**VP*BRG-6204~\nPID*F****Bearing~\nPO1*2*3*EA*38.9**VP*HYD-HOSE-12~\nCTT*2~\nSE*10*0001~\nGE*1*101~\nIEA*1*000000101~\n";

    #[test]
    fn separators_come_from_the_isa_segment() {
        let ix = parse(SAMPLE_850).unwrap();
        assert_eq!(ix.separators, Separators { element: '*', component: '>', segment: '~' });
        let alt = SAMPLE_850.replace('*', "|").replace('~', "\u{1c}");
        let ix2 = parse(&alt).unwrap();
        assert_eq!(ix2.separators.element, '|');
        assert_eq!(ix2.groups[0].transactions[0].segments.len(), ix.groups[0].transactions[0].segments.len());
        assert_eq!(ix.sender, "INITECH");
        assert_eq!(ix.groups[0].transactions[0].set_id, "850");
    }

    #[test]
    fn envelope_errors_name_the_segment_and_what_was_expected() {
        let bad_count = SAMPLE_850.replace("SE*10*0001", "SE*9*0001");
        assert_eq!(parse(&bad_count).unwrap_err().to_string(), "segment 12 (SE): expected a segment count of 10, found 9");
        let bad_ctl = SAMPLE_850.replace("IEA*1*000000101", "IEA*1*000000102");
        assert!(parse(&bad_ctl).unwrap_err().to_string().starts_with("segment 14 (IEA): expected control number 000000101"));
        let missing = SAMPLE_850.replace("GE*1*101~\n", "");
        assert_eq!(parse(&missing).unwrap_err().to_string(), "segment 13 (IEA): expected ST or GE");
        assert!(parse("hello").unwrap_err().message.contains("ISA"));
        assert!(parse("").is_err());
    }

    #[test]
    fn decimals_convert_to_minor_units_exactly() {
        assert_eq!(decimal_to_minor("2.5", 2), Some(250));
        assert_eq!(decimal_to_minor("38.90", 2), Some(3890));
        assert_eq!(decimal_to_minor("10", 0), Some(10));
        assert_eq!(decimal_to_minor("1.234", 2), None);
        assert_eq!(decimal_to_minor("abc", 2), None);
        assert_eq!(decimal_to_minor("", 2), None);
        assert_eq!(decimal_to_minor("99999999999999999999", 2), None);
        assert_eq!(minor_to_decimal(3890, 2), "38.90");
        assert_eq!(minor_to_decimal(5, 3), "0.005");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 3000, ..Default::default() })]
        /// Random text never panics the parser.
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,400}") {
            let _ = parse(&s);
        }

        /// Mutations of a valid interchange (a byte replaced, a slice cut out, text spliced in)
        /// never panic and either parse or name a segment position inside the input.
        #[test]
        fn mutated_interchanges_never_panic(pos in 0usize..420, len in 0usize..40, insert in "[*~>A-Z0-9\\n]{0,12}") {
            let base: Vec<char> = SAMPLE_850.chars().collect();
            let p = pos.min(base.len());
            let end = (p + len).min(base.len());
            let mut s: String = base[..p].iter().collect();
            s.push_str(&insert);
            s.extend(&base[end..]);
            match parse(&s) {
                Ok(_) => {}
                Err(e) => proptest::prop_assert!(e.position >= 1 && e.position <= s.matches('~').count() + 2, "{e}"),
            }
        }
    }
}
