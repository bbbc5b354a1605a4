//! The pure checks of a dispute: what may be disputed on an invoice, and how it may end.
//! Every problem names its field, and all of them are answered at once, so that a portal
//! form or an API client fixes everything in one round.
use super::Reason;
use crate::events::FieldError;
use crate::money;
use serde::{Deserialize, Serialize};

/// A dispute to open against an invoice.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeIn {
    pub invoice_number: String,
    /// `pricing`, `quantity_short`, `damaged`, `not_received`, `duplicate_billing`, `tax` or `other`.
    pub reason: String,
    #[serde(default)]
    pub description: String,
    pub lines: Vec<DisputeLineIn>,
}

/// One invoice line disputed: a quantity (the amount follows at the line's unit price), an
/// amount, or both.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeLineIn {
    /// The invoice's line number.
    pub line: i32,
    #[serde(default)]
    pub quantity: Option<i64>,
    #[serde(default)]
    pub amount_minor: Option<i64>,
}

/// An invoice line as billed: what a dispute line is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Billed {
    pub line_no: i32,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub amount_minor: i64,
}

/// A dispute that passed [`check`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub reason: Reason,
    pub description: String,
    pub lines: Vec<CheckedLine>,
    pub total_minor: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckedLine {
    pub line_no: i32,
    pub quantity: Option<i64>,
    pub amount_minor: i64,
}

/// The longest description or message body kept.
pub const MAX_TEXT: usize = 4_000;

/// Checks a dispute against the invoice's lines and the part of its open amount not already
/// in dispute (`available_minor`).
pub fn check(input: &DisputeIn, billed: &[Billed], available_minor: i64, currency: &str) -> Result<Checked, Vec<FieldError>> {
    let mut errs = Vec::new();
    let reason = input.reason.parse::<Reason>().map_err(|_| errs.push(FieldError::new("reason", format!("{:?} is not a reason; use one of: {}", input.reason, Reason::ALL.map(Reason::as_str).join(", "))))).ok();
    let description = input.description.trim().to_owned();
    if let Some(e) = text_problem(&description, "say what is wrong with the invoice") {
        errs.push(FieldError::new("description", e));
    }
    if input.lines.is_empty() {
        errs.push(FieldError::new("lines", "name at least one invoice line"));
    }
    let mut lines = Vec::new();
    for (i, l) in input.lines.iter().enumerate() {
        match check_line(i, l, billed, &input.lines[..i]) {
            Ok(line) => lines.push(line),
            Err(e) => errs.push(e),
        }
    }
    let total = lines.iter().try_fold(0i64, |sum, l| sum.checked_add(l.amount_minor));
    match total {
        // Only a total of valid lines says anything about the invoice.
        Some(t) if t > available_minor && lines.len() == input.lines.len() => {
            errs.push(FieldError::new("lines", format!("the disputed total {} exceeds the {} of the invoice that is open and not already in dispute", money::format(t, currency), money::format(available_minor.max(0), currency))));
        }
        None => errs.push(FieldError::new("lines", "the disputed total is too large")),
        _ => {}
    }
    match (reason, total) {
        (Some(reason), Some(total_minor)) if errs.is_empty() => Ok(Checked { reason, description, lines, total_minor }),
        _ => Err(errs),
    }
}

/// Why a text is not acceptable, if it is not: empty (`empty` says what to write) or too long.
pub fn text_problem(text: &str, empty: &str) -> Option<String> {
    if text.trim().is_empty() {
        Some(empty.to_owned())
    } else if text.chars().count() > MAX_TEXT {
        Some(format!("must be at most {MAX_TEXT} characters"))
    } else {
        None
    }
}

fn check_line(i: usize, l: &DisputeLineIn, billed: &[Billed], before: &[DisputeLineIn]) -> Result<CheckedLine, FieldError> {
    let at = |f: &str| format!("lines[{i}].{f}");
    let Some(b) = billed.iter().find(|b| b.line_no == l.line) else {
        let known: Vec<String> = billed.iter().map(|b| b.line_no.to_string()).collect();
        return Err(FieldError::new(at("line"), format!("the invoice has no line {}; its lines are {}", l.line, known.join(", "))));
    };
    if before.iter().any(|p| p.line == l.line) {
        return Err(FieldError::new(at("line"), format!("line {} is named twice; name each line once", l.line)));
    }
    if let Some(q) = l.quantity {
        if q <= 0 {
            return Err(FieldError::new(at("quantity"), "must be greater than zero"));
        }
        if q > b.quantity {
            return Err(FieldError::new(at("quantity"), format!("exceeds the {} invoiced on line {}", b.quantity, b.line_no)));
        }
    }
    let amount = match (l.amount_minor, l.quantity) {
        (Some(a), _) => a,
        (None, Some(q)) => q.checked_mul(b.unit_price_minor).ok_or_else(|| FieldError::new(at("quantity"), "is too large"))?,
        (None, None) => return Err(FieldError::new(format!("lines[{i}]"), "give a quantity, an amount_minor, or both")),
    };
    if amount <= 0 {
        return Err(FieldError::new(at("amount_minor"), "must be greater than zero"));
    }
    if amount > b.amount_minor {
        return Err(FieldError::new(at("amount_minor"), format!("exceeds the line's amount of {} minor units", b.amount_minor)));
    }
    Ok(CheckedLine { line_no: l.line, quantity: l.quantity, amount_minor: amount })
}

/// How a dispute ends, as an API client or a form states it.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveIn {
    /// `credit` (a credit memo of `amount_minor`, with an optional `note`) or `reject` (with a `reason`).
    pub outcome: String,
    #[serde(default)]
    pub amount_minor: Option<i64>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// How a dispute ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// A credit memo of this amount against the invoice.
    Credit { amount_minor: i64, note: Option<String> },
    /// No credit; the reason is shown to the customer.
    Reject { reason: String },
}

impl Resolution {
    /// Reads a resolution, naming the field that is missing or wrong.
    pub fn parse(r: &ResolveIn) -> Result<Self, Vec<FieldError>> {
        let note = r.note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
        match r.outcome.trim() {
            "credit" => match r.amount_minor {
                Some(a) if a > 0 => match note.as_deref().and_then(|n| text_problem(n, "")) {
                    Some(e) => Err(vec![FieldError::new("note", e)]),
                    None => Ok(Resolution::Credit { amount_minor: a, note }),
                },
                Some(_) => Err(vec![FieldError::new("amount_minor", "must be greater than zero")]),
                None => Err(vec![FieldError::new("amount_minor", "a credit needs the amount to credit, in minor units")]),
            },
            "reject" => {
                let reason = r.reason.as_deref().unwrap_or("").trim().to_owned();
                match text_problem(&reason, "a rejection needs a reason the customer will read") {
                    Some(e) => Err(vec![FieldError::new("reason", e)]),
                    None => Ok(Resolution::Reject { reason }),
                }
            }
            other => Err(vec![FieldError::new("outcome", format!("{other:?} is not an outcome; use credit or reject"))]),
        }
    }
}

/// Whether `amount` may be credited on a dispute of `disputed` against an invoice with `open`
/// still owed: never more than either.
pub fn credit_allowed(amount: i64, disputed: i64, open: i64, currency: &str) -> Result<(), FieldError> {
    if amount > disputed {
        return Err(FieldError::new("amount_minor", format!("exceeds the {} in dispute", money::format(disputed, currency))));
    }
    if amount > open {
        return Err(FieldError::new("amount_minor", format!("exceeds the {} still open on the invoice", money::format(open.max(0), currency))));
    }
    Ok(())
}
