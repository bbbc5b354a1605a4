//! The partner's branding editor for one tenant: a plain form that posts and redirects back
//! with a notice (so it works before the wasm has loaded), with a live preview of the header,
//! a button and the footer as the colours and names are typed.
use super::tenant_page;
use crate::branding_admin::{BrandingView, branding_data, branding_href, images_href};
use leptos::prelude::*;

const INPUT: &str = "w-full rounded border border-slate-300 p-1.5";


#[component]
pub fn BrandingPage() -> impl IntoView {
    tenant_page(branding_data, "Loading the brand…", editor)
}

fn editor(b: BrandingView, csrf: String) -> AnyView {
    let action = branding_href(&b.slug);
    let images = images_form(&b, csrf.clone());
    let csrf_follow = csrf.clone();
    view! {
        <h1 class="mt-2 text-2xl font-semibold">{format!("Branding of {}", b.name)}</h1>
        <p class="text-sm text-slate-600">"What this tenant's users see on every page, e-mail and invoice PDF. White text sits on both colours, so each needs a contrast of at least 4.5:1 (WCAG AA)."</p>
        <form method="post" action=action class="mt-4 grid gap-4 md:grid-cols-2">
            <input type="hidden" name="csrf" value=csrf/>
            <BrandFields b=b.clone()/>
            <div class="md:col-span-2"><button type="submit" class="rounded bg-accent px-3 py-1.5 text-sm font-medium text-white">"Save branding"</button></div>
        </form>
        {follow(&b, csrf_follow)}
        {images}
    }
    .into_any()
}

/// Whether the brand follows the partner's default, and the button that makes it do so again.
fn follow(b: &BrandingView, csrf: String) -> impl IntoView + use<> {
    let state = if b.inherited { "This brand follows your default brand: a change of the default changes it. Saving the form above gives it a brand of its own." } else { "This tenant has a brand of its own." };
    let button = (!b.inherited && b.partner_has_brand).then(|| {
        view! {
            <form method="post" action=format!("{}/follow", branding_href(&b.slug)) class="mt-2">
                <input type="hidden" name="csrf" value=csrf/>
                <button type="submit" class="rounded border border-slate-300 px-3 py-1.5 text-sm">"Use the partner's default brand"</button>
            </form>
        }
    });
    view! { <section class="mt-4 rounded bg-white p-4 text-sm shadow-sm" data-testid="brand-source"><p>{state}</p>{button}</section> }
}

const IMAGE_TYPES: &str = "image/png,image/jpeg,image/webp,image/svg+xml,.svg";

/// Logo and favicon: a multipart form that posts without scripts.
fn images_form(b: &BrandingView, csrf: String) -> AnyView {
    let current = |url: &str, testid: &'static str, none: &'static str| match url {
        "" => view! { <p class="text-sm text-slate-600" data-testid=testid>{none}</p> }.into_any(),
        u => view! { <img src=u.to_owned() alt="" data-testid=testid class="h-12 max-w-48 rounded border bg-slate-100 object-contain p-1"/> }.into_any(),
    };
    let remove = |has: bool, value: &'static str, label: &'static str| has.then(|| view! { <button type="submit" name="remove" value=value class="rounded border border-slate-300 px-3 py-1.5 text-sm">{label}</button> });
    view! {
        <form method="post" action=images_href(&b.slug) enctype="multipart/form-data" class="mt-6 rounded bg-white p-4 shadow-sm" aria-labelledby="images-title">
            <h2 id="images-title" class="text-lg font-semibold">"Logo and favicon"</h2>
            <p class="text-sm text-slate-600">"PNG, JPEG, WebP or SVG, at most 4096 pixels a side; a logo up to 512 KB, a favicon up to 128 KB. An SVG is cleaned before it is kept: scripts, links and anything it would fetch are removed and its text becomes outlines. Without a favicon, the browser tab shows the logo."</p>
            <input type="hidden" name="csrf" value=csrf/>
            <div class="mt-3 grid gap-4 md:grid-cols-2">
                <div>
                    {current(&b.logo_url, "current-logo", "No logo yet.")}
                    <label class="mt-2 block text-sm">"Logo" <input type="file" name="logo" accept=IMAGE_TYPES class="block text-sm"/></label>
                </div>
                <div>
                    {current(&b.favicon_url, "current-favicon", "No favicon: the tab shows the logo.")}
                    <label class="mt-2 block text-sm">"Favicon" <input type="file" name="favicon" accept=IMAGE_TYPES class="block text-sm"/></label>
                </div>
            </div>
            <div class="mt-3 flex flex-wrap gap-2">
                <button type="submit" class="rounded bg-accent px-3 py-1.5 text-sm font-medium text-white">"Upload"</button>
                {remove(!b.logo_url.is_empty(), "logo", "Remove logo")}
                {remove(!b.favicon_url.is_empty(), "favicon", "Remove favicon")}
            </div>
        </form>
    }
    .into_any()
}

/// The fields and, beside them, a preview that follows what is typed once scripts run.
#[island]
pub(crate) fn BrandFields(b: BrandingView) -> impl IntoView {
    let product = RwSignal::new(b.product_name.clone());
    let primary = RwSignal::new(b.primary_color.clone());
    let accent = RwSignal::new(b.accent_color.clone());
    let footer = RwSignal::new(b.footer_text.clone());
    let powered = RwSignal::new(b.powered_by);
    let powered_line = format!("Powered by {}", b.partner_name);
    let contact = format!("{} {}", b.support_email, b.support_phone).trim().to_owned();
    let fields = view! {
        <div class="rounded bg-white p-4 shadow-sm">
            <label class="block text-sm">"Product name"
                <input name="product_name" required maxlength="60" value=b.product_name.clone() on:input=move |e| product.set(event_target_value(&e)) class=INPUT/></label>
            <label class="mt-2 block text-sm">"Primary colour (header, e-mail banner, PDF rules)"
                <span class="flex gap-2"><input type="color" aria-label="Pick the primary colour" value=b.primary_color.clone() prop:value=move || primary.get() on:input=move |e| primary.set(event_target_value(&e))/>
                <input name="primary_color" aria-label="Primary colour" required pattern="#[0-9a-fA-F]{6}" value=b.primary_color.clone() prop:value=move || primary.get() on:input=move |e| primary.set(event_target_value(&e)) class=INPUT/></span></label>
            <p class="text-xs text-slate-600" data-testid="primary-contrast">{format!("Saved: white text on it {}", b.primary_contrast)}</p>
            <label class="mt-2 block text-sm">"Accent colour (buttons, links)"
                <span class="flex gap-2"><input type="color" aria-label="Pick the accent colour" value=b.accent_color.clone() prop:value=move || accent.get() on:input=move |e| accent.set(event_target_value(&e))/>
                <input name="accent_color" aria-label="Accent colour" required pattern="#[0-9a-fA-F]{6}" value=b.accent_color.clone() prop:value=move || accent.get() on:input=move |e| accent.set(event_target_value(&e)) class=INPUT/></span></label>
            <p class="text-xs text-slate-600" data-testid="accent-contrast">{format!("Saved: white text on it {}", b.accent_contrast)}</p>
            <label class="mt-2 block text-sm">"Support e-mail" <input name="support_email" type="email" value=b.support_email.clone() class=INPUT/></label>
            <label class="mt-2 block text-sm">"Support phone" <input name="support_phone" value=b.support_phone.clone() class=INPUT/></label>
            <label class="mt-2 block text-sm">"Footer text" <input name="footer_text" maxlength="200" value=b.footer_text.clone() on:input=move |e| footer.set(event_target_value(&e)) class=INPUT/></label>
            <label class="mt-3 flex items-start gap-2 text-sm"><input type="checkbox" name="powered_by" value="on" checked=b.powered_by on:change=move |e| powered.set(event_target_checked(&e))/>
                <span>{format!("Show \"{powered_line}\" at the foot of its pages, e-mails and invoice PDFs")}<span class="block text-xs text-slate-600">"Only you, its partner, can switch this on or off."</span></span></label>
        </div>
    }
    .into_any();
    let preview = view! {
        <div aria-label="Preview" data-testid="brand-preview" class="overflow-hidden rounded border bg-slate-50 shadow-sm">
            <div class="flex items-center gap-2 p-3 font-semibold text-white" style=move || format!("background:{}", primary.get())>
                {(!b.logo_url.is_empty()).then(|| view! { <img src=b.logo_url.clone() alt="" class="h-7 max-w-32 rounded bg-white/10 object-contain"/> })}
                {move || product.get()}
            </div>
            <div class="p-4 text-sm">
                <p>"Invoice INV-1001 is ready."</p>
                <span class="mt-2 inline-block rounded px-3 py-1.5 text-white" style=move || format!("background:{}", accent.get())>"View invoice"</span>
            </div>
            <div class="border-t p-3 text-xs text-slate-600">{move || footer.get()} " " {contact.clone()} {move || powered.get().then(|| format!(" · {powered_line}"))}</div>
        </div>
    }
    .into_any();
    view! { {fields} {preview} }
}
