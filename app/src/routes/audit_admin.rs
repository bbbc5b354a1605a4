//! The audit trail page (`/workspace/admin/audit`): filters, newest-first keyset pages,
//! the chain verification and the CSV export of the filtered entries. Everything works as
//! plain links and GET forms, before (or without) the wasm.
use super::Frame;
use super::orders::LocalTime;
use crate::PageCtx;
use crate::audit_admin::{AuditPageData, AuditQuery, ChainCheck, PATH, audit_page};
use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let current = move || {
        let m = query.get();
        AuditQuery::from_params(|k| m.get(k))
    };
    let data = Resource::new(current, audit_page);
    view! {
        <Frame body=move |_c: PageCtx| {
            let q = current();
            view! {
                <div class="flex flex-wrap items-baseline justify-between gap-3">
                    <h1 class="text-2xl font-semibold">"Audit trail"</h1>
                    <span class="flex gap-4 text-sm">
                        <a class="underline" href=q.verify_href() data-testid="verify-link">"Verify chain"</a>
                        <a class="underline" href=q.csv_href() download="audit.csv">"Export CSV (all matching entries)"</a>
                    </span>
                </div>
                <p class="mt-1 text-sm text-slate-600">"Who did what to which record, in the order it happened. Entries cannot be changed: each holds the previous entry's hash, and “Verify chain” recomputes them all."</p>
                <AuditFilter q/>
                <Suspense fallback=|| view! { <p class="p-4 text-slate-500">"Loading the audit trail…"</p> }>
                    {move || Suspend::new(async move {
                        match data.await {
                            Ok(page) => entries_view(page, current()).into_any(),
                            Err(e) => view! { <p role="alert" class="mt-4 rounded bg-red-50 p-3 text-sm text-red-800">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            }
        }/>
    }
}

/// The local midnight starting the day `plus_days` after `date` (`YYYY-MM-DD`), as UTC
/// RFC 3339: what the viewer means by that day, in their time zone on that day.
#[cfg(feature = "hydrate")]
fn local_midnight(date: &str, plus_days: i32) -> Option<String> {
    let mut parts = date.trim().splitn(3, '-').map(|p| p.parse::<i32>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    let t = js_sys::Date::new_with_year_month_day(u32::try_from(y).ok()?, m - 1, d + plus_days);
    (!t.get_time().is_nan()).then(|| String::from(t.to_iso_string()))
}

/// Fills a hidden instant field from a date field just before the form is sent; an empty
/// date disables the field so that it is not sent at all.
#[cfg(feature = "hydrate")]
fn send_instant(date: NodeRef<html::Input>, instant: NodeRef<html::Input>, plus_days: i32) {
    if let (Some(date), Some(instant)) = (date.get_untracked(), instant.get_untracked()) {
        let at = local_midnight(&date.value(), plus_days).unwrap_or_default();
        instant.set_value(&at);
        instant.set_disabled(at.is_empty());
    }
}

/// The filter form. An island: in the browser it turns the chosen days into instants of the
/// viewer's time zone before the form is sent.
#[island]
fn AuditFilter(q: AuditQuery) -> impl IntoView {
    let (from, to, from_at, to_at) = (NodeRef::<html::Input>::new(), NodeRef::<html::Input>::new(), NodeRef::<html::Input>::new(), NodeRef::<html::Input>::new());
    let on_submit = move |_: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            send_instant(from, from_at, 0);
            send_instant(to, to_at, 1);
        }
    };
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let input = "rounded border border-slate-300 p-1.5";
    view! {
        <form method="get" action=PATH on:submit=on_submit class="mt-4 flex flex-wrap items-end gap-3 rounded bg-white p-3 text-sm shadow-sm" role="search">
            <label>"Actor"<br/><input name="actor" type="search" value=value(&q.actor) placeholder="Name or id" class=input/></label>
            <label>"Action starts with"<br/><input name="action" value=value(&q.action) placeholder="e.g. job." class=format!("w-32 {input}")/></label>
            <label>"Entity kind"<br/><input name="kind" value=value(&q.kind) placeholder="e.g. order" class=format!("w-28 {input}")/></label>
            <label>"Entity id"<br/><input name="entity" value=value(&q.entity) class=format!("w-32 {input}")/></label>
            <label>"From"<br/><input node_ref=from name="from" type="date" value=value(&q.from) class=input/></label>
            <label>"To"<br/><input node_ref=to name="to" type="date" value=value(&q.to) class=input/></label>
            // Filled by the browser on submit; disabled (not sent) until then.
            <input node_ref=from_at type="hidden" name="from_at" disabled/>
            <input node_ref=to_at type="hidden" name="to_at" disabled/>
            <button type="submit" class="rounded bg-accent px-3 py-1.5 font-medium text-white">"Filter"</button>
            <a href=PATH class="underline">"Clear"</a>
            <p class="basis-full text-xs text-slate-500">"Days are in your time zone (in UTC while the page's scripts have not loaded). Times below are shown in your local time."</p>
        </form>
    }
}

fn check_view(c: ChainCheck) -> impl IntoView {
    if c.intact {
        view! { <p role="status" data-testid="chain-check" class="mt-4 rounded border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-900">"Verified: " {c.text}</p> }.into_any()
    } else {
        view! { <p role="alert" data-testid="chain-check" class="mt-4 rounded border border-red-300 bg-red-50 p-3 text-sm font-medium text-red-800">"The audit trail has been tampered with: " {c.text}</p> }.into_any()
    }
}

fn entries_view(page: AuditPageData, q: AuditQuery) -> impl IntoView {
    let older = page.next_after.map(|a| q.href(Some(a)));
    let newest = q.after.is_some().then(|| q.href(None));
    let empty = page.rows.is_empty() && page.error.is_none();
    view! {
        {page.check.map(check_view)}
        {page.error.map(|e| view! { <p role="alert" class="mt-4 rounded bg-red-50 p-3 text-sm text-red-800">{e}</p> })}
        <table class="mt-4 w-full bg-white text-left text-sm shadow-sm" data-testid="audit-entries">
            <thead class="bg-slate-100"><tr>
                <th class="p-2">"#"</th><th class="p-2">"When"</th><th class="p-2">"Actor"</th><th class="p-2">"Action"</th>
                <th class="p-2">"Entity"</th><th class="p-2">"Details"</th>
            </tr></thead>
            <tbody>
                {page.rows.into_iter().map(|e| view! {
                    <tr class="border-t align-top" data-testid="audit-entry">
                        <td class="p-2 tabular-nums text-slate-500">{e.seq}</td>
                        <td class="p-2 whitespace-nowrap"><LocalTime iso=e.at/></td>
                        <td class="p-2">{e.actor}</td>
                        <td class="p-2"><code>{e.action}</code></td>
                        <td class="p-2">{e.entity_kind} " " <span class="font-medium">{e.entity_id}</span></td>
                        <td class="p-2"><code class="break-all text-xs text-slate-700">{e.payload}</code></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        {empty.then(|| view! { <p class="mt-4 text-slate-600">"No entries match these filters. Clear them to see the whole trail."</p> })}
        <nav class="mt-4 flex gap-4 text-sm" aria-label="Pages">
            {newest.map(|h| view! { <a class="underline" href=h>"← Newest"</a> })}
            {older.map(|h| view! { <a class="underline" href=h rel="next">"Older →"</a> })}
        </nav>
    }
}
