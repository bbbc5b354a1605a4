//! One exception (`/workspace/exceptions/:id`): every field, the forms for the actions the
//! viewer may take (each a plain POST to `/workspace/exceptions/:id/<action>` that redirects
//! back here with a notice), its history, and the linked order's timeline and invoices.
use super::Frame;
use super::orders::LocalTime;
use super::queues::{failed, outcome, set_status, severity_badge, sla_class, was_refused};
use crate::PageCtx;
use crate::exception_detail::{ExceptionPageData, StaffOption, exception_page};
use crate::orders::{InvoiceRow, TimelineRow};
use crate::queues::{kind_label, queue_href};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ExceptionPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.get().get("id").unwrap_or_default();
    let data = Resource::new(id, exception_page);
    let refused = was_refused();
    view! {
        <Frame body=move |c: PageCtx| {
            let csrf = c.csrf.clone();
            view! {
                {outcome(c.notice.clone(), refused())}
                <Suspense fallback=|| view! { <p class="p-4 text-slate-500">"Loading the exception…"</p> }>
                    {move || {
                        let csrf = csrf.clone();
                        Suspend::new(async move {
                            match data.await {
                                Ok(Some(d)) => exception_view(d, csrf).into_any(),
                                Ok(None) => {
                                    set_status(404);
                                    view! {
                                        <h1 class="mt-4 text-xl font-semibold">"No such exception"</h1>
                                        <p class="mt-2 text-sm"><a class="underline" href=crate::queues::MY_WORK>"Go to my work"</a></p>
                                    }.into_any()
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

/// A `<dt>`/`<dd>` pair; a dash for an empty value.
fn field(label: &'static str, value: String, testid: &'static str) -> impl IntoView {
    let value = if value.is_empty() { "—".to_owned() } else { value };
    view! { <dt class="text-slate-500">{label}</dt><dd data-testid=testid>{value}</dd> }
}

/// The exception page's body. An exception escalated once and since claimed or released no
/// longer says so in its status: a red "escalated" badge beside the status keeps it visible.
fn exception_view(d: ExceptionPageData, csrf: String) -> impl IntoView {
    let r = d.row.clone();
    let resolution = if d.resolution_code.is_empty() { String::new() } else { format!("{} {}", d.resolution_code, d.resolution_note).trim().to_owned() };
    view! {
        <p class="text-sm"><a class="underline" href=queue_href(&d.queue)>{format!("← {} queue", d.queue_label)}</a></p>
        <h1 class="mt-2 text-2xl font-semibold" data-testid="exception-reference">{r.reference.clone()}</h1>
        <p class="mt-1 flex flex-wrap items-center gap-2 text-sm">
            <span class="font-medium">{kind_label(&r.kind)}</span>
            {severity_badge(&r.severity)}
            <span data-testid="exception-status" class=if r.escalated { STATUS_ESCALATED } else { STATUS }>{r.status.clone()}</span>
            {(r.escalated && r.status != "escalated").then(|| view! { <span data-testid="escalated" class=STATUS_ESCALATED>"escalated"</span> })}
            <span data-testid="sla" data-sla=r.sla_state.clone() class=sla_class(&r.sla_state)>{r.sla_text.clone()}</span>
        </p>
        <p class="mt-3 rounded bg-white p-3 text-sm shadow-sm" data-testid="exception-detail">{d.detail.clone()}</p>
        <dl class="mt-3 grid grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-4">
            {field("Queue", d.queue_label.clone(), "queue")}
            {field("Customer", [r.customer_name.clone(), r.customer.clone()].iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>().join(" · "), "customer")}
            <dt class="text-slate-500">"Order"</dt>
            <dd data-testid="order">{match r.order_number.clone() {
                Some(n) => view! { <a class="text-blue-700 underline" href=format!("/workspace/orders/{n}")>{n.clone()}</a> " " {d.order_status.clone().map(|s| s.replace('_', " "))} }.into_any(),
                None => view! { "—" }.into_any(),
            }}</dd>
            {field("Invoice", r.invoice_number.clone().unwrap_or_default(), "invoice")}
            {field("Assignee", r.assignee.clone(), "assignee")}
            {field("Amount", d.amount.clone(), "amount")}
            {field("Raised by", d.raised_by.clone(), "raised-by")}
            <dt class="text-slate-500">"Opened"</dt><dd><LocalTime iso=r.opened_at.clone()/></dd>
            <dt class="text-slate-500">"SLA due"</dt><dd>{r.sla_due_at.clone().map(|t| view! { <LocalTime iso=t/> })}</dd>
            {field("Resolution", resolution, "resolution")}
            <dt class="text-slate-500">"Resolved"</dt><dd>{d.resolved_at.clone().map(|t| view! { <LocalTime iso=t/> })}</dd>
        </dl>
        {d.dispute.clone().map(|dp| dispute_panel(dp, d.allowed.resolve, csrf.clone()))}
        {actions(&d, csrf)}
        {history(&d)}
        {(!d.timeline.is_empty()).then(|| order_timeline(d.timeline.clone()))}
        {(!d.invoices.is_empty()).then(|| invoices(d.invoices.clone()))}
    }
}

/// A form posting one action, with the CSRF token.
fn action_form(id: &str, action: &'static str, csrf: &str, body: AnyView) -> impl IntoView + use<> {
    view! {
        <form method="post" action=format!("/workspace/exceptions/{id}/{action}") class="flex flex-wrap items-end gap-2 rounded bg-white p-3 text-sm shadow-sm" data-testid=format!("form-{action}")>
            <input type="hidden" name="csrf" value=csrf.to_owned()/>
            {body}
        </form>
    }
}

const STATUS: &str = "rounded bg-slate-100 px-2 py-0.5 text-xs font-medium";
const STATUS_ESCALATED: &str = "rounded bg-red-100 px-2 py-0.5 text-xs font-medium text-red-900";
const BUTTON: &str = "rounded border border-slate-400 px-3 py-1.5";
const PRIMARY: &str = "rounded bg-accent px-3 py-1.5 font-medium text-white";
const INPUT: &str = "rounded border border-slate-300 p-1.5";

/// The forms for what the viewer may do now, nothing else.
fn actions(d: &ExceptionPageData, csrf: String) -> impl IntoView + use<> {
    let (a, id) = (d.allowed.clone(), d.row.id.clone());
    let form = |action: &'static str, body: AnyView| action_form(&id, action, &csrf, body);
    view! {
        <h2 class="mt-8 text-lg font-semibold">"Actions"</h2>
        {d.read_only_reason.clone().map(|m| view! { <p class="text-sm text-slate-600" data-testid="read-only">{m}</p> })}
        <div class="mt-2 grid gap-3 sm:grid-cols-2">
            {a.claim.then(|| form("claim", view! { <button type="submit" class=PRIMARY>"Claim"</button> }.into_any()))}
            {a.release.then(|| form("release", view! { <button type="submit" class=BUTTON>"Release claim (back to the queue)"</button> }.into_any()))}
            {(a.reassign && !d.staff.is_empty()).then(|| form("reassign", reassign(d.staff.clone()).into_any()))}
            {(a.resolve && d.credit_hold && d.codes.iter().any(|c| c == "released")).then(|| form("resolve", view! {
                <input type="hidden" name="code" value="released"/>
                <label>"Note"<br/><input name="note" class=INPUT/></label>
                <button type="submit" class=PRIMARY>"Release order"</button>
            }.into_any()))}
            {(a.resolve && d.credit_hold && d.codes.iter().any(|c| c == "rejected")).then(|| form("resolve", view! {
                <input type="hidden" name="code" value="rejected"/>
                <label>"Reason (required)"<br/><input name="note" required class=INPUT/></label>
                <button type="submit" class="rounded border border-red-400 px-3 py-1.5 text-red-800">"Reject order"</button>
            }.into_any()))}
            {(a.resolve && !d.credit_hold && d.dispute.is_none()).then(|| form("resolve", view! {
                <label>"Resolution"<br/><select name="code" class=INPUT>
                    {d.codes.iter().map(|c| view! { <option value=c.clone()>{c.replace('_', " ")}</option> }).collect_view()}
                </select></label>
                <label>"Note"<br/><input name="note" class=INPUT/></label>
                <button type="submit" class=PRIMARY>"Resolve"</button>
            }.into_any()))}
            {a.escalate.then(|| form("escalate", view! {
                <label>"Why (optional)"<br/><input name="note" class=INPUT/></label>
                <button type="submit" class=BUTTON>"Escalate to the admin queue"</button>
            }.into_any()))}
            {a.comment.then(|| form("comment", view! {
                <label class="grow">"Comment"<br/><textarea name="note" required rows="2" class=format!("w-full {INPUT}")></textarea></label>
                <button type="submit" class=BUTTON>"Add comment"</button>
            }.into_any()))}
        </div>
    }
}

fn reassign(staff: Vec<StaffOption>) -> impl IntoView {
    view! {
        <label>"Reassign to"<br/>
            <select name="assignee" class=INPUT>
                {staff.into_iter().map(|s| view! { <option value=s.email>{s.label}</option> }).collect_view()}
            </select>
        </label>
        <button type="submit" class=BUTTON>"Reassign"</button>
    }
}

fn history(d: &ExceptionPageData) -> impl IntoView + use<> {
    view! {
        <h2 class="mt-8 text-lg font-semibold">"History"</h2>
        <ol class="mt-2 border-l-2 border-slate-300 pl-4 text-sm" data-testid="history">
            {d.history.clone().into_iter().map(|h| {
                let (action, actor) = (h.action.clone(), h.actor.clone());
                view! {
                    <li class="mb-3" data-testid="history-entry" data-action=action data-actor=actor>
                        <span class="block text-xs text-slate-500"><LocalTime iso=h.at/> " · " {h.actor}</span>
                        <span class="font-medium">{h.action}</span>
                        {(!h.note.is_empty()).then(|| view! { ": " {h.note} })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

fn order_timeline(timeline: Vec<TimelineRow>) -> impl IntoView {
    view! {
        <h2 class="mt-8 text-lg font-semibold">"Order timeline"</h2>
        <ol class="mt-2 border-l-2 border-slate-300 pl-4 text-sm" data-testid="timeline">
            {timeline.into_iter().map(|e| view! {
                <li class="mb-3" data-testid="timeline-entry">
                    <span class="block text-xs text-slate-500"><LocalTime iso=e.at/> " · " {e.source} " · " <code>{e.kind}</code></span>
                    {e.summary}
                </li>
            }).collect_view()}
        </ol>
    }
}

fn invoices(rows: Vec<InvoiceRow>) -> impl IntoView {
    view! {
        <h2 class="mt-8 text-lg font-semibold">"Invoices"</h2>
        <table class="mt-2 w-full bg-white text-left text-sm shadow-sm" data-testid="invoices">
            <thead class="bg-slate-100"><tr><th class="p-2">"Invoice"</th><th class="p-2">"Status"</th><th class="p-2">"Issued"</th><th class="p-2">"Due"</th><th class="p-2 text-right">"Total"</th><th class="p-2 text-right">"Paid"</th></tr></thead>
            <tbody>{rows.into_iter().map(|i| view! {
                <tr class="border-t"><td class="p-2">{i.number}</td><td class="p-2">{i.status.replace('_', " ")}</td><td class="p-2">{i.issued_on}</td><td class="p-2">{i.due_on}</td>
                    <td class="p-2 text-right tabular-nums">{i.total}</td><td class="p-2 text-right tabular-nums">{i.paid}</td></tr>
            }).collect_view()}</tbody>
        </table>
    }
}

/// A dispute exception: the dispute with its thread and reply form, and — while it is open and
/// the viewer may resolve it — the form that ends it with a credit memo or a rejection.
fn dispute_panel(d: crate::portal::DisputePageData, may_resolve: bool, csrf: String) -> impl IntoView {
    let action = format!("/workspace/disputes/{}/resolve", crate::urlencode(&d.number));
    let open = d.status == "open";
    view! {
        <section class="mt-6 rounded border border-slate-300 p-4" aria-label="Dispute" data-testid="dispute-panel">
            {super::portal::dispute_view_for_staff(d, csrf.clone())}
            {(open && may_resolve).then(|| view! {
                <form method="post" action=action class="mt-4 space-y-2 rounded bg-white p-3 text-sm shadow-sm" data-testid="resolve-dispute">
                    <input type="hidden" name="csrf" value=csrf/>
                    <fieldset class="flex flex-wrap gap-4"><legend class="font-medium">"Resolve the dispute"</legend>
                        <label class="flex items-center gap-1"><input type="radio" name="outcome" value="credit" checked/>"Credit"</label>
                        <label class="flex items-center gap-1"><input type="radio" name="outcome" value="reject"/>"Reject"</label>
                    </fieldset>
                    <label class="block">"Credit amount"<br/><input name="amount" inputmode="decimal" class="rounded border border-slate-400 p-1"/></label>
                    <label class="block">"Note to the customer (the reason, for a rejection)"<br/><textarea name="note" rows="2" class="w-full rounded border border-slate-400 p-1"></textarea></label>
                    <button type="submit" class=PRIMARY>"Resolve dispute"</button>
                </form>
            })}
        </section>
    }
}
