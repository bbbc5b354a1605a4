//! The jobs page (`/workspace/admin/jobs`): counts by status and the dead letter, each dead
//! job with Retry and Discard forms that post and redirect back with a notice (no script
//! needed).
use super::Frame;
use super::orders::LocalTime;
use crate::PageCtx;
use crate::jobs_admin::{DEAD_SHOWN, DeadJob, JobsView, jobs_data};
use leptos::prelude::*;

#[component]
pub fn JobsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| jobs_data());
    view! {
        <Frame body=move |c: PageCtx| {
            let csrf = c.csrf.clone();
            view! {
                <h1 class="text-2xl font-semibold">"Background jobs"</h1>
                <p class="mt-1 text-sm text-slate-600">"Deliveries, reminders and upkeep run as jobs. A job that keeps failing ends in the dead letter below with its last error: fix the cause, then retry it, or discard it if it is no longer wanted. Both are recorded in the audit trail."</p>
                {c.notice.clone().map(|n| view! {
                    <p role="status" data-testid="notice" class="mt-4 rounded border border-emerald-300 bg-emerald-50 p-3 text-sm">{n.message}</p>
                })}
                <Suspense fallback=|| view! { <p class="p-4 text-slate-500">"Loading jobs…"</p> }>
                    {move || {
                        let csrf = csrf.clone();
                        Suspend::new(async move {
                            match data.await {
                                Ok(d) => jobs_view(d, csrf).into_any(),
                                Err(e) => view! { <p role="alert" class="mt-4 rounded bg-red-50 p-3 text-sm text-red-800">{e.to_string()}</p> }.into_any(),
                            }
                        })
                    }}
                </Suspense>
            }
        }/>
    }
}

fn jobs_view(d: JobsView, csrf: String) -> impl IntoView {
    let full = d.dead.len() as u64 >= DEAD_SHOWN;
    let empty = d.dead.is_empty();
    view! {
        <dl class="mt-4 flex flex-wrap gap-3" data-testid="job-counts">
            {d.counts.into_iter().map(|(status, n)| view! {
                <div class="rounded bg-white px-4 py-2 shadow-sm">
                    <dt class="text-xs uppercase text-slate-500">{status.clone()}</dt>
                    <dd class="text-xl font-semibold tabular-nums" data-testid=format!("count-{status}")>{n}</dd>
                </div>
            }).collect_view()}
        </dl>
        <h2 class="mt-8 text-lg font-semibold">"Dead letter"</h2>
        {full.then(|| view! { <p class="text-sm text-slate-600">"Showing the " {DEAD_SHOWN} " most recent; retry or discard these to see older ones."</p> })}
        {if empty {
            view! { <p class="mt-2 rounded border border-dashed border-slate-300 p-4 text-slate-600">"No dead jobs: every job has either finished or is still being tried."</p> }.into_any()
        } else {
            view! {
                <table class="mt-2 w-full bg-white text-left text-sm shadow-sm" data-testid="dead-jobs">
                    <thead class="bg-slate-100"><tr>
                        <th class="p-2">"Kind"</th><th class="p-2">"Attempts"</th><th class="p-2">"Last error"</th>
                        <th class="p-2">"Failed"</th><th class="p-2">"Payload"</th><th class="p-2"></th>
                    </tr></thead>
                    <tbody>{d.dead.into_iter().map(|j| dead_row(j, csrf.clone())).collect_view()}</tbody>
                </table>
            }.into_any()
        }}
    }
}

fn dead_row(j: DeadJob, csrf: String) -> impl IntoView {
    let action = |what: &str| format!("/workspace/admin/jobs/{}/{what}", j.id);
    let (retry, discard) = (action("retry"), action("discard"));
    let (retry_label, discard_label) = (format!("Retry {} job {}", j.kind, j.id), format!("Discard {} job {}", j.kind, j.id));
    view! {
        <tr class="border-t align-top" data-testid="dead-job" data-job-id=j.id.clone()>
            <td class="p-2"><code>{j.kind}</code></td>
            <td class="p-2 tabular-nums">{j.attempts} " / " {j.max_attempts}</td>
            <td class="p-2 text-red-800">{j.last_error}</td>
            <td class="p-2 whitespace-nowrap">{j.finished_at.map(|t| view! { <LocalTime iso=t/> })}</td>
            <td class="p-2"><code class="break-all text-xs" title=j.payload>{j.payload_preview}</code></td>
            <td class="p-2">
                <div class="flex gap-2">
                    <form method="post" action=retry>
                        <input type="hidden" name="csrf" value=csrf.clone()/>
                        <button type="submit" aria-label=retry_label class="rounded border px-2 py-0.5">"Retry"</button>
                    </form>
                    <form method="post" action=discard>
                        <input type="hidden" name="csrf" value=csrf/>
                        <button type="submit" aria-label=discard_label class="rounded border border-red-300 px-2 py-0.5 text-red-800">"Discard"</button>
                    </form>
                </div>
            </td>
        </tr>
    }
}
