//! `/partner/team`: the partner's users and open invitations; a partner admin invites partner
//! admins and viewers, withdraws invitations, and disables or enables the others.
use super::loaded_page;
use crate::team_admin::{InvitationView, MemberView, TEAM, TeamView, team_data};
use leptos::prelude::*;

const INPUT: &str = "mt-1 w-full rounded border border-slate-300 p-2";

#[component]
pub fn TeamPage() -> impl IntoView {
    loaded_page(("/partner", "Partner console"), Resource::new(|| (), |_| team_data()), "Loading the team…", |t, csrf| team_page(t, csrf).into_any())
}

fn post_button(action: String, label: String, csrf: &str, danger: bool) -> impl IntoView + use<> {
    let class = if danger { "rounded border border-red-300 px-2 py-0.5 text-red-800" } else { "rounded border px-2 py-0.5" };
    view! {
        <form method="post" action=action>
            <input type="hidden" name="csrf" value=csrf.to_owned()/>
            <button type="submit" class=class>{label}</button>
        </form>
    }
}

fn member_row(m: MemberView, can_change: bool, csrf: &str) -> impl IntoView + use<> {
    let action = (can_change && !m.is_me).then(|| {
        let (verb, path) = if m.disabled { ("Enable", "enable") } else { ("Disable", "disable") };
        post_button(format!("{TEAM}/users/{}/{path}", m.id), format!("{verb} {}", m.name), csrf, !m.disabled)
    });
    view! {
        <tr class="border-t" data-testid="member">
            <td class="p-2">{m.name.clone()}{m.is_me.then_some(" (you)")}</td>
            <td class="p-2">{m.email}</td>
            <td class="p-2">{m.role_label}</td>
            <td class="p-2">{if m.disabled { "disabled" } else { "active" }}</td>
            <td class="p-2">{action}</td>
        </tr>
    }
}

fn invitation_row(i: InvitationView, can_change: bool, csrf: &str) -> impl IntoView + use<> {
    let action = can_change.then(|| post_button(format!("{TEAM}/invitations/{}/withdraw", i.id), format!("Withdraw the invitation of {}", i.email), csrf, true));
    view! {
        <tr class="border-t" data-testid="invitation">
            <td class="p-2">{i.email}</td>
            <td class="p-2">{i.name}</td>
            <td class="p-2">{i.role_label}</td>
            <td class="p-2">{i.invited_by}</td>
            <td class="p-2">{i.expires}</td>
            <td class="p-2" data-testid="email-state">{i.email_state}</td>
            <td class="p-2">{action}</td>
        </tr>
    }
}

fn invite_form(csrf: String) -> impl IntoView {
    view! {
        <section class="mt-8 max-w-xl rounded-lg bg-white p-4 shadow" aria-labelledby="invite-member">
            <h2 id="invite-member" class="text-lg font-semibold">"Invite to the team"</h2>
            <p class="text-sm text-slate-600">"They get an e-mail with a link to choose a password; it works once, for 7 days."</p>
            <form method="post" action=format!("{TEAM}/invite") class="mt-3 space-y-3">
                <input type="hidden" name="csrf" value=csrf/>
                <div><label for="tm-email" class="block text-sm font-medium">"E-mail"</label>
                    <input id="tm-email" name="email" type="email" required class=INPUT/></div>
                <div><label for="tm-name" class="block text-sm font-medium">"Name (optional)"</label>
                    <input id="tm-name" name="name" maxlength="100" class=INPUT/></div>
                <div><label for="tm-role" class="block text-sm font-medium">"Role"</label>
                    <select id="tm-role" name="role" class=INPUT>
                        <option value="partner_viewer">"Partner viewer: sees the console and changes nothing"</option>
                        <option value="partner_admin">"Partner admin: runs the tenants and this team"</option>
                    </select></div>
                <button type="submit" class="rounded bg-accent px-3 py-1.5 font-medium text-white">"Send invitation"</button>
            </form>
        </section>
    }
}

fn team_page(t: TeamView, csrf: String) -> impl IntoView {
    let can = t.can_change;
    let no_invitations = t.invitations.is_empty();
    view! {
        <h1 class="mt-2 text-2xl font-semibold">{format!("Team of {}", t.partner)}</h1>
        <p class="text-sm text-slate-600">"Partner admins run the tenants and this team; partner viewers see the console and change nothing."</p>
        <table class="mt-4 w-full text-left text-sm" data-testid="members">
            <thead><tr><th class="p-2">"Name"</th><th class="p-2">"E-mail"</th><th class="p-2">"Role"</th><th class="p-2">"State"</th><th class="p-2"></th></tr></thead>
            <tbody>{t.members.into_iter().map(|m| member_row(m, can, &csrf)).collect_view()}</tbody>
        </table>
        <h2 class="mt-6 text-lg font-semibold">"Open invitations"</h2>
        {if no_invitations {
            view! { <p class="text-sm text-slate-600">"None."</p> }.into_any()
        } else {
            view! {
                <table class="mt-2 w-full text-left text-sm" data-testid="invitations">
                    <thead><tr><th class="p-2">"E-mail"</th><th class="p-2">"Name"</th><th class="p-2">"Role"</th><th class="p-2">"Invited by"</th><th class="p-2">"Expires"</th><th class="p-2">"E-mail"</th><th class="p-2"></th></tr></thead>
                    <tbody>{t.invitations.into_iter().map(|i| invitation_row(i, can, &csrf)).collect_view()}</tbody>
                </table>
            }.into_any()
        }}
        {can.then(|| invite_form(csrf.clone()))}
        <h2 class="mt-6 text-lg font-semibold">"Latest changes"</h2>
        <ul class="mt-2 space-y-1 text-sm" data-testid="team-changes">
            {t.recent.into_iter().map(|c| view! { <li>{format!("{}: {} {} {}", c.at, c.actor, c.action, c.subject)}</li> }).collect_view()}
        </ul>
    }
}
