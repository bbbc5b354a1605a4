//! The partner console: the partner's tenants, most trouble first, with their health (open
//! exceptions and SLA breaches, dead jobs, webhook failures, undelivered invoices, events,
//! ingestion errors, a sparkline of events per day) and actions (suspend or reactivate,
//! branding, domains, invite an admin); the form that creates a tenant with its first admin invited by
//! e-mail; and each tenant's health page.
use super::{Frame, tenant_page, who};
use crate::health_admin::{HealthView, Sparkline, TenantHealthView, TenantListView, console_tenants, health_data, health_href};
use crate::{PageCtx, TenantSummary};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

const INPUT: &str = "mt-1 w-full rounded border border-slate-300 p-2";

#[component]
pub fn PartnerHome() -> impl IntoView {
    let query = use_query_map();
    let current = move || {
        let m = query.get();
        (m.get("q").filter(|v| !v.trim().is_empty()), m.get("page").and_then(|p| p.parse::<usize>().ok()))
    };
    let data = Resource::new(current, |(q, page)| console_tenants(q, page));
    view! {
        <Frame body=move |c: PageCtx| {
            let csrf = c.csrf.clone();
            let q = current().0;
            view! {
                <h1 class="text-2xl font-semibold">"Partner console"</h1>
                {who(&c)}
                <p class="mt-2 text-sm"><a class="text-blue-700 underline" href=crate::team_admin::TEAM>"Team"</a>": who runs this console, and invitations · "<a class="text-blue-700 underline" href=crate::policies_admin::PATH>"Defaults"</a>": the rules, reminders and brand your tenants inherit"</p>
                {c.notice.clone().map(|n| view! { <div role="status" data-testid="notice" class="mt-4 rounded border border-emerald-300 bg-emerald-50 p-3 text-sm">{n.message}</div> })}
                <h2 class="mt-6 text-lg font-semibold">"Tenants"</h2>
                <form method="get" action="/partner" role="search" class="mt-2 flex items-end gap-3 rounded bg-white p-3 shadow-sm">
                    <label class="text-sm">"Name or address"<br/>
                        <input name="q" type="search" value=q.clone().unwrap_or_default() class="rounded border border-slate-300 p-1.5"/>
                    </label>
                    <button type="submit" class="rounded bg-accent px-3 py-1.5 text-sm font-medium text-white">"Search"</button>
                    {q.is_some().then(|| view! { <a href="/partner" class="text-sm underline">"Clear"</a> })}
                </form>
                <Suspense fallback=|| view! { <p class="p-4 text-slate-500">"Loading tenants…"</p> }>
                    {move || {
                        let (csrf, q) = (csrf.clone(), q.clone());
                        Suspend::new(async move {
                            match data.await {
                                Ok(list) => tenant_table(list, q, csrf).into_any(),
                                Err(e) => view! { <p role="alert" class="mt-4 text-red-700">{e.to_string()}</p> }.into_any(),
                            }
                        })
                    }}
                </Suspense>
                {(c.viewer.as_ref().map(|v| v.role.as_str()) != Some("partner_viewer")).then(|| view! { <NewTenant csrf=c.csrf.clone()/> })}
            }
        }/>
    }
}

/// `/partner` with the search and page given.
fn list_href(q: Option<&str>, page: usize) -> String {
    let page = page.to_string();
    let pairs = q.map(|q| ("q", q)).into_iter().chain((page != "1").then_some(("page", page.as_str())));
    crate::href::with_query("/partner", pairs)
}

fn tenant_table(list: TenantListView, q: Option<String>, csrf: String) -> impl IntoView {
    let summary = match (&q, list.matching) {
        (Some(_), 0) => "No tenant matches.".to_owned(),
        (Some(_), n) => format!("{n} of {} tenants match; {} of all in trouble.", list.total, list.in_trouble),
        (None, n) => format!("{n} tenants, {} in trouble. Most trouble first.", list.in_trouble),
    };
    let prev = (list.page > 1).then(|| list_href(q.as_deref(), list.page - 1));
    let next = (list.page < list.pages).then(|| list_href(q.as_deref(), list.page + 1));
    let paging = (list.pages > 1).then(|| {
        view! {
            <nav aria-label="Tenant pages" class="mt-2 flex items-center gap-4 text-sm">
                {prev.map(|h| view! { <a href=h rel="prev" class="text-blue-700 underline">"Previous page"</a> })}
                <span data-testid="tenant-page">{format!("Page {} of {}", list.page, list.pages)}</span>
                {next.map(|h| view! { <a href=h rel="next" class="text-blue-700 underline">"Next page"</a> })}
            </nav>
        }
    });
    view! {
        <p class="mt-2 text-sm text-slate-600" data-testid="tenant-count">{summary}</p>
        <table class="mt-2 w-full text-left text-sm" data-testid="tenants">
            <thead><tr><th class="p-2">"Distributor"</th><th class="p-2">"Health"</th><th class="p-2">"Product name"</th><th class="p-2">"Colour"</th><th class="p-2">"Address"</th><th class="p-2">"State"</th><th class="p-2"></th></tr></thead>
            <tbody>{list.rows.into_iter().map(|t| row(t, list.can_change.then(|| csrf.clone()))).collect_view()}</tbody>
        </table>
        {paging}
    }
}

/// Reactivate at once; suspend only with a box ticked that says what it does.
fn state_form(active: bool, action: String, label: String, name: &str, csrf: String) -> AnyView {
    if !active {
        return view! {
            <form method="post" action=action>
                <input type="hidden" name="csrf" value=csrf/>
                <button type="submit" class="rounded border px-2 py-0.5">{label}</button>
            </form>
        }
        .into_any();
    }
    let confirm = format!("Yes, suspend {name}: its users are signed out and see a notice, its API answers 403; its data is kept");
    view! {
        <details>
            <summary class="cursor-pointer rounded border px-2 py-0.5">{format!("{label}…")}</summary>
            <form method="post" action=action class="mt-1 space-y-1">
                <input type="hidden" name="csrf" value=csrf/>
                <label class="flex items-start gap-1 text-xs"><input type="checkbox" name="confirm" value="on" required/><span>{confirm}</span></label>
                <button type="submit" class="rounded border border-red-300 px-2 py-0.5 text-red-800">{label}</button>
            </form>
        </details>
    }
    .into_any()
}

/// A tenant's row; its actions only for those who may change it (`csrf` given).
fn row(t: TenantSummary, csrf: Option<String>) -> impl IntoView {
    let health_label = format!("Health of {}", t.name);
    let spark_label = format!("Events per day of {} over the last 14 days", t.name);
    let actions = csrf.map(|csrf| actions(&t, csrf));
    view! {
        <tr class="border-t align-top" data-testid=format!("tenant-{}", t.slug)>
            <td class="p-2"><a class="text-blue-700 underline" href=health_href(&t.slug) aria-label=health_label>{t.name.clone()}</a></td>
            <td class="p-2">{health_cell(t.health.clone(), spark_label)}</td>
            <td class="p-2">{t.product_name}</td>
            <td class="p-2"><span class="inline-block h-4 w-4 rounded align-middle" style=format!("background:{}", t.primary_color)></span> " " {t.primary_color.clone()}</td>
            <td class="p-2"><a class="text-blue-700 underline" href=t.url.clone()>{t.url.clone()}</a></td>
            <td class="p-2">{if t.active { "active" } else { "suspended (data kept)" }}</td>
            <td class="p-2">{actions}</td>
        </tr>
    }
}

/// What a partner admin can do with a tenant from its row.
fn actions(t: &TenantSummary, csrf: String) -> impl IntoView + use<> {
    let (verb, path) = if t.active { ("Suspend", "suspend") } else { ("Reactivate", "reactivate") };
    let action = format!("/partner/tenants/{}/{path}", t.slug);
    let label = format!("{verb} {}", t.name);
    let brand_label = format!("Branding of {}", t.name);
    let domains_label = format!("Domains of {}", t.name);
    let exports_label = format!("Data export of {}", t.name);
    let support_label = format!("Support access to {}", t.name);
    let invite_action = format!("/partner/tenants/{}/invite", t.slug);
    let invite_label = format!("Invite an admin to {}", t.name);
    let email_id = format!("invite-email-{}", t.slug);
    let name_id = format!("invite-name-{}", t.slug);
    view! {
        {state_form(t.active, action, label, &t.name, csrf.clone())}
        <a class="text-blue-700 underline" href=crate::branding_admin::branding_href(&t.slug) aria-label=brand_label>"Branding"</a> " "
        <a class="text-blue-700 underline" href=crate::domains_admin::domains_href(&t.slug) aria-label=domains_label>"Domains"</a> " "
        <a class="text-blue-700 underline" href=crate::exports_admin::exports_href(&t.slug) aria-label=exports_label>"Export"</a> " "
        <a class="text-blue-700 underline" href=crate::support_admin::support_href(&t.slug) aria-label=support_label>"Support"</a>
        <details class="mt-1">
            <summary class="cursor-pointer text-blue-700 underline">{invite_label.clone()}</summary>
            <form method="post" action=invite_action class="mt-1 space-y-1" aria-label=invite_label>
                <input type="hidden" name="csrf" value=csrf/>
                <label for=email_id.clone() class="block text-xs">"E-mail"</label>
                <input id=email_id name="email" type="email" required class="w-56 rounded border border-slate-300 p-1"/>
                <label for=name_id.clone() class="block text-xs">"Name (optional)"</label>
                <input id=name_id name="name" class="w-56 rounded border border-slate-300 p-1"/>
                <button type="submit" class="block rounded bg-accent px-2 py-0.5 text-white">"Send invitation"</button>
            </form>
        </details>
    }
}

fn health_cell(h: Option<HealthView>, spark_label: String) -> impl IntoView {
    let Some(h) = h else { return view! { <span class="text-slate-500">"not measured yet"</span> }.into_any() };
    let tone = if h.trouble >= 20 { "text-red-700" } else if h.trouble > 0 { "text-amber-700" } else { "text-emerald-700" };
    view! {
        <dl class="grid grid-cols-[auto_auto] gap-x-2 text-xs" data-testid="health">
            <dt>"Trouble"</dt><dd class=format!("font-semibold {tone}") data-testid="trouble">{h.trouble}</dd>
            <dt>"Open exceptions"</dt><dd>{format!("{} ({} past SLA{})", h.open_exceptions, h.sla_breaches, if h.oldest_open.is_empty() { String::new() } else { format!(", oldest {}", h.oldest_open) })}</dd>
            <dt>"Dead jobs"</dt><dd>{h.dead_jobs}</dd>
            <dt>"Webhook failures"</dt><dd>{if h.webhook_failures.is_empty() { "no attempts".to_owned() } else { h.webhook_failures.clone() }}</dd>
            <dt>"Undelivered invoices"</dt><dd>{h.undelivered_invoices}</dd>
            <dt>"Last event"</dt><dd>{format!("{} ({} in the last hour)", h.last_event, h.events_last_hour)}</dd>
            <dt>"Ingestion errors"</dt><dd>{h.ingestion_errors}</dd>
            <dt>"Events, 14 days"</dt><dd><Sparkline values=h.spark.clone() label=spark_label/></dd>
        </dl>
    }
    .into_any()
}

/// `/partner/tenants/<slug>/health`: the tenant's latest figures and its last 14 days.
#[component]
pub fn HealthPage() -> impl IntoView {
    tenant_page(health_data, "Loading…", |h, _csrf| health_page(h).into_any())
}

fn health_page(h: TenantHealthView) -> impl IntoView {
    let label = format!("Events per day of {} over the last 14 days", h.name);
    view! {
        <h1 class="mt-2 text-2xl font-semibold">{format!("Health of {}", h.name)}</h1>
        {match h.latest.clone() {
            Some(l) => view! { <p class="mt-1 text-sm text-slate-600">{format!("Measured {} (every 5 minutes).", l.measured)}</p> {health_cell(Some(l), label)} }.into_any(),
            None => view! { <p class="mt-2">"Not measured yet: the first measurement comes within 5 minutes of the tenant's creation."</p> }.into_any(),
        }}
        <h2 class="mt-6 text-lg font-semibold">"The last 14 days"</h2>
        <table class="mt-2 w-full text-left text-sm" data-testid="health-days">
            <thead><tr><th class="p-2">"Day"</th><th class="p-2">"Trouble"</th><th class="p-2">"Open exceptions"</th><th class="p-2">"Past SLA"</th><th class="p-2">"Dead jobs"</th><th class="p-2">"Webhook failures"</th><th class="p-2">"Undelivered invoices"</th><th class="p-2">"Events"</th><th class="p-2">"Ingestion errors"</th></tr></thead>
            <tbody>{h.days.into_iter().map(|d| view! {
                <tr class="border-t"><td class="p-2">{d.day}</td><td class="p-2">{d.trouble}</td><td class="p-2">{d.open_exceptions}</td><td class="p-2">{d.sla_breaches}</td><td class="p-2">{d.dead_jobs}</td>
                    <td class="p-2">{d.webhook_failures}</td><td class="p-2">{d.undelivered_invoices}</td><td class="p-2">{d.events_day}</td><td class="p-2">{d.ingestion_errors}</td></tr>
            }).collect_view()}</tbody>
        </table>
    }
}

/// The form that creates a tenant.
#[component]
fn NewTenant(csrf: String) -> impl IntoView {
    view! {
        <section class="mt-8 max-w-xl rounded-lg bg-white p-4 shadow" aria-labelledby="new-tenant">
            <h2 id="new-tenant" class="text-lg font-semibold">"New tenant"</h2>
            <p class="text-sm text-slate-600">"Its first admin gets an e-mail with a link to choose a password. You can brand it at once."</p>
            <form method="post" action="/partner/tenants" class="mt-3 space-y-3">
                <input type="hidden" name="csrf" value=csrf/>
                <div><label for="nt-name" class="block text-sm font-medium">"Distributor name"</label>
                    <input id="nt-name" name="name" required maxlength="100" class=INPUT/></div>
                <div><label for="nt-slug" class="block text-sm font-medium">"Address (slug)"</label>
                    <input id="nt-slug" name="slug" required pattern="[a-z][a-z0-9-]{1,31}" aria-describedby="nt-slug-help" class=INPUT/>
                    <p id="nt-slug-help" class="text-xs text-slate-500">"2–32 lower-case letters, digits or '-', starting with a letter: its users sign in at <slug>.<your domain>."</p></div>
                <div><label for="nt-admin-email" class="block text-sm font-medium">"First admin's e-mail"</label>
                    <input id="nt-admin-email" name="admin_email" type="email" required class=INPUT/></div>
                <div><label for="nt-admin-name" class="block text-sm font-medium">"First admin's name (optional)"</label>
                    <input id="nt-admin-name" name="admin_name" maxlength="100" class=INPUT/></div>
                <button type="submit" class="rounded bg-accent px-3 py-1.5 font-medium text-white">"Create tenant and invite its admin"</button>
            </form>
        </section>
    }
}
