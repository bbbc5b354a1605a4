//! Dunning: payment reminders for overdue invoices. Each customer segment has a sequence of
//! steps (days after the due date, with a subject and body template per step); customers of
//! no listed segment follow the default sequence (the one whose segment is blank). The
//! sequences are a versioned, audited rule (`dunning`) like the workflow rules.
//!
//! The decisions are pure functions here ([`next_step`], [`pause`], [`render`]); the engine
//! that applies them to invoices is in [`engine`], promises to pay in [`promises`].
pub mod engine;
pub mod entity;
pub mod promises;
pub mod view;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// One reminder of a sequence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Days after the due date (0: on the due date).
    pub days: i32,
    /// What staff call it: "Friendly note".
    pub name: String,
    pub subject: String,
    pub body: String,
}

/// The steps for the customers of one segment (blank: everyone else).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sequence {
    #[serde(default)]
    pub segment: String,
    pub steps: Vec<Step>,
}

/// The `dunning` rule's settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dunning {
    pub sequences: Vec<Sequence>,
}

/// The placeholders a template may use, with what each becomes.
pub const PLACEHOLDERS: [(&str, &str); 8] = [
    ("customer", "the customer's name"),
    ("invoice", "the invoice number"),
    ("open_amount", "what is still open, with its currency"),
    ("total", "the invoice total"),
    ("due_on", "the due date"),
    ("days_overdue", "days since the due date"),
    ("link", "the invoice in the portal"),
    ("company", "your organisation's name"),
];

fn step(days: i32, name: &str, subject: &str, body: &str) -> Step {
    Step { days, name: name.into(), subject: subject.into(), body: body.into() }
}

const SIGN_OFF: &str = "\n\nView it, download it or tell us about a problem in the portal: {link}\n\n{company}";

impl Default for Dunning {
    /// Key accounts: a friendly note 3 days after the due date, a second at 10, a final
    /// notice at 30. Everyone else: on the due date, +7, +21, +45.
    fn default() -> Self {
        let body = |first: &str| format!("Hello {{customer}},\n\n{first}{SIGN_OFF}");
        Dunning {
            sequences: vec![
                Sequence {
                    segment: "key accounts".into(),
                    steps: vec![
                        step(3, "Friendly note", "A friendly note about invoice {invoice}", &body("Invoice {invoice} for {open_amount} was due on {due_on}. If it is already on its way, thank you, and please ignore this note.")),
                        step(10, "Second reminder", "Invoice {invoice} is {days_overdue} days overdue", &body("Invoice {invoice} for {open_amount} is {days_overdue} days past its due date of {due_on}. Please let us know when we can expect payment.")),
                        step(30, "Final notice", "Final notice: invoice {invoice}", &body("Invoice {invoice} for {open_amount} is now {days_overdue} days overdue. Please pay it or contact us within 7 days.")),
                    ],
                },
                Sequence {
                    segment: String::new(),
                    steps: vec![
                        step(0, "Due today", "Invoice {invoice} is due today", &body("Invoice {invoice} for {open_amount} is due today, {due_on}.")),
                        step(7, "Reminder", "Reminder: invoice {invoice} is overdue", &body("Invoice {invoice} for {open_amount} was due on {due_on} and is still open.")),
                        step(21, "Second reminder", "Invoice {invoice} is {days_overdue} days overdue", &body("Invoice {invoice} for {open_amount} is {days_overdue} days past its due date of {due_on}. Please pay it or tell us what is holding it up.")),
                        step(45, "Final notice", "Final notice: invoice {invoice}", &body("Invoice {invoice} for {open_amount} is now {days_overdue} days overdue. Please pay it or contact us within 7 days.")),
                    ],
                },
            ],
        }
    }
}

impl Dunning {
    /// The sequence for a customer of `segment`: its segment's (any case), else the default.
    pub fn for_segment(&self, segment: Option<&str>) -> Option<&Sequence> {
        let wanted = segment.map(|s| s.trim().to_lowercase()).unwrap_or_default();
        self.sequences.iter().find(|s| !s.segment.is_empty() && s.segment.trim().to_lowercase() == wanted).or_else(|| self.sequences.iter().find(|s| s.segment.trim().is_empty()))
    }

    /// Checks the settings; each problem names the sequence and step. Steps are sorted by day.
    pub fn check(mut self) -> Result<Self, String> {
        let mut errs = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for seq in &mut self.sequences {
            seq.segment = seq.segment.trim().to_owned();
            let who = if seq.segment.is_empty() { "the default sequence".to_owned() } else { format!("the sequence for {:?}", seq.segment) };
            if !seen.insert(seq.segment.to_lowercase()) {
                errs.push(format!("{who} is listed twice"));
            }
            if seq.segment.chars().count() > 64 {
                errs.push(format!("{who}: a segment has at most 64 characters"));
            }
            if seq.steps.is_empty() || seq.steps.len() > 10 {
                errs.push(format!("{who} needs 1 to 10 steps"));
            }
            seq.steps.sort_by_key(|s| s.days);
            for (i, s) in seq.steps.iter().enumerate() {
                let at = format!("{who}, step {}", i + 1);
                if !(0..=365).contains(&s.days) {
                    errs.push(format!("{at}: days must be between 0 and 365"));
                }
                if i > 0 && seq.steps[i - 1].days == s.days {
                    errs.push(format!("{at}: two steps on day {}", s.days));
                }
                if s.name.trim().is_empty() || s.subject.trim().is_empty() || s.body.trim().is_empty() {
                    errs.push(format!("{at}: name, subject and body are all needed"));
                }
                for t in [&s.subject, &s.body] {
                    if let Err(e) = unknown_placeholders(t) {
                        errs.push(format!("{at}: {e}"));
                    }
                }
            }
        }
        if !self.sequences.iter().any(|s| s.segment.is_empty()) {
            errs.push("a default sequence (blank segment) is needed for customers of other segments".into());
        }
        if errs.is_empty() { Ok(self) } else { Err(errs.join("; ")) }
    }
}

/// The values a reminder's templates are filled with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    pub customer: String,
    pub invoice: String,
    pub open_amount: String,
    pub total: String,
    pub due_on: String,
    pub days_overdue: String,
    pub link: String,
    pub company: String,
}

impl Fill {
    fn get(&self, name: &str) -> Option<&str> {
        Some(match name {
            "customer" => &self.customer,
            "invoice" => &self.invoice,
            "open_amount" => &self.open_amount,
            "total" => &self.total,
            "due_on" => &self.due_on,
            "days_overdue" => &self.days_overdue,
            "link" => &self.link,
            "company" => &self.company,
            _ => return None,
        })
    }
}

/// Each `{name}` of a template, in order (a `{` without a closing `}` is text).
fn placeholders(template: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let mut from = 0;
    std::iter::from_fn(move || {
        let open = from + template[from..].find('{')?;
        let close = open + template[open..].find('}')?;
        from = close + 1;
        Some((open, close + 1, &template[open + 1..close]))
    })
}

/// Refuses a template with a placeholder that is not one of [`PLACEHOLDERS`].
pub fn unknown_placeholders(template: &str) -> Result<(), String> {
    let unknown: Vec<String> = placeholders(template).map(|(_, _, n)| n).filter(|n| !PLACEHOLDERS.iter().any(|(p, _)| p == n)).map(|n| format!("{{{n}}}")).collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let known: Vec<String> = PLACEHOLDERS.iter().map(|(p, _)| format!("{{{p}}}")).collect();
    Err(format!("{} is not a placeholder; use {}", unknown.join(", "), known.join(", ")))
}

/// The template with each placeholder replaced by its value. Placeholder substitution of
/// eight known names is all a reminder needs; a template engine would add loops and
/// expressions that admins do not need and that a template could misuse.
pub fn render(template: &str, fill: &Fill) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut last = 0;
    for (start, end, name) in placeholders(template) {
        out.push_str(&template[last..start]);
        out.push_str(fill.get(name).unwrap_or(&template[start..end]));
        last = end;
    }
    out.push_str(&template[last..]);
    out
}

/// The date a step falls on for an invoice due on `due_on`.
pub fn step_date(due_on: NaiveDate, days: i32) -> NaiveDate {
    due_on.checked_add_days(Days::new(days.max(0) as u64)).unwrap_or(due_on)
}

/// The index of the last step sent, from the step days of the reminders sent: the latest
/// step on or before the latest day sent, and never fewer steps than were sent (so a step
/// moved to another day after it went out is not sent again).
pub fn last_sent(days: &[i32], sent_days: &[i32]) -> Option<usize> {
    let by_day = sent_days.iter().max().and_then(|&l| days.iter().rposition(|&d| d <= l));
    let by_count = sent_days.len().checked_sub(1).map(|n| n.min(days.len().saturating_sub(1)));
    by_day.max(by_count)
}

/// The step to send today: the latest whose date has come, if it is after the last sent
/// (steps passed over while paused, or before the invoice arrived, are not sent late: the
/// customer gets the one that fits how overdue the invoice is). `days` is sorted.
pub fn next_step(days: &[i32], due_on: NaiveDate, today: NaiveDate, last_sent: Option<usize>) -> Option<usize> {
    let latest = days.iter().rposition(|&d| step_date(due_on, d) <= today)?;
    (last_sent.is_none_or(|l| latest > l)).then_some(latest)
}

/// When to look at the invoice again after today: the date of the first step after the
/// last sent (or chosen), if any is left.
pub fn next_check(days: &[i32], due_on: NaiveDate, today: NaiveDate, last_sent: Option<usize>) -> Option<NaiveDate> {
    let from = last_sent.map_or(0, |l| l + 1);
    days.get(from..)?.iter().map(|&d| step_date(due_on, d)).find(|&on| on > today)
}

/// Why reminders wait, if they do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pause {
    /// The invoice has an open dispute.
    Dispute,
    /// A promise to pay by this date has not lapsed.
    Promise(NaiveDate),
}

impl Pause {
    /// In plain words, for staff and the customer.
    pub fn said(&self) -> String {
        match self {
            Pause::Dispute => "Paused while the invoice is disputed".into(),
            Pause::Promise(on) => format!("Paused: payment promised by {on}"),
        }
    }

    /// When to look again: a dispute tomorrow, a promise the day after it lapses.
    pub fn recheck(&self, today: NaiveDate) -> NaiveDate {
        match self {
            Pause::Dispute => today.succ_opt().unwrap_or(today),
            Pause::Promise(on) => on.succ_opt().unwrap_or(*on).max(today.succ_opt().unwrap_or(today)),
        }
    }
}

/// Whether reminders of an invoice with this status (and whether it has an open dispute,
/// which an ERP's own dispute notes do not change) and latest promise wait today. A promise
/// lapses the day after its date.
pub fn pause(status: &str, open_dispute: bool, promised_by: Option<NaiveDate>, today: NaiveDate) -> Option<Pause> {
    if status == "disputed" || open_dispute {
        return Some(Pause::Dispute);
    }
    promised_by.filter(|&on| on >= today).map(Pause::Promise)
}

#[cfg(test)]
mod tests;
