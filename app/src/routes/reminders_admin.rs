//! The tenant admin's delivery and reminders page (see `crate::reminders_admin`): default
//! channels, and the reminder sequences per segment as one form, each saved step with a
//! preview. Plain forms that post and redirect back with a notice.
use super::{Frame, notice};
use crate::customers_admin::Choice;
use crate::reminders_admin::{RemindersPage, SequenceForm, admin_reminders};
use crate::PageCtx;
use leptos::prelude::*;

const INPUT: &str = "mt-1 block w-full rounded border border-slate-300 p-1.5";
const PRIMARY: &str = "rounded bg-accent px-3 py-1.5 text-sm font-medium text-white";


#[component]
pub fn RemindersPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| admin_reminders());
    view! {
        <Frame body=move |c: PageCtx| {
            if !super::is_tenant_admin(&c) {
                #[cfg(feature = "ssr")]
                if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
                    r.set_status(http::StatusCode::FORBIDDEN);
                }
                return view! { <p role="alert" class="mt-4 text-red-700">"Only tenant admins can change delivery and reminders."</p> }.into_any();
            }
            let csrf = c.csrf.clone();
            view! {
                <h1 class="text-2xl font-semibold">"Invoice delivery and reminders"</h1>
                {notice(c.notice.clone())}
                <Suspense fallback=|| view! { <p class="p-4 text-slate-500">"Loading…"</p> }>
                    {move || {
                        let csrf = csrf.clone();
                        Suspend::new(async move {
                            match data.await {
                                Ok(p) => page(p, csrf).into_any(),
                                Err(e) => view! { <p role="alert" class="mt-4 text-red-700">{e.to_string()}</p> }.into_any(),
                            }
                        })
                    }}
                </Suspense>
            }
            .into_any()
        }/>
    }
}

fn checkboxes(choices: Vec<Choice>) -> impl IntoView {
    choices
        .into_iter()
        .map(|ch| {
            let always = ch.value == "portal";
            view! {
                <label class="mr-4 inline-flex items-center gap-1">
                    <input type="checkbox" name=format!("channel_{}", ch.value) value="on" checked=ch.selected || always disabled=always/>
                    {ch.label} {always.then_some(" (always)")}
                </label>
            }
        })
        .collect_view()
}

/// The two forms (defaults, sequences), posting under the page's action. Each section is its
/// own view (the two in one type are too deep for the compiler's layout of the wasm build).
pub(crate) fn page(p: RemindersPage, csrf: String) -> impl IntoView {
    let delivery_source = super::rules_admin::source_line("delivery", p.delivery_source.clone(), p.delivery_can_revert, "reminders", csrf.clone()).into_any();
    let dunning_source = super::rules_admin::source_line("dunning", p.dunning_source.clone(), p.dunning_can_revert, "reminders", csrf.clone()).into_any();
    let options = p.reminder_channels.into_iter().map(|o| view! { <option value=o.value selected=o.selected>{o.label}</option> }).collect_view().into_any();
    let channels = checkboxes(p.channels).into_any();
    let sequences = p.sequences.into_iter().enumerate().map(|(i, s)| sequence(i, s).into_any()).collect_view().into_any();
    let defaults = view! {
        <section aria-labelledby="defaults-h" class="mt-4 max-w-3xl rounded bg-white p-4 text-sm shadow-sm">
            <h2 id="defaults-h" class="text-lg font-semibold">"Tenant defaults"</h2>
            <div class="text-slate-600">"Customers without their own settings follow these. " {p.delivery_version} " " {delivery_source}</div>
            <form method="post" action=format!("{}/defaults", p.action) class="mt-2 grid gap-3" data-testid="defaults-form">
                <input type="hidden" name="csrf" value=csrf.clone()/>
                <fieldset><legend class="font-medium">"Invoice channels"</legend><div class="mt-1">{channels}</div></fieldset>
                <label class="max-w-xs">"Reminder channel" <select name="reminder_channel" class=INPUT>{options}</select></label>
                <div><button type="submit" class=PRIMARY>"Save defaults"</button></div>
            </form>
        </section>
    }
    .into_any();
    let steps = view! {
        <section aria-labelledby="seq-h" class="mt-6 max-w-5xl rounded bg-white p-4 text-sm shadow-sm">
            <h2 id="seq-h" class="text-lg font-semibold">"Reminder sequences"</h2>
            <div class="text-slate-600">"Each segment's steps, in days after the due date. Customers of other segments follow the default sequence (blank segment). A step is sent once per invoice; none is sent while the invoice is disputed or a promise to pay holds. " {p.dunning_version} " " {dunning_source}</div>
            <p class="mt-1 text-xs text-slate-600">"Placeholders: " {p.placeholders.join(" · ")}</p>
            <form method="post" action=format!("{}/sequences", p.action) class="mt-3" data-testid="sequences-form">
                <input type="hidden" name="csrf" value=csrf/>
                <label class="inline-flex items-center gap-2"><input type="checkbox" name="enabled" value="on" checked=p.dunning_enabled/> "Send reminders"</label>
                {sequences}
                <p class="mt-2 text-xs text-slate-600">"To remove a step, clear its name; to remove a sequence, clear all its steps' names."</p>
                <div class="mt-3"><button type="submit" class=PRIMARY>"Save sequences"</button></div>
            </form>
        </section>
    }
    .into_any();
    view! { {defaults} {steps} }
}

fn sequence(i: usize, s: SequenceForm) -> impl IntoView {
    let is_new = s.steps.iter().all(|st| st.name.is_empty());
    let title = match (is_new, s.segment.is_empty()) {
        (true, _) => "Add a sequence for a segment".to_owned(),
        (false, true) => "Default sequence".to_owned(),
        (false, false) => format!("Segment: {}", s.segment),
    };
    view! {
        <fieldset class="mt-4 rounded border border-slate-200 p-3" data-testid="sequence">
            <legend class="px-1 font-semibold">{title}</legend>
            <label class="block max-w-xs">"Segment (blank: everyone else)" <input name=format!("segment_{i}") value=s.segment class=INPUT/></label>
            {s.steps.into_iter().enumerate().map(|(j, st)| {
                let preview = (!st.preview_subject.is_empty()).then(|| view! {
                    <details class="mt-1 sm:col-span-4"><summary class="cursor-pointer text-blue-700">"Preview"</summary>
                        <div class="mt-1 rounded border border-slate-200 bg-slate-50 p-2" data-testid="preview">
                            <p class="font-medium">{st.preview_subject.clone()}</p><pre class="whitespace-pre-wrap font-sans">{st.preview_body.clone()}</pre></div></details>
                });
                view! {
                    <div class="mt-3 grid gap-2 border-t pt-2 sm:grid-cols-4">
                        <label>"Days after due" <input name=format!("days_{i}_{j}") value=st.days inputmode="numeric" class=INPUT/></label>
                        <label>"Name" <input name=format!("name_{i}_{j}") value=st.name class=INPUT/></label>
                        <label class="sm:col-span-2">"Subject" <input name=format!("subject_{i}_{j}") value=st.subject class=INPUT/></label>
                        <label class="sm:col-span-4">"Body" <textarea name=format!("body_{i}_{j}") rows="4" class=INPUT>{st.body}</textarea></label>
                        {preview}
                    </div>
                }
            }).collect_view()}
        </fieldset>
    }
}
