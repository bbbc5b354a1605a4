//! The customer portal's routes outside the Leptos pages: downloads (documents, invoice and
//! statement PDFs, CSV exports) and the form posts (open a dispute with evidence, write in a
//! dispute's thread). Every one checks that the signer-in is a customer user of this host's
//! tenant and reads through `domain::portal`, which answers only that customer's rows; another
//! customer's id is a 404 exactly like a missing one.
mod downloads;
mod forms;
pub(crate) mod pdfs;

pub(crate) use downloads::{document, invoice_pdf, invoices_csv, orders_csv, statement_pdf};
pub(crate) use forms::{open_dispute, post_message};

use crate::admin::Refused;
use crate::{Auth, neutral_page};
use axum::http::StatusCode;
use axum::response::Response;
use domain::auth::Principal;
use domain::tenancy::{Scope, TenantInfo};
use domain::types::Role;
use uuid::Uuid;

/// The signed-in customer user of this host's tenant and their customer account.
pub(crate) struct Customer {
    pub tenant: TenantInfo,
    pub user: Principal,
    pub id: Uuid,
}

const CUSTOMERS_ONLY: &str = "This is for customer users.";

fn is_customer(r: Role) -> bool {
    r == Role::Customer
}

/// The customer behind a download request, or the answer for anyone else.
pub(crate) fn customer(scope: &Scope, auth: &Auth) -> Result<Customer, Response> {
    use axum::response::IntoResponse;
    let (tenant, user) = crate::admin::tenant_user(scope, auth, is_customer, CUSTOMERS_ONLY).map_err(IntoResponse::into_response)?;
    let Some(id) = user.customer_id else { return Err(Refused::Forbidden("Your account is not linked to a customer.").into_response()) };
    Ok(Customer { tenant, user, id })
}

/// The customer behind a form post carrying the session's CSRF token.
pub(crate) async fn customer_post(scope: &Scope, auth: &Auth, session: &tower_sessions::Session, csrf: &str) -> Result<Customer, Response> {
    use axum::response::IntoResponse;
    let (tenant, user) = crate::admin::form_user(scope, auth, session, csrf, is_customer, CUSTOMERS_ONLY).await?;
    let Some(id) = user.customer_id else { return Err(Refused::Forbidden("Your account is not linked to a customer.").into_response()) };
    Ok(Customer { tenant, user, id })
}

pub(crate) fn not_found(what: &str) -> Response {
    neutral_page(StatusCode::NOT_FOUND, "Not found", &format!("There is no such {what} in your account."))
}
