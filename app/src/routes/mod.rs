//! Pages. Each one loads the [`PageCtx`](crate::PageCtx) and renders inside [`Frame`].
use crate::{Notice, PageCtx, load_page};
use leptos::prelude::*;

pub mod admin;
pub mod audit_admin;
pub mod branding_admin;
pub mod customers_admin;
pub mod domains_admin;
pub mod exports_admin;
pub mod support_admin;
pub mod team;
pub mod policies;
pub mod exception_page;
pub mod invite;
pub mod invoices;
pub mod jobs_admin;
pub mod orders;
pub mod partner;
pub mod portal;
pub mod queues;
pub mod reminders_admin;
pub mod rules_admin;
pub mod webhooks_admin;

/// Loads the page context and renders `body` with it, under the branded header.
#[component]
pub(crate) fn Frame<F, V>(body: F) -> impl IntoView
where
    F: Fn(PageCtx) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let ctx = Resource::new(|| (), |_| load_page());
    let body = std::sync::Arc::new(body);
    view! {
        <Suspense fallback=|| view! { <p class="p-8 text-slate-500">"Loading…"</p> }>
            {move || {
                let body = body.clone();
                Suspend::new(async move {
                    match ctx.await {
                        Ok(c) => view! { <Header ctx=c.clone()/> <main class="mx-auto max-w-5xl p-6">{body(c.clone())}</main> <Footer brand=c.brand/> }.into_any(),
                        Err(e) => view! { <p role="alert" class="p-8 text-red-700">"This page could not be loaded: " {e.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// A partner console page about one tenant (`/partner/tenants/:slug/…`): [`loaded_page`] of
/// what `load` answers for the tenant, below a link back to the console.
pub(crate) fn tenant_page<T, L, Fut>(load: L, loading: &'static str, body: fn(T, String) -> AnyView) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    L: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, ServerFnError>> + Send + 'static,
{
    let params = leptos_router::hooks::use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    loaded_page(("/partner", "Partner console"), Resource::new(slug, load), loading, body)
}

/// A page of one loaded thing: the link `back` (href, words), the one-time notice, then `body`
/// of what `data` answers (with the page's CSRF token for its forms), or why it cannot be shown.
pub(crate) fn loaded_page<T>(back: (&'static str, &'static str), data: Resource<Result<T, ServerFnError>>, loading: &'static str, body: fn(T, String) -> AnyView) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
{
    view! {
        <Frame body=move |c: PageCtx| {
            let csrf = c.csrf.clone();
            let notice_view = notice(c.notice.clone());
            view! {
                <p class="text-sm"><a href=back.0 class="underline">{back.1}</a></p>
                {notice_view}
                <Suspense fallback=move || view! { <p class="p-4 text-slate-500">{loading}</p> }>
                    {move || {
                        let csrf = csrf.clone();
                        Suspend::new(async move {
                            match data.await {
                                Ok(v) => body(v, csrf),
                                Err(e) => view! { <p role="alert" class="mt-4 text-red-700">{e.to_string().trim_start_matches("error running server function: ").to_owned()}</p> }.into_any(),
                            }
                        })
                    }}
                </Suspense>
            }
        }/>
    }
}

/// The one-time notice after a form post: a refusal (starting "Not ") as an alert in red, else
/// a status in green; with a new secret, shown once.
pub(crate) fn notice(n: Option<Notice>) -> impl IntoView {
    n.map(|n| {
        let refused = n.message.starts_with("Not ");
        let class = if refused { "mt-4 rounded border border-red-300 bg-red-50 p-3 text-sm text-red-800" } else { "mt-4 rounded border border-emerald-300 bg-emerald-50 p-3 text-sm" };
        view! {
            <div role=if refused { "alert" } else { "status" } data-testid="notice" class=class>
                <p>{n.message}</p>
                {n.secret.map(|s| view! { <p class="mt-2">"Signing secret: " <code data-testid="new-secret" class="select-all break-all rounded bg-white px-2 py-1">{s}</code></p> })}
            </div>
        }
    })
}

/// The tenant's footer line, support contact and "Powered by" line, when it has them.
#[component]
fn Footer(brand: crate::Brand) -> impl IntoView {
    let mail = (!brand.support_email.is_empty()).then(|| {
        let href = format!("mailto:{}", brand.support_email);
        view! { <a class="underline" href=href>{brand.support_email.clone()}</a> }
    });
    let phone = (!brand.support_phone.is_empty()).then(|| brand.support_phone.clone());
    let powered = (!brand.powered_by.is_empty()).then(|| format!("Powered by {}", brand.powered_by));
    let any = !brand.footer_text.is_empty() || mail.is_some() || phone.is_some() || powered.is_some();
    any.then(|| view! {
        <footer data-testid="brand-footer" class="mx-auto max-w-5xl border-t px-6 py-4 text-xs text-slate-600">
            <span>{brand.footer_text.clone()}</span>
            {(mail.is_some() || phone.is_some()).then(|| view! { <span class="ml-2">"Support: " {mail} " " {phone}</span> })}
            {powered.map(|p| view! { <span class="ml-2" data-testid="powered-by">{p}</span> })}
        </footer>
    })
}

#[component]
fn Header(ctx: PageCtx) -> impl IntoView {
    let viewer = ctx.viewer.clone();
    view! {
        <header data-testid="brand-header" class="bg-brand text-white">
            <div class="mx-auto flex max-w-5xl flex-wrap items-center gap-x-3 gap-y-2 p-4">
                {(!ctx.brand.logo_url.is_empty()).then(|| view! { <img src=ctx.brand.logo_url.clone() alt="" data-testid="brand-logo" class="h-9 w-auto max-w-40 rounded bg-white/10 object-contain"/> })}
                <span data-testid="product-name" class="text-lg font-semibold">{ctx.brand.product_name.clone()}</span>
                <span class="text-sm opacity-80">{ctx.brand.org_name.clone()}</span>
                <span class="flex-1"></span>
                {viewer.clone().filter(|v| matches!(v.role.as_str(), "tenant_admin" | "ar_clerk" | "customer_service")).map(|v| view! {
                    <nav class="flex gap-3 text-sm font-medium">
                        <a href="/workspace" class="hover:underline">"Workspace"</a>
                        <a href=crate::queues::MY_WORK class="hover:underline">"My work"</a>
                        <a href=crate::queues::queue_href(crate::queues::home_queue(&v.role)) class="hover:underline">"Queues"</a>
                        <a href="/workspace/orders" class="hover:underline">"Orders"</a>
                    </nav>
                })}
                {viewer.clone().filter(|v| v.role == "customer").map(|_| view! {
                    <a href="/portal" class="text-sm font-medium hover:underline">"Portal"</a>
                })}
                {viewer.clone().filter(|v| v.role == "tenant_admin").map(|_| view! {
                    <a href="/workspace/admin" class="text-sm font-medium hover:underline">"Admin"</a>
                })}
                {viewer.map(|v| view! {
                    <span class="text-sm">{v.name} " · " {v.role_label}</span>
                    <form method="post" action="/logout">
                        <input type="hidden" name="csrf" value=ctx.csrf.clone()/>
                        <button type="submit" class="rounded border border-white/60 px-3 py-1 text-sm hover:bg-white/10">"Sign out"</button>
                    </form>
                })}
            </div>
        </header>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    view! {
        <Frame body=|c: PageCtx| {
            let flash = c.flash.clone();
            let email = flash.as_ref().map(|f| f.email.clone()).unwrap_or_default();
            view! {
                <section class="mx-auto mt-10 max-w-sm rounded-lg bg-white p-6 shadow">
                    <h1 class="mb-4 text-xl font-semibold">"Sign in to " {c.brand.product_name.clone()}</h1>
                    {flash.map(|f| view! { <p role="alert" class="mb-4 rounded bg-red-50 p-3 text-sm text-red-800">{f.message}</p> })}
                    <form method="post" action="/login" class="space-y-4">
                        <input type="hidden" name="csrf" value=c.csrf.clone()/>
                        <div>
                            <label for="email" class="block text-sm font-medium">"Email"</label>
                            <input id="email" name="email" type="email" autocomplete="username" required value=email
                                class="mt-1 w-full rounded border border-slate-300 p-2"/>
                        </div>
                        <div>
                            <label for="password" class="block text-sm font-medium">"Password"</label>
                            <input id="password" name="password" type="password" autocomplete="current-password" required
                                class="mt-1 w-full rounded border border-slate-300 p-2"/>
                        </div>
                        <button type="submit" class="w-full rounded bg-accent p-2 font-medium text-white">"Sign in"</button>
                    </form>
                </section>
            }
        }/>
    }
}

/// Whether the page's viewer is a tenant admin (the admin pages show nothing to others; their
/// server functions refuse others too).
pub(crate) fn is_tenant_admin(c: &PageCtx) -> bool {
    c.viewer.as_ref().is_some_and(|v| v.role == "tenant_admin")
}

pub(crate) fn who(c: &PageCtx) -> impl IntoView + use<> {
    let v = c.viewer.clone();
    view! {
        <dl class="mt-4 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            <dt class="text-slate-500">"Signed in as"</dt><dd data-testid="viewer-name">{v.as_ref().map(|v| v.name.clone())}</dd>
            <dt class="text-slate-500">"Role"</dt><dd data-testid="viewer-role">{v.as_ref().map(|v| v.role_label.clone())}</dd>
            <dt class="text-slate-500">"Organisation"</dt><dd data-testid="org-name">{c.brand.org_name.clone()}</dd>
        </dl>
    }
}

#[component]
pub fn WorkspaceHome() -> impl IntoView {
    view! {
        <Frame body=|c: PageCtx| view! {
            <h1 class="text-2xl font-semibold">"Staff workspace"</h1>
            {who(&c)}
            <queues::QueueSummary/>
        }/>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
        r.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="mx-auto max-w-xl p-10">
            <h1 class="text-2xl font-semibold">"Page not found"</h1>
            <p class="mt-2"><a class="underline" href="/">"Go to the start page"</a></p>
        </main>
    }
}
