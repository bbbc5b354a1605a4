//! The tenant admin console's data: API clients and users.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ClientRow {
    pub id: String,
    pub name: String,
    pub scopes: String,
    /// The event sources it may write under (its own name when none are registered).
    pub sources: String,
    pub disabled: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct UserRow {
    pub email: String,
    pub name: String,
    pub role: String,
    pub disabled: bool,
    pub is_me: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AdminView {
    pub clients: Vec<ClientRow>,
    pub users: Vec<UserRow>,
}

/// API clients and users of this tenant, for its tenant admins only.
#[server(prefix = "/sfn")]
pub async fn admin_data() -> Result<AdminView, ServerFnError> {
    use domain::auth::Principal;
    use domain::tenancy::Scope;
    let parts: http::request::Parts = use_context().ok_or_else(|| ServerFnError::new("no request context"))?;
    let me = parts.extensions.get::<Principal>().ok_or_else(|| ServerFnError::new("sign in first"))?;
    if me.role != domain::types::Role::TenantAdmin {
        return Err(ServerFnError::new("this page is for tenant admins"));
    }
    let Some(Scope::Tenant(t)) = parts.extensions.get::<Scope>().cloned() else { return Err(ServerFnError::new("not a tenant host")) };
    let db = parts.extensions.get::<domain::Db>().cloned().ok_or_else(|| ServerFnError::new("no database"))?;
    let txn = db.tenant_txn(&t.slug).await.map_err(crate::orders::server::internal)?;
    let clients = domain::api_clients::list(&txn).await.map_err(crate::orders::server::internal)?;
    let users = domain::auth::list_tenant_users(&txn).await.map_err(crate::orders::server::internal)?;
    txn.commit().await.map_err(crate::orders::server::internal)?;
    Ok(AdminView {
        clients: clients.into_iter().map(|c| ClientRow { id: c.id.to_string(), sources: if c.sources.is_empty() { c.name.clone() } else { c.sources }, name: c.name, scopes: c.scopes, disabled: c.disabled }).collect(),
        users: users
            .into_iter()
            .map(|u| UserRow { is_me: u.email == me.email, email: u.email, name: u.name, role: u.role.label().into(), disabled: u.disabled })
            .collect(),
    })
}
