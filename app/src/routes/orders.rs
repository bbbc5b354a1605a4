//! Staff pages: the order list (search, filters, keyset pages) and one order's page.
use super::Frame;
use crate::PageCtx;
use crate::orders::{OrderPageData, OrdersPage, OrdersQuery, PackRow, list_orders, order_page};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

/// `2026-03-01T09:00:00+00:00` → `2026-03-01 09:00 UTC`.
fn utc_label(iso: &str) -> String {
    if iso.len() >= 16 { format!("{} {} UTC", &iso[..10], &iso[11..16]) } else { iso.to_owned() }
}

/// A UTC time, shown in UTC by the server and in the viewer's local time once hydrated.
#[island]
pub fn LocalTime(iso: String) -> impl IntoView {
    let label = RwSignal::new(utc_label(&iso));
    let _iso = iso.clone();
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(&_iso));
            if !d.get_time().is_nan() {
                let opts = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&opts, &"dateStyle".into(), &"medium".into());
                let _ = js_sys::Reflect::set(&opts, &"timeStyle".into(), &"short".into());
                label.set(String::from(d.to_locale_string("default", &opts)));
            }
        }
    });
    view! { <time datetime=iso>{move || label.get()}</time> }
}

pub(crate) fn status_badge(status: &str) -> impl IntoView + use<> {
    let colour = match status {
        "credit_hold" | "backordered" | "disputed" | "overdue" => "bg-amber-100 text-amber-900",
        "paid" | "delivered" => "bg-emerald-100 text-emerald-900",
        "shipped" | "partially_shipped" | "invoiced" | "partially_paid" => "bg-sky-100 text-sky-900",
        _ => "bg-slate-100 text-slate-800",
    };
    view! { <span data-testid="status" class=format!("rounded px-2 py-0.5 text-xs font-medium {colour}")>{status.replace('_', " ")}</span> }
}

#[component]
pub fn OrdersList() -> impl IntoView {
    let query = use_query_map();
    let current = move || {
        let m = query.get();
        let get = |k: &str| m.get(k).filter(|v| !v.is_empty());
        OrdersQuery { q: get("q"), status: get("status"), customer: get("customer"), from: get("from"), to: get("to"), after: get("after") }
    };
    let data = Resource::new(current, |q| list_orders(q.q, q.status, q.customer, q.from, q.to, q.after));
    view! {
        <Frame body=move |_c: PageCtx| {
            let q = current();
            view! {
                <div class="flex items-baseline justify-between">
                    <h1 class="text-2xl font-semibold">"Orders"</h1>
                    <a class="text-sm underline" href=q.csv_href() download="orders.csv">"Export CSV (all matching orders)"</a>
                </div>
                <form method="get" action="/workspace/orders" class="mt-4 flex flex-wrap items-end gap-3 rounded bg-white p-3 shadow-sm" role="search">
                    <label class="text-sm">"Search"<br/>
                        <input name="q" type="search" value=q.q.clone().unwrap_or_default() placeholder="Order, PO or customer" class="rounded border border-slate-300 p-1.5"/>
                    </label>
                    <label class="text-sm">"Status"<br/>
                        <select name="status" class="rounded border border-slate-300 p-1.5">
                            <option value="">"Any"</option>
                            {crate::orders_statuses().into_iter().map(|s| {
                                let selected = q.status.as_deref() == Some(s);
                                view! { <option value=s selected=selected>{s.replace('_', " ")}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    <label class="text-sm">"Customer id"<br/>
                        <input name="customer" value=q.customer.clone().unwrap_or_default() class="w-28 rounded border border-slate-300 p-1.5"/>
                    </label>
                    <label class="text-sm">"From"<br/><input name="from" type="date" value=q.from.clone().unwrap_or_default() class="rounded border border-slate-300 p-1.5"/></label>
                    <label class="text-sm">"To"<br/><input name="to" type="date" value=q.to.clone().unwrap_or_default() class="rounded border border-slate-300 p-1.5"/></label>
                    <button type="submit" class="rounded bg-accent px-3 py-1.5 text-sm font-medium text-white">"Filter"</button>
                    <a href="/workspace/orders" class="text-sm underline">"Clear"</a>
                </form>
                <Suspense fallback=|| view! { <p class="p-4 text-slate-500">"Loading orders…"</p> }>
                    {move || Suspend::new(async move {
                        match data.await {
                            Ok(page) => orders_table(page, current()).into_any(),
                            Err(e) => view! { <p role="alert" class="mt-4 text-red-700">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            }
        }/>
    }
}

fn orders_table(page: OrdersPage, q: OrdersQuery) -> impl IntoView {
    let next = page.next_cursor.clone().map(|c| q.href(Some(&c)));
    let first = q.after.is_some().then(|| q.href(None));
    let empty = page.rows.is_empty();
    view! {
        {page.error.map(|e| view! { <p role="alert" class="mt-4 rounded bg-red-50 p-3 text-sm text-red-800">{e}</p> })}
        <table class="mt-4 w-full bg-white text-left text-sm shadow-sm" data-testid="orders-table">
            <thead class="bg-slate-100"><tr>
                <th class="p-2">"Order"</th><th class="p-2">"Customer"</th><th class="p-2">"PO"</th><th class="p-2">"Status"</th>
                <th class="p-2">"Ordered"</th><th class="p-2">"Promised"</th><th class="p-2 text-right">"Total"</th>
            </tr></thead>
            <tbody>
                {page.rows.into_iter().map(|o| view! {
                    <tr class="border-t" data-testid="order-row">
                        <td class="p-2"><a class="font-medium text-blue-700 underline" href=format!("/workspace/orders/{}", o.number)>{o.number.clone()}</a></td>
                        <td class="p-2">{o.customer_name}<span class="block text-xs text-slate-500">{o.customer}</span></td>
                        <td class="p-2">{o.po_number}</td>
                        <td class="p-2">{status_badge(&o.status)}</td>
                        <td class="p-2"><LocalTime iso=o.ordered_at/></td>
                        <td class="p-2">{o.promised_date}</td>
                        <td class="p-2 text-right tabular-nums">{o.total}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        {empty.then(|| view! { <p class="mt-4 text-slate-600">"No orders match these filters."</p> })}
        <nav class="mt-4 flex gap-4 text-sm">
            {first.map(|h| view! { <a class="underline" href=h>"First page"</a> })}
            {next.map(|h| view! { <a class="underline" href=h rel="next">"Next page"</a> })}
        </nav>
    }
}

#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    let number = move || params.get().get("number").unwrap_or_default();
    let data = Resource::new(number, order_page);
    view! {
        <Frame body=move |c: PageCtx| {
            let csrf = c.csrf.clone();
            let refused = c.notice.is_some() && super::queues::was_refused()();
            view! {
            <p class="text-sm"><a class="underline" href="/workspace/orders">"← Orders"</a></p>
            {super::queues::outcome(c.notice.clone(), refused)}
            <Suspense fallback=|| view! { <p class="p-4 text-slate-500">"Loading the order…"</p> }>
                {move || {
                    let csrf = csrf.clone();
                    Suspend::new(async move {
                        match data.await {
                            Ok(Some(o)) => order_view(o, csrf).into_any(),
                            Ok(None) => {
                                super::queues::set_status(404);
                                view! { <h1 class="mt-4 text-xl font-semibold">"No such order"</h1> }.into_any()
                            }
                            Err(e) => view! { <p role="alert" class="mt-4 text-red-700">{e.to_string()}</p> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        }}/>
    }
}

fn section(title: &'static str) -> impl IntoView {
    view! { <h2 class="mt-8 text-lg font-semibold">{title}</h2> }
}

/// A date, or a dash when there is none.
fn or_dash(d: &str) -> String {
    if d.is_empty() { "—".into() } else { d.to_owned() }
}

/// The cartons and pallets of one shipment: label, weight, dimensions, contents, serials.
fn packs_table(packs: Vec<PackRow>) -> impl IntoView {
    (!packs.is_empty()).then(|| view! {
        <table class="mt-2 w-full text-left text-xs" data-testid="packs">
            <caption class="text-left font-medium text-slate-700">"Packs"</caption>
            <thead class="bg-slate-50"><tr><th class="p-1">"SSCC"</th><th class="p-1">"Weight"</th><th class="p-1">"Dimensions"</th><th class="p-1">"Holds"</th><th class="p-1">"Serial numbers"</th></tr></thead>
            <tbody>{packs.into_iter().map(|p| view! {
                <tr class="border-t" data-testid="pack">
                    <td class="p-1 font-mono">{or_dash(&p.sscc)}</td><td class="p-1">{or_dash(&p.weight)}</td><td class="p-1">{or_dash(&p.dimensions)}</td>
                    <td class="p-1">{p.contents}</td><td class="p-1">{p.serials.join(", ")}</td>
                </tr>
            }).collect_view()}</tbody>
        </table>
    })
}

fn order_view(o: OrderPageData, csrf: String) -> impl IntoView {
    let h = o.head.clone();
    view! {
        <h1 class="mt-2 text-2xl font-semibold" data-testid="order-number">"Order " {h.number.clone()}</h1>
        <dl class="mt-3 grid grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-4">
            <dt class="text-slate-500">"Status"</dt><dd>{status_badge(&h.status)}</dd>
            <dt class="text-slate-500">"Customer"</dt><dd>{h.customer_name.clone()} " (" {h.customer.clone()} ")"</dd>
            <dt class="text-slate-500">"PO number"</dt><dd>{h.po_number.clone()}</dd>
            <dt class="text-slate-500">"Channel"</dt><dd>{h.channel.replace('_', " ")}</dd>
            <dt class="text-slate-500">"Ordered"</dt><dd><LocalTime iso=h.ordered_at.clone()/></dd>
            <dt class="text-slate-500">"Requested ship"</dt><dd data-testid="requested-ship-date">{or_dash(&o.requested_ship_date)}</dd>
            <dt class="text-slate-500">"Requested delivery"</dt><dd data-testid="requested-date">{or_dash(&o.requested_date)}</dd>
            <dt class="text-slate-500">"Cancel after"</dt><dd data-testid="cancel-after">{or_dash(&o.cancel_after)}</dd>
            <dt class="text-slate-500">"Promised"</dt><dd>{or_dash(&h.promised_date)}</dd>
            <dt class="text-slate-500">"Total"</dt><dd class="tabular-nums">{h.total.clone()}</dd>
        </dl>
        {section("Lines")}
        <table class="mt-2 w-full bg-white text-left text-sm shadow-sm" data-testid="lines">
            <thead class="bg-slate-100"><tr><th class="p-2">"#"</th><th class="p-2">"SKU"</th><th class="p-2">"Description"</th>
                <th class="p-2 text-right">"Ordered"</th><th class="p-2 text-right">"Shipped"</th><th class="p-2 text-right">"Invoiced"</th><th class="p-2 text-right">"Unit price"</th></tr></thead>
            <tbody>{o.lines.into_iter().map(|l| view! {
                <tr class="border-t"><td class="p-2">{l.line}</td><td class="p-2">{l.sku}</td><td class="p-2">{l.description}</td>
                    <td class="p-2 text-right">{l.ordered}</td><td class="p-2 text-right">{l.shipped}</td><td class="p-2 text-right">{l.invoiced}</td>
                    <td class="p-2 text-right tabular-nums">{l.unit_price}</td></tr>
            }).collect_view()}</tbody>
        </table>
        {section("Shipments")}
        {if o.shipments.is_empty() { view! { <p class="text-sm text-slate-600">"Nothing has shipped yet."</p> }.into_any() } else { view! {
            <ul class="mt-2 space-y-2" data-testid="shipments">{o.shipments.into_iter().map(|s| view! {
                <li class="rounded bg-white p-3 text-sm shadow-sm">
                    <span class="font-medium">{s.number.clone()}</span> " " {status_badge(&s.status)} " " {s.carrier} " "
                    {match s.tracking_url {
                        Some(u) => view! { <a class="text-blue-700 underline" href=u target="_blank" rel="noopener noreferrer">"Track " {s.tracking_number.clone()}</a> }.into_any(),
                        None => view! { <span>{s.tracking_number.clone()}</span> }.into_any(),
                    }}
                    <span class="block text-slate-600">{s.lines}</span>
                    {(!s.loose_serials.is_empty()).then(|| view! {
                        <span class="block text-slate-600">"Serial numbers (not in a pack): " {s.loose_serials.join(", ")}</span>
                    })}
                    {packs_table(s.packs)}
                    <span class="block text-slate-600">
                        {s.dispatched_at.map(|t| view! { "Dispatched " <LocalTime iso=t/> " " })}
                        {s.delivered_at.map(|t| view! { "Delivered " <LocalTime iso=t/> })}
                    </span>
                    {s.documents.into_iter().map(|d| view! {
                        <a class="mr-3 text-blue-700 underline" data-testid="document" rel="external" href=format!("/workspace/documents/{}", d.id)>{d.kind.to_uppercase()} ": " {d.filename} " (" {d.size} " bytes)"</a>
                    }).collect_view()}
                    <form method="post" enctype="multipart/form-data" action=format!("/workspace/shipments/{}/documents", crate::urlencode(&s.number)) class="mt-2 flex flex-wrap items-end gap-2 text-xs" data-testid="upload-document">
                        <input type="hidden" name="csrf" value=csrf.clone()/>
                        <label>"Document"<br/><select name="kind" class="rounded border border-slate-400 p-1"><option value="pod">"Proof of delivery"</option><option value="packing_list">"Packing list"</option></select></label>
                        <label>"File (PDF, PNG, JPEG or TIFF)"<br/><input type="file" name="file" required/></label>
                        <button type="submit" class="rounded border border-slate-400 px-2 py-1">"Upload"</button>
                    </form>
                </li>
            }).collect_view()}</ul>
        }.into_any() }}
        {section("Invoices")}
        {if o.invoices.is_empty() { view! { <p class="text-sm text-slate-600">"Not invoiced yet."</p> }.into_any() } else { view! {
            <table class="mt-2 w-full bg-white text-left text-sm shadow-sm" data-testid="invoices">
                <thead class="bg-slate-100"><tr><th class="p-2">"Invoice"</th><th class="p-2">"Status"</th><th class="p-2">"Issued"</th><th class="p-2">"Due"</th><th class="p-2 text-right">"Total"</th><th class="p-2 text-right">"Paid"</th></tr></thead>
                <tbody>{o.invoices.into_iter().map(|i| view! {
                    <tr class="border-t"><td class="p-2"><a class="text-blue-700 underline" href=crate::invoices::invoice_href(&i.number)>{i.number.clone()}</a></td><td class="p-2">{status_badge(&i.status)}</td><td class="p-2">{i.issued_on}</td><td class="p-2">{i.due_on}</td>
                        <td class="p-2 text-right tabular-nums">{i.total}</td><td class="p-2 text-right tabular-nums">{i.paid}</td></tr>
                }).collect_view()}</tbody>
            </table>
        }.into_any() }}
        {section("Payments")}
        {if o.payments.is_empty() { view! { <p class="text-sm text-slate-600">"No payments applied."</p> }.into_any() } else { view! {
            <ul class="mt-2 text-sm">{o.payments.into_iter().map(|p| view! { <li>{p.amount} " from payment " {p.payment} " applied to " {p.invoice}</li> }).collect_view()}</ul>
        }.into_any() }}
        {section("Timeline")}
        <ol class="mt-2 border-l-2 border-slate-300 pl-4 text-sm" data-testid="timeline">
            {o.timeline.into_iter().map(|e| view! {
                <li class="mb-3" data-testid="timeline-entry">
                    <span class="block text-xs text-slate-500"><LocalTime iso=e.at/> " · " {e.source} " · " <code>{e.kind}</code></span>
                    {e.summary}
                </li>
            }).collect_view()}
        </ol>
    }
}
