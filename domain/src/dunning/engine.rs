//! The dunning run (`dunning.run`, periodic): reads the invoices whose dunning day has come
//! (`invoices.dunning_next_on`, indexed), decides for each with the pure functions of the
//! module, records the reminders to send and moves each invoice's day on, all in the job's
//! transaction. A reminder row is unique per invoice and step day: two runs at once (two
//! workers, two instances) record it once, and only the run that wrote it queues its e-mail
//! or publishes `reminder.sent`.
use super::entity::{promise, reminder};
use super::{Dunning, Fill, last_sent, next_check, next_step, pause};
use crate::customers::prefs::{ApEmails, ReminderChannel};
use crate::entity::{customer, invoice};
use crate::jobs::{self, NewJob, entity as job};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder, QuerySelect};
use serde_json::json;
use std::collections::HashMap;

/// The periodic job that sends what is due.
pub const RUN_JOB: &str = "dunning.run";
/// The job that e-mails one reminder.
pub const EMAIL_JOB: &str = "reminder.email";
/// Invoices read per query.
const BATCH: u64 = 200;
/// Invoices looked at per run; a run that stops here queues the next at once.
pub const PER_RUN: usize = 5_000;

/// What a run needs from outside the tenant's schema.
#[derive(Clone, Debug)]
pub struct RunCx {
    /// The tenant's name, for `{company}`.
    pub company: String,
    /// `http://acme.localhost:3000`: the portal's origin, for `{link}`.
    pub portal_origin: String,
    pub now: DateTime<Utc>,
}

impl RunCx {
    pub fn link(&self, number: &str) -> String {
        format!("{}/portal/invoices/{}", self.portal_origin, path_segment(number))
    }
}

/// `s` as one segment of a URL path (RFC 3986 unreserved characters kept).
pub fn path_segment(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// What a run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub looked_at: usize,
    /// Reminders recorded (e-mails queued, portal reminders sent).
    pub reminders: usize,
    /// Whether invoices were left for the next run.
    pub more: bool,
}

/// What one invoice's look decided.
struct Decision {
    send: Option<usize>,
    next_on: Option<NaiveDate>,
}

/// The channel a customer's reminders take: its own, else the tenant's default.
fn channel_of(c: &customer::Model, default: ReminderChannel) -> ReminderChannel {
    c.reminder_channel.as_deref().and_then(|r| r.parse().ok()).unwrap_or(default)
}

/// What an invoice's look needs besides the invoice and its customer.
#[derive(Clone, Debug, Default)]
struct Known {
    promised: Option<NaiveDate>,
    open_dispute: bool,
    /// The step days of the reminders already recorded.
    sent: Vec<i32>,
}

fn decide(d: &Dunning, inv: &invoice::Model, cust: &customer::Model, channel: ReminderChannel, k: &Known, today: NaiveDate) -> Decision {
    let done = Decision { send: None, next_on: None };
    let open = inv.total_minor - inv.paid_minor - inv.credited_minor;
    if inv.status == "paid" || open <= 0 || channel == ReminderChannel::Off {
        return done;
    }
    let Some(seq) = d.for_segment(cust.segment.as_deref()) else { return done };
    let days: Vec<i32> = seq.steps.iter().map(|s| s.days).collect();
    let last = last_sent(&days, &k.sent);
    if let Some(p) = pause(&inv.status, k.open_dispute, k.promised, today) {
        return Decision { send: None, next_on: Some(p.recheck(today)) };
    }
    match next_step(&days, inv.due_on, today, last) {
        Some(i) => Decision { send: Some(i), next_on: next_check(&days, inv.due_on, today, Some(i)) },
        None => Decision { send: None, next_on: next_check(&days, inv.due_on, today, last) },
    }
}

/// The latest promise of each invoice.
pub(crate) async fn latest_promises<C: ConnectionTrait>(c: &C, invoices: &[Uuid]) -> Result<HashMap<Uuid, promise::Model>, DbErr> {
    let rows = promise::Entity::find().filter(promise::Column::InvoiceId.is_in(invoices.to_vec())).order_by_asc(promise::Column::CreatedAt).all(c).await?;
    Ok(rows.into_iter().map(|p| (p.invoice_id, p)).collect())
}

/// What each invoice's look needs to know: its latest promise, whether it has an open
/// dispute, and the steps already recorded.
async fn known<C: ConnectionTrait>(c: &C, invoices: &[Uuid]) -> Result<HashMap<Uuid, Known>, DbErr> {
    use crate::workflow::disputes::{DisputeStatus, dispute};
    let mut out: HashMap<Uuid, Known> = HashMap::new();
    for (inv, p) in latest_promises(c, invoices).await? {
        out.entry(inv).or_default().promised = Some(p.promised_on);
    }
    let disputed: Vec<Uuid> = dispute::Entity::find()
        .select_only()
        .column(dispute::Column::InvoiceId)
        .filter(dispute::Column::InvoiceId.is_in(invoices.to_vec()))
        .filter(dispute::Column::Status.eq(DisputeStatus::Open.as_str()))
        .into_tuple()
        .all(c)
        .await?;
    for inv in disputed {
        out.entry(inv).or_default().open_dispute = true;
    }
    for (inv, days) in sent_steps(c, invoices).await? {
        out.entry(inv).or_default().sent.push(days);
    }
    Ok(out)
}

/// The step days of the reminders of these invoices.
async fn sent_steps<C: ConnectionTrait>(c: &C, invoices: &[Uuid]) -> Result<Vec<(Uuid, i32)>, DbErr> {
    let rows: Vec<(Uuid, i32)> = reminder::Entity::find()
        .select_only()
        .column(reminder::Column::InvoiceId)
        .column(reminder::Column::StepDays)
        .filter(reminder::Column::InvoiceId.is_in(invoices.to_vec()))
        .into_tuple()
        .all(c)
        .await?;
    Ok(rows)
}

/// Sends what is due at `cx.now`; see the module.
pub async fn run<C: ConnectionTrait>(c: &C, cx: &RunCx) -> Result<Outcome, DbErr> {
    let rules = crate::workflow::rules::load(c).await.map_err(|e| DbErr::Custom(e.to_string()))?;
    let mut out = Outcome::default();
    if !rules.dunning.enabled {
        return Ok(out);
    }
    let (d, default) = (&rules.dunning.config, rules.delivery.config.reminder_channel);
    let today = cx.now.date_naive();
    while out.looked_at < PER_RUN {
        let mut q = invoice::Entity::find().filter(invoice::Column::DunningNextOn.lte(today)).order_by_asc(invoice::Column::DunningNextOn).order_by_asc(invoice::Column::Id).limit(BATCH);
        if c.get_database_backend() == sea_orm::DbBackend::Postgres {
            // Locked until the run commits: a payment, a dispute or another run waits for
            // it (or, for another run, passes these by), and no look is decided on a stale
            // row. A SQLite tenant transaction is already the only writer.
            q = q.lock_with_behavior(sea_orm::sea_query::LockType::Update, sea_orm::sea_query::LockBehavior::SkipLocked);
        }
        let batch = q.all(c).await?;
        if batch.is_empty() {
            return Ok(out);
        }
        let ids: Vec<Uuid> = batch.iter().map(|i| i.id).collect();
        let cust_ids: Vec<Uuid> = batch.iter().map(|i| i.customer_id).collect();
        let customers: HashMap<Uuid, customer::Model> = customer::Entity::find().filter(customer::Column::Id.is_in(cust_ids)).all(c).await?.into_iter().map(|m| (m.id, m)).collect();
        let known = known(c, &ids).await?;
        let none = Known::default();
        for inv in &batch {
            out.looked_at += 1;
            let dec = match customers.get(&inv.customer_id) {
                Some(cust) => {
                    let channel = channel_of(cust, default);
                    let dec = decide(d, inv, cust, channel, known.get(&inv.id).unwrap_or(&none), today);
                    if let (Some(i), Some(seq)) = (dec.send, d.for_segment(cust.segment.as_deref())) {
                        out.reminders += usize::from(record(c, cx, inv, cust, channel, &seq.steps[i]).await?);
                    }
                    dec
                }
                // Never written by this code: nothing to remind, and never looked at again.
                None => Decision { send: None, next_on: None },
            };
            let mut am: invoice::ActiveModel = inv.clone().into();
            am.dunning_next_on = Set(dec.next_on);
            am.update(c).await?;
        }
    }
    out.more = invoice::Entity::find().filter(invoice::Column::DunningNextOn.lte(today)).one(c).await?.is_some();
    Ok(out)
}

/// Records one reminder unless this step was already recorded; answers whether it was.
async fn record<C: ConnectionTrait>(c: &C, cx: &RunCx, inv: &invoice::Model, cust: &customer::Model, channel: ReminderChannel, step: &super::Step) -> Result<bool, DbErr> {
    let money = |v: i64| crate::money::format(v, &inv.currency);
    let fill = Fill {
        customer: cust.name.clone(),
        invoice: inv.number.clone(),
        open_amount: money(inv.total_minor - inv.paid_minor - inv.credited_minor),
        total: money(inv.total_minor),
        due_on: inv.due_on.to_string(),
        days_overdue: (cx.now.date_naive() - inv.due_on).num_days().max(0).to_string(),
        link: cx.link(&inv.number),
        company: cx.company.clone(),
    };
    let id = crate::new_id();
    let emails = ApEmails::from_stored(&cust.invoice_emails);
    let (target, status, key) = match channel {
        ReminderChannel::Email if emails.is_empty() => (String::new(), "failed", None),
        ReminderChannel::Email => (emails.as_slice().join(", "), "queued", Some(format!("{EMAIL_JOB}:{id}"))),
        _ => ("portal".to_owned(), "sent", None),
    };
    let row = reminder::ActiveModel {
        id: Set(id),
        invoice_id: Set(inv.id),
        customer_id: Set(cust.id),
        step_days: Set(step.days),
        step_name: Set(step.name.clone()),
        channel: Set(if channel == ReminderChannel::Email { "email" } else { "portal" }.into()),
        target: Set(target),
        status: Set(status.into()),
        subject: Set(super::render(&step.subject, &fill)),
        body: Set(super::render(&step.body, &fill)),
        job_key: Set(key.clone()),
        created_at: Set(cx.now),
        sent_at: Set((status == "sent").then_some(cx.now)),
    };
    let done = reminder::Entity::insert(row).on_conflict_do_nothing_on([reminder::Column::InvoiceId, reminder::Column::StepDays]).exec_without_returning(c).await?;
    if !crate::inserted(&done) {
        return Ok(false);
    }
    match key {
        Some(key) => jobs::enqueue_timer(c, NewJob::new(EMAIL_JOB, json!({"reminder": id}), cx.now).attempts(crate::outbound::EMAIL_ATTEMPTS).unique(key)).await?,
        None if status == "sent" => {
            let r = reminder::Entity::find_by_id(id).one(c).await?.ok_or_else(|| DbErr::RecordNotFound("reminder".into()))?;
            published(c, &r, inv, cx.now).await?;
        }
        None => {}
    }
    Ok(true)
}

/// Publishes `reminder.sent` for a reminder that went out.
async fn published<C: ConnectionTrait>(c: &C, r: &reminder::Model, inv: &invoice::Model, at: DateTime<Utc>) -> Result<(), DbErr> {
    let payload = json!({"invoice": inv.number, "customer_id": inv.customer_id, "step": r.step_name, "step_days": r.step_days, "channel": r.channel, "to": r.target, "sent_at": at});
    crate::workflow::raise::publish(c, "reminder.sent", inv.order_id, &payload, &format!("Reminder \"{}\" for invoice {} sent by {} to {}", r.step_name, inv.number, r.channel, r.target), at).await
}

/// One reminder, to e-mail.
pub async fn get<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<reminder::Model>, DbErr> {
    reminder::Entity::find_by_id(id).one(c).await
}

/// Why a queued reminder must not go out after all (the invoice was paid, disputed or
/// promised since it was recorded, or its job is retried days later), if it must not.
pub async fn no_longer_due<C: ConnectionTrait>(c: &C, r: &reminder::Model, today: NaiveDate) -> Result<Option<String>, DbErr> {
    let Some(inv) = invoice::Entity::find_by_id(r.invoice_id).one(c).await? else { return Ok(Some("the invoice is gone".into())) };
    if inv.status == "paid" || inv.total_minor - inv.paid_minor - inv.credited_minor <= 0 {
        return Ok(Some("the invoice was paid".into()));
    }
    let k = known(c, &[inv.id]).await?.remove(&inv.id).unwrap_or_default();
    Ok(pause(&inv.status, k.open_dispute, k.promised, today).map(|p| p.said()))
}

/// A queued reminder that will not go out: `cancelled`.
pub async fn cancel<C: ConnectionTrait>(c: &C, r: &reminder::Model) -> Result<(), DbErr> {
    let mut am: reminder::ActiveModel = r.clone().into();
    am.status = Set("cancelled".into());
    am.update(c).await?;
    Ok(())
}

/// An e-mailed reminder went out: `sent`, and `reminder.sent` is published.
pub async fn mark_sent<C: ConnectionTrait>(c: &C, r: &reminder::Model, at: DateTime<Utc>) -> Result<(), DbErr> {
    let inv = invoice::Entity::find_by_id(r.invoice_id).one(c).await?.ok_or_else(|| DbErr::RecordNotFound("invoice".into()))?;
    let mut am: reminder::ActiveModel = r.clone().into();
    am.status = Set("sent".into());
    am.sent_at = Set(Some(at));
    let r = am.update(c).await?;
    published(c, &r, &inv, at).await
}

/// Looks at every unpaid invoice again at the next run (after the sequences, the default
/// channel or a customer's segment or channel changed); `customer` narrows it to one.
pub async fn look_again<C: ConnectionTrait>(c: &C, customer: Option<Uuid>, today: NaiveDate) -> Result<(), DbErr> {
    let mut q = invoice::Entity::update_many().col_expr(invoice::Column::DunningNextOn, Expr::value(today)).filter(invoice::Column::Status.ne("paid"));
    if let Some(id) = customer {
        q = q.filter(invoice::Column::CustomerId.eq(id));
    }
    q.exec(c).await?;
    Ok(())
}

/// The status people see: `failed` when its e-mail job is dead, `retrying` after a failed
/// attempt, else the stored one.
pub(crate) fn shown_status(r: &reminder::Model, j: Option<&job::Model>) -> String {
    match (r.status.as_str(), j) {
        ("queued", Some(j)) if j.status == "dead" => "failed".into(),
        ("queued", Some(j)) if j.last_error.is_some() => "retrying".into(),
        (s, _) => s.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(status: &str, due: NaiveDate, paid: i64) -> invoice::Model {
        let t = Utc::now();
        invoice::Model {
            id: Uuid::nil(),
            number: "INV-1".into(),
            order_id: None,
            customer_id: Uuid::nil(),
            currency: "USD".into(),
            issued_on: due,
            due_on: due,
            subtotal_minor: 10_000,
            tax_minor: 0,
            total_minor: 10_000,
            paid_minor: paid,
            status: status.into(),
            status_at: t,
            delivered_at: None,
            viewed_at: None,
            created_at: t,
            updated_at: t,
            credited_minor: 0,
            dunning_next_on: Some(due),
        }
    }

    fn cust(segment: Option<&str>) -> customer::Model {
        let t = Utc::now();
        customer::Model {
            id: Uuid::nil(),
            external_id: "C-1".into(),
            name: "Initech".into(),
            bill_to: None,
            ship_to: None,
            payment_terms: "NET30".into(),
            credit_limit_minor: None,
            segment: segment.map(Into::into),
            currency: "USD".into(),
            invoicing_hold: false,
            billing_rule: None,
            invoice_channels: "portal".into(),
            invoice_emails: "ap@initech.test".into(),
            reminder_channel: None,
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn each_look_decides_what_to_send_and_when_to_look_again() {
        let d = Dunning::default();
        let due = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let day = |n: u64| due + chrono::Days::new(n);
        let email = ReminderChannel::Email;
        // (status, paid, segment, channel, promise, last sent day, today) → (send, next look)
        let cases: [(&str, i64, Option<&str>, ReminderChannel, Option<NaiveDate>, Option<i32>, NaiveDate, Option<usize>, Option<NaiveDate>); 9] = [
            ("open", 0, None, email, None, None, due, Some(0), Some(day(7))),
            ("open", 0, Some("Key Accounts"), email, None, None, due, None, Some(day(3))),
            ("open", 0, Some("key accounts"), email, None, None, day(12), Some(1), Some(day(30))),
            ("open", 0, None, email, None, Some(45), day(60), None, None),
            ("paid", 10_000, None, email, None, None, day(8), None, None),
            ("open", 0, None, ReminderChannel::Off, None, None, day(8), None, None),
            ("disputed", 0, None, email, None, Some(0), day(8), None, Some(day(9))),
            ("partially_paid", 5_000, None, email, Some(day(14)), Some(0), day(8), None, Some(day(15))),
            ("open", 0, None, email, Some(day(14)), Some(0), day(15), Some(1), Some(day(21))),
        ];
        for (i, (status, paid, seg, ch, promise, last, today, send, next)) in cases.into_iter().enumerate() {
            let k = Known { promised: promise, open_dispute: false, sent: last.into_iter().collect() };
            let got = decide(&d, &inv(status, due, paid), &cust(seg), ch, &k, today);
            assert_eq!((got.send, got.next_on), (send, next), "case {i}");
        }
    }
}
