//! What the tenant admin's customer pages show, and the server functions that load it: the
//! customer list (search by name or external id, keyset pages) and one customer's commercial
//! settings. Values arrive ready to show: amounts formatted in the customer's currency, and
//! settings a customer inherits spelt out as "Tenant default (…)". Saving is a plain form
//! post to the server (`server/src/admin_customers.rs`), so it works with and without wasm.
use crate::href::{urlencode, with_query};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Where the list lives; one customer's page is below it.
pub const LIST: &str = "/workspace/admin/customers";

/// The page of one customer.
pub fn customer_href(external_id: &str) -> String {
    format!("{LIST}/{}", urlencode(external_id))
}

/// Where that page's form posts.
pub fn settings_action(external_id: &str) -> String {
    format!("{}/settings", customer_href(external_id))
}

/// The list's address for a search and the page after `after`.
pub fn list_href(q: Option<&str>, after: Option<&str>) -> String {
    with_query(LIST, [("q", q), ("after", after)].into_iter().filter_map(|(k, v)| Some((k, v.filter(|v| !v.is_empty())?))))
}

/// A setting the customer may leave to the tenant: its own value's label, or the default's.
pub fn inherited(own: Option<&str>, default: &str) -> String {
    match own {
        Some(v) => capitalise(v),
        None => format!("Tenant default ({default})"),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CustomerRow {
    pub external_id: String,
    pub name: String,
    pub segment: String,
    pub payment_terms: String,
    /// `USD 25,000.00`, or `No limit`.
    pub credit_limit: String,
    pub invoicing_hold: bool,
    /// `On delivery`, or `Tenant default (on dispatch)`.
    pub billing_rule: String,
    /// `Portal, E-mail with PDF`.
    pub channels: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CustomersPage {
    pub rows: Vec<CustomerRow>,
    /// The external id to continue after; `None` on the last page.
    pub next_after: Option<String>,
}

/// One option of a select or one checkbox of a group.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One customer's commercial settings as the form shows them.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CustomerForm {
    pub external_id: String,
    pub name: String,
    pub currency: String,
    /// In major units as typed (`25,000.00`); empty: no limit.
    pub credit_limit: String,
    pub payment_terms: String,
    pub segment: String,
    /// Segments already in use, offered while typing.
    pub segments: Vec<String>,
    pub invoicing_hold: bool,
    /// The tenant's default first (value ""), then each rule.
    pub billing_rules: Vec<Choice>,
    /// Every channel; `portal` is always on. Ticked: the customer's own, else the default's.
    pub channels: Vec<Choice>,
    /// Whether the customer follows the tenant's default channels.
    pub inherit_channels: bool,
    /// The tenant's default channels: "Portal, E-mail with PDF".
    pub default_channels: String,
    /// One address per line.
    pub invoice_emails: String,
    pub reminder_channels: Vec<Choice>,
    /// Sent back with the form: a save after someone else's is refused, not merged.
    pub version: String,
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use domain::customers::CustomerView;
    use domain::customers::prefs::{BillingRule, InvoiceChannel, ReminderChannel, TenantDefaults};

    /// The tenant of this request, if its user is one of the tenant's admins.
    pub fn tenant_admin() -> Result<(domain::Db, domain::tenancy::TenantInfo), ServerFnError> {
        use domain::tenancy::Scope;
        let parts: http::request::Parts = use_context().ok_or_else(|| ServerFnError::new("no request context"))?;
        let me = parts.extensions.get::<domain::auth::Principal>().ok_or_else(|| ServerFnError::new("sign in first"))?;
        if me.role != domain::types::Role::TenantAdmin {
            return Err(ServerFnError::new("this page is for tenant admins"));
        }
        let Some(Scope::Tenant(t)) = parts.extensions.get::<Scope>().cloned() else { return Err(ServerFnError::new("not a tenant host")) };
        let db = parts.extensions.get::<domain::Db>().cloned().ok_or_else(|| ServerFnError::new("no database"))?;
        Ok((db, t))
    }

    pub fn row(c: CustomerView, d: &TenantDefaults) -> CustomerRow {
        CustomerRow {
            credit_limit: c.credit_limit_minor.map(|m| domain::money::format(m, &c.currency)).unwrap_or_else(|| "No limit".into()),
            billing_rule: inherited(c.billing_rule.map(BillingRule::label), d.billing_rule.label()),
            channels: inherited(c.invoice_channels.as_deref().map(labels).as_deref(), &labels(&d.invoice_channels.to_vec())),
            external_id: c.external_id,
            name: c.name,
            segment: c.segment.unwrap_or_default().replace('_', " "),
            payment_terms: c.payment_terms,
            invoicing_hold: c.invoicing_hold,
        }
    }

    fn labels(channels: &[InvoiceChannel]) -> String {
        channels.iter().map(|ch| ch.label()).collect::<Vec<_>>().join(", ")
    }

    /// The tenant's default as the first choice, then each value; `own` is selected.
    fn choices<T: Copy + PartialEq>(all: &[T], own: Option<T>, default: T, name: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Vec<Choice> {
        let first = Choice { value: String::new(), label: inherited(None, label(default)), selected: own.is_none() };
        std::iter::once(first).chain(all.iter().map(|&v| Choice { value: name(v).into(), label: capitalise(label(v)), selected: own == Some(v) })).collect()
    }

    pub fn form(e: domain::customers::commercial::Editable, segments: Vec<String>, d: &TenantDefaults) -> CustomerForm {
        let c = e.customer;
        CustomerForm {
            credit_limit: c.credit_limit_minor.map(|m| domain::money::format_plain(m, &c.currency)).unwrap_or_default(),
            billing_rules: choices(&BillingRule::ALL, c.billing_rule, d.billing_rule, BillingRule::as_str, BillingRule::label),
            reminder_channels: choices(&ReminderChannel::ALL, c.reminder_channel, d.reminder_channel, ReminderChannel::as_str, ReminderChannel::label),
            channels: InvoiceChannel::ALL.iter().map(|&ch| Choice { value: ch.as_str().into(), label: ch.label().into(), selected: c.invoice_channels.as_ref().map_or(d.invoice_channels.contains(ch), |own| own.contains(&ch)) }).collect(),
            inherit_channels: c.invoice_channels.is_none(),
            default_channels: labels(&d.invoice_channels.to_vec()),
            invoice_emails: c.invoice_emails.join("\n"),
            external_id: c.external_id,
            name: c.name,
            currency: c.currency,
            payment_terms: c.payment_terms,
            segment: c.segment.unwrap_or_default(),
            segments,
            invoicing_hold: c.invoicing_hold,
            version: e.version.to_string(),
        }
    }
}

/// One page of this tenant's customers, for its tenant admins only.
#[server(prefix = "/sfn")]
pub async fn admin_customers(q: Option<String>, after: Option<String>) -> Result<CustomersPage, ServerFnError> {
    use crate::orders::server::internal;
    let (db, t) = server::tenant_admin()?;
    let txn = db.tenant_txn(&t.slug).await.map_err(internal)?;
    let defaults = domain::customers::commercial::tenant_defaults(&txn).await.map_err(internal)?;
    let page = domain::customers::commercial::list(&txn, q.as_deref(), after.as_deref(), 50).await.map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    Ok(CustomersPage { rows: page.items.into_iter().map(|c| server::row(c, &defaults)).collect(), next_after: page.next_after })
}

/// One customer's settings form; `None` when this tenant has no such customer.
#[server(prefix = "/sfn")]
pub async fn admin_customer(external_id: String) -> Result<Option<CustomerForm>, ServerFnError> {
    use crate::orders::server::internal;
    let (db, t) = server::tenant_admin()?;
    let txn = db.tenant_txn(&t.slug).await.map_err(internal)?;
    let defaults = domain::customers::commercial::tenant_defaults(&txn).await.map_err(internal)?;
    let found = domain::customers::commercial::editable(&txn, &external_id).await.map_err(internal)?;
    let segments = domain::customers::commercial::segments(&txn).await.map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    Ok(found.map(|e| server::form(e, segments, &defaults)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inherited_settings_name_the_default_they_follow() {
        assert_eq!(inherited(None, "on dispatch"), "Tenant default (on dispatch)");
        assert_eq!(inherited(Some("on proof of delivery"), "on dispatch"), "On proof of delivery");
    }

    #[test]
    fn links_encode_ids_and_searches() {
        assert_eq!(customer_href("C-1001"), "/workspace/admin/customers/C-1001");
        assert_eq!(settings_action("A B/1"), "/workspace/admin/customers/A%20B%2F1/settings");
        assert_eq!(list_href(Some("tool & die"), Some("C-1050")), "/workspace/admin/customers?q=tool%20%26%20die&after=C-1050");
        assert_eq!(list_href(Some(""), None), "/workspace/admin/customers");
    }
}
