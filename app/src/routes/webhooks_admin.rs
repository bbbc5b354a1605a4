//! The tenant admin's webhook pages: the endpoints with a form to add one, and one endpoint
//! (change it, rotate its secret, send a test event, replay what failed since a time) with
//! its latest deliveries and every attempt. All plain forms that post and redirect back with
//! a notice, so they work before the wasm has loaded and after.
use super::{Frame, notice};
use super::orders::LocalTime;
use crate::webhooks_admin::{DeliveryRow, EndpointPage, EndpointRow, FAMILIES, LIST, admin_webhook, admin_webhooks, endpoint_href};
use crate::PageCtx;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

const INPUT: &str = "w-full rounded border border-slate-300 p-1.5";
const BUTTON: &str = "rounded border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium";
const PRIMARY: &str = "rounded bg-accent px-3 py-1.5 text-sm font-medium text-white";


fn refused() -> AnyView {
    #[cfg(feature = "ssr")]
    if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
        r.set_status(http::StatusCode::FORBIDDEN);
    }
    view! { <p role="alert" class="mt-4 text-red-700">"Only tenant admins can manage webhooks."</p> }.into_any()
}


/// The fields an endpoint is made of (create and change share them).
fn endpoint_fields(e: Option<&EndpointRow>) -> impl IntoView + use<> {
    let (url, description, types, enabled, customer) = e.map_or((String::new(), String::new(), "*".to_owned(), true, String::new()), |e| (e.url.clone(), e.description.clone(), e.event_types.clone(), e.enabled, e.customer.clone()));
    view! {
        <label class="block text-sm">"URL" <input name="url" type="url" required value=url placeholder="https://erp.example.com/hooks/throughline" class=INPUT/></label>
        <label class="mt-2 block text-sm">"Description" <input name="description" value=description placeholder="Which system listens here" class=INPUT/></label>
        <label class="mt-2 block text-sm">"Event types" <input name="event_types" required value=types class=INPUT aria-describedby="types-help"/></label>
        <p id="types-help" class="text-xs text-slate-600">"Separate with spaces: " {FAMILIES} ", or exact kinds such as invoice.posted."</p>
        <label class="mt-2 block text-sm">"Customer (optional)" <input name="customer" value=customer placeholder="C-1001" class=INPUT aria-describedby="customer-help"/></label>
        <p id="customer-help" class="text-xs text-slate-600">"A customer's own endpoint receives that customer's invoices when its invoice channels include Webhook, and no other events."</p>
        <label class="mt-2 inline-flex items-center gap-2 text-sm"><input type="checkbox" name="enabled" value="on" checked=enabled/> "Enabled"</label>
    }
}

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| admin_webhooks());
    view! {
        <Frame body=move |c: PageCtx| {
            if !super::is_tenant_admin(&c) {
                return refused();
            }
            let csrf = c.csrf.clone();
            view! {
                <h1 class="text-2xl font-semibold">"Webhooks"</h1>
                <p class="text-sm text-slate-600">"Other systems hear about every business event they subscribe to, signed the Standard Webhooks way and retried for about 28 hours."</p>
                {notice(c.notice.clone())}
                <Suspense fallback=|| view! { <p class="p-4 text-slate-500">"Loading endpoints…"</p> }>
                    {move || Suspend::new(async move {
                        match data.await {
                            Ok(rows) => endpoints_table(rows).into_any(),
                            Err(e) => view! { <p role="alert" class="mt-4 text-red-700">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
                <section aria-labelledby="add-h" class="mt-6 max-w-xl rounded bg-white p-4 shadow-sm">
                    <h2 id="add-h" class="text-lg font-semibold">"Add an endpoint"</h2>
                    <form method="post" action=format!("{LIST}/new") class="mt-2">
                        <input type="hidden" name="csrf" value=csrf/>
                        {endpoint_fields(None)}
                        <div class="mt-3"><button type="submit" class=PRIMARY>"Add endpoint"</button></div>
                    </form>
                </section>
            }
            .into_any()
        }/>
    }
}

fn endpoints_table(rows: Vec<EndpointRow>) -> impl IntoView {
    let empty = rows.is_empty();
    view! {
        <table class="mt-4 w-full bg-white text-left text-sm shadow-sm" data-testid="endpoints-table">
            <thead class="bg-slate-100"><tr><th class="p-2">"Endpoint"</th><th class="p-2">"Events"</th><th class="p-2">"State"</th></tr></thead>
            <tbody>{rows.into_iter().map(|r| view! {
                <tr class="border-t" data-testid="endpoint-row">
                    <td class="p-2"><a class="break-all font-medium text-blue-700 underline" href=endpoint_href(&r.id)>{r.url}</a>
                        <span class="block text-xs text-slate-600">{r.description}</span>
                        {(!r.customer.is_empty()).then(|| view! { <span class="block text-xs font-medium">"Customer " {r.customer.clone()} "'s invoices"</span> })}</td>
                    <td class="p-2"><code class="text-xs">{r.event_types}</code></td>
                    <td class=if r.trouble { "p-2 font-medium text-red-800" } else { "p-2" }>{r.state}</td>
                </tr>
            }).collect_view()}</tbody>
        </table>
        {empty.then(|| view! { <p class="mt-4 text-slate-600">"No endpoints yet. Add one below, then send it a test event."</p> })}
    }
}

#[component]
pub fn WebhookPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let data = Resource::new(id, admin_webhook);
    view! {
        <Frame body=move |c: PageCtx| {
            if !super::is_tenant_admin(&c) {
                return refused();
            }
            let csrf = c.csrf.clone();
            view! {
                <p class="text-sm"><a class="text-blue-700 underline" href=LIST>"All webhooks"</a></p>
                {notice(c.notice.clone())}
                <Suspense fallback=|| view! { <p class="p-4 text-slate-500">"Loading the endpoint…"</p> }>
                    {move || {
                        let csrf = csrf.clone();
                        Suspend::new(async move {
                            match data.await {
                                Ok(Some(p)) => endpoint_view(p, csrf).into_any(),
                                Ok(None) => {
                                    #[cfg(feature = "ssr")]
                                    if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
                                        r.set_status(http::StatusCode::NOT_FOUND);
                                    }
                                    view! { <h1 class="mt-4 text-xl font-semibold">"No such endpoint"</h1> }.into_any()
                                }
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

fn action_form(action: String, csrf: String, label: &'static str, testid: &'static str) -> impl IntoView {
    view! {
        <form method="post" action=action class="inline">
            <input type="hidden" name="csrf" value=csrf/>
            <button type="submit" class=BUTTON data-testid=testid>{label}</button>
        </form>
    }
}

fn endpoint_view(p: EndpointPage, csrf: String) -> impl IntoView {
    let e = p.endpoint;
    let href = endpoint_href(&e.id);
    view! {
        <h1 class="mt-2 break-all text-2xl font-semibold">{e.url.clone()}</h1>
        <p class=if e.trouble { "font-medium text-red-800" } else { "text-slate-700" } data-testid="endpoint-state">{e.state.clone()}</p>
        <div class="mt-3 flex flex-wrap gap-2">
            {action_form(format!("{href}/test"), csrf.clone(), "Send a test event", "send-test")}
            {action_form(format!("{href}/rotate"), csrf.clone(), "Rotate the secret", "rotate")}
        </div>
        <section aria-labelledby="edit-h" class="mt-6 max-w-xl rounded bg-white p-4 shadow-sm">
            <h2 id="edit-h" class="text-lg font-semibold">"Settings"</h2>
            <form method="post" action=format!("{href}/settings") class="mt-2">
                <input type="hidden" name="csrf" value=csrf.clone()/>
                {endpoint_fields(Some(&e))}
                <div class="mt-3"><button type="submit" class=PRIMARY>"Save"</button></div>
            </form>
        </section>
        <section aria-labelledby="replay-h" class="mt-6 max-w-xl rounded bg-white p-4 shadow-sm">
            <h2 id="replay-h" class="text-lg font-semibold">"Replay what failed"</h2>
            <form method="post" action=format!("{href}/replay") class="mt-2 flex flex-wrap items-end gap-3">
                <input type="hidden" name="csrf" value=csrf.clone()/>
                <label class="text-sm">"Since (UTC)" <input name="since" type="datetime-local" required class=INPUT/></label>
                <button type="submit" class=BUTTON>"Replay failed deliveries"</button>
            </form>
        </section>
        <h2 class="mt-6 text-lg font-semibold">"Latest deliveries"</h2>
        {p.deliveries.is_empty().then(|| view! { <p class="mt-2 text-slate-600">"Nothing sent yet. Send a test event to check the receiver."</p> })}
        <ul class="mt-2 space-y-2" data-testid="deliveries">{p.deliveries.into_iter().map(|d| delivery_view(d, &href, &csrf)).collect_view()}</ul>
    }
}

fn delivery_view(d: DeliveryRow, href: &str, csrf: &str) -> impl IntoView + use<> {
    let colour = match d.status.as_str() {
        "succeeded" => "bg-emerald-100 text-emerald-900",
        "dead" => "bg-red-100 text-red-900",
        _ => "bg-amber-100 text-amber-900",
    };
    let replay = (d.status != "pending" || d.attempts > 0).then(|| action_form(format!("{href}/deliveries/{}/replay", d.id), csrf.to_owned(), "Replay", "replay"));
    view! {
        <li class="rounded bg-white p-3 text-sm shadow-sm" data-testid="delivery">
            <div class="flex flex-wrap items-center gap-2">
                <span class=format!("rounded px-2 py-0.5 text-xs font-medium {colour}") data-testid="delivery-status">{d.status.clone()}</span>
                <code>{d.event_type}</code>
                <span class="text-slate-600">{d.webhook_id}</span>
                <span class="text-slate-600"><LocalTime iso=d.created_at/></span>
                <span>{format!("{} attempt{}", d.attempts, if d.attempts == 1 { "" } else { "s" })}</span>
                {d.next_at.map(|at| view! { <span class="text-slate-600">"next " <LocalTime iso=at/></span> })}
                {replay}
            </div>
            <details class="mt-2">
                <summary class="cursor-pointer text-blue-700">"Attempts"</summary>
                <ol class="mt-2 space-y-2">{d.tries.into_iter().map(|a| view! {
                    <li class="border-l-2 border-slate-300 pl-2">
                        <p><LocalTime iso=a.at/> " · " <strong>{a.outcome}</strong> " · " {format!("{} ms", a.duration_ms)}</p>
                        <pre class="mt-1 overflow-x-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 text-xs">{a.request_headers}</pre>
                        {(!a.response_excerpt.is_empty()).then(|| view! { <pre class="mt-1 overflow-x-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 text-xs">{a.response_excerpt}</pre> })}
                    </li>
                }).collect_view()}</ol>
            </details>
        </li>
    }
}
