//! The customer's disputes: the list, and one dispute with its lines, status, the date by
//! which an answer is due, the resolution, and the thread with a form to write in it.
use super::portal_nav;
use crate::PageCtx;
use crate::portal::{DisputePageData, DisputesData, dispute_status_label, portal_dispute, portal_disputes};
use crate::routes::Frame;
use crate::routes::orders::LocalTime;
use crate::routes::queues::{failed, outcome, set_status, was_refused};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn DisputesList() -> impl IntoView {
    let query = use_query_map();
    let after = move || query.get().get("after").filter(|v| !v.is_empty());
    let data = Resource::new(after, portal_disputes);
    view! {
        <Frame body=move |_c: PageCtx| view! {
            {portal_nav("/portal/disputes")}
            <h1 class="text-2xl font-semibold">"Your disputes"</h1>
            <Suspense fallback=|| view! { <p class="p-4 text-slate-600">"Loading your disputes…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => disputes_view(d, after().is_some()).into_any(),
                        Err(e) => failed(e),
                    }
                })}
            </Suspense>
        }/>
    }
}

fn disputes_view(d: DisputesData, paged: bool) -> impl IntoView {
    if d.rows.is_empty() && !paged {
        return view! { <p class="mt-4 rounded border border-dashed border-slate-300 p-4 text-slate-600">"You have no disputes. If an invoice is wrong, open it and choose \"Dispute this invoice\"."</p> }.into_any();
    }
    let next = d.next_cursor.map(|c| format!("/portal/disputes?after={}", crate::urlencode(&c)));
    view! {
        <div class="mt-4 overflow-x-auto">
            <table class="w-full bg-white text-left text-sm shadow-sm" data-testid="disputes-table">
                <thead class="bg-slate-100"><tr><th class="p-2">"Dispute"</th><th class="p-2">"Invoice"</th><th class="p-2">"Reason"</th><th class="p-2">"Status"</th><th class="p-2">"Answer by"</th><th class="p-2 text-right">"Amount"</th></tr></thead>
                <tbody>{d.rows.into_iter().map(|r| view! {
                    <tr class="border-t" data-testid="dispute-row">
                        <td class="p-2"><a class="font-medium text-blue-700 underline" href=format!("/portal/disputes/{}", crate::urlencode(&r.number))>{r.number.clone()}</a></td>
                        <td class="p-2">{r.invoice}</td><td class="p-2">{r.reason}</td><td class="p-2">{dispute_status_label(&r.status)}</td>
                        <td class="p-2">{r.answer_by.map(|t| view! { <LocalTime iso=t/> })}</td>
                        <td class="p-2 text-right tabular-nums">{r.amount}</td>
                    </tr>
                }).collect_view()}</tbody>
            </table>
        </div>
        <nav aria-label="Pages" class="mt-4 flex gap-4 text-sm">
            {paged.then(|| view! { <a class="text-blue-700 underline" href="/portal/disputes">"First page"</a> })}
            {next.map(|h| view! { <a class="text-blue-700 underline" href=h rel="next">"Next page"</a> })}
        </nav>
    }
    .into_any()
}

#[component]
pub fn DisputePage() -> impl IntoView {
    let params = use_params_map();
    let number = move || params.get().get("number").unwrap_or_default();
    let data = Resource::new(number, portal_dispute);
    let refused = was_refused();
    view! {
        <Frame body=move |c: PageCtx| {
            let csrf = c.csrf.clone();
            view! {
                {portal_nav("/portal/disputes")}
                {outcome(c.notice.clone(), refused())}
                <Suspense fallback=|| view! { <p class="p-4 text-slate-600">"Loading the dispute…"</p> }>
                    {move || {
                        let csrf = csrf.clone();
                        Suspend::new(async move {
                            match data.await {
                                Ok(Some(d)) => dispute_view(d, "/portal", csrf).into_any(),
                                Ok(None) => {
                                    set_status(404);
                                    view! { <h1 class="mt-4 text-xl font-semibold">"No such dispute in your account"</h1> }.into_any()
                                }
                                Err(e) => failed(e),
                            }
                        })
                    }}
                </Suspense>
            }
        }/>
    }
}

/// A dispute with its thread and reply form; `area` is `/portal` or `/workspace`, which
/// decides where links, downloads and the reply form go.
pub(crate) fn dispute_view(d: DisputePageData, area: &'static str, csrf: String) -> impl IntoView {
    let enc = crate::urlencode(&d.number);
    let reply = format!("{area}/disputes/{enc}/messages");
    let invoice_link = if area == "/portal" { Some(crate::portal_invoice_href(&d.invoice)) } else { None };
    view! {
        <h1 class="text-2xl font-semibold" data-testid="dispute-number">"Dispute " {d.number.clone()}</h1>
        <dl class="mt-3 grid grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-4">
            <dt class="text-slate-600">"Status"</dt><dd data-testid="dispute-status">{dispute_status_label(&d.status)}</dd>
            <dt class="text-slate-600">"Invoice"</dt><dd>{match invoice_link { Some(h) => view! { <a class="text-blue-700 underline" href=h>{d.invoice.clone()}</a> }.into_any(), None => view! { <span>{d.invoice.clone()}</span> }.into_any() }}</dd>
            <dt class="text-slate-600">"Reason"</dt><dd>{d.reason.clone()}</dd>
            <dt class="text-slate-600">"Amount disputed"</dt><dd class="tabular-nums">{d.amount.clone()}</dd>
            <dt class="text-slate-600">"Opened"</dt><dd><LocalTime iso=d.opened_at.clone()/></dd>
            {d.answer_by.clone().map(|t| view! { <dt class="text-slate-600">"Answer expected by"</dt><dd data-testid="answer-by"><LocalTime iso=t/></dd> })}
        </dl>
        <p class="mt-3 whitespace-pre-line text-sm">{d.description.clone()}</p>
        <ul class="mt-2 list-disc pl-5 text-sm" data-testid="dispute-lines">{d.lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
        {(d.status != "open").then(|| view! {
            <section class="mt-4 rounded border border-slate-300 bg-white p-3 text-sm" data-testid="resolution">
                <h2 class="font-semibold">"Resolution"</h2>
                {d.credit_memo.clone().map(|cm| view! { <p>"Credit memo " {cm}</p> })}
                {d.resolution_note.clone().map(|n| view! { <p class="whitespace-pre-line">{n}</p> })}
                {d.resolved_at.clone().map(|t| view! { <p class="text-slate-600">"Resolved " <LocalTime iso=t/></p> })}
            </section>
        })}
        <h2 class="mt-6 text-lg font-semibold">"Conversation"</h2>
        <ol class="mt-2 space-y-2" data-testid="thread">
            {d.messages.into_iter().map(|m| {
                let ours = m.author_kind == "customer";
                view! {
                    <li class=format!("rounded p-3 text-sm shadow-sm {}", if ours { "bg-white" } else { "bg-sky-50" }) data-testid="message">
                        <span class="block text-xs text-slate-600">{m.author} " · " {if ours { "customer" } else { "staff" }} " · " <LocalTime iso=m.at/></span>
                        <p class="whitespace-pre-line">{m.body}</p>
                        {m.attachments.into_iter().map(|a| view! {
                            <a class="mr-3 text-blue-700 underline" rel="external" download href=format!("{area}/documents/{}", a.id) data-testid="attachment">{a.filename}</a>
                        }).collect_view()}
                    </li>
                }
            }).collect_view()}
        </ol>
        <form method="post" action=reply enctype="multipart/form-data" class="mt-4 space-y-2 rounded bg-white p-3 shadow-sm" data-testid="reply-form">
            <input type="hidden" name="csrf" value=csrf/>
            <label class="block text-sm font-medium">"Write a message"<br/>
                <textarea name="body" required rows="3" maxlength="4000" class="mt-1 w-full rounded border border-slate-400 p-1.5"></textarea>
            </label>
            <label class="block text-sm font-medium">"Attach files (PDF, PNG, JPEG or TIFF)"<br/>
                <input type="file" name="attachment" multiple class="mt-1 text-sm"/>
            </label>
            <button type="submit" class="rounded bg-accent px-4 py-2 text-sm font-medium text-white">"Send"</button>
        </form>
    }
}
