//! The support pages: the partner's (ask to enter a tenant's workspace, enter it) and the
//! tenant admin's (require approval, approve, deny, end). Plain forms.
use super::orders::LocalTime;
use super::{loaded_page, tenant_page};
use crate::support_admin::{ADMIN_SUPPORT, SupportRow, SupportView, admin_support_data, support_data, support_href};
use leptos::prelude::*;

const BUTTON: &str = "rounded border border-slate-300 px-2 py-1 text-sm";

#[component]
pub fn SupportPage() -> impl IntoView {
    tenant_page(support_data, "Loading the support sessions…", console)
}

#[component]
pub fn AdminSupportPage() -> impl IntoView {
    loaded_page(("/workspace/admin", "Administration"), Resource::new(|| (), |_| admin_support_data()), "Loading the support sessions…", admin)
}

fn console(v: SupportView, csrf: String) -> AnyView {
    let action = support_href(&v.slug);
    let approval = if v.approval_required { "Its admins approve each session before you can enter." } else { "Its admins do not require approval: a session opens at once." };
    let table = sessions(&v, csrf.clone(), move |r, csrf, slug| {
        (r.mine && r.active).then(|| {
            let enter = format!("{}/{}/enter", support_href(&slug), r.id);
            view! { <form method="post" action=enter><input type="hidden" name="csrf" value=csrf/><button type="submit" class=BUTTON>"Enter workspace"</button></form> }.into_any()
        })
    });
    view! {
        <h1 class="mt-2 text-2xl font-semibold">{format!("Support access to {}", v.name)}</h1>
        <p class="text-sm text-slate-600">"You enter a tenant's workspace only through a support session: for a limited time, as a tenant admin under your own name, every step in the tenant's audit trail. " {approval}</p>
        <form method="post" action=action class="mt-4 flex flex-wrap items-end gap-3 rounded bg-white p-4 shadow-sm">
            <input type="hidden" name="csrf" value=csrf/>
            <label class="block flex-1 text-sm">"Why you need to enter" <input name="reason" required maxlength="200" class="w-full rounded border border-slate-300 p-1.5"/></label>
            <label class="block text-sm">"For"
                <select name="minutes" class="block rounded border border-slate-300 p-1.5">
                    <option value="15">"15 minutes"</option><option value="30" selected>"30 minutes"</option><option value="60">"1 hour"</option><option value="120">"2 hours"</option><option value="240">"4 hours"</option>
                </select></label>
            <button type="submit" class="rounded bg-accent px-3 py-1.5 text-sm font-medium text-white">"Ask for a support session"</button>
        </form>
        {table}
    }
    .into_any()
}

fn admin(v: SupportView, csrf: String) -> AnyView {
    let policy = view! {
        <form method="post" action=format!("{ADMIN_SUPPORT}/policy") class="mt-4 rounded bg-white p-4 shadow-sm">
            <input type="hidden" name="csrf" value=csrf.clone()/>
            <label class="flex items-start gap-2 text-sm"><input type="checkbox" name="required" value="on" checked=v.approval_required/>
                <span>"Require an admin's approval before a partner enters this workspace"<span class="block text-xs text-slate-600">"Your partner's staff enter only through support sessions, for a limited time and under their own names; everything they do is in the audit trail."</span></span></label>
            <button type="submit" class="mt-2 rounded bg-accent px-3 py-1.5 text-sm font-medium text-white">"Save"</button>
        </form>
    };
    let table = sessions(&v, csrf, |r, csrf, _| {
        let act = |what: &'static str, label: &'static str| {
            let action = format!("{ADMIN_SUPPORT}/{}/{what}", r.id);
            view! { <form method="post" action=action class="inline"><input type="hidden" name="csrf" value=csrf.clone()/><button type="submit" class=BUTTON>{label}</button></form> }
        };
        match (r.status.as_str(), r.active) {
            ("requested", _) => Some(view! { {act("approve", "Approve")} " " {act("deny", "Deny")} }.into_any()),
            ("approved", true) => Some(act("end", "End now").into_any()),
            _ => None,
        }
    });
    view! {
        <h1 class="mt-2 text-2xl font-semibold">"Support access"</h1>
        {policy}
        {table}
    }
    .into_any()
}

/// The sessions, each with what the viewer may do with it.
fn sessions(v: &SupportView, csrf: String, actions: impl Fn(&SupportRow, String, String) -> Option<AnyView>) -> AnyView {
    if v.rows.is_empty() {
        return view! { <p class="mt-4 text-sm text-slate-600">"No support session has been asked for yet."</p> }.into_any();
    }
    let rows = v
        .rows
        .iter()
        .map(|r| {
            let until = (!r.expires_at.is_empty()).then(|| view! { " until " <LocalTime iso=r.expires_at.clone()/> });
            view! {
                <tr class="border-b" data-testid="support-row">
                    <td class="p-2"><LocalTime iso=r.requested_at.clone()/></td>
                    <td class="p-2">{r.who.clone()}</td>
                    <td class="p-2">{r.reason.clone()} <span class="text-xs text-slate-600">{format!(" ({} min)", r.minutes)}</span></td>
                    <td class="p-2" data-testid="support-state">{r.state.clone()} {until}</td>
                    <td class="p-2">{actions(r, csrf.clone(), v.slug.clone())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="mt-4 w-full rounded bg-white text-sm shadow-sm">
            <thead><tr class="border-b text-left"><th class="p-2">"Asked for"</th><th class="p-2">"By"</th><th class="p-2">"Why"</th><th class="p-2">"State"</th><th class="p-2"></th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
