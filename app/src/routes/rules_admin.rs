//! The rules page (`/workspace/admin/rules`): each workflow rule with what it does, its
//! version in force and its settings as a small form, then every version saved. Each form is
//! plain HTML that posts and redirects back with a notice (red when the save was refused),
//! so it works before the wasm has loaded and after hydration alike.
use super::Frame;
use super::orders::LocalTime;
use crate::rules_admin::{FieldView, REFUSED, RuleView, RulesView, VersionRow, revert_action, rules_data};
use crate::{Notice, PageCtx};
use leptos::prelude::*;

/// For tenant admins only: others get a 403 and a sentence, not the rules (the server
/// function refuses them too).
fn refused() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
        r.set_status(http::StatusCode::FORBIDDEN);
    }
    view! { <p role="alert" class="mt-4 text-red-700">"Only tenant admins can see and change the workflow rules."</p> }
}


/// The notice of the last save: an alert in red when it was refused, else a status line.
pub(crate) fn notice(n: Option<Notice>) -> impl IntoView {
    n.map(|n| {
        if n.message.starts_with(REFUSED) {
            view! { <div role="alert" data-testid="notice" class="mt-4 rounded border border-red-300 bg-red-50 p-3 text-sm text-red-800">{n.message}</div> }.into_any()
        } else {
            view! { <div role="status" data-testid="notice" class="mt-4 rounded border border-emerald-300 bg-emerald-50 p-3 text-sm">{n.message}</div> }.into_any()
        }
    })
}

#[component]
pub fn RulesPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| rules_data());
    view! {
        <Frame body=move |c: PageCtx| {
            if !super::is_tenant_admin(&c) {
                return refused().into_any();
            }
            let csrf = c.csrf.clone();
            view! {
                <p class="text-sm"><a class="underline" href="/workspace/admin">"← Administration"</a></p>
                <h1 class="mt-2 text-2xl font-semibold">"Workflow rules"</h1>
                <p class="text-sm text-slate-600">"The rules decide when exceptions open and invoices are raised. Each save is a new version that names who made it and when; every outcome names the rule and version it ran under, and the next event runs under the version saved here."</p>
                {notice(c.notice.clone())}
                <Suspense fallback=|| view! { <p class="p-4 text-slate-500">"Loading the rules…"</p> }>
                    {move || {
                        let csrf = csrf.clone();
                        Suspend::new(async move {
                            match data.await {
                                Ok(d) => rules_view(d, csrf).into_any(),
                                Err(e) => view! { <p role="alert" class="mt-4 rounded bg-red-50 p-3 text-sm text-red-800">{e.to_string()}</p> }.into_any(),
                            }
                        })
                    }}
                </Suspense>
            }
            .into_any()
        }/>
    }
}

fn rules_view(d: RulesView, csrf: String) -> impl IntoView {
    view! {
        <div class="mt-4 grid gap-4">{d.rules.into_iter().map(|r| rule_card(r, csrf.clone()).into_any()).collect_view()}</div>
        <h2 class="mt-8 text-lg font-semibold">"Version history"</h2>
        {history(d.history)}
    }
}

/// "v3 by Ada Admin on <time>", or "v0 · built-in default".
fn version_line(r: &RuleView) -> impl IntoView + use<> {
    match (r.version, r.saved_by.clone(), r.saved_at.clone()) {
        (1.., Some(by), Some(at)) => view! { <span>{format!("v{} by {by} on ", r.version)} <LocalTime iso=at/></span> }.into_any(),
        _ => view! { <span>{format!("v{} · built-in default", r.version)}</span> }.into_any(),
    }
}

const INPUT: &str = "mt-1 block rounded border border-slate-300 p-1.5";

fn field(f: FieldView) -> impl IntoView {
    let unit = (!f.unit.is_empty()).then(|| format!(" ({})", f.unit));
    // Whole numbers have limits; an amount is typed as text (`1,000.00`).
    let input = if f.choices.is_empty() && f.max.is_some() {
        view! { <input name=f.name type="number" value=f.value min=f.min max=f.max step="1" required class=INPUT/> }.into_any()
    } else if f.choices.is_empty() {
        view! { <input name=f.name value=f.value inputmode="decimal" required class=INPUT/> }.into_any()
    } else {
        let options = f.choices.into_iter().map(|o| view! { <option value=o.value selected=o.selected>{o.label}</option> }).collect_view();
        view! { <select name=f.name class=INPUT>{options}</select> }.into_any()
    };
    view! { <label>{f.label}{unit}{input}</label> }
}

/// Where a tenant's version comes from, and the revert button of an override.
pub(crate) fn source_line(name: &str, source: String, can_revert: bool, back: &'static str, csrf: String) -> impl IntoView + use<> {
    (!source.is_empty()).then(|| {
        let revert = can_revert.then(|| {
            view! {
                <form method="post" action=revert_action(name) class="inline">
                    <input type="hidden" name="csrf" value=csrf/>
                    <input type="hidden" name="back" value=back/>
                    <button type="submit" class="rounded border border-slate-300 px-2 py-0.5 text-xs">"Revert to default"</button>
                </form>
            }
        });
        view! { <span class="inline-flex items-center gap-2 text-sm"><span data-testid="rule-source" class="rounded bg-indigo-50 px-2 py-0.5 text-xs font-medium text-indigo-900">{source}</span>{revert}</span> }
    })
}

/// One rule's card with its form (posting to the card's action).
pub(crate) fn rule_card(r: RuleView, csrf: String) -> impl IntoView {
    let line = version_line(&r);
    let badge = if r.enabled { ("enabled", "bg-emerald-100 text-emerald-900") } else { ("disabled", "bg-slate-200 text-slate-700") };
    let switch = if r.can_disable {
        view! { <label class="inline-flex items-center gap-2"><input type="checkbox" name="enabled" value="on" checked=r.enabled/> "Enabled"</label> }.into_any()
    } else {
        view! { <span class="text-slate-600">"Always on"</span> }.into_any()
    };
    let no_settings = r.fields.is_empty().then(|| view! { <span class="text-slate-600">"No settings: it runs or it does not."</span> });
    let form_label = format!("{} settings", r.title);
    let source = source_line(&r.name, r.source.clone(), r.can_revert, "rules", csrf.clone()).into_any();
    view! {
        <section id=format!("rule-{}", r.name) data-testid="rule" data-rule=r.name.clone() class="rounded bg-white p-4 shadow-sm">
            <div class="flex flex-wrap items-baseline gap-3">
                <h2 class="text-lg font-semibold">{r.title.clone()}</h2>
                <code class="text-xs text-slate-500">{r.name.clone()}</code>
                <span data-testid="rule-state" class=format!("rounded px-2 py-0.5 text-xs font-medium {}", badge.1)>{badge.0}</span>
                <span data-testid="rule-version" class="text-sm text-slate-600">{line}</span>
                {source}
            </div>
            <p class="mt-1 text-sm text-slate-600">{r.explains}</p>
            <form method="post" action=r.action.clone() aria-label=form_label class="mt-3 flex flex-wrap items-end gap-4 text-sm">
                <input type="hidden" name="csrf" value=csrf/>
                {switch}
                {r.fields.into_iter().map(field).collect_view()}
                {no_settings}
                <button type="submit" class="rounded bg-accent px-3 py-1.5 font-medium text-white">"Save as new version"</button>
            </form>
        </section>
    }
}

fn history(rows: Vec<VersionRow>) -> AnyView {
    if rows.is_empty() {
        return view! { <p class="mt-2 rounded border border-dashed border-slate-300 p-4 text-slate-600">"No changes yet: every rule runs with its built-in default (v0). Save a rule above to make its first version."</p> }.into_any();
    }
    view! {
        <table class="mt-2 w-full bg-white text-left text-sm shadow-sm" data-testid="rule-history">
            <thead class="bg-slate-100"><tr>
                <th class="p-2">"Rule"</th><th class="p-2">"Version"</th><th class="p-2">"Enabled"</th>
                <th class="p-2">"Settings"</th><th class="p-2">"By"</th><th class="p-2">"When"</th>
            </tr></thead>
            <tbody>{rows.into_iter().map(|v| view! {
                <tr class="border-t align-top" data-testid="rule-version-row">
                    <td class="p-2"><code>{v.rule}</code></td>
                    <td class="p-2 tabular-nums">{format!("v{}", v.version)}</td>
                    <td class="p-2">{if v.enabled { "yes" } else { "no" }}</td>
                    <td class="p-2">{v.settings}</td>
                    <td class="p-2">{v.saved_by}</td>
                    <td class="p-2 whitespace-nowrap"><LocalTime iso=v.saved_at/></td>
                </tr>
            }).collect_view()}</tbody>
        </table>
        <p class="mt-2 text-xs text-slate-500">"Changes are also in the " <a class="underline" href="/workspace/admin/audit?action=rule.">"audit trail"</a> "."</p>
    }
    .into_any()
}
