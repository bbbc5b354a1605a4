//! ANSI X12 EDI: inbound 850 (purchase order) and 856 (ship notice) become canonical events,
//! every inbound functional group gets a 997, and any invoice renders as an outbound 810.
//!
//! - [`parse`] (in `parse.rs`) reads an interchange within [`EdiLimits`], taking its separators
//!   from the ISA segment. Every error names the segment position (1-based, counted from ISA)
//!   and what was expected. Nothing there panics on malformed input.
//! - `inbound.rs` turns 850 and 856 transaction sets into event payloads; `asn.rs` reads an
//!   856, flat or in pick-pack form (shipment / order / pack / item), without the database.
//! - `render.rs` writes 997s and 810s; no data element ever carries one of our separators.
mod asn;
mod inbound;
mod parse;
mod render;

pub use parse::parse;
pub use render::render_810;

use crate::events::{self, EventIn, Fail};
use chrono::Utc;
use inbound::Parties;
use sea_orm::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How much of an interchange the parser reads before refusing it. Every inbound interchange
/// (API and command line) is parsed within these, so one request cannot make the server hold
/// an unbounded number of segments or elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EdiLimits {
    /// Segments per interchange, ISA and IEA included. Default 100,000: a few thousand
    /// purchase orders of twenty lines each, about 3 MB of text.
    pub max_segments: usize,
    /// Data elements per segment, not counting the segment identifier. Default 64; the
    /// longest segments we read have 25 (PO1, IT1, LIN) and ISA has 16, so a value below 16
    /// refuses every interchange.
    pub max_elements: usize,
    /// Characters per element. Default 4,096; X12 elements are at most 80 characters except
    /// free-form text and binary data, which we do not read.
    pub max_element_len: usize,
}

impl Default for EdiLimits {
    fn default() -> Self {
        Self { max_segments: 100_000, max_elements: 64, max_element_len: 4_096 }
    }
}

impl EdiLimits {
    /// The configured value of `limit`.
    pub fn value(&self, limit: Limit) -> usize {
        match limit {
            Limit::MaxSegments => self.max_segments,
            Limit::MaxElements => self.max_elements,
            Limit::MaxElementLen => self.max_element_len,
        }
    }
}

/// One of the [`EdiLimits`], as named in errors and settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    MaxSegments,
    MaxElements,
    MaxElementLen,
}

impl Limit {
    pub fn name(self) -> &'static str {
        match self {
            Limit::MaxSegments => "max_segments",
            Limit::MaxElements => "max_elements",
            Limit::MaxElementLen => "max_element_len",
        }
    }
    /// Whether exceeding it means the interchange as a whole is too large (HTTP 413), rather
    /// than one segment being malformed (HTTP 422).
    pub fn is_size(self) -> bool {
        self == Limit::MaxSegments
    }
}

/// A syntax or content error at one segment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EdiError {
    /// 1-based position of the segment in the interchange (ISA is 1).
    pub position: usize,
    pub segment: String,
    pub message: String,
    /// The limit the interchange exceeded, when that is the error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<Limit>,
}

impl fmt::Display for EdiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "segment {} ({}): {}", self.position, self.segment, self.message)
    }
}

fn err(position: usize, segment: &str, message: impl Into<String>) -> EdiError {
    EdiError { position, segment: segment.chars().take(3).collect(), message: message.into(), limit: None }
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

/// Imports every transaction set of `input` (850s and 856s) into the tenant through `c`, each
/// in its own savepoint, and builds the 997s. A syntax error in the envelope, or an
/// interchange beyond `limits`, rejects the whole interchange (`Err`). Each distinct party is
/// looked up once per interchange, however many sets it sends.
pub async fn import(c: &crate::TenantTxn, input: &str, limits: &EdiLimits) -> Result<Result<ImportResult, EdiError>, DbErr> {
    let ix = match parse(input, limits) {
        Ok(ix) => ix,
        Err(e) => return Ok(Err(e)),
    };
    let mut parties = Parties::default();
    let mut sets = Vec::new();
    let mut acks = Vec::new();
    for g in &ix.groups {
        // A 997 acknowledges one of our 810s; X12 never acknowledges a 997 in turn.
        if g.functional_id == "FA" {
            for t in &g.transactions {
                sets.push(acknowledgement(c, t).await?);
            }
            continue;
        }
        let mut group_acks = Vec::new();
        for t in &g.transactions {
            let res = import_set(c, &ix, g, t, &mut parties).await?;
            group_acks.push((t.set_id.clone(), t.control.clone(), res.result != "rejected"));
            sets.push(res);
        }
        acks.push((g.clone(), group_acks));
    }
    // Nothing to acknowledge when the interchange held only 997s.
    let ack_997 = if acks.is_empty() { String::new() } else { render::render_997(&ix, &acks, next_control_number(c).await?) };
    Ok(Ok(ImportResult { interchange_control: ix.control.clone(), sets, ack_997 }))
}

/// A partner's 997 for one of our outbound 810s: AK1 names the group control number (ours is
/// the interchange's), AK9 its disposition.
async fn acknowledgement(c: &crate::TenantTxn, t: &Transaction) -> Result<SetResult, DbErr> {
    let mut res = SetResult { set_id: t.set_id.clone(), control: t.control.clone(), result: "rejected".into(), status: None, reference: None, errors: vec![] };
    let ak1 = t.segments.iter().find(|s| s.id() == "AK1");
    let ak9 = t.segments.iter().find(|s| s.id() == "AK9");
    let (Some(ak1), Some(ak9)) = (ak1, ak9) else {
        res.errors.push(format!("transaction set {} {}: a 997 needs AK1 and AK9 segments", t.set_id, t.control));
        return Ok(res);
    };
    if t.set_id != "997" || ak1.el(1) != "IN" {
        res.errors.push(format!("only 997s acknowledging invoices (AK1*IN) are read in a functional acknowledgement group, not {} for {}", t.set_id, ak1.el(1)));
        return Ok(res);
    }
    let Ok(control) = ak1.el(2).parse::<i64>() else {
        res.errors.push(format!("segment {} (AK1): {:?} is not a group control number", ak1.position, ak1.el(2)));
        return Ok(res);
    };
    match crate::outbound::edi::acknowledge(c, control, ak9.el(1), Utc::now()).await? {
        crate::outbound::edi::Acked::Delivered(n) => (res.result, res.status, res.reference) = ("accepted".into(), Some("delivered".into()), Some(n)),
        crate::outbound::edi::Acked::Rejected(n) => (res.result, res.status, res.reference) = ("accepted".into(), Some("rejected_by_partner".into()), Some(n)),
        crate::outbound::edi::Acked::Already(n) => (res.result, res.reference) = ("duplicate".into(), Some(n)),
        crate::outbound::edi::Acked::Unknown => res.errors.push(format!("no invoice was sent under group control number {control}")),
    }
    Ok(res)
}

/// The next interchange control number of this tenant, from its `counters` row, in the
/// caller's transaction: one atomic upsert, so concurrent renders on any number of instances
/// never share a number.
pub async fn next_control_number<C: sea_orm::ConnectionTrait>(c: &C) -> Result<u64, DbErr> {
    next_control_numbers(c, 1).await
}

/// Takes `n` (at least one) consecutive control numbers at once and answers the first.
pub async fn next_control_numbers<C: sea_orm::ConnectionTrait>(c: &C, n: u64) -> Result<u64, DbErr> {
    let backend = c.get_database_backend();
    let n = n.max(1) as i64;
    let p = if backend == sea_orm::DbBackend::Postgres { "$1" } else { "?1" };
    let sql = format!("INSERT INTO counters (name, value) VALUES ('edi_interchange', {p}) ON CONFLICT (name) DO UPDATE SET value = counters.value + {p} RETURNING value");
    let row = c.query_one_raw(sea_orm::Statement::from_sql_and_values(backend, sql, [n.into()])).await?.ok_or_else(|| DbErr::Custom("the counter upsert returned no row".into()))?;
    Ok((row.try_get::<i64>("", "value")? - n + 1).max(1) as u64)
}

/// One transaction set: its event, unless already recorded, applied in a savepoint.
async fn import_set(c: &sea_orm::DatabaseTransaction, ix: &Interchange, g: &Group, t: &Transaction, parties: &mut Parties) -> Result<SetResult, DbErr> {
    use sea_orm::TransactionTrait;
    let payload = match t.set_id.as_str() {
        "850" => inbound::order_from_850(c, ix, t, parties).await.map(|p| ("order.accepted", p)),
        "856" => inbound::shipment_from_856(c, t).await.map(|p| ("shipment.dispatched", p)),
        other => Err(err(t.segments.first().map(|s| s.position.saturating_sub(1)).unwrap_or(0), "ST", format!("expected transaction set 850 or 856, found {other}"))),
    };
    let mut res = SetResult { set_id: t.set_id.clone(), control: t.control.clone(), result: "rejected".into(), status: None, reference: None, errors: vec![] };
    let (kind, payload) = match payload {
        Ok(p) => p,
        Err(e) => {
            res.errors.push(e.to_string());
            return Ok(res);
        }
    };
    res.reference = payload.get("number").and_then(|v| v.as_str()).map(str::to_owned);
    let ev = EventIn { event_id: format!("{}-{}-{}", ix.control, g.control, t.control), kind: kind.into(), occurred_at: Utc::now(), source: format!("edi:{}", ix.sender), payload };
    let dup = crate::entity::event::Entity::find()
        .filter(crate::entity::event::Column::Source.eq(&ev.source))
        .filter(crate::entity::event::Column::EventId.eq(&ev.event_id))
        .count(c)
        .await?
        > 0;
    if dup {
        res.result = "duplicate".into();
        return Ok(res);
    }
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
    Ok(res)
}

/// A transaction set from segment text (`BSN*00*A~HL*1**S~…`, `*` between elements), its
/// segments numbered from 3 as if ISA and GS came first. For the readers' unit tests.
#[cfg(test)]
pub(crate) fn test_set(set_id: &str, body: &str) -> Transaction {
    let segments = body
        .split('~')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
        .map(|(i, s)| Segment { position: i + 3, elements: s.split('*').map(str::to_owned).collect() })
        .collect();
    Transaction { set_id: set_id.into(), control: "0001".into(), segments }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_limits_are_named_and_only_the_segment_count_is_a_size_limit() {
        let l = EdiLimits::default();
        assert_eq!((l.value(Limit::MaxSegments), l.value(Limit::MaxElements), l.value(Limit::MaxElementLen)), (100_000, 64, 4_096));
        assert_eq!(Limit::MaxElementLen.name(), "max_element_len");
        assert_eq!(serde_json::to_value(Limit::MaxElements).unwrap(), "max_elements");
        assert!(Limit::MaxSegments.is_size() && !Limit::MaxElements.is_size() && !Limit::MaxElementLen.is_size());
        let partial: EdiLimits = serde_json::from_str(r#"{"max_segments": 10}"#).unwrap();
        assert_eq!(partial, EdiLimits { max_segments: 10, ..EdiLimits::default() });
    }
}
