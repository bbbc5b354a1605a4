//! The tenant admin console: API clients (secret shown once) and users (disable, enable).
use super::Frame;
use crate::PageCtx;
use crate::admin::{AdminView, admin_data};
use leptos::prelude::*;

#[component]
pub fn AdminPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| admin_data());
    view! {
        <Frame body=move |c: PageCtx| {
            let csrf = c.csrf.clone();
            view! {
                <h1 class="text-2xl font-semibold">"Administration"</h1>
                <nav aria-label="Administration" class="mt-2 flex flex-wrap gap-4 text-sm" data-testid="admin-nav">
                    <a class="text-blue-700 underline" href="/workspace/admin/customers">"Customers"</a>
                    <a class="text-blue-700 underline" href="/workspace/admin/audit">"Audit trail"</a>
                    <a class="text-blue-700 underline" href="/workspace/admin/jobs">"Jobs"</a>
                    <a class="text-blue-700 underline" href="/workspace/admin/rules">"Rules"</a>
                    <a class="text-blue-700 underline" href="/workspace/admin/webhooks">"Webhooks"</a>
                    <a class="text-blue-700 underline" href="/workspace/admin/reminders">"Delivery and reminders"</a>
                    <a class="text-blue-700 underline" href="/workspace/admin/domains">"Domains"</a>
                    <a class="text-blue-700 underline" href="/workspace/admin/support">"Support access"</a>
                    <a class="text-blue-700 underline" href="/workspace/queues/admin">"Admin queue"</a>
                </nav>
                {c.notice.clone().map(|n| view! {
                    <div role="status" class="mt-4 rounded border border-emerald-300 bg-emerald-50 p-3 text-sm">
                        <p>{n.message}</p>
                        {n.secret.map(|s| view! { <p class="mt-2">"Secret: " <code data-testid="new-secret" class="select-all rounded bg-white px-2 py-1">{s}</code></p> })}
                    </div>
                })}
                <Suspense fallback=|| view! { <p class="p-4 text-slate-500">"Loading…"</p> }>
                    {move || {
                        let csrf = csrf.clone();
                        Suspend::new(async move {
                            match data.await {
                                Ok(d) => admin_view(d, csrf).into_any(),
                                Err(e) => view! { <p role="alert" class="mt-4 text-red-700">{e.to_string()}</p> }.into_any(),
                            }
                        })
                    }}
                </Suspense>
            }
        }/>
    }
}

fn admin_view(d: AdminView, csrf: String) -> impl IntoView {
    let csrf2 = csrf.clone();
    let csrf3 = csrf.clone();
    view! {
        <h2 class="mt-6 text-lg font-semibold">"API clients"</h2>
        <p class="text-sm text-slate-600">"Systems of record sign in with these to push events (OAuth 2 client credentials at /api/v1/oauth/token). Each writes events only under its event sources (space-separated; by default its own name), so no integration can claim another's event ids."</p>
        <table class="mt-2 w-full bg-white text-left text-sm shadow-sm" data-testid="api-clients">
            <thead class="bg-slate-100"><tr><th class="p-2">"Name"</th><th class="p-2">"Scopes"</th><th class="p-2">"Event sources"</th><th class="p-2">"State"</th><th class="p-2"></th></tr></thead>
            <tbody>{d.clients.into_iter().map(|c| {
                let action = format!("/workspace/admin/api-clients/{}/{}", c.id, if c.disabled { "enable" } else { "disable" });
                let sources_action = format!("/workspace/admin/api-clients/{}/sources", c.id);
                let sources_label = format!("Event sources of {}", c.name);
                view! {
                    <tr class="border-t"><td class="p-2">{c.name.clone()}</td><td class="p-2">{c.scopes}</td>
                        <td class="p-2"><form method="post" action=sources_action class="flex gap-1">
                            <input type="hidden" name="csrf" value=csrf.clone()/>
                            <input name="sources" value=c.sources aria-label=sources_label class="w-48 rounded border border-slate-300 p-1"/>
                            <button type="submit" class="rounded border px-2 py-0.5">"Save"</button>
                        </form></td>
                        <td class="p-2">{if c.disabled { "disabled" } else { "active" }}</td>
                        <td class="p-2"><form method="post" action=action>
                            <input type="hidden" name="csrf" value=csrf.clone()/>
                            <button type="submit" class="rounded border px-2 py-0.5">{if c.disabled { format!("Enable {}", c.name) } else { format!("Disable {}", c.name) }}</button>
                        </form></td></tr>
                }
            }).collect_view()}</tbody>
        </table>
        <form method="post" action="/workspace/admin/api-clients" class="mt-3 flex flex-wrap items-end gap-3 rounded bg-white p-3 text-sm shadow-sm">
            <input type="hidden" name="csrf" value=csrf2/>
            <label>"Client name"<br/><input name="name" required class="rounded border border-slate-300 p-1.5"/></label>
            <label><input type="checkbox" name="read" value="on" checked/> " read"</label>
            <label><input type="checkbox" name="write" value="on"/> " write"</label>
            <label>"Event sources"<br/><input name="sources" placeholder="its own name" class="rounded border border-slate-300 p-1.5"/></label>
            <button type="submit" class="rounded bg-accent px-3 py-1.5 font-medium text-white">"Create API client"</button>
        </form>
        <h2 class="mt-8 text-lg font-semibold">"Users"</h2>
        <table class="mt-2 w-full bg-white text-left text-sm shadow-sm" data-testid="users">
            <thead class="bg-slate-100"><tr><th class="p-2">"Name"</th><th class="p-2">"E-mail"</th><th class="p-2">"Role"</th><th class="p-2">"State"</th><th class="p-2"></th></tr></thead>
            <tbody>{d.users.into_iter().map(|u| {
                let action = if u.disabled { "/workspace/admin/users/enable" } else { "/workspace/admin/users/disable" };
                view! {
                    <tr class="border-t"><td class="p-2">{u.name.clone()}</td><td class="p-2">{u.email.clone()}</td><td class="p-2">{u.role}</td>
                        <td class="p-2">{if u.disabled { "disabled" } else { "active" }}</td>
                        <td class="p-2">{(!u.is_me).then(|| view! {
                            <form method="post" action=action>
                                <input type="hidden" name="csrf" value=csrf3.clone()/>
                                <input type="hidden" name="email" value=u.email.clone()/>
                                <button type="submit" class="rounded border px-2 py-0.5">{if u.disabled { format!("Enable {}", u.email) } else { format!("Disable {}", u.email) }}</button>
                            </form>
                        })}</td></tr>
                }
            }).collect_view()}</tbody>
        </table>
    }
}
