//! Outbound e-mail, the sending side: the `invoice.email` job renders the invoice PDF under
//! the tenant's brand and e-mails it to the customer's AP addresses; reminders and
//! invitations have their own jobs beside it.
pub mod email;
pub mod invitations;
pub mod partner_invitations;
pub mod reminders;
pub mod smtp_pool;

use domain::Db;
use domain::entity::invoice;
use domain::jobs::{Handler, JobCx, JobError, async_trait};
use domain::money::format;
use domain::outbound::{self, DeliveryStatus};
use email::{InvoiceMail, Mailer, SendError};
use sea_orm::EntityTrait;
use uuid::Uuid;

/// Where links in messages point: the portal of a tenant's host.
#[derive(Clone, Debug)]
pub struct PortalLinks {
    /// `http` or `https`.
    pub scheme: &'static str,
    /// `:3000`, or empty.
    pub port: String,
    pub base_domain: String,
}

impl PortalLinks {
    /// Links as a request sees them: the port of its `Host`, as the console's links to tenants.
    pub fn of_request(config: &crate::config::Config, headers: &axum::http::HeaderMap) -> Self {
        let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
        let port = host.rsplit_once(':').map(|(_, p)| format!(":{p}")).unwrap_or_default();
        PortalLinks { scheme: if config.https { "https" } else { "http" }, port, base_domain: config.base_domain.clone() }
    }

    /// `http://acme.localhost:3000`.
    pub fn origin(&self, slug: &str) -> String {
        format!("{}://{slug}.{}{}", self.scheme, self.base_domain, self.port)
    }

    /// The partner console's: `http://localhost:3000`.
    pub fn console_origin(&self) -> String {
        format!("{}://{}{}", self.scheme, self.base_domain, self.port)
    }
}

/// What the e-mail jobs share: the SMTP pool (none when not configured), the sender
/// address, and where links point.
#[derive(Clone)]
pub struct Sending {
    pub db: Db,
    pub mailer: Option<Mailer>,
    pub from: String,
    pub links: PortalLinks,
}

impl Sending {
    /// The pool, or a permanent failure: the admin sees why, and retries once it is set.
    pub fn mailer(&self) -> Result<&Mailer, JobError> {
        self.mailer.as_ref().ok_or_else(|| JobError::Permanent("no SMTP server is configured (THROUGHLINE_SMTP_URL)".into()))
    }

    /// The tenant's row (brand, name).
    pub async fn tenant(&self, slug: &domain::types::TenantSlug) -> Result<domain::tenancy::TenantInfo, JobError> {
        Ok(domain::tenancy::tenant_by_slug(&self.db, slug).await?.ok_or_else(|| JobError::Permanent("the tenant is gone".into()))?)
    }

    /// The PDF of one of the customer's invoices under the tenant's brand.
    pub async fn invoice_pdf(&self, tenant: &domain::tenancy::TenantInfo, pi: &domain::portal::PortalInvoice) -> Result<Vec<u8>, JobError> {
        let (brand, doc) = (crate::portal::pdfs::brand(&self.db, tenant).await?, crate::portal::pdfs::invoice(pi));
        tokio::task::spawn_blocking(move || pdf::invoice(&brand, &doc))
            .await
            .map_err(|e| JobError::Retry(format!("rendering the PDF stopped: {e}")))?
            .map_err(|e| JobError::Permanent(format!("the invoice PDF could not be rendered: {e}")))
    }
}

/// Sends one invoice e-mail (see [`domain::outbound::EMAIL_JOB`]).
pub struct EmailInvoice(pub Sending);

#[derive(serde::Deserialize)]
struct Payload {
    delivery: Uuid,
}

#[async_trait]
impl Handler for EmailInvoice {
    /// Without a mail server it fails before it reads or writes anything: no savepoint.
    fn writes(&self) -> bool {
        self.0.mailer.is_some()
    }

    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        let p: Payload = cx.payload()?;
        let s = &self.0;
        let mailer = s.mailer()?;
        let Some(d) = outbound::get(cx.txn, p.delivery).await? else { return Err(JobError::Permanent(format!("delivery {} does not exist", p.delivery))) };
        if d.status != DeliveryStatus::Queued.as_str() {
            return Ok(());
        }
        let inv = invoice::Entity::find_by_id(d.invoice_id).one(cx.txn).await?.ok_or_else(|| JobError::Permanent("the invoice is gone".into()))?;
        let pi = domain::portal::invoice_of(cx.txn, inv.clone()).await?;
        let tenant = s.tenant(cx.tenant).await?;
        let pdf = s.invoice_pdf(&tenant, &pi).await?;
        let to: Vec<String> = d.target.split(", ").map(str::to_owned).collect();
        let link = format!("{}{}", s.links.origin(tenant.slug.as_str()), app::portal_invoice_href(&inv.number));
        let m = |v: i64| format(v, &inv.currency);
        let mail = InvoiceMail {
            message_id: format!("<{}@throughline>", d.id),
            brand: email::MailBrand::of(&tenant),
            from: &s.from,
            to: &to,
            org_name: &tenant.name,
            customer_name: &pi.customer_name,
            number: &inv.number,
            total: &m(inv.total_minor),
            open: &m(pi.invoice.open_minor),
            due_on: &inv.due_on.to_string(),
            link: &link,
            pdf,
        };
        send(mailer, mail.message()).await?;
        Ok(outbound::mark_sent(cx.txn, &d, &inv.number, inv.order_id, &format!("Sent to {}", d.target), cx.now).await?)
    }
}

/// Sends a built message; a temporary failure is retried, a permanent one dead-letters.
pub async fn send(mailer: &Mailer, built: Result<lettre::Message, SendError>) -> Result<(), JobError> {
    match built {
        Ok(msg) => mailer.send(msg).await,
        Err(e) => Err(e),
    }
    .map_err(|e| match e {
        SendError::Temporary(e) => JobError::Retry(e),
        SendError::Permanent(e) => JobError::Permanent(e),
    })
}
