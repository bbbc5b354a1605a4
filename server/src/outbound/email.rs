//! The tenant's e-mails: invoices and reminders (the invoice PDF attached, a link to the
//! invoice in the portal) and invitations. Each under the tenant's brand (sender name,
//! colours, product name, footer), an HTML body with a plain-text part. Sent over SMTP with lettre; a 4xx answer is temporary (retried), a 5xx permanent.
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// The tenant's brand as a message shows it: the product name (also the sender's name), the
/// primary colour of the banner, the accent colour of the button, and the footer line.
pub struct MailBrand<'a> {
    pub product_name: &'a str,
    pub primary_color: &'a str,
    pub accent_color: &'a str,
    /// The tenant's footer text and support contact; may be empty.
    pub footer: String,
}

impl<'a> MailBrand<'a> {
    pub fn of(t: &'a domain::tenancy::TenantInfo) -> Self {
        MailBrand { product_name: &t.product_name, primary_color: &t.primary_color, accent_color: &t.accent_color, footer: t.footer_line() }
    }

    /// A whole HTML message: the banner, `content` (already escaped) and the footer.
    fn page(&self, content: &str) -> String {
        format!(
            r#"<!DOCTYPE html><html lang="en"><body style="margin:0;font-family:Arial,Helvetica,sans-serif;color:#0f172a;background:#f8fafc">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0">{}
<tr><td style="padding:24px">{content}</td></tr>{}</table></body></html>"#,
            self.banner(),
            self.footer_html()
        )
    }

    /// The banner a message starts with.
    fn banner(&self) -> String {
        format!(r#"<tr><td style="background:{};color:#ffffff;padding:16px 24px;font-size:18px;font-weight:bold">{}</td></tr>"#, esc(self.primary_color), esc(self.product_name))
    }

    /// The button to the invoice in the portal.
    fn button(&self, link: &str, number: &str) -> String {
        format!(
            r#"<p style="margin-top:24px"><a href="{}" style="background:{};color:#ffffff;padding:10px 16px;text-decoration:none;border-radius:4px;display:inline-block">View invoice {} in the portal</a></p>"#,
            esc(link),
            esc(self.accent_color),
            esc(number)
        )
    }

    /// The footer row, if there is a footer.
    fn footer_html(&self) -> String {
        if self.footer.is_empty() { String::new() } else { format!(r#"<tr><td style="padding:12px 24px;border-top:1px solid #e2e8f0;color:#475569;font-size:12px">{}</td></tr>"#, esc(&self.footer)) }
    }

    fn footer_text(&self) -> String {
        if self.footer.is_empty() { String::new() } else { format!("\n--\n{}\n", self.footer) }
    }
}

/// What an invoice e-mail says.
pub struct InvoiceMail<'a> {
    /// `<delivery-id@throughline>`: the same for every attempt, so a receiver can tell a
    /// resend after a crash from a new message.
    pub message_id: String,
    pub brand: MailBrand<'a>,
    pub from: &'a str,
    pub to: &'a [String],
    pub org_name: &'a str,
    pub customer_name: &'a str,
    pub number: &'a str,
    pub total: &'a str,
    pub open: &'a str,
    pub due_on: &'a str,
    pub link: &'a str,
    pub pdf: Vec<u8>,
}

/// How sending failed.
#[derive(Debug)]
pub enum SendError {
    /// Worth another attempt: a 4xx answer, a connection that failed.
    Temporary(String),
    /// No attempt can succeed: a 5xx answer, an address that is not one.
    Permanent(String),
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

impl InvoiceMail<'_> {
    pub fn subject(&self) -> String {
        format!("Invoice {} from {} — {} due {}", self.number, self.org_name, self.open, self.due_on)
    }

    pub fn text(&self) -> String {
        format!(
            "Hello {customer},\n\nInvoice {number} from {org} is attached as a PDF.\n\nTotal: {total}\nOpen: {open}\nDue: {due}\n\nView it, download it again or dispute it in the portal:\n{link}\n\n{product}\n{footer}",
            customer = self.customer_name,
            number = self.number,
            org = self.org_name,
            total = self.total,
            open = self.open,
            due = self.due_on,
            link = self.link,
            product = self.brand.product_name,
            footer = self.brand.footer_text()
        )
    }

    pub fn html(&self) -> String {
        self.brand.page(&format!(
            r#"<p>Hello {customer},</p><p>Invoice <strong>{number}</strong> from {org} is attached as a PDF.</p>
<table role="presentation" cellpadding="4" style="border-collapse:collapse"><tr><td>Total</td><td style="text-align:right"><strong>{total}</strong></td></tr><tr><td>Open</td><td style="text-align:right">{open}</td></tr><tr><td>Due</td><td style="text-align:right">{due}</td></tr></table>
{button}
<p style="color:#475569;font-size:12px">You can also download it again or dispute it there.</p>"#,
            customer = esc(self.customer_name),
            number = esc(self.number),
            org = esc(self.org_name),
            total = esc(self.total),
            open = esc(self.open),
            due = esc(self.due_on),
            button = self.brand.button(self.link, self.number)
        ))
    }

    /// The message: text and HTML alternatives, the PDF attached.
    pub fn message(self) -> Result<Message, SendError> {
        let parts = MultiPart::alternative().singlepart(SinglePart::plain(self.text())).singlepart(SinglePart::html(self.html()));
        build(&self.message_id, self.brand.product_name, self.from, self.to, &self.subject(), parts, Some((self.number, self.pdf)))
    }
}

/// A payment reminder: the step's subject and body (already filled in), under the tenant's
/// brand, with a button to the invoice and its PDF attached.
pub struct ReminderMail<'a> {
    /// `<reminder-id@throughline>`, the same for every attempt.
    pub message_id: String,
    pub brand: MailBrand<'a>,
    pub from: &'a str,
    pub to: &'a [String],
    pub number: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub link: &'a str,
    pub pdf: Vec<u8>,
}

impl ReminderMail<'_> {
    /// The body as HTML: escaped, a paragraph per blank-line-separated block.
    pub fn html(&self) -> String {
        let paragraphs: String = self.body.split("\n\n").map(|p| format!("<p>{}</p>", esc(p.trim()).replace('\n', "<br>"))).collect();
        self.brand.page(&format!(
            r#"{paragraphs}
{button}"#,
            button = self.brand.button(self.link, self.number)
        ))
    }

    pub fn message(self) -> Result<Message, SendError> {
        let html = self.html();
        let text = format!("{}{}", self.body, self.brand.footer_text());
        let parts = MultiPart::alternative().singlepart(SinglePart::plain(text)).singlepart(SinglePart::html(html));
        build(&self.message_id, self.brand.product_name, self.from, self.to, self.subject, parts, Some((self.number, self.pdf)))
    }
}

/// An invitation to become a user of the tenant: who invited them, as what, the link that
/// accepts it and when it expires; under the tenant's brand, nothing attached.
pub struct InvitationMail<'a> {
    /// `<invitation-id@throughline>`, the same for every attempt.
    pub message_id: String,
    pub brand: MailBrand<'a>,
    pub from: &'a str,
    pub to: &'a str,
    pub name: &'a str,
    pub org_name: &'a str,
    pub invited_by: &'a str,
    pub role: &'a str,
    pub link: &'a str,
    pub expires: &'a str,
}

impl InvitationMail<'_> {
    pub fn subject(&self) -> String {
        format!("You are invited to {} on {}", self.org_name, self.brand.product_name)
    }

    fn greeting(&self) -> String {
        if self.name.is_empty() { "Hello,".to_owned() } else { format!("Hello {},", self.name) }
    }

    pub fn text(&self) -> String {
        format!(
            "{greeting}\n\n{by} invites you to {org} on {product} as {role}.\n\nChoose your name and password here (the link works once, until {expires}):\n{link}\n\nIf you did not expect this, ignore this message.\n{footer}",
            greeting = self.greeting(),
            by = self.invited_by,
            org = self.org_name,
            product = self.brand.product_name,
            role = self.role,
            expires = self.expires,
            link = self.link,
            footer = self.brand.footer_text()
        )
    }

    pub fn html(&self) -> String {
        self.brand.page(&format!(
            r#"<p>{greeting}</p><p>{by} invites you to <strong>{org}</strong> on {product} as {role}.</p>
<p style="margin-top:24px"><a href="{link}" style="background:{accent};color:#ffffff;padding:10px 16px;text-decoration:none;border-radius:4px;display:inline-block">Accept the invitation</a></p>
<p style="color:#475569;font-size:12px">The link works once, until {expires}. If you did not expect this, ignore this message.</p>"#,
            greeting = esc(&self.greeting()),
            by = esc(self.invited_by),
            org = esc(self.org_name),
            product = esc(self.brand.product_name),
            role = esc(self.role),
            link = esc(self.link),
            accent = esc(self.brand.accent_color),
            expires = esc(self.expires)
        ))
    }

    pub fn message(self) -> Result<Message, SendError> {
        let parts = MultiPart::alternative().singlepart(SinglePart::plain(self.text())).singlepart(SinglePart::html(self.html()));
        build(&self.message_id, self.brand.product_name, self.from, std::slice::from_ref(&self.to.to_owned()), &self.subject(), parts, None)
    }
}

/// A message from the tenant's sender to `to` with the alternatives and, if given, the PDF of
/// document `number` attached.
fn build(message_id: &str, sender_name: &str, from: &str, to: &[String], subject: &str, alternatives: MultiPart, pdf: Option<(&str, Vec<u8>)>) -> Result<Message, SendError> {
    let from = Mailbox::new(Some(sender_name.to_owned()), from.parse().map_err(|e| SendError::Permanent(format!("the sender address {from:?} is not valid: {e}")))?);
    let mut b = Message::builder().from(from).subject(subject).message_id(Some(message_id.to_owned()));
    for to in to {
        b = b.to(Mailbox::new(None, to.parse().map_err(|e| SendError::Permanent(format!("{to:?} is not an e-mail address: {e}")))?));
    }
    let Some((number, pdf)) = pdf else { return b.multipart(alternatives).map_err(|e| SendError::Permanent(format!("the message could not be built: {e}"))) };
    let kind = ContentType::parse("application/pdf").map_err(|e| SendError::Permanent(e.to_string()))?;
    let body = MultiPart::mixed().multipart(alternatives).singlepart(Attachment::new(format!("{number}.pdf")).body(pdf, kind));
    b.multipart(body).map_err(|e| SendError::Permanent(format!("the message could not be built: {e}")))
}

/// The SMTP connections of this process: ours with `TCP_NODELAY` for `smtp://` (see
/// [`super::smtp_pool`]), lettre's pooled transport for `smtps://`.
#[derive(Clone)]
pub struct Mailer {
    sender: std::sync::Arc<Sender>,
}

enum Sender {
    Own(super::smtp_pool::Pool),
    Lettre(AsyncSmtpTransport<Tokio1Executor>),
}

impl Mailer {
    /// From `smtp://[user:pass@]host:port[?tls=required|opportunistic]` or `smtps://…`.
    pub fn from_url(url: &str) -> Result<Self, String> {
        let unusable = |e: String| format!("THROUGHLINE_SMTP_URL is not a usable SMTP URL: {e}");
        let sender = match super::smtp_pool::Pool::from_url(url).map_err(unusable)? {
            Some(pool) => Sender::Own(pool),
            None => Sender::Lettre(AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| unusable(e.to_string()))?.build()),
        };
        Ok(Mailer { sender: std::sync::Arc::new(sender) })
    }

    pub async fn send(&self, m: Message) -> Result<(), SendError> {
        let refused = match self.sender.as_ref() {
            Sender::Own(pool) => pool.send(m.envelope(), &m.formatted()).await.err(),
            Sender::Lettre(t) => t.send(m).await.err().map(super::smtp_pool::Refusal::from),
        };
        match refused {
            None => Ok(()),
            Some(r) if r.permanent => Err(SendError::Permanent(format!("the mail server refused it: {}", r.message))),
            Some(r) => Err(SendError::Temporary(format!("the mail server did not take it: {}", r.message))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail<'a>(to: &'a [String]) -> InvoiceMail<'a> {
        InvoiceMail {
            message_id: "<d-1@throughline>".into(),
            brand: MailBrand { product_name: "Acme <Hub>", primary_color: "#1d4ed8", accent_color: "#047857", footer: "Acme & Sons · Support: help@acme.test".into() },
            from: "billing@acme.test",
            to,
            org_name: "Acme",
            customer_name: "Initech & Co",
            number: "INV-1",
            total: "$1,000.00",
            open: "$900.00",
            due_on: "2026-12-31",
            link: "http://acme.localhost/portal/invoices/INV-1",
            pdf: b"%PDF-1.7".to_vec(),
        }
    }

    #[test]
    fn the_html_escapes_what_came_from_records() {
        let to = vec!["ap@initech.test".to_owned()];
        let html = mail(&to).html();
        assert!(html.contains("Initech &amp; Co") && html.contains("Acme &lt;Hub&gt;"));
        assert!(!html.contains("<Hub>"));
        assert!(html.contains("background:#047857") && html.contains("Acme &amp; Sons · Support: help@acme.test"), "accent button and footer: {html}");
        assert!(mail(&to).text().ends_with("--\nAcme & Sons · Support: help@acme.test\n"));
        assert_eq!(mail(&to).subject(), "Invoice INV-1 from Acme — $900.00 due 2026-12-31");
    }

    #[test]
    fn a_reminder_escapes_its_body_into_paragraphs() {
        let to = vec!["ap@initech.test".to_owned()];
        let m = ReminderMail {
            message_id: "<r-1@throughline>".into(),
            brand: MailBrand { product_name: "Acme", primary_color: "#1d4ed8", accent_color: "#1d4ed8", footer: String::new() },
            from: "billing@acme.test",
            to: &to,
            number: "INV-1",
            subject: "Reminder: invoice INV-1",
            body: "Hello <Initech>,\n\nIt is late.\nPlease pay.",
            link: "http://acme.localhost/portal/invoices/INV-1",
            pdf: b"%PDF-1.7".to_vec(),
        };
        assert!(m.html().contains("<p>Hello &lt;Initech&gt;,</p><p>It is late.<br>Please pay.</p>"), "{}", m.html());
        let raw = String::from_utf8(m.message().unwrap().formatted()).unwrap();
        assert!(raw.contains("Subject: Reminder: invoice INV-1") && raw.contains("filename=\"INV-1.pdf\""));
    }

    #[test]
    fn a_bad_address_is_a_permanent_failure() {
        let to = vec!["not an address".to_owned()];
        assert!(matches!(mail(&to).message(), Err(SendError::Permanent(m)) if m.contains("not an e-mail address")));
        let to = vec!["ap@initech.test".to_owned(), "ap2@initech.test".to_owned()];
        let m = mail(&to).message().unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        assert!(raw.contains("To: ap@initech.test, ap2@initech.test"));
        assert!(raw.contains("Content-Type: application/pdf"));
        assert!(raw.contains("filename=\"INV-1.pdf\""));
        assert!(raw.contains("Message-ID: <d-1@throughline>"));
    }
}
