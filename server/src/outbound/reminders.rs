//! Dunning, the server side: the `dunning.run` job (the domain's run, given the tenant's name
//! and portal address for the templates) and the `reminder.email` job that e-mails one
//! reminder under the tenant's brand with the invoice PDF attached.
use super::{Sending, send};
use domain::dunning::engine::{self, RunCx};
use domain::entity::invoice;
use domain::jobs::{Handler, JobCx, JobError, NewJob, async_trait};
use email::ReminderMail;
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::email;

/// `dunning.run`: see [`domain::dunning::engine`].
pub struct RunDunning(pub Sending);

#[async_trait]
impl Handler for RunDunning {
    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        let tenant = self.0.tenant(cx.tenant).await?;
        let run = RunCx { company: tenant.name.clone(), portal_origin: self.0.links.origin(tenant.slug.as_str()), now: cx.now };
        let out = engine::run(cx.txn, &run).await?;
        if out.more {
            // The rest in a run of its own, at once: one job never holds a transaction long.
            let key = format!("{}@more:{}:{}", engine::RUN_JOB, cx.job.id, out.looked_at);
            domain::jobs::enqueue_timer(cx.txn, NewJob::new(engine::RUN_JOB, serde_json::Value::Null, cx.now).unique(key).attempts(3)).await?;
        }
        Ok(())
    }
}

/// `reminder.email`: sends one reminder.
pub struct EmailReminder(pub Sending);

#[derive(serde::Deserialize)]
struct Payload {
    reminder: Uuid,
}

#[async_trait]
impl Handler for EmailReminder {
    /// Without a mail server it fails before it reads or writes anything: no savepoint.
    fn writes(&self) -> bool {
        self.0.mailer.is_some()
    }

    async fn run(&self, cx: &JobCx<'_>) -> Result<(), JobError> {
        let p: Payload = cx.payload()?;
        let s = &self.0;
        let mailer = s.mailer()?;
        let Some(r) = engine::get(cx.txn, p.reminder).await? else { return Err(JobError::Permanent(format!("reminder {} does not exist", p.reminder))) };
        if r.status != "queued" {
            return Ok(());
        }
        if engine::no_longer_due(cx.txn, &r, cx.now.date_naive()).await?.is_some() {
            return Ok(engine::cancel(cx.txn, &r).await?);
        }
        let inv = invoice::Entity::find_by_id(r.invoice_id).one(cx.txn).await?.ok_or_else(|| JobError::Permanent("the invoice is gone".into()))?;
        let pi = domain::portal::invoice_of(cx.txn, inv.clone()).await?;
        let tenant = s.tenant(cx.tenant).await?;
        let pdf = s.invoice_pdf(&tenant, &pi).await?;
        let to: Vec<String> = r.target.split(", ").map(str::to_owned).collect();
        let link = format!("{}{}", s.links.origin(tenant.slug.as_str()), app::portal_invoice_href(&inv.number));
        let mail = ReminderMail {
            message_id: format!("<{}@throughline>", r.id),
            brand: super::email::MailBrand::of(&tenant),
            from: &s.from,
            to: &to,
            number: &inv.number,
            subject: &r.subject,
            body: &r.body,
            link: &link,
            pdf,
        };
        send(mailer, mail.message()).await?;
        Ok(engine::mark_sent(cx.txn, &r, cx.now).await?)
    }
}
