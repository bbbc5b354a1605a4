//! The partner's data export page for one tenant: a button that asks for an archive (a plain
//! form), and the archives asked for with their state and downloads.
use super::tenant_page;
use super::orders::LocalTime;
use crate::exports_admin::{ExportRow, ExportsView, exports_data, exports_href};
use leptos::prelude::*;

#[component]
pub fn ExportsPage() -> impl IntoView {
    tenant_page(exports_data, "Loading the exports…", page)
}

fn page(v: ExportsView, csrf: String) -> AnyView {
    let empty = v.rows.is_empty();
    view! {
        <h1 class="mt-2 text-2xl font-semibold">{format!("Data export of {}", v.name)}</h1>
        <p class="text-sm text-slate-600">"One .zip archive of everything the tenant holds: each table of business records (customers, orders, shipments, invoices, payments, disputes, exceptions, events, the audit trail and more) as JSON lines and as CSV, and every stored document. Passwords and signing secrets are left out. It is built in the background; reload to see when it is ready."</p>
        <form method="post" action=exports_href(&v.slug) class="mt-4">
            <input type="hidden" name="csrf" value=csrf/>
            <button type="submit" class="rounded bg-accent px-3 py-1.5 text-sm font-medium text-white">"Build an export"</button>
        </form>
        {if empty {
            view! { <p class="mt-4 text-sm text-slate-600">"No export has been asked for yet."</p> }.into_any()
        } else {
            view! {
                <table class="mt-4 w-full rounded bg-white text-sm shadow-sm" data-testid="exports">
                    <thead><tr class="border-b text-left"><th class="p-2">"Asked for"</th><th class="p-2">"By"</th><th class="p-2">"State"</th><th class="p-2">"Archive"</th></tr></thead>
                    <tbody>{v.rows.into_iter().map(row).collect_view()}</tbody>
                </table>
            }
            .into_any()
        }}
    }
    .into_any()
}

fn row(r: ExportRow) -> impl IntoView {
    let state = match r.status.as_str() {
        "ready" => "Ready".to_owned(),
        "failed" => format!("Failed: {}", r.error),
        "expired" => "Expired: deleted by the retention policy".to_owned(),
        _ => "Being built".to_owned(),
    };
    let archive = (!r.href.is_empty()).then(|| view! { <a class="text-blue-700 underline" href=r.href.clone()>{format!("Download ({})", r.size)}</a> });
    view! {
        <tr class="border-b">
            <td class="p-2"><LocalTime iso=r.requested_at/></td>
            <td class="p-2">{r.requested_by}</td>
            <td class="p-2" data-testid="export-state">{state}</td>
            <td class="p-2">{archive}</td>
        </tr>
    }
}
