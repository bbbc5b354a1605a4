//! Outbound invoice delivery: when an invoice is posted (by the ERP or generated), one
//! delivery per channel of its customer is recorded in the same transaction, and a job per
//! channel that sends something (e-mail now) is queued with it. The portal channel is always
//! on and needs no record (an invoice is in the portal once posted). A delivery's status is what
//! the invoice timeline shows staff and, in plain words, the customer.
pub mod edi;
pub mod entity;

use crate::customers::prefs::{ApEmails, InvoiceChannel, InvoiceChannels};
use crate::entity::customer;
use crate::jobs::{self, NewJob};
use chrono::{DateTime, Utc};
use entity as delivery;
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder};
use serde_json::json;

/// The job kind that e-mails an invoice.
pub const EMAIL_JOB: &str = "invoice.email";
/// Attempts of an e-mail before it is dead-lettered (temporary SMTP failures back off).
pub const EMAIL_ATTEMPTS: i32 = 8;

/// The status of one delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryStatus {
    Queued,
    Sent,
    Delivered,
    Failed,
    Bounced,
}

impl DeliveryStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Bounced => "bounced",
        }
    }
}

fn job_key(kind: &str, delivery: Uuid) -> String {
    format!("{kind}:{delivery}")
}

/// The deliveries of an invoice about to be posted, planned before it is written so that they
/// go out in the invoice's own statement ([`crate::family`]): e-mail and EDI need nothing but
/// the customer. A webhook channel carries the stored invoice, so its delivery is written
/// after the invoice by [`queue_webhook`] (`webhook` says whether to), unless the tenant has
/// no enabled endpoint at all: then it is planned as failed.
pub struct Planned {
    rows: Vec<delivery::ActiveModel>,
    jobs: Vec<NewJob>,
    pub webhook: bool,
}

impl Planned {
    /// The inserts of the deliveries and of the jobs that send them, built for `backend`.
    pub fn statements(self, backend: sea_orm::DbBackend) -> Vec<sea_orm::Statement> {
        let mut out = Vec::new();
        if !self.rows.is_empty() {
            out.push(sea_orm::QueryTrait::build(&delivery::Entity::insert_many(self.rows), backend));
        }
        out.extend(jobs::timers_statement(backend, self.jobs));
        out
    }
}

/// Plans the deliveries of invoice `invoice_id` of `cust`, posted `at` (see [`Planned`]).
pub async fn plan<C: ConnectionTrait>(c: &C, cust: &customer::Model, invoice_id: Uuid, at: DateTime<Utc>) -> Result<Planned, DbErr> {
    let now = Utc::now();
    let mut p = Planned { rows: Vec::new(), jobs: Vec::new(), webhook: false };
    for ch in channels_of(c, cust).await?.to_vec() {
        let id = crate::new_id();
        let (target, status, detail, kind) = match ch {
            InvoiceChannel::Portal => continue,
            // Without any enabled endpoint in the tenant, the customer has none: failed now.
            InvoiceChannel::Webhook if crate::workflow::rules::no_webhooks_in_scope() => (String::new(), DeliveryStatus::Failed, NO_ENDPOINT, None),
            InvoiceChannel::Webhook => {
                p.webhook = true;
                continue;
            }
            InvoiceChannel::Email => {
                let to = ApEmails::from_stored(&cust.invoice_emails);
                if to.is_empty() {
                    (String::new(), DeliveryStatus::Failed, "No AP e-mail address is on file for this customer", None)
                } else {
                    (to.as_slice().join(", "), DeliveryStatus::Queued, "Waiting to be sent", Some(EMAIL_JOB))
                }
            }
            InvoiceChannel::Edi => ("EDI outbox".to_owned(), DeliveryStatus::Queued, "Waiting to be put in the EDI outbox", Some(edi::EDI_JOB)),
        };
        let key = kind.map(|k| job_key(k, id));
        if let (Some(kind), Some(key)) = (kind, &key) {
            p.jobs.push(NewJob::new(kind, json!({"delivery": id}), at.min(now)).attempts(EMAIL_ATTEMPTS).unique(key.clone()));
        }
        p.rows.push(new_row(id, invoice_id, ch, target, status, detail, key, now));
    }
    Ok(p)
}

/// The customer's invoice channels: its own, or the tenant's default.
async fn channels_of<C: ConnectionTrait>(c: &C, cust: &customer::Model) -> Result<InvoiceChannels, DbErr> {
    Ok(match InvoiceChannels::stored_override(&cust.invoice_channels) {
        Some(own) => own,
        None => crate::workflow::rules::current(c).await.map_err(|e| DbErr::Custom(e.to_string()))?.delivery.config.channels(),
    })
}

#[allow(clippy::too_many_arguments)]
fn new_row(id: Uuid, invoice_id: Uuid, ch: InvoiceChannel, target: String, status: DeliveryStatus, detail: &str, key: Option<String>, now: DateTime<Utc>) -> delivery::ActiveModel {
    delivery::ActiveModel {
        id: Set(id),
        invoice_id: Set(invoice_id),
        channel: Set(ch.as_str().into()),
        target: Set(target),
        status: Set(status.as_str().into()),
        detail: Set(detail.to_owned()),
        job_key: Set(key),
        sent_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// Why a webhook delivery failed at once.
const NO_ENDPOINT: &str = "No webhook endpoint is set up for this customer";

/// Records the webhook delivery of a posted invoice whose customer takes invoices by webhook:
/// a message to each of its endpoints subscribed to `invoice.posted`, or a failed delivery
/// when it has none.
pub async fn queue_webhook<C: ConnectionTrait>(c: &C, cust: &customer::Model, invoice_id: Uuid, at: DateTime<Utc>) -> Result<(), DbErr> {
    let id = crate::new_id();
    let endpoints = crate::webhooks::customer_endpoints(c, cust.id, "invoice.posted").await?;
    let urls = if endpoints.is_empty() {
        Vec::new()
    } else {
        let body = crate::webhooks::envelope("invoice.posted", at, &invoice_body(c, invoice_id).await?);
        crate::webhooks::for_customer(c, endpoints, id, "invoice.posted", body).await?
    };
    let row = if urls.is_empty() {
        new_row(id, invoice_id, InvoiceChannel::Webhook, String::new(), DeliveryStatus::Failed, NO_ENDPOINT, None, Utc::now())
    } else {
        new_row(id, invoice_id, InvoiceChannel::Webhook, urls.join(", "), DeliveryStatus::Queued, "Waiting to be sent", None, Utc::now())
    };
    delivery::Entity::insert(row).exec_without_returning(c).await?;
    Ok(())
}

/// The `invoice.posted` body a customer's endpoint receives: the invoice with its lines.
async fn invoice_body<C: ConnectionTrait>(c: &C, invoice_id: Uuid) -> Result<serde_json::Value, DbErr> {
    let inv = crate::entity::invoice::Entity::find_by_id(invoice_id).one(c).await?.ok_or_else(|| DbErr::RecordNotFound("invoice".into()))?;
    let view = crate::orders::invoice(c, &inv.number).await.map_err(|e| DbErr::Custom(e.to_string()))?;
    serde_json::to_value(view).map_err(|e| DbErr::Custom(e.to_string()))
}

/// A webhook delivery carrying invoice delivery `id` finished: the first success sends the
/// invoice (`invoice.delivered`); a dead letter fails it, unless another endpoint took it.
/// For an 810 posted to a trading partner's URL, the 997 still decides `delivered`; a dead
/// letter fails it.
pub async fn webhook_settled<C: ConnectionTrait>(c: &C, id: Uuid, ok: bool, error: &str, at: DateTime<Utc>) -> Result<(), DbErr> {
    let Some(d) = get(c, id).await? else { return Ok(()) };
    if d.channel == "edi" {
        return match (ok, d.status.as_str()) {
            (true, "sent") => set_status(c, &d, DeliveryStatus::Sent, "In the EDI outbox and taken by the trading partner's URL, waiting for the partner's 997.", None).await,
            (false, "sent") => set_status(c, &d, DeliveryStatus::Failed, &format!("The trading partner's URL did not take the 810 after every retry: {error}"), None).await,
            _ => Ok(()),
        };
    }
    if d.status != DeliveryStatus::Queued.as_str() {
        return Ok(());
    }
    if !ok {
        return set_status(c, &d, DeliveryStatus::Failed, &format!("Not accepted after every retry: {error}"), None).await;
    }
    let inv = crate::entity::invoice::Entity::find_by_id(d.invoice_id).one(c).await?.ok_or_else(|| DbErr::RecordNotFound("invoice".into()))?;
    mark_sent(c, &d, &inv.number, inv.order_id, &format!("Accepted by {}", d.target), at).await
}

/// One delivery, to send.
pub async fn get<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<delivery::Model>, DbErr> {
    delivery::Entity::find_by_id(id).one(c).await
}

/// Moves a delivery to `status` with `detail` for people; `sent_at` when given.
pub(crate) async fn set_status<C: ConnectionTrait>(c: &C, d: &delivery::Model, status: DeliveryStatus, detail: &str, sent_at: Option<DateTime<Utc>>) -> Result<(), DbErr> {
    let mut am: delivery::ActiveModel = d.clone().into();
    am.status = Set(status.as_str().into());
    am.detail = Set(detail.into());
    if sent_at.is_some() {
        am.sent_at = Set(sent_at);
    }
    am.updated_at = Set(Utc::now());
    // Nothing is read back.
    delivery::Entity::update_many().set(am).filter(delivery::Column::Id.eq(d.id)).exec(c).await?;
    Ok(())
}

/// Moves each of `deliveries` (id, detail for people) to `status` in one update; `sent_at`
/// when given.
pub(crate) async fn mark_all<C: ConnectionTrait>(c: &C, status: DeliveryStatus, deliveries: Vec<(Uuid, String)>, sent_at: Option<DateTime<Utc>>) -> Result<(), DbErr> {
    use sea_orm::sea_query::{CaseStatement, Expr};
    if deliveries.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = deliveries.iter().map(|(id, _)| *id).collect();
    // Every row has its own WHEN (a CASE needs at least one); ELSE keeps what is there.
    let detail = deliveries.into_iter().fold(CaseStatement::new(), |case, (id, d)| case.case(delivery::Column::Id.eq(id), Expr::val(d))).finally(Expr::col(delivery::Column::Detail));
    let mut up = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::val(status.as_str()).into())
        .col_expr(delivery::Column::Detail, detail.into())
        .col_expr(delivery::Column::UpdatedAt, Expr::val(Utc::now()).into());
    if let Some(at) = sent_at {
        up = up.col_expr(delivery::Column::SentAt, Expr::val(Some(at)).into());
    }
    up.filter(delivery::Column::Id.is_in(ids)).exec(c).await?;
    Ok(())
}

/// A channel confirmed the delivery: it is `sent`, and `invoice.delivered` is published.
pub async fn mark_sent<C: ConnectionTrait>(c: &C, d: &delivery::Model, invoice_number: &str, order_id: Option<Uuid>, detail: &str, at: DateTime<Utc>) -> Result<(), DbErr> {
    set_status(c, d, DeliveryStatus::Sent, detail, Some(at)).await?;
    let payload = json!({"number": invoice_number, "channel": d.channel, "to": d.target, "delivered_at": at});
    crate::workflow::raise::publish(c, "invoice.delivered", order_id, &payload, &format!("Invoice {invoice_number} sent by {} to {}", d.channel, d.target), at).await
}

/// A delivery as the invoice timeline shows it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct DeliveryView {
    pub channel: String,
    pub target: String,
    /// `queued`, `sent`, `delivered`, `failed` or `bounced`; `retrying` while a failed
    /// attempt waits for the next.
    pub status: String,
    pub detail: String,
    pub sent_at: Option<DateTime<Utc>>,
    pub attempts: i32,
    pub last_error: Option<String>,
}

impl DeliveryView {
    /// The customer's words: "Sent to ap@initech.test" (the date is shown beside it).
    pub fn plain(&self) -> String {
        match (self.channel.as_str(), self.status.as_str()) {
            ("portal", _) => "Available here in the portal".into(),
            ("email", "sent" | "delivered") => format!("Sent to {}", self.target),
            ("email", "failed" | "bounced") => format!("Could not be e-mailed to {}", if self.target.is_empty() { "you (no address on file)" } else { &self.target }),
            ("email", _) => format!("Being e-mailed to {}", self.target),
            ("edi", "sent") => "Sent by EDI".into(),
            ("edi", "delivered") => "Delivered by EDI (acknowledged)".into(),
            ("edi", "failed") => "Refused by your EDI system".into(),
            ("webhook", "sent" | "delivered") => "Sent to your system by webhook".into(),
            ("webhook", "failed") => "Could not be sent to your system by webhook".into(),
            ("webhook", _) => "Being sent to your system by webhook".into(),
            (ch, _) => format!("Queued for {ch}"),
        }
    }
}

/// An invoice's deliveries, the portal first, with their jobs' attempts and last errors.
pub async fn for_invoice<C: ConnectionTrait>(c: &C, invoice_id: Uuid) -> Result<Vec<DeliveryView>, DbErr> {
    let rows = delivery::Entity::find().filter(delivery::Column::InvoiceId.eq(invoice_id)).order_by_asc(delivery::Column::CreatedAt).order_by_asc(delivery::Column::Channel).all(c).await?;
    let keys: Vec<String> = rows.iter().filter_map(|d| d.job_key.clone()).collect();
    let jobs = jobs::by_unique_keys(c, keys).await?;
    let portal = DeliveryView { channel: "portal".into(), target: "portal".into(), status: DeliveryStatus::Delivered.as_str().into(), detail: "Available in the portal".into(), sent_at: None, attempts: 0, last_error: None };
    Ok(std::iter::once(portal)
        .chain(rows.into_iter().map(|d| {
            let j = d.job_key.as_ref().and_then(|k| jobs.get(k));
            let status = match (d.status.as_str(), j.map(|j| j.status.as_str())) {
                ("queued", Some("dead")) => "failed".to_owned(),
                ("queued", Some(_)) if j.is_some_and(|j| j.last_error.is_some()) => "retrying".to_owned(),
                (s, _) => s.to_owned(),
            };
            DeliveryView { channel: d.channel, target: d.target, status, detail: d.detail, sent_at: d.sent_at, attempts: j.map_or(0, |j| j.attempts), last_error: j.and_then(|j| j.last_error.clone()) }
        }))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(channel: &str, status: &str, target: &str) -> DeliveryView {
        DeliveryView { channel: channel.into(), target: target.into(), status: status.into(), detail: String::new(), sent_at: None, attempts: 0, last_error: None }
    }

    #[test]
    fn deliveries_read_in_plain_words() {
        let cases = [
            (view("email", "sent", "ap@initech.test"), "Sent to ap@initech.test"),
            (view("email", "retrying", "ap@initech.test"), "Being e-mailed to ap@initech.test"),
            (view("email", "failed", ""), "Could not be e-mailed to you (no address on file)"),
            (view("portal", "delivered", "portal"), "Available here in the portal"),
            (view("edi", "sent", "EDI outbox"), "Sent by EDI"),
            (view("edi", "delivered", "EDI outbox"), "Delivered by EDI (acknowledged)"),
            (view("webhook", "queued", "https://ap.example/hooks"), "Being sent to your system by webhook"),
            (view("webhook", "sent", "https://ap.example/hooks"), "Sent to your system by webhook"),
        ];
        for (v, want) in cases {
            assert_eq!(v.plain(), want);
        }
    }
}
