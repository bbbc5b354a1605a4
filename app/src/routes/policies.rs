//! `/partner/policies`: the partner's defaults for its tenants — each workflow rule and policy,
//! the delivery defaults and reminder sequences, and the brand — as the same forms the tenant
//! admin's pages have, posting to the partner's own addresses; and the history of changes. A
//! partner viewer sees the page with every form disabled.
use super::loaded_page;
use super::orders::LocalTime;
use crate::branding_admin::BrandingView;
use crate::policies_admin::{DefaultChange, PATH, PoliciesView, policies_data};
use leptos::prelude::*;

#[component]
pub fn PoliciesPage() -> impl IntoView {
    loaded_page(("/partner", "Partner console"), Resource::new(|| (), |_| policies_data()), "Loading the defaults…", |p, csrf| page(p, csrf).into_any())
}

fn page(p: PoliciesView, csrf: String) -> impl IntoView {
    let read_only = !p.can_change;
    let rules = p.rules.into_iter().map(|r| super::rules_admin::rule_card(r, csrf.clone()).into_any()).collect_view().into_any();
    let brand_form = brand(p.brand, p.brand_version, csrf.clone()).into_any();
    let reminders = super::reminders_admin::page(p.reminders, csrf).into_any();
    view! {
        <h1 class="mt-2 text-2xl font-semibold">{format!("Defaults of {}", p.partner)}</h1>
        <p class="text-sm text-slate-600">{format!("Each of your {} tenants follows these until its admin saves a version of its own; a tenant admin sees where each value comes from and can revert to yours. A change here reaches every tenant that follows it within a minute, as a new version of its rule that names you.", p.tenants)}</p>
        {read_only.then(|| view! { <p role="status" class="mt-2 rounded bg-slate-100 p-2 text-sm">"You can read the defaults; only a partner admin changes them."</p> })}
        <fieldset disabled=read_only class="contents">
            <h2 class="mt-6 text-lg font-semibold">"Brand"</h2>
            {brand_form}
            <h2 class="mt-6 text-lg font-semibold">"Workflow rules and policies"</h2>
            <div class="mt-2 grid gap-4" data-testid="default-rules">{rules}</div>
            <h2 class="mt-6 text-lg font-semibold">"Invoice delivery and reminders"</h2>
            {reminders}
        </fieldset>
        <h2 class="mt-8 text-lg font-semibold">"Changes"</h2>
        {history(p.history)}
    }
}

fn brand(b: BrandingView, version: String, csrf: String) -> impl IntoView {
    view! {
        <p class="text-sm text-slate-600" data-testid="brand-version">{format!("The brand of new tenants, and of those whose brand follows yours ({version}). Logos and favicons stay each tenant's own.")}</p>
        <form method="post" action=format!("{PATH}/branding") class="mt-2 grid gap-4 md:grid-cols-2" aria-label="Default brand">
            <input type="hidden" name="csrf" value=csrf/>
            <super::branding_admin::BrandFields b=b/>
            <div class="md:col-span-2"><button type="submit" class="rounded bg-accent px-3 py-1.5 text-sm font-medium text-white">"Save the default brand"</button></div>
        </form>
    }
}

fn history(rows: Vec<DefaultChange>) -> AnyView {
    if rows.is_empty() {
        return view! { <p class="mt-2 rounded border border-dashed border-slate-300 p-4 text-slate-600">"No defaults saved yet: your tenants run the built-in defaults, or their own."</p> }.into_any();
    }
    view! {
        <table class="mt-2 w-full bg-white text-left text-sm shadow-sm" data-testid="default-history">
            <thead class="bg-slate-100"><tr><th class="p-2">"Default"</th><th class="p-2">"Version"</th><th class="p-2">"By"</th><th class="p-2">"When"</th></tr></thead>
            <tbody>{rows.into_iter().map(|d| view! {
                <tr class="border-t"><td class="p-2"><code>{d.policy}</code></td><td class="p-2 tabular-nums">{format!("v{}", d.version)}</td><td class="p-2">{d.by}</td><td class="p-2"><LocalTime iso=d.at/></td></tr>
            }).collect_view()}</tbody>
        </table>
    }
    .into_any()
}
