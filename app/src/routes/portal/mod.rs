//! The customer portal's pages: home, orders, invoices (with the dispute form) and disputes.
//! Every form is a plain HTML form that posts and redirects, so the portal works before the
//! wasm has loaded as after hydration; amounts arrive formatted with their currency and times
//! as UTC, shown in the viewer's time zone once hydrated.
mod disputes;
mod invoices;
mod orders;

pub use disputes::{DisputePage, DisputesList};

/// A dispute as staff see it on its exception page (links and forms under `/workspace`).
pub(crate) fn dispute_view_for_staff(d: crate::portal::DisputePageData, csrf: String) -> impl IntoView {
    disputes::dispute_view(d, "/workspace", csrf)
}
pub use invoices::{DisputeForm, InvoicePage, InvoicesList};
pub use orders::{PortalOrderPage, PortalOrdersList};

use super::Frame;
use super::orders::LocalTime;
use super::queues::failed;
use crate::PageCtx;
use crate::portal::{PortalHomeData, portal_home};
use leptos::prelude::*;

/// The portal's navigation, shown under the branded header on every portal page.
pub(crate) fn portal_nav(current: &'static str) -> impl IntoView {
    let links = [("/portal", "Home"), ("/portal/orders", "Orders"), ("/portal/invoices", "Invoices"), ("/portal/disputes", "Disputes")];
    view! {
        <nav aria-label="Portal" class="-mt-2 mb-4 flex flex-wrap gap-x-4 gap-y-1 border-b border-slate-200 pb-2 text-sm font-medium">
            {links.into_iter().map(|(href, label)| {
                let here = href == current;
                view! { <a href=href class=if here { "text-slate-900 underline" } else { "text-blue-700 hover:underline" } aria-current=here.then_some("page")>{label}</a> }
            }).collect_view()}
        </nav>
    }
}

/// A figure on the home page that links to the list behind it.
fn tile(label: &'static str, value: String, href: &'static str, testid: &'static str) -> impl IntoView {
    view! {
        <a href=href data-testid=testid class="block rounded-lg bg-white p-4 shadow-sm hover:ring-2 hover:ring-slate-300">
            <span class="block text-sm text-slate-600">{label}</span>
            <span class="mt-1 block text-2xl font-semibold tabular-nums">{value}</span>
        </a>
    }
}

fn home_view(h: PortalHomeData) -> impl IntoView {
    let nothing_due = if h.total_due.is_empty() { "Nothing".to_owned() } else { h.total_due.clone() };
    let overdue = if h.overdue.is_empty() { "None".to_owned() } else { h.overdue.clone() };
    let empty = h.activity.is_empty();
    view! {
        <div class="grid grid-cols-2 gap-3 sm:grid-cols-3">
            {tile("Open orders", h.open_orders.to_string(), "/portal/orders?status=accepted", "open-orders")}
            {tile("Orders in transit", h.in_transit.to_string(), "/portal/orders?status=shipped", "in-transit")}
            {tile("Open invoices", h.open_invoices.to_string(), "/portal/invoices?status=open", "open-invoices")}
            {tile("Total due", nothing_due, "/portal/invoices?status=open", "total-due")}
            {tile("Overdue", overdue, "/portal/invoices?status=overdue", "overdue")}
            {tile("Open disputes", h.open_disputes.to_string(), "/portal/disputes", "open-disputes")}
        </div>
        <h2 class="mt-8 text-lg font-semibold">"Recent activity"</h2>
        {if empty {
            view! { <p class="mt-2 rounded border border-dashed border-slate-300 p-4 text-slate-600">"Nothing has happened on your orders yet. Orders you place with us appear here as soon as we record them."</p> }.into_any()
        } else {
            view! {
                <ol class="mt-2 space-y-2 text-sm" data-testid="activity">
                    {h.activity.into_iter().map(|a| view! {
                        <li class="rounded bg-white p-3 shadow-sm">
                            <span class="block text-xs text-slate-600"><LocalTime iso=a.at/></span>
                            <a class="text-blue-700 underline" href=format!("/portal/orders/{}", crate::urlencode(&a.order))>{a.order.clone()}</a> ": " {a.summary}
                        </li>
                    }).collect_view()}
                </ol>
            }.into_any()
        }}
        <p class="mt-6 text-sm"><a class="text-blue-700 underline" href="/portal/statement.pdf" download>"Download your statement of account (PDF)"</a></p>
    }
}

#[component]
pub fn PortalHome() -> impl IntoView {
    let data = Resource::new(|| (), |_| portal_home());
    view! {
        <Frame body=move |c: PageCtx| {
            let customer = c.viewer.as_ref().and_then(|v| v.customer_name.clone()).unwrap_or_default();
            view! {
                {portal_nav("/portal")}
                <h1 class="text-2xl font-semibold">"Welcome, " {customer.clone()}</h1>
                <p class="mt-1 text-slate-600" data-testid="customer-name">{customer}</p>
                {super::who(&c)}
                <div class="mt-4">
                    <Suspense fallback=|| view! { <p class="text-slate-600">"Loading your account…"</p> }>
                        {move || Suspend::new(async move {
                            match data.await {
                                Ok(h) => home_view(h).into_any(),
                                Err(e) => failed(e),
                            }
                        })}
                    </Suspense>
                </div>
            }
        }/>
    }
}
