//! A tenant's custom domains, in the partner console and on the tenant admin's own pages: the
//! DNS record each needs, its state, and plain forms (add, check now, remove) that post and
//! come back with a notice.
use super::orders::LocalTime;
use super::{loaded_page, tenant_page};
use crate::domains_admin::{DomainRow, DomainsView, admin_domains_data, domains_data};
use leptos::prelude::*;

/// `/partner/tenants/:slug/domains`.
#[component]
pub fn DomainsPage() -> impl IntoView {
    tenant_page(domains_data, "Loading the domains…", page)
}

/// `/workspace/admin/domains`: the tenant admin's own.
#[component]
pub fn AdminDomainsPage() -> impl IntoView {
    loaded_page(("/workspace/admin", "Administration"), Resource::new(|| (), |_| admin_domains_data()), "Loading the domains…", page)
}

fn page(v: DomainsView, csrf: String) -> AnyView {
    let add = v.actions.clone();
    let rows = v.rows.clone();
    let empty = rows.is_empty();
    let always = if v.subdomain.is_empty() { format!("{} always serves it at its own subdomain.", v.name) } else { format!("{} always serves it at {}.", v.name, v.subdomain) };
    view! {
        <h1 class="mt-2 text-2xl font-semibold">{format!("Domains of {}", v.name)}</h1>
        <p class="text-sm text-slate-600">{format!("{always} A domain of its own serves it once verified: its DNS needs the TXT record shown, which is checked again every day; when the record is gone, the domain stops serving. Certificates are obtained only for verified domains.")}</p>
        {empty.then(|| view! { <p class="mt-4 text-sm" data-testid="no-domains">"No domain of its own yet."</p> })}
        <ul class="mt-4 space-y-3" data-testid="domains">
            {rows.into_iter().map(|d| domain_row(&v.actions, d, csrf.clone())).collect_view()}
        </ul>
        <form method="post" action=add class="mt-6 flex flex-wrap items-end gap-2 rounded bg-white p-4 shadow-sm">
            <input type="hidden" name="csrf" value=csrf/>
            <label class="block text-sm">"Add a domain"
                <input name="domain" required maxlength="253" placeholder="portal.example.com" class="mt-1 block w-72 rounded border border-slate-300 p-1.5"/></label>
            <button type="submit" class="rounded bg-accent px-3 py-1.5 text-sm font-medium text-white">"Add domain"</button>
        </form>
    }
    .into_any()
}

fn domain_row(actions: &str, d: DomainRow, csrf: String) -> impl IntoView {
    let base = format!("{actions}/{}", d.id);
    let state = if d.verified { "Verified: serves the tenant" } else { "Not verified: waiting for its DNS record" };
    let check_label = format!("Check {} now", d.domain);
    let remove_label = format!("Remove {}", d.domain);
    view! {
        <li class="rounded bg-white p-4 shadow-sm" data-testid=format!("domain-{}", d.domain)>
            <p class="font-semibold">{d.domain.clone()} " "
                <span class=if d.verified { "rounded bg-emerald-100 px-2 text-sm text-emerald-900" } else { "rounded bg-amber-100 px-2 text-sm text-amber-900" } data-testid="domain-state">{state}</span></p>
            <dl class="mt-2 grid grid-cols-[10rem_1fr] gap-1 text-sm">
                <dt class="text-slate-500">"Record"</dt><dd><code>{d.record_name.clone()}</code>" (TXT)"</dd>
                <dt class="text-slate-500">"Value"</dt><dd><code data-testid="domain-token">{d.token.clone()}</code></dd>
                <dt class="text-slate-500">"Last checked"</dt><dd>{if d.checked_at.is_empty() { view! { "never" }.into_any() } else { view! { <LocalTime iso=d.checked_at.clone()/> }.into_any() }}</dd>
                {(!d.verified_at.is_empty()).then(|| view! { <dt class="text-slate-500">"Verified"</dt><dd><LocalTime iso=d.verified_at.clone()/></dd> })}
                {(!d.check_error.is_empty()).then(|| view! { <dt class="text-slate-500">"Found"</dt><dd data-testid="domain-error">{d.check_error.clone()}</dd> })}
            </dl>
            <div class="mt-2 flex gap-2">
                <form method="post" action=format!("{base}/check")>
                    <input type="hidden" name="csrf" value=csrf.clone()/>
                    <button type="submit" class="rounded border px-2 py-0.5 text-sm" aria-label=check_label>"Check now"</button>
                </form>
                <form method="post" action=format!("{base}/remove")>
                    <input type="hidden" name="csrf" value=csrf/>
                    <button type="submit" class="rounded border border-red-300 px-2 py-0.5 text-sm text-red-800" aria-label=remove_label>"Remove"</button>
                </form>
            </div>
        </li>
    }
}
