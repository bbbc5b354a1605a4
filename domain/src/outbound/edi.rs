//! Invoices by EDI: the `invoice.edi` job renders the invoice as an X12 810 into the tenant's
//! outbound mailbox (`GET /api/v1/edi/outbox`, polled by the EDI gateway); the partner's 997
//! (`POST /api/v1/edi`) acknowledges it by control number: accepted, the delivery is
//! `delivered` and `invoice.delivered` is published; rejected, it is `failed`. An 810 still
//! unacknowledged after [`ACK_SLA_HOURS`] raises an `integration` exception for the admin.
//! When the customer has its own endpoint subscribed to `edi.810` (its trading partner's
//! URL), the 810 is also posted there as `application/edi-x12`, signed and retried like a
//! webhook; if every retry fails the delivery is `failed`.
use super::entity as delivery;
use super::{DeliveryStatus, set_status};
use crate::audit::Actor;
use crate::entity::invoice;
use crate::jobs::{BatchCx, Handler, JobCx, JobError, entity as job};
use crate::workflow::raise::{self, Raise};
use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// The job kind that puts an invoice in the EDI outbox.
pub const EDI_JOB: &str = "invoice.edi";
/// The periodic job that raises unacknowledged 810s.
pub const WATCH_JOB: &str = "edi.watch_acks";
/// How long a partner has to acknowledge an 810 with a 997.
pub const ACK_SLA_HOURS: i64 = 24;

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "edi_outbox")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub invoice_id: Uuid,
        pub delivery_id: Uuid,
        /// The interchange (and group) control number.
        pub control: i64,
        pub document: String,
        pub created_at: ChronoDateTimeUtc,
        pub acknowledged_at: Option<ChronoDateTimeUtc>,
        /// AK9's code: `A` accepted, `E` accepted with errors, `P` partly, `R` rejected.
        pub ack_code: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
use entity as outbox;

/// Renders one invoice into the outbox (see the module).
pub struct EdiInvoice;

#[derive(serde::Deserialize)]
struct Payload {
    delivery: Uuid,
}

#[async_trait::async_trait]
impl Handler for EdiInvoice {
    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        self.run_many(&cx.batch(), &[cx.job]).await?.pop().unwrap_or(Ok(()))
    }

    fn batches(&self) -> bool {
        true
    }

    /// The claimed 810s together: their deliveries, invoices, lines, customers, orders and
    /// partners' endpoints in six reads, control numbers in one upsert, the documents in one
    /// insert and the deliveries' new status in one update.
    async fn run_many(&self, cx: &BatchCx<'_>, jobs: &[&job::Model]) -> Result<Vec<Result<(), JobError>>, JobError> {
        let mut out: Vec<Result<(), JobError>> = Vec::with_capacity(jobs.len());
        let mut wanted = Vec::with_capacity(jobs.len());
        for j in jobs {
            match serde_json::from_str::<Payload>(&j.payload) {
                Ok(p) => {
                    wanted.push(Some(p.delivery));
                    out.push(Ok(()));
                }
                Err(e) => {
                    wanted.push(None);
                    out.push(Err(JobError::Permanent(format!("the payload of this {EDI_JOB} job is not valid: {e}"))));
                }
            }
        }
        let ids: Vec<Uuid> = wanted.iter().flatten().copied().collect();
        let deliveries: HashMap<Uuid, delivery::Model> = delivery::Entity::find().filter(delivery::Column::Id.is_in(ids)).all(cx.txn).await?.into_iter().map(|d| (d.id, d)).collect();
        let queued = deliveries.values().filter(|d| d.status == DeliveryStatus::Queued.as_str()).map(|d| d.invoice_id);
        let invoices = invoice::Entity::find().filter(invoice::Column::Id.is_in(queued)).all(cx.txn).await?;
        let invoice_ids: Vec<Uuid> = invoices.iter().map(|i| i.id).collect();
        let views: HashMap<Uuid, Parties> = invoice_ids.into_iter().zip(crate::orders::invoices_with_parties(cx.txn, invoices).await?).collect();
        let customers: Vec<Uuid> = views.values().filter_map(|(_, c, _)| c.as_ref().map(|c| c.id)).collect();
        let endpoints = crate::webhooks::endpoints_of_customers(cx.txn, customers, crate::webhooks::EDI_810).await?;
        // Each job's delivery to render now, in the jobs' order; a delivery named twice is
        // rendered once (the second job finds it sent, as it would one at a time).
        let mut todo: Vec<(&delivery::Model, &Parties)> = Vec::new();
        let mut taken = std::collections::HashSet::new();
        for (i, want) in wanted.iter().enumerate() {
            let Some(id) = want else { continue };
            match deliveries.get(id) {
                None => out[i] = Err(JobError::Permanent(format!("delivery {id} does not exist"))),
                Some(d) if d.status != DeliveryStatus::Queued.as_str() || !taken.insert(d.id) => {}
                Some(d) => match views.get(&d.invoice_id) {
                    None => out[i] = Err(JobError::Permanent("the invoice is gone".into())),
                    Some(p) => todo.push((d, p)),
                },
            }
        }
        if todo.is_empty() {
            return Ok(out);
        }
        let first = crate::edi::next_control_numbers(cx.txn, todo.len() as u64).await?;
        let sender = cx.tenant.as_str().to_ascii_uppercase();
        let (mut rows, mut sent) = (Vec::with_capacity(todo.len()), Vec::with_capacity(todo.len()));
        for (k, (d, (view, cust, ord))) in todo.into_iter().enumerate() {
            let control = first + k as u64;
            let name = cust.as_ref().map(|c| c.name.as_str()).unwrap_or_default();
            let po = ord.as_ref().and_then(|o| o.po_number.as_deref());
            let document = crate::edi::render_810(view, po, name, ("ZZ", &sender), control);
            // The partner's own URL, if it has one, gets the document too (signed, retried).
            let targets = cust.as_ref().and_then(|c| endpoints.get(&c.id)).cloned().unwrap_or_default();
            let posted = crate::webhooks::for_customer(cx.txn, targets, d.id, crate::webhooks::EDI_810, document.clone()).await?;
            let to = if posted.is_empty() { String::new() } else { format!(" and being posted to {}", posted.join(", ")) };
            sent.push((d.id, format!("In the EDI outbox as interchange {control:09}{to}, waiting for the partner's 997.")));
            rows.push(outbox::ActiveModel { id: Set(crate::new_id()), invoice_id: Set(d.invoice_id), delivery_id: Set(d.id), control: Set(control as i64), document: Set(document), created_at: Set(cx.now), acknowledged_at: Set(None), ack_code: Set(None) });
        }
        outbox::Entity::insert_many(rows).exec_without_returning(cx.txn).await?;
        super::mark_all(cx.txn, DeliveryStatus::Sent, sent, Some(cx.now)).await?;
        Ok(out)
    }
}

/// An invoice as the 810 shows it, with its customer and order.
type Parties = (crate::orders::InvoiceView, Option<crate::entity::customer::Model>, Option<crate::entity::order::Model>);

/// An 810 waiting in the outbox, as the gateway reads it.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct OutboxItem {
    pub id: Uuid,
    pub invoice_number: String,
    /// The interchange control number, nine digits as in ISA13.
    pub control: String,
    pub created_at: DateTime<Utc>,
    /// The X12 text.
    pub document: String,
}

/// Unacknowledged 810s, oldest first, after `after` (an `id` of the previous page); `None`
/// when `after` names no document of this outbox.
pub async fn pending<C: ConnectionTrait>(c: &C, after: Option<Uuid>, limit: u64) -> Result<Option<Vec<OutboxItem>>, DbErr> {
    let mut q = outbox::Entity::find().filter(outbox::Column::AcknowledgedAt.is_null()).order_by_asc(outbox::Column::Control).limit(limit);
    if let Some(after) = after {
        let Some(a) = outbox::Entity::find_by_id(after).one(c).await? else { return Ok(None) };
        q = q.filter(outbox::Column::Control.gt(a.control));
    }
    let rows = q.all(c).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.invoice_id).collect();
    let numbers: std::collections::HashMap<Uuid, String> =
        invoice::Entity::find().select_only().column(invoice::Column::Id).column(invoice::Column::Number).filter(invoice::Column::Id.is_in(ids)).into_tuple::<(Uuid, String)>().all(c).await?.into_iter().collect();
    Ok(Some(
        rows.into_iter()
            .map(|r| OutboxItem { id: r.id, invoice_number: numbers.get(&r.invoice_id).cloned().unwrap_or_default(), control: format!("{:09}", r.control), created_at: r.created_at, document: r.document })
            .collect(),
    ))
}

/// What a 997 did to one of our 810s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Acked {
    /// Accepted (`A`, `E`): the invoice is delivered.
    Delivered(String),
    /// Rejected (`R`, `P`): the delivery failed.
    Rejected(String),
    /// No 810 of ours has this control number.
    Unknown,
    /// This 810 was acknowledged before; a repeated 997 changes nothing.
    Already(String),
}

/// Records a partner's 997 for group control number `control` with AK9 code `code`.
pub async fn acknowledge<C: ConnectionTrait>(c: &C, control: i64, code: &str, at: DateTime<Utc>) -> Result<Acked, DbErr> {
    let Some(row) = outbox::Entity::find().filter(outbox::Column::Control.eq(control)).one(c).await? else { return Ok(Acked::Unknown) };
    let number = invoice::Entity::find_by_id(row.invoice_id).one(c).await?.map(|i| (i.number, i.order_id));
    if row.acknowledged_at.is_some() {
        return Ok(Acked::Already(number.map(|(n, _)| n).unwrap_or_default()));
    }
    let mut am: outbox::ActiveModel = row.clone().into();
    am.acknowledged_at = Set(Some(at));
    am.ack_code = Set(Some(code.into()));
    am.update(c).await?;
    let Some(d) = super::get(c, row.delivery_id).await? else { return Ok(Acked::Unknown) };
    let (number, order_id) = number.unwrap_or_default();
    let late = format!("edi-810-unacked:{control}");
    if matches!(code, "A" | "E") {
        set_status(c, &d, DeliveryStatus::Delivered, &format!("Acknowledged by the partner's 997 ({code})"), None).await?;
        raise::resolve_by_system(c, &late, "acknowledged", "The partner's 997 arrived.", at).await?;
        let payload = serde_json::json!({"number": number, "channel": "edi", "control": format!("{control:09}"), "delivered_at": at});
        raise::publish(c, "invoice.delivered", order_id, &payload, &format!("Invoice {number} acknowledged by EDI 997"), at).await?;
        Ok(Acked::Delivered(number))
    } else {
        set_status(c, &d, DeliveryStatus::Failed, &format!("Rejected by the partner's 997 ({code})"), None).await?;
        raise::resolve_by_system(c, &late, "answered", "The partner's 997 arrived (a rejection).", at).await?;
        let detail = format!("The partner's 997 rejected the EDI 810 of invoice {number} (interchange {control:09}, AK9 {code}). Check the invoice against the partner's requirements and send it again.");
        let mut r = Raise::new("integration", &format!("edi-810-rejected:{control}"), &detail, Actor::System);
        r.invoice_id = Some(row.invoice_id);
        raise::raise(c, r, at).await?;
        Ok(Acked::Rejected(number))
    }
}

/// Raises an `integration` exception for each 810 unacknowledged past the SLA (once each).
pub struct WatchAcks;

#[async_trait::async_trait]
impl Handler for WatchAcks {
    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        let cutoff = cx.now - Duration::hours(ACK_SLA_HOURS);
        let late = outbox::Entity::find().filter(outbox::Column::AcknowledgedAt.is_null()).filter(outbox::Column::CreatedAt.lte(cutoff)).all(cx.txn).await?;
        for row in late {
            let number = invoice::Entity::find_by_id(row.invoice_id).one(cx.txn).await?.map(|i| i.number).unwrap_or_default();
            let detail = format!("The EDI 810 of invoice {number} (interchange {:09}) has had no 997 for over {ACK_SLA_HOURS} hours. Check the EDI gateway and the partner.", row.control);
            let mut r = Raise::new("integration", &format!("edi-810-unacked:{}", row.control), &detail, Actor::System);
            r.invoice_id = Some(row.invoice_id);
            raise::raise(cx.txn, r, cx.now).await?;
        }
        Ok(())
    }
}
