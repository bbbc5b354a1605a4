//! The customer's invoices: the list with the aging, one invoice (lines, tax, payments,
//! credits, open amount, PDF) and the form that disputes it.
use super::portal_nav;
use crate::PageCtx;
use crate::portal::{InvoicePageData, InvoicesData, REASONS, portal_invoice, portal_invoices};
use crate::routes::Frame;
use crate::routes::orders::{LocalTime, status_badge};
use crate::routes::queues::{failed, outcome, set_status, was_refused};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

fn list_link(q: &Option<String>, status: &Option<String>, base: &str, after: Option<&str>) -> String {
    let fields = [("q", q), ("status", status)];
    crate::href::with_query(base, fields.into_iter().filter_map(|(k, v)| Some((k, crate::href::non_empty(v)?))).chain(after.map(|a| ("after", a))))
}

#[component]
pub fn InvoicesList() -> impl IntoView {
    let query = use_query_map();
    let current = move || {
        let m = query.get();
        let get = |k: &str| m.get(k).filter(|v| !v.is_empty());
        (get("q"), get("status"), get("after"))
    };
    let data = Resource::new(current, |(q, s, a)| portal_invoices(q, s, a));
    view! {
        <Frame body=move |_c: PageCtx| {
            let (q, status, _) = current();
            view! {
                {portal_nav("/portal/invoices")}
                <div class="flex flex-wrap items-baseline justify-between gap-2">
                    <h1 class="text-2xl font-semibold">"Your invoices"</h1>
                    <span class="flex gap-4 text-sm">
                        <a class="text-blue-700 underline" href=list_link(&q, &status, "/portal/invoices.csv", None) download>"Export CSV"</a>
                        <a class="text-blue-700 underline" href="/portal/statement.pdf" download>"Statement (PDF)"</a>
                    </span>
                </div>
                <form method="get" action="/portal/invoices" role="search" class="mt-4 flex flex-wrap items-end gap-3 rounded bg-white p-3 shadow-sm">
                    <label class="text-sm">"Invoice number"<br/><input name="q" type="search" value=q.clone().unwrap_or_default() class="rounded border border-slate-400 p-1.5"/></label>
                    <label class="text-sm">"Show"<br/>
                        <select name="status" class="rounded border border-slate-400 p-1.5">
                            <option value="">"All"</option>
                            {[("open", "Open"), ("overdue", "Overdue"), ("disputed", "Disputed"), ("paid", "Paid")].into_iter().map(|(v, l)| view! { <option value=v selected=status.as_deref() == Some(v)>{l}</option> }).collect_view()}
                        </select>
                    </label>
                    <button type="submit" class="rounded bg-accent px-3 py-1.5 text-sm font-medium text-white">"Search"</button>
                    <a href="/portal/invoices" class="text-sm text-blue-700 underline">"Clear"</a>
                </form>
                <Suspense fallback=|| view! { <p class="p-4 text-slate-600">"Loading your invoices…"</p> }>
                    {move || Suspend::new(async move {
                        let (q, status, after) = current();
                        match data.await {
                            Ok(d) => invoices_view(d, q, status, after.is_some()).into_any(),
                            Err(e) => failed(e),
                        }
                    })}
                </Suspense>
            }
        }/>
    }
}

fn invoices_view(d: InvoicesData, q: Option<String>, status: Option<String>, paged: bool) -> impl IntoView {
    let next = d.next_cursor.clone().map(|c| list_link(&q, &status, "/portal/invoices", Some(&c)));
    let first = paged.then(|| list_link(&q, &status, "/portal/invoices", None));
    let empty = d.rows.is_empty();
    view! {
        {(!d.aging.is_empty()).then(|| view! {
            <section aria-labelledby="aging-h" class="mt-4">
                <h2 id="aging-h" class="text-lg font-semibold">"What you owe, by age"</h2>
                <dl class="mt-2 grid grid-cols-2 gap-2 sm:grid-cols-5" data-testid="aging">
                    {d.aging.iter().map(|(label, amount)| view! {
                        <div class="rounded bg-white p-2 shadow-sm"><dt class="text-xs text-slate-600">{label.clone()}</dt><dd class="font-semibold tabular-nums">{amount.clone()}</dd></div>
                    }).collect_view()}
                </dl>
            </section>
        })}
        {d.error.map(|e| view! { <p role="alert" class="mt-4 rounded bg-red-50 p-3 text-sm text-red-800">{e}</p> })}
        <div class="mt-4 overflow-x-auto">
            <table class="w-full bg-white text-left text-sm shadow-sm" data-testid="invoices-table">
                <thead class="bg-slate-100"><tr><th class="p-2">"Invoice"</th><th class="p-2">"Status"</th><th class="p-2">"Issued"</th><th class="p-2">"Due"</th><th class="p-2 text-right">"Total"</th><th class="p-2 text-right">"Open"</th></tr></thead>
                <tbody>{d.rows.into_iter().map(|i| view! {
                    <tr class="border-t" data-testid="invoice-row">
                        <td class="p-2"><a class="font-medium text-blue-700 underline" href=crate::portal_invoice_href(&i.number)>{i.number.clone()}</a></td>
                        <td class="p-2">{status_badge(&i.status)}</td><td class="p-2">{i.issued_on}</td><td class="p-2">{i.due_on}</td>
                        <td class="p-2 text-right tabular-nums">{i.total}</td><td class="p-2 text-right tabular-nums">{i.open}</td>
                    </tr>
                }).collect_view()}</tbody>
            </table>
        </div>
        {empty.then(|| view! { <p class="mt-4 text-slate-600">"No invoices match. Choose \"All\" to see every invoice."</p> })}
        <nav aria-label="Pages" class="mt-4 flex gap-4 text-sm">
            {first.map(|h| view! { <a class="text-blue-700 underline" href=h>"First page"</a> })}
            {next.map(|h| view! { <a class="text-blue-700 underline" href=h rel="next">"Next page"</a> })}
        </nav>
    }
}

fn number_param() -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.get().get("number").unwrap_or_default()
}

fn missing() -> AnyView {
    set_status(404);
    view! { <h1 class="mt-4 text-xl font-semibold">"No such invoice in your account"</h1> }.into_any()
}

#[component]
pub fn InvoicePage() -> impl IntoView {
    let number = number_param();
    let data = Resource::new(number, portal_invoice);
    let refused = was_refused();
    view! {
        <Frame body=move |c: PageCtx| { let csrf = c.csrf.clone(); view! {
            {portal_nav("/portal/invoices")}
            {outcome(c.notice.clone(), refused())}
            <Suspense fallback=|| view! { <p class="p-4 text-slate-600">"Loading the invoice…"</p> }>
                {move || { let csrf = csrf.clone(); Suspend::new(async move {
                    match data.await {
                        Ok(Some(i)) => invoice_view(i, csrf).into_any(),
                        Ok(None) => missing(),
                        Err(e) => failed(e),
                    }
                })}}
            </Suspense>
        }}/>
    }
}

fn money_rows(title: &'static str, rows: Vec<crate::portal::MoneyRow>, testid: &'static str) -> impl IntoView {
    (!rows.is_empty()).then(|| view! {
        <h2 class="mt-6 text-lg font-semibold">{title}</h2>
        <ul class="mt-2 space-y-1 text-sm" data-testid=testid>{rows.into_iter().map(|r| view! {
            <li>{r.date} " · " <span class="font-medium">{r.reference}</span> " · " <span class="tabular-nums">{r.amount}</span> " " <span class="text-slate-600">{r.note}</span></li>
        }).collect_view()}</ul>
    })
}

/// Reminders sent, the promise in force, and a form to make one.
fn reminders_view(i: &InvoicePageData, csrf: String) -> impl IntoView + use<> {
    let action = format!("/portal/invoices/{}/promise", crate::urlencode(&i.number));
    let (reminders, promise, today) = (i.reminders.clone(), i.promise.clone(), i.today.clone());
    let form = (i.can_promise && promise.is_none()).then(|| view! {
        <details class="mt-3 rounded bg-white p-3 text-sm shadow-sm">
            <summary class="cursor-pointer font-medium text-blue-700">"Promise to pay by a date"</summary>
            <form method="post" action=action class="mt-2 flex flex-wrap items-end gap-3" data-testid="promise-form">
                <input type="hidden" name="csrf" value=csrf/>
                <label>"Pay by" <input type="date" name="promised_on" required min=today class="mt-1 block rounded border border-slate-300 p-1.5"/></label>
                <label>"Amount (blank: all that is open)" <input name="amount" inputmode="decimal" class="mt-1 block rounded border border-slate-300 p-1.5"/></label>
                <label class="grow">"Note" <input name="note" maxlength="500" class="mt-1 block w-full rounded border border-slate-300 p-1.5"/></label>
                <button type="submit" class="rounded bg-accent px-3 py-1.5 font-medium text-white">"Promise"</button>
            </form>
            <p class="mt-1 text-xs text-slate-600">"We will not send reminders about this invoice until that date."</p>
        </details>
    });
    view! {
        {(!reminders.is_empty() || promise.is_some()).then(|| view! { <h2 class="mt-6 text-lg font-semibold">"Reminders"</h2> })}
        {promise.map(|p| view! { <p class="mt-2 text-sm" data-testid="invoice-promise">{p}</p> })}
        {(!reminders.is_empty()).then(|| view! {
            <ul class="mt-2 space-y-1 text-sm" data-testid="invoice-reminders">{reminders.into_iter().map(|d| view! {
                <li>{d.text} {d.at.map(|at| view! { " · " <LocalTime iso=at/> })}</li>
            }).collect_view()}</ul>
        })}
        {form}
    }
}

fn invoice_view(i: InvoicePageData, csrf: String) -> impl IntoView {
    let enc = crate::urlencode(&i.number);
    let reminders = reminders_view(&i, csrf);
    view! {
        <div class="flex flex-wrap items-baseline justify-between gap-2">
            <h1 class="text-2xl font-semibold" data-testid="invoice-number">"Invoice " {i.number.clone()}</h1>
            <span class="flex flex-wrap gap-3 text-sm">
                <a class="rounded border border-slate-400 px-3 py-1.5 text-blue-700" rel="external" download href=format!("/portal/invoices/{enc}/pdf") data-testid="invoice-pdf">"Download PDF"</a>
                {i.can_dispute.then(|| view! { <a class="rounded bg-accent px-3 py-1.5 font-medium text-white" href=format!("/portal/invoices/{enc}/dispute") data-testid="dispute-invoice">"Dispute this invoice"</a> })}
            </span>
        </div>
        <dl class="mt-3 grid grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-4">
            <dt class="text-slate-600">"Status"</dt><dd>{status_badge(&i.status)}</dd>
            <dt class="text-slate-600">"Issued"</dt><dd>{i.issued_on.clone()}</dd>
            <dt class="text-slate-600">"Due"</dt><dd>{i.due_on.clone()}</dd>
            <dt class="text-slate-600">"Terms"</dt><dd>{i.terms.clone()}</dd>
            <dt class="text-slate-600">"Order"</dt><dd>{(!i.order_number.is_empty()).then(|| view! { <a class="text-blue-700 underline" href=format!("/portal/orders/{}", crate::urlencode(&i.order_number))>{i.order_number.clone()}</a> })}</dd>
            <dt class="text-slate-600">"PO number"</dt><dd>{i.po_number.clone()}</dd>
        </dl>
        <div class="mt-4 overflow-x-auto">
            <table class="w-full bg-white text-left text-sm shadow-sm" data-testid="invoice-lines">
                <thead class="bg-slate-100"><tr><th class="p-2">"#"</th><th class="p-2">"Item"</th><th class="p-2 text-right">"Qty"</th><th class="p-2 text-right">"Unit price"</th><th class="p-2 text-right">"Amount"</th></tr></thead>
                <tbody>{i.lines.into_iter().map(|l| view! {
                    <tr class="border-t"><td class="p-2">{l.line}</td><td class="p-2">{l.sku} <span class="block text-xs text-slate-600">{l.description}</span></td>
                        <td class="p-2 text-right">{l.quantity}</td><td class="p-2 text-right tabular-nums">{l.unit_price}</td><td class="p-2 text-right tabular-nums">{l.amount}</td></tr>
                }).collect_view()}</tbody>
            </table>
        </div>
        <dl class="ml-auto mt-4 grid max-w-xs grid-cols-2 gap-1 text-sm tabular-nums">
            <dt>"Subtotal"</dt><dd class="text-right">{i.subtotal}</dd>
            <dt>"Tax"</dt><dd class="text-right">{i.tax}</dd>
            <dt class="font-semibold">"Total"</dt><dd class="text-right font-semibold" data-testid="invoice-total">{i.total}</dd>
            <dt>"Payments"</dt><dd class="text-right">{i.paid}</dd>
            <dt>"Credits"</dt><dd class="text-right" data-testid="invoice-credited">{i.credited}</dd>
            <dt class="font-semibold">"Open amount"</dt><dd class="text-right font-semibold" data-testid="invoice-open">{i.open}</dd>
        </dl>
        {(!i.deliveries.is_empty()).then(|| view! {
            <h2 class="mt-6 text-lg font-semibold">"Delivery"</h2>
            <ul class="mt-2 space-y-1 text-sm" data-testid="invoice-deliveries">{i.deliveries.into_iter().map(|d| view! {
                <li>{d.text} {d.at.map(|at| view! { " · " <LocalTime iso=at/> })}</li>
            }).collect_view()}</ul>
        })}
        {reminders}
        {money_rows("Payments applied", i.payments, "payments")}
        {money_rows("Credit memos", i.credits, "credits")}
        {(!i.disputes.is_empty()).then(|| view! {
            <h2 class="mt-6 text-lg font-semibold">"Disputes"</h2>
            <ul class="mt-2 space-y-1 text-sm" data-testid="invoice-disputes">{i.disputes.into_iter().map(|d| view! {
                <li><a class="text-blue-700 underline" href=format!("/portal/disputes/{}", crate::urlencode(&d.number))>{d.number.clone()}</a>
                    " · " {crate::portal::dispute_status_label(&d.status)} " · " {d.reason} " · " {d.amount}</li>
            }).collect_view()}</ul>
        })}
    }
}

#[component]
pub fn DisputeForm() -> impl IntoView {
    let number = number_param();
    let data = Resource::new(number, portal_invoice);
    let refused = was_refused();
    view! {
        <Frame body=move |c: PageCtx| {
            let csrf = c.csrf.clone();
            view! {
                {portal_nav("/portal/invoices")}
                {outcome(c.notice.clone(), refused())}
                <Suspense fallback=|| view! { <p class="p-4 text-slate-600">"Loading the invoice…"</p> }>
                    {move || {
                        let csrf = csrf.clone();
                        Suspend::new(async move {
                            match data.await {
                                Ok(Some(i)) => dispute_form(i, csrf).into_any(),
                                Ok(None) => missing(),
                                Err(e) => failed(e),
                            }
                        })
                    }}
                </Suspense>
            }
        }/>
    }
}

fn dispute_form(i: InvoicePageData, csrf: String) -> impl IntoView {
    let action = format!("/portal/invoices/{}/dispute", crate::urlencode(&i.number));
    view! {
        <h1 class="text-2xl font-semibold">"Dispute invoice " {i.number.clone()}</h1>
        <p class="mt-1 text-sm text-slate-600">"Open amount " {i.open.clone()} ". Tick the lines you dispute and say how many units or how much money is wrong."</p>
        <form method="post" action=action enctype="multipart/form-data" class="mt-4 space-y-4 rounded bg-white p-4 shadow-sm" data-testid="dispute-form">
            <input type="hidden" name="csrf" value=csrf/>
            <fieldset>
                <legend class="font-medium">"Lines"</legend>
                {i.lines.into_iter().map(|l| {
                    let n = l.line;
                    view! {
                        <div class="mt-2 flex flex-wrap items-end gap-3 border-t pt-2 text-sm">
                            <label class="flex items-center gap-2"><input type="checkbox" name="line" value=n.to_string()/>
                                {format!("Line {n}: {} — {} × {} = {}", l.sku, l.quantity, l.unit_price, l.amount)}</label>
                            <label>"Units disputed"<br/><input name=format!("quantity_{n}") inputmode="numeric" class="w-24 rounded border border-slate-400 p-1"/></label>
                            <label>"or amount"<br/><input name=format!("amount_{n}") inputmode="decimal" placeholder=i.currency.clone() class="w-28 rounded border border-slate-400 p-1"/></label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
            <label class="block text-sm font-medium">"Reason"<br/>
                <select name="reason" required class="mt-1 rounded border border-slate-400 p-1.5">
                    {REASONS.into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
                </select>
            </label>
            <label class="block text-sm font-medium">"What is wrong"<br/>
                <textarea name="description" required rows="4" maxlength="4000" class="mt-1 w-full rounded border border-slate-400 p-1.5"></textarea>
            </label>
            <label class="block text-sm font-medium">"Evidence (PDF, PNG, JPEG or TIFF, up to 10 MB each)"<br/>
                <input type="file" name="evidence" multiple accept=".pdf,.png,.jpg,.jpeg,.tif,.tiff,application/pdf,image/png,image/jpeg,image/tiff" class="mt-1 text-sm"/>
            </label>
            <button type="submit" class="rounded bg-accent px-4 py-2 text-sm font-medium text-white">"Open the dispute"</button>
        </form>
    }
}
