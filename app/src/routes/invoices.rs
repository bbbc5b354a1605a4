//! The staff invoice page: the invoice, where its dunning stands (with a form for clerks to
//! record a promise to pay), and its timeline of deliveries, reminders and promises.
use super::Frame;
use super::orders::{LocalTime, status_badge};
use crate::invoices::{InvoiceData, TimelineRow, staff_invoice};
use crate::{PageCtx, urlencode};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

const INPUT: &str = "mt-1 block rounded border border-slate-300 p-1.5";

#[component]
pub fn InvoicePage() -> impl IntoView {
    let params = use_params_map();
    let number = move || params.get().get("number").unwrap_or_default();
    let data = Resource::new(number, staff_invoice);
    view! {
        <Frame body=move |c: PageCtx| {
            let csrf = c.csrf.clone();
            let refused = c.notice.is_some() && super::queues::was_refused()();
            let records = c.viewer.as_ref().is_some_and(|v| v.role == "tenant_admin" || v.role == "ar_clerk");
            view! {
                {super::queues::outcome(c.notice.clone(), refused)}
                <Suspense fallback=|| view! { <p class="p-4 text-slate-500">"Loading the invoice…"</p> }>
                    {move || {
                        let csrf = csrf.clone();
                        Suspend::new(async move {
                            match data.await {
                                Ok(Some(i)) => invoice_view(i, records.then_some(csrf)).into_any(),
                                Ok(None) => {
                                    #[cfg(feature = "ssr")]
                                    if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
                                        r.set_status(http::StatusCode::NOT_FOUND);
                                    }
                                    view! { <h1 class="mt-4 text-xl font-semibold">"No such invoice"</h1> }.into_any()
                                }
                                Err(e) => view! { <p role="alert" class="mt-4 text-red-700">{e.to_string()}</p> }.into_any(),
                            }
                        })
                    }}
                </Suspense>
            }
        }/>
    }
}

fn promise_form(i: &InvoiceData, csrf: String) -> impl IntoView + use<> {
    view! {
        <form method="post" action=format!("/workspace/invoices/{}/promise", urlencode(&i.number)) class="mt-3 flex flex-wrap items-end gap-3 rounded bg-white p-3 text-sm shadow-sm" data-testid="promise-form">
            <input type="hidden" name="csrf" value=csrf/>
            <span class="w-full font-medium">"Record a promise to pay"</span>
            <label>"Pay by" <input type="date" name="promised_on" required min=i.today.clone() class=INPUT/></label>
            <label>"Amount (blank: all open)" <input name="amount" inputmode="decimal" class=INPUT/></label>
            <label class="grow">"Note" <input name="note" maxlength="500" placeholder="Called AP: payment run on Friday" class="mt-1 block w-full rounded border border-slate-300 p-1.5"/></label>
            <button type="submit" class="rounded bg-accent px-3 py-1.5 font-medium text-white">"Record promise"</button>
        </form>
    }
}

fn timeline_row(r: TimelineRow) -> impl IntoView {
    let bad = matches!(r.status.as_str(), "failed" | "bounced" | "retrying" | "lapsed");
    view! {
        <li class="border-t p-2" data-testid="timeline-row" data-kind=r.kind.clone()>
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <span class="font-medium">{r.title}</span>
                <span class="text-xs text-slate-600"><LocalTime iso=r.at/></span>
            </div>
            <p class="text-sm">
                {(!r.status.is_empty()).then(|| view! { <span class=if bad { "font-medium text-red-800" } else { "font-medium" }>{r.status.clone()}</span> " · " })}
                <span class="text-slate-700">{r.detail}</span>
            </p>
            {r.message.map(|(subject, body)| view! {
                <details class="mt-1 text-sm"><summary class="cursor-pointer text-blue-700">"What it said"</summary>
                    <p class="mt-1 font-medium">{subject}</p><pre class="whitespace-pre-wrap font-sans text-slate-700">{body}</pre></details>
            })}
        </li>
    }
}

fn invoice_view(i: InvoiceData, csrf: Option<String>) -> impl IntoView {
    let form = csrf.filter(|_| i.can_promise).map(|c| promise_form(&i, c));
    let order = (!i.order_number.is_empty()).then(|| {
        let n = i.order_number.clone();
        view! { <a class="text-blue-700 underline" href=format!("/workspace/orders/{}", urlencode(&n))>{n.clone()}</a> }
    });
    let empty = i.timeline.is_empty();
    view! {
        <h1 class="text-2xl font-semibold" data-testid="invoice-number">"Invoice " {i.number.clone()}</h1>
        <p class="text-sm text-slate-600">{i.customer.clone()} " · " {i.customer_id.clone()}</p>
        <dl class="mt-3 grid grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-4">
            <dt class="text-slate-600">"Status"</dt><dd>{status_badge(&i.status)}</dd>
            <dt class="text-slate-600">"Order"</dt><dd>{order}</dd>
            <dt class="text-slate-600">"Issued"</dt><dd>{i.issued_on.clone()}</dd>
            <dt class="text-slate-600">"Due"</dt><dd>{i.due_on.clone()}</dd>
            <dt class="text-slate-600">"Total"</dt><dd class="tabular-nums">{i.total.clone()}</dd>
            <dt class="text-slate-600">"Open"</dt><dd class="tabular-nums" data-testid="invoice-open">{i.open.clone()}</dd>
        </dl>
        <h2 class="mt-6 text-lg font-semibold">"Reminders"</h2>
        <p class=if i.paused { "mt-1 text-sm font-medium text-amber-800" } else { "mt-1 text-sm" } data-testid="dunning-state">{i.dunning.clone()}</p>
        {form}
        <h2 class="mt-6 text-lg font-semibold">"Timeline"</h2>
        <ol class="mt-2 rounded bg-white shadow-sm" data-testid="invoice-timeline">{i.timeline.into_iter().map(timeline_row).collect_view()}</ol>
        {empty.then(|| view! { <p class="text-sm text-slate-600">"Nothing sent yet: the invoice is in the portal."</p> })}
    }
}
