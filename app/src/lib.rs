//! Throughline's Leptos app: the shell, routes and pages. Data reaches pages through one
//! server function, [`load_page`], which reads what the server's request pipeline resolved
//! (tenant branding, the signed-in user, the CSRF token); pages never touch the database.
use leptos::prelude::*;
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};
use serde::{Deserialize, Serialize};

pub mod admin;
pub mod branding_admin;
pub mod health_admin;
pub mod audit_admin;
pub mod customers_admin;
pub mod domains_admin;
pub mod exports_admin;
pub mod support_admin;
pub mod team_admin;
pub mod policies_admin;
pub mod exception_detail;
mod href;
pub mod invoices;
pub use href::{portal_invoice_href, urlencode};
pub mod jobs_admin;
pub mod orders;
pub mod portal;
pub mod queues;
pub mod reminders_admin;
pub mod routes;
pub mod rules_admin;
pub mod webhooks_admin;

/// Order statuses, in their usual sequence (mirrors `domain::events::ORDER_STATUSES`).
pub fn orders_statuses() -> Vec<&'static str> {
    vec!["accepted", "credit_hold", "released", "backordered", "allocated", "pick_released", "partially_shipped", "shipped", "delivered", "invoiced", "paid"]
}

/// Branding of the host a page is served on.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Brand {
    pub product_name: String,
    /// The tenant's (or, on the platform host, the partner platform's) name.
    pub org_name: String,
    /// `#rrggbb`, validated on the server.
    pub primary_color: String,
    /// `#rrggbb`: buttons.
    pub accent_color: String,
    /// Empty when the tenant has no logo.
    pub logo_url: String,
    /// The browser tab's icon: the favicon, else the logo, else the platform's.
    #[serde(default)]
    pub favicon_url: String,
    /// The line at the foot of every page, and whom to ask (each may be empty).
    pub footer_text: String,
    pub support_email: String,
    pub support_phone: String,
    /// Whose "Powered by" line the foot of the page carries; empty for none.
    #[serde(default)]
    pub powered_by: String,
}

/// The signed-in user as pages show them.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Viewer {
    pub name: String,
    pub email: String,
    pub role: String,
    pub role_label: String,
    pub customer_name: Option<String>,
    pub home: String,
}

/// A message for the sign-in form after a failed attempt.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Flash {
    pub message: String,
    pub email: String,
}

/// Everything a page needs from the request, resolved once by the server.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PageCtx {
    pub brand: Brand,
    pub viewer: Option<Viewer>,
    pub csrf: String,
    pub flash: Option<Flash>,
    /// A one-time message after an admin action (with a new API secret, shown once).
    pub notice: Option<Notice>,
    /// The invitation an `/invite/…` link opened (none when the link is not valid).
    #[serde(default)]
    pub invite: Option<InviteView>,
}

/// An open invitation as its page shows it, with what was typed when a form came back.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InviteView {
    pub email: String,
    pub name: String,
    pub role_label: String,
    pub invited_by: String,
    /// `7 December 2026`.
    pub expires: String,
    /// Why the last submission was refused; empty at first.
    pub problem: String,
    /// Whom they join when it is not the host's organisation (a partner, on the console).
    #[serde(default)]
    pub org: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Notice {
    pub message: String,
    pub secret: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TenantSummary {
    pub name: String,
    pub product_name: String,
    pub slug: String,
    pub primary_color: String,
    pub url: String,
    /// `false` while the partner has it suspended.
    pub active: bool,
    /// Its latest health measurement (none before the first).
    #[serde(default)]
    pub health: Option<health_admin::HealthView>,
}

/// Returns the request's page context.
#[server(prefix = "/sfn")]
pub async fn load_page() -> Result<PageCtx, ServerFnError> {
    let parts: http::request::Parts = use_context().ok_or_else(|| ServerFnError::new("no request context"))?;
    parts.extensions.get::<PageCtx>().cloned().ok_or_else(|| ServerFnError::new("no page context"))
}

/// Escapes text for use inside an HTML element.
fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The Content-Security-Policy. Scripts run only from this origin or, on pages, when they
/// carry the response's nonce (Leptos' inline hydration bootstrap and resource data), so an
/// injected inline script never runs; `wasm-unsafe-eval` lets the app's wasm compile. Inline
/// styles stay allowed for the brand colour variable.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let nonce = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{nonce} 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// The HTML document. Branding in `<head>` is rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // leptos_axum gives every page render its own nonce and puts it on the inline scripts;
    // the page's CSP names that nonce.
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        let nonce = leptos::nonce::use_nonce().map(|n| n.to_string());
        if let Ok(v) = http::HeaderValue::from_str(&content_security_policy(nonce.as_deref())) {
            resp.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
        }
    }
    #[cfg(feature = "ssr")]
    let brand = use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<PageCtx>().map(|c| c.brand.clone()));
    #[cfg(not(feature = "ssr"))]
    let brand: Option<Brand> = None;
    let (title, color, accent, icon) = match brand {
        Some(b) => (b.product_name, b.primary_color, b.accent_color, b.favicon_url),
        None => ("Throughline".to_owned(), "#334155".to_owned(), "#334155".to_owned(), "/logo.svg".to_owned()),
    };
    let css = format!(":root{{--brand:{color};--accent:{accent}}}");
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <title inner_html=escape_html(&title)></title>
                <link rel="icon" href=icon/>
                <style>{css}</style>
                <link rel="stylesheet" href="/pkg/throughline.css"/>
                <HydrationScripts options islands=true/>
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900">
                <App/>
            </body>
        </html>
    }
}

/// Marks the document once the wasm has loaded and hydrated the islands (effects run only in
/// the browser); the end-to-end tests wait for it.
#[island]
fn HydrationMark() -> impl IntoView {
    Effect::new(|| {
        if let Some(b) = document().body() {
            let _ = b.set_attribute("data-hydrated", "true");
        }
    });
}

#[component]
pub fn App() -> impl IntoView {
    view! {
        <HydrationMark/>
        <Router>
            <Routes fallback=|| view! { <routes::NotFound/> }>
                <Route path=path!("/login") view=routes::LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/portal") view=routes::portal::PortalHome ssr=SsrMode::Async/>
                <Route path=path!("/portal/orders") view=routes::portal::PortalOrdersList ssr=SsrMode::Async/>
                <Route path=path!("/portal/orders/:number") view=routes::portal::PortalOrderPage ssr=SsrMode::Async/>
                <Route path=path!("/portal/invoices") view=routes::portal::InvoicesList ssr=SsrMode::Async/>
                <Route path=path!("/portal/invoices/:number") view=routes::portal::InvoicePage ssr=SsrMode::Async/>
                <Route path=path!("/portal/invoices/:number/dispute") view=routes::portal::DisputeForm ssr=SsrMode::Async/>
                <Route path=path!("/portal/disputes") view=routes::portal::DisputesList ssr=SsrMode::Async/>
                <Route path=path!("/portal/disputes/:number") view=routes::portal::DisputePage ssr=SsrMode::Async/>
                <Route path=path!("/workspace") view=routes::WorkspaceHome ssr=SsrMode::Async/>
                <Route path=path!("/workspace/admin") view=routes::admin::AdminPage ssr=SsrMode::Async/>
                <Route path=path!("/workspace/admin/audit") view=routes::audit_admin::AuditPage ssr=SsrMode::Async/>
                <Route path=path!("/workspace/admin/customers") view=routes::customers_admin::CustomersAdminList ssr=SsrMode::Async/>
                <Route path=path!("/workspace/admin/customers/:external_id") view=routes::customers_admin::CustomerAdminPage ssr=SsrMode::Async/>
                <Route path=path!("/workspace/admin/jobs") view=routes::jobs_admin::JobsPage ssr=SsrMode::Async/>
                <Route path=path!("/workspace/admin/rules") view=routes::rules_admin::RulesPage ssr=SsrMode::Async/>
                <Route path=path!("/workspace/admin/reminders") view=routes::reminders_admin::RemindersPage ssr=SsrMode::Async/>
                <Route path=path!("/workspace/admin/domains") view=routes::domains_admin::AdminDomainsPage ssr=SsrMode::Async/>
                <Route path=path!("/workspace/admin/support") view=routes::support_admin::AdminSupportPage ssr=SsrMode::Async/>
                <Route path=path!("/workspace/admin/webhooks") view=routes::webhooks_admin::WebhooksPage ssr=SsrMode::Async/>
                <Route path=path!("/workspace/admin/webhooks/:id") view=routes::webhooks_admin::WebhookPage ssr=SsrMode::Async/>
                <Route path=path!("/workspace/invoices/:number") view=routes::invoices::InvoicePage ssr=SsrMode::Async/>
                <Route path=path!("/workspace/orders") view=routes::orders::OrdersList ssr=SsrMode::Async/>
                <Route path=path!("/workspace/orders/:number") view=routes::orders::OrderPage ssr=SsrMode::Async/>
                <Route path=path!("/workspace/work") view=routes::queues::MyWorkPage ssr=SsrMode::Async/>
                <Route path=path!("/workspace/queues/:queue") view=routes::queues::QueuePage ssr=SsrMode::Async/>
                <Route path=path!("/workspace/exceptions/:id") view=routes::exception_page::ExceptionPage ssr=SsrMode::Async/>
                <Route path=path!("/partner") view=routes::partner::PartnerHome ssr=SsrMode::Async/>
                <Route path=path!("/invite/:token") view=routes::invite::InvitePage ssr=SsrMode::Async/>
                <Route path=path!("/partner/team") view=routes::team::TeamPage ssr=SsrMode::Async/>
                <Route path=path!("/partner/policies") view=routes::policies::PoliciesPage ssr=SsrMode::Async/>
                <Route path=path!("/partner/tenants/:slug/branding") view=routes::branding_admin::BrandingPage ssr=SsrMode::Async/>
                <Route path=path!("/partner/tenants/:slug/health") view=routes::partner::HealthPage ssr=SsrMode::Async/>
                <Route path=path!("/partner/tenants/:slug/domains") view=routes::domains_admin::DomainsPage ssr=SsrMode::Async/>
                <Route path=path!("/partner/tenants/:slug/exports") view=routes::exports_admin::ExportsPage ssr=SsrMode::Async/>
                <Route path=path!("/partner/tenants/:slug/support") view=routes::support_admin::SupportPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}
