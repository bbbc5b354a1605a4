//! The tenant admin's customer pages: the list (search, keyset pages) and one customer's
//! commercial settings form. The form is plain HTML that posts and redirects back with a
//! notice, so it works before the wasm has loaded and after hydration alike.
use super::Frame;
use crate::customers_admin::{Choice, CustomerForm, CustomersPage, LIST, admin_customer, admin_customers, customer_href, list_href, settings_action};
use crate::{Notice, PageCtx};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Pages for tenant admins only: others get a 403 and a sentence, not the data (the server
/// functions refuse them too).
fn refused() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
        r.set_status(http::StatusCode::FORBIDDEN);
    }
    view! { <p role="alert" class="mt-4 text-red-700">"Only tenant admins can see customers' commercial settings."</p> }
}


fn notice(n: Option<Notice>) -> impl IntoView {
    n.map(|n| view! { <div role="status" data-testid="notice" class="mt-4 rounded border border-emerald-300 bg-emerald-50 p-3 text-sm">{n.message}</div> })
}

fn failed(e: ServerFnError) -> AnyView {
    view! { <p role="alert" class="mt-4 text-red-700">{e.to_string()}</p> }.into_any()
}

#[component]
pub fn CustomersAdminList() -> impl IntoView {
    let query = use_query_map();
    let current = move || {
        let m = query.get();
        (m.get("q").filter(|v| !v.is_empty()), m.get("after").filter(|v| !v.is_empty()))
    };
    let data = Resource::new(current, |(q, after)| admin_customers(q, after));
    view! {
        <Frame body=move |c: PageCtx| {
            if !super::is_tenant_admin(&c) {
                return refused().into_any();
            }
            let (q, after) = current();
            view! {
                <h1 class="text-2xl font-semibold">"Customers"</h1>
                <p class="text-sm text-slate-600">"Credit limits, terms and how each customer is invoiced and reminded. Open a customer to change them."</p>
                {notice(c.notice.clone())}
                <form method="get" action=LIST role="search" class="mt-4 flex items-end gap-3 rounded bg-white p-3 shadow-sm">
                    <label class="text-sm">"Name or customer id"<br/>
                        <input name="q" type="search" value=q.clone().unwrap_or_default() class="rounded border border-slate-300 p-1.5"/>
                    </label>
                    <button type="submit" class="rounded bg-accent px-3 py-1.5 text-sm font-medium text-white">"Search"</button>
                    {q.is_some().then(|| view! { <a href=LIST class="text-sm underline">"Clear"</a> })}
                </form>
                <Suspense fallback=|| view! { <p class="p-4 text-slate-500">"Loading customers…"</p> }>
                    {move || {
                        let (q, after) = (q.clone(), after.clone());
                        Suspend::new(async move {
                            match data.await {
                                Ok(page) => customers_table(page, q, after.is_some()).into_any(),
                                Err(e) => failed(e),
                            }
                        })
                    }}
                </Suspense>
            }
            .into_any()
        }/>
    }
}

fn customers_table(page: CustomersPage, q: Option<String>, paged: bool) -> impl IntoView {
    let next = page.next_after.as_deref().map(|a| list_href(q.as_deref(), Some(a)));
    let first = paged.then(|| list_href(q.as_deref(), None));
    let empty = page.rows.is_empty();
    view! {
        <table class="mt-4 w-full bg-white text-left text-sm shadow-sm" data-testid="customers-table">
            <thead class="bg-slate-100"><tr>
                <th class="p-2">"Customer"</th><th class="p-2">"Segment"</th><th class="p-2">"Terms"</th><th class="p-2 text-right">"Credit limit"</th>
                <th class="p-2">"Invoiced"</th><th class="p-2">"Channels"</th>
            </tr></thead>
            <tbody>{page.rows.into_iter().map(|r| view! {
                <tr class="border-t" data-testid="customer-row">
                    <td class="p-2"><a class="font-medium text-blue-700 underline" href=customer_href(&r.external_id)>{r.name}</a>
                        <span class="block text-xs text-slate-500">{r.external_id}</span></td>
                    <td class="p-2">{r.segment}</td>
                    <td class="p-2">{r.payment_terms}</td>
                    <td class="p-2 text-right tabular-nums">{r.credit_limit}</td>
                    <td class="p-2">{r.billing_rule}
                        {r.invoicing_hold.then(|| view! { <span class="ml-1 rounded bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900">"invoicing on hold"</span> })}</td>
                    <td class="p-2">{r.channels}</td>
                </tr>
            }).collect_view()}</tbody>
        </table>
        {empty.then(|| view! { <p class="mt-4 text-slate-600">"No customer matches. Customers arrive through the API (POST /api/v1/customers) or with their first EDI order."</p> })}
        <nav class="mt-4 flex gap-4 text-sm">
            {first.map(|h| view! { <a class="underline" href=h>"First page"</a> })}
            {next.map(|h| view! { <a class="underline" href=h rel="next">"Next page"</a> })}
        </nav>
    }
}

#[component]
pub fn CustomerAdminPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.get().get("external_id").unwrap_or_default();
    let data = Resource::new(id, admin_customer);
    view! {
        <Frame body=move |c: PageCtx| {
            if !super::is_tenant_admin(&c) {
                return refused().into_any();
            }
            let csrf = c.csrf.clone();
            view! {
                <p class="text-sm"><a class="underline" href=LIST>"← Customers"</a></p>
                {notice(c.notice.clone())}
                <Suspense fallback=|| view! { <p class="p-4 text-slate-500">"Loading the customer…"</p> }>
                    {move || {
                        let csrf = csrf.clone();
                        Suspend::new(async move {
                            match data.await {
                                Ok(Some(f)) => settings_form(f, csrf).into_any(),
                                Ok(None) => {
                                    #[cfg(feature = "ssr")]
                                    if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
                                        r.set_status(http::StatusCode::NOT_FOUND);
                                    }
                                    view! { <h1 class="mt-4 text-xl font-semibold">"No such customer"</h1> }.into_any()
                                }
                                Err(e) => failed(e),
                            }
                        })
                    }}
                </Suspense>
            }
            .into_any()
        }/>
    }
}

const INPUT: &str = "mt-1 block w-full rounded border border-slate-300 p-1.5";

fn options(choices: Vec<Choice>) -> impl IntoView {
    choices.into_iter().map(|o| view! { <option value=o.value selected=o.selected>{o.label}</option> }).collect_view()
}

fn settings_form(f: CustomerForm, csrf: String) -> impl IntoView {
    let channels = f.channels.into_iter().map(|ch| {
        let always = ch.value == "portal";
        let name = format!("channel_{}", ch.value);
        view! {
            <label class="mr-4 inline-flex items-center gap-1">
                <input type="checkbox" name=name value="on" checked=ch.selected || always disabled=always/>
                {ch.label} {always.then_some(" (always)")}
            </label>
        }
    });
    view! {
        <h1 class="mt-2 text-2xl font-semibold" data-testid="customer-name">{f.name.clone()}</h1>
        <p class="text-sm text-slate-600">{f.external_id.clone()} " · billed in " {f.currency.clone()}</p>
        <form method="post" action=settings_action(&f.external_id) class="mt-4 grid max-w-2xl gap-4 rounded bg-white p-4 text-sm shadow-sm" data-testid="customer-settings">
            <input type="hidden" name="csrf" value=csrf/>
            <input type="hidden" name="version" value=f.version/>
            <fieldset class="grid gap-3 sm:grid-cols-3">
                <legend class="mb-1 font-semibold">"Credit and terms"</legend>
                <label>"Credit limit (" {f.currency.clone()} ")"
                    <input name="credit_limit" value=f.credit_limit inputmode="decimal" placeholder="No limit" class=INPUT/></label>
                <label>"Payment terms"
                    <input name="payment_terms" list="terms" required value=f.payment_terms class=INPUT/></label>
                <label>"Segment"
                    <input name="segment" list="segments" value=f.segment class=INPUT/></label>
                <datalist id="terms">{["NET30", "NET45", "NET60", "DUE_ON_RECEIPT"].map(|t| view! { <option value=t></option> })}</datalist>
                <datalist id="segments">{f.segments.into_iter().map(|s| view! { <option value=s></option> }).collect_view()}</datalist>
            </fieldset>
            <fieldset class="grid gap-3 sm:grid-cols-2">
                <legend class="mb-1 font-semibold">"Invoicing"</legend>
                <label class="inline-flex items-center gap-2 sm:col-span-2">
                    <input type="checkbox" name="invoicing_hold" value="on" checked=f.invoicing_hold/>
                    "Invoicing hold: raise no invoices for this customer until released"</label>
                <label>"Billing rule (when an invoice is raised)"
                    <select name="billing_rule" class=INPUT>{options(f.billing_rules)}</select></label>
                <fieldset class="sm:col-span-2" data-testid="channels"><legend>"Invoice channels"</legend>
                    <label class="mt-1 flex items-center gap-2"><input type="radio" name="channels_mode" value="inherit" checked=f.inherit_channels/>
                        {format!("Tenant default ({})", f.default_channels)}</label>
                    <label class="mt-1 flex items-center gap-2"><input type="radio" name="channels_mode" value="own" checked=!f.inherit_channels/>
                        "This customer's own:"</label>
                    <div class="mt-1 pl-6">{channels.collect_view()}</div></fieldset>
                <label class="sm:col-span-2">"AP e-mail addresses (one per line, or separated by commas)"
                    <textarea name="invoice_emails" rows="3" class=INPUT>{f.invoice_emails}</textarea></label>
            </fieldset>
            <fieldset>
                <legend class="mb-1 font-semibold">"Reminders"</legend>
                <label>"Reminder channel" <select name="reminder_channel" class=INPUT>{options(f.reminder_channels)}</select></label>
            </fieldset>
            <div><button type="submit" class="rounded bg-accent px-4 py-2 font-medium text-white">"Save settings"</button></div>
        </form>
    }
}
