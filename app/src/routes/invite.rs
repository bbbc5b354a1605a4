//! `/invite/<token>`: the page an invitation e-mail links to, under the tenant's brand. The
//! invitee chooses a name and a password and is signed in. The server fills in the
//! invitation ([`crate::InviteView`]); a link that is used, replaced or expired shows why.
use super::Frame;
use crate::PageCtx;
use leptos::prelude::*;

const INPUT: &str = "mt-1 w-full rounded border border-slate-300 p-2";

#[component]
pub fn InvitePage() -> impl IntoView {
    view! {
        <Frame body=|c: PageCtx| {
            let product = c.brand.product_name.clone();
            let org = c.invite.as_ref().map(|i| i.org.clone()).filter(|o| !o.is_empty()).unwrap_or_else(|| c.brand.org_name.clone());
            match c.invite.clone() {
                None => view! {
                    <section class="mx-auto mt-10 max-w-md rounded-lg bg-white p-6 shadow">
                        <h1 class="mb-2 text-xl font-semibold">"This invitation link is not valid any more"</h1>
                        <p class="text-sm">"It was used already, replaced by a newer invitation, or it expired. Ask whoever invited you to send a new one, or sign in if you have an account."</p>
                        <p class="mt-4"><a class="text-blue-700 underline" href="/login">"Sign in"</a></p>
                    </section>
                }.into_any(),
                Some(inv) => view! {
                    <section class="mx-auto mt-10 max-w-md rounded-lg bg-white p-6 shadow">
                        <h1 class="mb-2 text-xl font-semibold">{format!("Join {org} on {product}")}</h1>
                        <p class="text-sm">{format!("{} invites you as {}. The invitation is open until {}.", inv.invited_by, inv.role_label, inv.expires)}</p>
                        {(!inv.problem.is_empty()).then(|| view! { <p role="alert" class="mt-3 rounded bg-red-50 p-3 text-sm text-red-800">{inv.problem.clone()}</p> })}
                        <form method="post" class="mt-4 space-y-4">
                            <input type="hidden" name="csrf" value=c.csrf.clone()/>
                            <div>
                                <label for="email" class="block text-sm font-medium">"E-mail"</label>
                                <input id="email" type="email" autocomplete="username" readonly value=inv.email.clone() class=INPUT/>
                            </div>
                            <div>
                                <label for="name" class="block text-sm font-medium">"Your name"</label>
                                <input id="name" name="name" autocomplete="name" required maxlength="100" value=inv.name.clone() class=INPUT/>
                            </div>
                            <div>
                                <label for="password" class="block text-sm font-medium">"Choose a password"</label>
                                <input id="password" name="password" type="password" autocomplete="new-password" required minlength="12" aria-describedby="pw-help" class=INPUT/>
                                <p id="pw-help" class="text-xs text-slate-500">"At least 12 characters. A few words you will remember work well."</p>
                            </div>
                            <div>
                                <label for="confirm" class="block text-sm font-medium">"The same password again"</label>
                                <input id="confirm" name="confirm" type="password" autocomplete="new-password" required class=INPUT/>
                            </div>
                            <button type="submit" class="w-full rounded bg-accent p-2 font-medium text-white">"Create my account"</button>
                        </form>
                    </section>
                }.into_any(),
            }
        }/>
    }
}
