//! The customer's orders: search by order number or PO, filter by status and date, keyset
//! pages; one order with its lines (ordered, shipped, backordered), shipments with tracking,
//! proofs of delivery, invoices and the timeline in plain words.
use super::portal_nav;
use crate::PageCtx;
use crate::orders::{OrderPageData, OrdersPage, OrdersQuery};
use crate::portal::{portal_order, portal_orders};
use crate::routes::Frame;
use crate::routes::orders::{LocalTime, status_badge};
use crate::routes::queues::{failed, set_status};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

fn link(q: &OrdersQuery, base: &str, after: Option<&str>) -> String {
    let fields = [("q", &q.q), ("status", &q.status), ("from", &q.from), ("to", &q.to)];
    crate::href::with_query(base, fields.into_iter().filter_map(|(k, v)| Some((k, crate::href::non_empty(v)?))).chain(after.map(|a| ("after", a))))
}

#[component]
pub fn PortalOrdersList() -> impl IntoView {
    let query = use_query_map();
    let current = move || {
        let m = query.get();
        let get = |k: &str| m.get(k).filter(|v| !v.is_empty());
        OrdersQuery { q: get("q"), status: get("status"), customer: None, from: get("from"), to: get("to"), after: get("after") }
    };
    let data = Resource::new(current, |q| portal_orders(q.q, q.status, q.from, q.to, q.after));
    view! {
        <Frame body=move |_c: PageCtx| {
            let q = current();
            view! {
                {portal_nav("/portal/orders")}
                <div class="flex flex-wrap items-baseline justify-between gap-2">
                    <h1 class="text-2xl font-semibold">"Your orders"</h1>
                    <a class="text-sm text-blue-700 underline" href=link(&q, "/portal/orders.csv", None) download>"Export CSV"</a>
                </div>
                <form method="get" action="/portal/orders" role="search" class="mt-4 flex flex-wrap items-end gap-3 rounded bg-white p-3 shadow-sm">
                    <label class="text-sm">"Order or PO number"<br/>
                        <input name="q" type="search" value=q.q.clone().unwrap_or_default() class="rounded border border-slate-400 p-1.5"/>
                    </label>
                    <label class="text-sm">"Status"<br/>
                        <select name="status" class="rounded border border-slate-400 p-1.5">
                            <option value="">"Any"</option>
                            {crate::orders_statuses().into_iter().map(|s| view! { <option value=s selected=q.status.as_deref() == Some(s)>{s.replace('_', " ")}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="text-sm">"From"<br/><input name="from" type="date" value=q.from.clone().unwrap_or_default() class="rounded border border-slate-400 p-1.5"/></label>
                    <label class="text-sm">"To"<br/><input name="to" type="date" value=q.to.clone().unwrap_or_default() class="rounded border border-slate-400 p-1.5"/></label>
                    <button type="submit" class="rounded bg-accent px-3 py-1.5 text-sm font-medium text-white">"Search"</button>
                    <a href="/portal/orders" class="text-sm text-blue-700 underline">"Clear"</a>
                </form>
                <Suspense fallback=|| view! { <p class="p-4 text-slate-600">"Loading your orders…"</p> }>
                    {move || Suspend::new(async move {
                        match data.await {
                            Ok(page) => orders_list(page, current()).into_any(),
                            Err(e) => failed(e),
                        }
                    })}
                </Suspense>
            }
        }/>
    }
}

fn orders_list(page: OrdersPage, q: OrdersQuery) -> impl IntoView {
    let next = page.next_cursor.clone().map(|c| link(&q, "/portal/orders", Some(&c)));
    let first = q.after.is_some().then(|| link(&q, "/portal/orders", None));
    let empty = page.rows.is_empty();
    view! {
        {page.error.map(|e| view! { <p role="alert" class="mt-4 rounded bg-red-50 p-3 text-sm text-red-800">{e}</p> })}
        <div class="mt-4 overflow-x-auto">
            <table class="w-full bg-white text-left text-sm shadow-sm" data-testid="orders-table">
                <thead class="bg-slate-100"><tr><th class="p-2">"Order"</th><th class="p-2">"PO"</th><th class="p-2">"Status"</th><th class="p-2">"Ordered"</th><th class="p-2 text-right">"Total"</th></tr></thead>
                <tbody>{page.rows.into_iter().map(|o| view! {
                    <tr class="border-t" data-testid="order-row">
                        <td class="p-2"><a class="font-medium text-blue-700 underline" href=format!("/portal/orders/{}", crate::urlencode(&o.number))>{o.number.clone()}</a></td>
                        <td class="p-2">{o.po_number}</td>
                        <td class="p-2">{status_badge(&o.status)}</td>
                        <td class="p-2"><LocalTime iso=o.ordered_at/></td>
                        <td class="p-2 text-right tabular-nums">{o.total}</td>
                    </tr>
                }).collect_view()}</tbody>
            </table>
        </div>
        {empty.then(|| view! { <p class="mt-4 text-slate-600">"No orders match. Clear the search to see all your orders."</p> })}
        <nav aria-label="Pages" class="mt-4 flex gap-4 text-sm">
            {first.map(|h| view! { <a class="text-blue-700 underline" href=h>"First page"</a> })}
            {next.map(|h| view! { <a class="text-blue-700 underline" href=h rel="next">"Next page"</a> })}
        </nav>
    }
}

#[component]
pub fn PortalOrderPage() -> impl IntoView {
    let params = use_params_map();
    let number = move || params.get().get("number").unwrap_or_default();
    let data = Resource::new(number, portal_order);
    view! {
        <Frame body=move |_c: PageCtx| view! {
            {portal_nav("/portal/orders")}
            <Suspense fallback=|| view! { <p class="p-4 text-slate-600">"Loading the order…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(Some(o)) => order_view(o).into_any(),
                        Ok(None) => {
                            set_status(404);
                            view! { <h1 class="mt-4 text-xl font-semibold">"No such order in your account"</h1> }.into_any()
                        }
                        Err(e) => failed(e),
                    }
                })}
            </Suspense>
        }/>
    }
}

fn order_view(o: OrderPageData) -> impl IntoView {
    let h = o.head.clone();
    view! {
        <h1 class="text-2xl font-semibold" data-testid="order-number">"Order " {h.number.clone()}</h1>
        <dl class="mt-3 grid grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-4">
            <dt class="text-slate-600">"Status"</dt><dd>{status_badge(&h.status)}</dd>
            <dt class="text-slate-600">"PO number"</dt><dd data-testid="po-number">{h.po_number.clone()}</dd>
            <dt class="text-slate-600">"Ordered"</dt><dd><LocalTime iso=h.ordered_at.clone()/></dd>
            <dt class="text-slate-600">"Promised"</dt><dd>{if h.promised_date.is_empty() { "—".to_owned() } else { h.promised_date.clone() }}</dd>
            <dt class="text-slate-600">"Total"</dt><dd class="tabular-nums">{h.total.clone()}</dd>
        </dl>
        <h2 class="mt-6 text-lg font-semibold">"Lines"</h2>
        <div class="overflow-x-auto">
            <table class="mt-2 w-full bg-white text-left text-sm shadow-sm" data-testid="lines">
                <thead class="bg-slate-100"><tr><th class="p-2">"#"</th><th class="p-2">"Item"</th><th class="p-2 text-right">"Ordered"</th><th class="p-2 text-right">"Shipped"</th><th class="p-2 text-right">"Backordered"</th></tr></thead>
                <tbody>{o.lines.into_iter().map(|l| view! {
                    <tr class="border-t"><td class="p-2">{l.line}</td><td class="p-2">{l.sku} <span class="block text-xs text-slate-600">{l.description}</span></td>
                        <td class="p-2 text-right">{l.ordered}</td><td class="p-2 text-right">{l.shipped}</td><td class="p-2 text-right">{(l.ordered - l.shipped).max(0)}</td></tr>
                }).collect_view()}</tbody>
            </table>
        </div>
        <h2 class="mt-6 text-lg font-semibold">"Shipments"</h2>
        {if o.shipments.is_empty() { view! { <p class="text-sm text-slate-600">"Nothing has shipped yet; we will show the tracking here as soon as it does."</p> }.into_any() } else { view! {
            <ul class="mt-2 space-y-2" data-testid="shipments">{o.shipments.into_iter().map(|s| view! {
                <li class="rounded bg-white p-3 text-sm shadow-sm">
                    <span class="font-medium">{s.number}</span> " " {status_badge(&s.status)} " " {s.carrier} " "
                    {match s.tracking_url {
                        Some(u) => view! { <a class="text-blue-700 underline" href=u target="_blank" rel="noopener noreferrer">"Track " {s.tracking_number.clone()}</a> }.into_any(),
                        None => view! { <span>{s.tracking_number.clone()}</span> }.into_any(),
                    }}
                    <span class="block text-slate-600">{s.lines}</span>
                    <span class="block text-slate-600">
                        {s.dispatched_at.map(|t| view! { "Dispatched " <LocalTime iso=t/> " " })}
                        {s.delivered_at.map(|t| view! { "Delivered " <LocalTime iso=t/> })}
                    </span>
                    {s.documents.into_iter().map(|d| view! {
                        <a class="mr-3 text-blue-700 underline" data-testid="document" rel="external" download href=format!("/portal/documents/{}", d.id)>
                            {if d.kind == "pod" { "Proof of delivery".to_owned() } else { d.kind.replace('_', " ") }} ": " {d.filename}
                        </a>
                    }).collect_view()}
                </li>
            }).collect_view()}</ul>
        }.into_any() }}
        <h2 class="mt-6 text-lg font-semibold">"Invoices"</h2>
        {if o.invoices.is_empty() { view! { <p class="text-sm text-slate-600">"Not invoiced yet."</p> }.into_any() } else { view! {
            <ul class="mt-2 space-y-1 text-sm" data-testid="invoices">{o.invoices.into_iter().map(|i| view! {
                <li><a class="text-blue-700 underline" href=crate::portal_invoice_href(&i.number)>{i.number.clone()}</a>
                    " " {status_badge(&i.status)} " due " {i.due_on} " · " {i.total}</li>
            }).collect_view()}</ul>
        }.into_any() }}
        <h2 class="mt-6 text-lg font-semibold">"What happened"</h2>
        <ol class="mt-2 border-l-2 border-slate-300 pl-4 text-sm" data-testid="timeline">
            {o.timeline.into_iter().map(|e| view! {
                <li class="mb-3" data-testid="timeline-entry">
                    <span class="block text-xs text-slate-600"><LocalTime iso=e.at/></span>
                    {e.summary}
                </li>
            }).collect_view()}
        </ol>
    }
}
