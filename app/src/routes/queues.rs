//! The exception queues: a queue (`/workspace/queues/:queue`: filters, counts per type as
//! chips, keyset pages, bulk claim and resolve), "my work" (`/workspace/work`) and the
//! workspace home's summary of the viewer's queues. Filters are GET forms and links; the
//! bulk actions are one POST form. Everything works before (or without) the wasm.
use super::Frame;
use super::orders::LocalTime;
use crate::queues::{KindCount, MY_WORK, MyWorkData, QUEUES, QueueCount, QueuePageData, QueueQuery, QueueRow, exception_href, kind_label, my_work, queue_href, queue_page, workspace_summary};
use crate::{Notice, PageCtx};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The one-time notice after a form post: red (`role="alert"`) when the action was refused
/// (the handler adds `refused=1` to the address it redirects to), green otherwise.
pub(crate) fn outcome(n: Option<Notice>, refused: bool) -> impl IntoView {
    n.map(|n| {
        let class = if refused { "border-red-300 bg-red-50 text-red-800" } else { "border-emerald-300 bg-emerald-50" };
        view! { <p role=if refused { "alert" } else { "status" } data-testid="notice" class=format!("mt-4 rounded border p-3 text-sm {class}")>{n.message}</p> }
    })
}

/// Whether this page was reached by a refused form post.
pub(crate) fn was_refused() -> impl Fn() -> bool + Copy + Send + Sync + 'static {
    let query = use_query_map();
    move || query.with_untracked(|m| m.get("refused").is_some())
}

pub(crate) fn failed(e: ServerFnError) -> AnyView {
    view! { <p role="alert" class="mt-4 rounded bg-red-50 p-3 text-sm text-red-800">{e.to_string()}</p> }.into_any()
}

/// Sets the response status of a page rendered on the server (404 for "no such …").
pub(crate) fn set_status(_code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(r), Ok(s)) = (use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(_code)) {
        r.set_status(s);
    }
}

pub(crate) fn severity_badge(severity: &str) -> impl IntoView + use<> {
    let colour = match severity {
        "critical" => "bg-red-100 text-red-900",
        "high" => "bg-orange-100 text-orange-900",
        "medium" => "bg-amber-50 text-amber-900",
        _ => "bg-slate-100 text-slate-800",
    };
    view! { <span data-testid="severity" class=format!("rounded px-2 py-0.5 text-xs font-medium {colour}")>{severity.to_owned()}</span> }
}

/// The SLA cell's colours: breached rows stand out in red, due-soon ones in amber.
pub(crate) fn sla_class(state: &str) -> &'static str {
    match state {
        "breached" => "font-semibold text-red-700",
        "due_soon" => "font-medium text-amber-700",
        _ => "text-slate-700",
    }
}

fn row_class(state: &str) -> &'static str {
    match state {
        "breached" => "border-t bg-red-50",
        "due_soon" => "border-t bg-amber-50",
        _ => "border-t",
    }
}

/// One exception row; with a checkbox when the bulk form wraps the table.
fn exception_row(r: QueueRow, select: bool) -> impl IntoView {
    let select_label = format!("Select {}", r.reference);
    view! {
        <tr class=row_class(&r.sla_state) data-testid="exception-row" data-sla=r.sla_state.clone() data-id=r.id.clone()>
            {select.then(|| view! { <td class="p-2"><input type="checkbox" name="id" value=r.id.clone() aria-label=select_label/></td> })}
            <td class="p-2 whitespace-nowrap"><a class="font-medium text-blue-700 underline" href=exception_href(&r.id)>{r.reference.clone()}</a></td>
            <td class="p-2">{kind_label(&r.kind)}</td>
            <td class="p-2">{r.customer_name}<span class="block text-xs text-slate-500">{r.customer}</span></td>
            <td class="p-2 whitespace-nowrap">
                {r.order_number.map(|n| view! { <a class="text-blue-700 underline" href=format!("/workspace/orders/{n}")>{n.clone()}</a> })}
                {r.invoice_number.map(|n| view! { <span class="block text-xs">"Invoice " {n}</span> })}
            </td>
            <td class="p-2">{severity_badge(&r.severity)}</td>
            <td class="p-2" data-testid="exception-status">{r.status.clone()}</td>
            <td class="p-2" data-testid="assignee">{if r.assignee.is_empty() { "—".to_owned() } else { r.assignee }}</td>
            <td class=format!("p-2 whitespace-nowrap {}", sla_class(&r.sla_state)) data-testid="sla">{r.sla_text}</td>
            <td class="p-2 whitespace-nowrap"><LocalTime iso=r.opened_at/></td>
        </tr>
    }
}

fn rows_table(rows: Vec<QueueRow>, select: bool) -> impl IntoView {
    view! {
        <div class="mt-4 overflow-x-auto"><table class="w-full bg-white text-left text-sm shadow-sm" data-testid="exceptions-table">
            <thead class="bg-slate-100"><tr>
                {select.then(|| view! { <th class="p-2"><span class="sr-only">"Select"</span></th> })}
                <th class="p-2">"Reference"</th><th class="p-2">"Type"</th><th class="p-2">"Customer"</th><th class="p-2">"Order / invoice"</th>
                <th class="p-2">"Severity"</th><th class="p-2">"Status"</th><th class="p-2">"Assignee"</th><th class="p-2">"SLA"</th><th class="p-2">"Opened"</th>
            </tr></thead>
            <tbody>{rows.into_iter().map(|r| exception_row(r, select)).collect_view()}</tbody>
        </table></div>
    }
}

/// Links to the four queues, the current one marked.
fn queue_tabs(current: &str) -> impl IntoView + use<> {
    view! {
        <nav aria-label="Queues" class="mt-2 flex flex-wrap gap-4 text-sm">
            {QUEUES.iter().map(|(q, label)| {
                let here = *q == current;
                view! { <a href=queue_href(q) aria-current=here.then_some("page") class=if here { "font-semibold underline" } else { "text-blue-700 underline" }>{*label}</a> }
            }).collect_view()}
        </nav>
    }
}

#[component]
pub fn QueuePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let queue = move || params.get().get("queue").unwrap_or_default();
    let current = move || query.with(|m| QueueQuery::from_params(|k| m.get(k)));
    let data = Resource::new(move || (queue(), current()), |(queue, q)| queue_page(queue, q));
    let refused = was_refused();
    view! {
        <Frame body=move |c: PageCtx| {
            let csrf = c.csrf.clone();
            view! {
                {queue_tabs(&queue())}
                {outcome(c.notice.clone(), refused())}
                <Suspense fallback=|| view! { <p class="p-4 text-slate-500">"Loading the queue…"</p> }>
                    {move || {
                        let csrf = csrf.clone();
                        Suspend::new(async move {
                            match data.await {
                                Ok(Some(d)) => queue_view(d, current(), csrf).into_any(),
                                Ok(None) => {
                                    set_status(404);
                                    view! { <h1 class="mt-4 text-xl font-semibold">"No such queue"</h1> }.into_any()
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

fn filter_form(queue: &str, q: &QueueQuery) -> impl IntoView + use<> {
    let select = |name: &'static str, label: &'static str, current: Option<String>, options: &[(&'static str, &'static str)]| {
        let options = options.to_vec();
        view! {
            <label class="text-sm">{label}<br/>
                <select name=name class="rounded border border-slate-300 p-1.5">
                    {options.into_iter().map(|(v, text)| view! { <option value=v selected=current.as_deref().unwrap_or("") == v>{text}</option> }).collect_view()}
                </select>
            </label>
        }
    };
    let statuses = [("", "Active"), ("open", "Open"), ("claimed", "Claimed"), ("escalated", "Escalated"), ("resolved", "Resolved"), ("all", "All")];
    view! {
        <form method="get" action=queue_href(queue) role="search" class="mt-4 flex flex-wrap items-end gap-3 rounded bg-white p-3 shadow-sm">
            {q.kind.clone().map(|k| view! { <input type="hidden" name="kind" value=k/> })}
            <label class="text-sm">"Customer id"<br/>
                <input name="customer" value=q.customer.clone().unwrap_or_default() class="w-28 rounded border border-slate-300 p-1.5"/>
            </label>
            <label class="text-sm">"Open at least (hours)"<br/>
                <input name="age" type="number" min="0" value=q.age.clone().unwrap_or_default() class="w-24 rounded border border-slate-300 p-1.5"/>
            </label>
            {select("sla", "SLA", q.sla.clone(), &[("", "Any"), ("breached", "Breached"), ("due_soon", "Due within 2 h"), ("ok", "On time")])}
            {select("status", "Status", q.status.clone(), &statuses)}
            <button type="submit" class="rounded bg-accent px-3 py-1.5 text-sm font-medium text-white">"Filter"</button>
            <a href=queue_href(queue) class="text-sm underline">"Clear"</a>
        </form>
    }
}

/// The counts per type as links that filter the queue to that type.
fn kind_chips(queue: &str, q: &QueueQuery, counts: Vec<KindCount>) -> impl IntoView + use<> {
    let total: i64 = counts.iter().map(|c| c.count).sum();
    let chip = |href: String, text: String, on: bool| {
        let class = if on { "rounded-full bg-brand px-3 py-1 text-white" } else { "rounded-full bg-white px-3 py-1 text-slate-800 shadow-sm hover:underline" };
        view! { <a href=href class=class aria-current=on.then_some("true") data-testid="kind-chip">{text}</a> }
    };
    view! {
        <nav aria-label="Exception types" class="mt-4 flex flex-wrap gap-2 text-sm">
            {chip(q.with_kind(None).href(queue, None), format!("All active ({total})"), q.kind.is_none())}
            {counts.into_iter().map(|c| {
                let on = q.kind.as_deref() == Some(c.kind.as_str());
                chip(q.with_kind(Some(&c.kind)).href(queue, None), format!("{} ({})", kind_label(&c.kind), c.count), on)
            }).collect_view()}
        </nav>
    }
}

fn queue_view(d: QueuePageData, q: QueueQuery, csrf: String) -> impl IntoView {
    let next = d.next.as_deref().map(|a| q.href(&d.queue, Some(a)));
    let first = q.after.is_some().then(|| q.href(&d.queue, None));
    let empty = d.rows.is_empty();
    let back = q.href(&d.queue, q.after.as_deref());
    let bulk = d.may_work && !empty;
    view! {
        <div class="mt-4 flex flex-wrap items-baseline justify-between gap-3">
            <h1 class="text-2xl font-semibold" data-testid="queue-title">{format!("{} queue", d.label)}</h1>
            <a class="text-sm underline" href=q.csv_href(&d.queue) download=format!("{}-queue.csv", d.queue)>"Export CSV (all matching exceptions)"</a>
        </div>
        {(!d.may_work).then(|| view! { <p class="text-sm text-slate-600">"Your role does not work this queue: you can read these exceptions and comment on them."</p> })}
        {filter_form(&d.queue, &q)}
        {d.error.clone().map(|e| view! { <p role="alert" class="mt-4 rounded bg-red-50 p-3 text-sm text-red-800">{e}</p> })}
        {kind_chips(&d.queue, &q, d.counts)}
        <form method="post" action=format!("{}/bulk", queue_href(&d.queue))>
            <input type="hidden" name="csrf" value=csrf/>
            <input type="hidden" name="back" value=back/>
            {rows_table(d.rows, bulk)}
            {empty.then(|| view! { <p class="mt-4 rounded border border-dashed border-slate-300 p-4 text-slate-600">"Nothing here matches these filters. Clear them, or look at another queue."</p> })}
            {bulk.then(|| bulk_controls(d.codes))}
        </form>
        <nav class="mt-4 flex gap-4 text-sm">
            {first.map(|h| view! { <a class="underline" href=h>"← First page"</a> })}
            {next.map(|h| view! { <a class="underline" href=h rel="next">"Next →"</a> })}
        </nav>
    }
}

/// Claim or resolve the ticked exceptions at once: all of them, or none when any one is
/// refused (the notice names which and why).
fn bulk_controls(codes: Vec<String>) -> impl IntoView {
    view! {
        <fieldset class="mt-3 flex flex-wrap items-end gap-3 rounded bg-white p-3 text-sm shadow-sm">
            <legend class="font-medium">"With the selected exceptions"</legend>
            <button type="submit" name="action" value="claim" class="rounded border border-slate-400 px-3 py-1.5">"Claim selected"</button>
            <label>"Resolution"<br/>
                <select name="code" class="rounded border border-slate-300 p-1.5">
                    {codes.into_iter().map(|c| view! { <option value=c.clone()>{c.replace('_', " ")}</option> }).collect_view()}
                </select>
            </label>
            <label>"Note"<br/><input name="note" class="w-64 rounded border border-slate-300 p-1.5"/></label>
            <button type="submit" name="action" value="resolve" class="rounded bg-accent px-3 py-1.5 font-medium text-white">"Resolve selected"</button>
        </fieldset>
    }
}

#[component]
pub fn MyWorkPage() -> impl IntoView {
    let query = use_query_map();
    let after = move || query.with(|m| m.get("after").filter(|a| !a.is_empty()));
    let data = Resource::new(after, my_work);
    view! {
        <Frame body=move |c: PageCtx| {
            let home = queue_href(crate::queues::home_queue(c.viewer.as_ref().map_or("", |v| v.role.as_str())));
            view! {
                <h1 class="text-2xl font-semibold">"My work"</h1>
                <p class="text-sm text-slate-600">"The exceptions you have claimed and not yet resolved, the soonest SLA first."</p>
                {outcome(c.notice.clone(), false)}
                <Suspense fallback=|| view! { <p class="p-4 text-slate-500">"Loading your work…"</p> }>
                    {move || {
                        let home = home.clone();
                        Suspend::new(async move {
                            match data.await {
                                Ok(d) => my_work_view(d, after().is_some(), home).into_any(),
                                Err(e) => failed(e),
                            }
                        })
                    }}
                </Suspense>
            }
        }/>
    }
}

fn my_work_view(d: MyWorkData, paged: bool, home: String) -> impl IntoView {
    let next = d.next.map(|a| format!("{MY_WORK}?after={a}"));
    let empty = d.rows.is_empty();
    view! {
        {(!empty).then(|| rows_table(d.rows, false))}
        {empty.then(|| view! {
            <p class="mt-4 rounded border border-dashed border-slate-300 p-4 text-slate-600">
                "You hold no exceptions. Claim one from " <a class="underline" href=home>"your queue"</a> "."
            </p>
        })}
        <nav class="mt-4 flex gap-4 text-sm">
            {paged.then(|| view! { <a class="underline" href=MY_WORK>"← First page"</a> })}
            {next.map(|h| view! { <a class="underline" href=h rel="next">"Next →"</a> })}
        </nav>
    }
}

/// The workspace home's summary: each queue the viewer works with its active and breached
/// counts, and how many exceptions they hold.
#[component]
pub fn QueueSummary() -> impl IntoView {
    let data = Resource::new(|| (), |_| workspace_summary());
    view! {
        <Suspense fallback=|| view! { <p class="p-4 text-slate-500">"Loading your queues…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(s) => view! {
                        <h2 class="mt-6 text-lg font-semibold">"Your queues"</h2>
                        <ul class="mt-2 grid gap-3 sm:grid-cols-2" data-testid="queue-summary">
                            {s.queues.into_iter().map(queue_card).collect_view()}
                        </ul>
                        <p class="mt-4"><a class="font-medium text-blue-700 underline" href=MY_WORK data-testid="my-work-link">{format!("My work ({})", s.my_work)}</a></p>
                    }.into_any(),
                    Err(e) => failed(e),
                }
            })}
        </Suspense>
    }
}

fn queue_card(q: QueueCount) -> impl IntoView {
    let breached_href = format!("{}?sla=breached", queue_href(&q.queue));
    let breached_class = if q.breached > 0 { "font-semibold text-red-700 underline" } else { "underline" };
    view! {
        <li class="rounded bg-white p-4 shadow-sm" data-testid="queue-card" data-queue=q.queue.clone()>
            <a class="text-lg font-medium text-blue-700 underline" href=queue_href(&q.queue)>{q.label}</a>
            <p class="mt-1 text-sm">
                <span data-testid="open-count">{q.open}</span> " open · "
                <a href=breached_href class=breached_class>
                    <span data-testid="breached-count">{q.breached}</span> " breached"
                </a>
            </p>
        </li>
    }
}
