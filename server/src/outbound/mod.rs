//! Outbound delivery of invoices, the sending side: the `invoice.email` job renders the
//! invoice PDF under the tenant's brand and e-mails it to the customer's AP addresses.
pub mod email;

use domain::Db;
use domain::entity::invoice;
use domain::jobs::{Handler, JobCx, JobError, async_trait};
use domain::money::format;
use domain::outbound::{self, DeliveryStatus};
use email::{InvoiceMail, Mailer, SendError};
use sea_orm::EntityTrait;
use uuid::Uuid;

/// Sends one invoice e-mail (see [`domain::outbound::EMAIL_JOB`]).
pub struct EmailInvoice {
    pub db: Db,
    pub mailer: Option<Mailer>,
    pub from: String,
    /// `http(s)://` and the port part of links into the portal.
    pub scheme: &'static str,
    pub port: String,
    pub base_domain: String,
}

#[derive(serde::Deserialize)]
struct Payload {
    delivery: Uuid,
}

#[async_trait]
impl Handler for EmailInvoice {
    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        let p: Payload = cx.payload()?;
        // Dead-lettered at once: the admin sees why, and retries the jobs once it is set.
        let mailer = self.mailer.as_ref().ok_or_else(|| JobError::Permanent("no SMTP server is configured (THROUGHLINE_SMTP_URL)".into()))?;
        let Some(d) = outbound::get(cx.txn, p.delivery).await? else { return Err(JobError::Permanent(format!("delivery {} does not exist", p.delivery))) };
        if d.status != DeliveryStatus::Queued.as_str() {
            return Ok(());
        }
        let inv = invoice::Entity::find_by_id(d.invoice_id).one(cx.txn).await?.ok_or_else(|| JobError::Permanent("the invoice is gone".into()))?;
        let pi = domain::portal::invoice(cx.txn, inv.customer_id, &inv.number).await?;
        let tenant = domain::tenancy::tenant_by_slug(&self.db, cx.tenant).await?.ok_or_else(|| JobError::Permanent("the tenant is gone".into()))?;
        let (brand, doc) = (crate::portal::pdfs::brand(&tenant), crate::portal::pdfs::invoice(&pi));
        let pdf = tokio::task::spawn_blocking(move || pdf::invoice(&brand, &doc))
            .await
            .map_err(|e| JobError::Retry(format!("rendering the PDF stopped: {e}")))?
            .map_err(|e| JobError::Permanent(format!("the invoice PDF could not be rendered: {e}")))?;
        let to: Vec<String> = d.target.split(", ").map(str::to_owned).collect();
        let link = format!("{}://{}.{}{}/portal/invoices/{}", self.scheme, tenant.slug, self.base_domain, self.port, app::urlencode(&inv.number));
        let m = |v: i64| format(v, &inv.currency);
        let mail = InvoiceMail {
            message_id: format!("<{}@throughline>", d.id),
            sender_name: &tenant.product_name,
            from: &self.from,
            to: &to,
            product_name: &tenant.product_name,
            org_name: &tenant.name,
            primary_color: &tenant.primary_color,
            customer_name: &pi.customer_name,
            number: &inv.number,
            total: &m(inv.total_minor),
            open: &m(pi.invoice.open_minor),
            due_on: &inv.due_on.to_string(),
            link: &link,
            pdf,
        };
        let sent = match mail.message() {
            Ok(msg) => mailer.send(msg).await,
            Err(e) => Err(e),
        };
        match sent {
            Ok(()) => Ok(outbound::mark_sent(cx.txn, &d, &inv.number, inv.order_id, &format!("Sent to {}", d.target), cx.now).await?),
            Err(SendError::Temporary(e)) => Err(JobError::Retry(e)),
            Err(SendError::Permanent(e)) => Err(JobError::Permanent(e)),
        }
    }
}
