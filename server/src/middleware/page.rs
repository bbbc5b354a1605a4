//! The page context: the signed-in user (session lifetimes applied), the CSRF token, the
//! role guards of the home areas, and the branding the Leptos pages render with.
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use crate::session;
use app::{Brand, PageCtx, Viewer};
use axum::Extension;
use axum::response::Redirect;
use domain::auth::{self, Principal};
use domain::tenancy::Scope;
use tower_sessions::Session;

/// The signed-in user, if any, as resolved for this request.
#[derive(Clone)]
pub struct Auth(pub Option<Principal>);

/// Loads the session's user, makes sure the session has a CSRF token, guards the role home
/// pages, and records the [`PageCtx`] for the Leptos pages.
pub(crate) async fn page_context(State(st): State<AppState>, session: Session, mut req: Request, next: Next) -> Response {
    let Some(scope) = req.extensions().get::<Scope>().cloned() else { return next.run(req).await };
    let path = req.uri().path().to_owned();
    let is_asset = path.starts_with("/pkg/") || path.starts_with("/branding/") || path.ends_with(".svg") || path.ends_with(".ico");
    if is_asset {
        return next.run(req).await;
    }
    let uid = session.get::<String>(session::keys::USER).await.ok().flatten().and_then(|u| u.parse().ok());
    let expired = uid.is_some() && !session::still_valid(&session, st.config.session_absolute_hours).await;
    if expired {
        // Past the absolute lifetime: sign in again.
        let _ = session.flush().await;
    }
    // A partner user in a support session: valid while the session is (see domain::support).
    let support = uid.is_some() && session.get::<bool>(session::keys::SUPPORT).await.ok().flatten().unwrap_or(false);
    let principal = match uid.filter(|_| !expired) {
        Some(id) => match if support { crate::support_forms::principal(&st, &scope, id).await } else { auth::load_principal(&st.db, &scope, id).await } {
            Ok(Some(p)) => Some(p),
            Ok(None) => {
                // The user is gone or disabled: end this session.
                let _ = session.flush().await;
                None
            }
            Err(e) => return crate::error_page(e, "loading the signed-in user"),
        },
        None => None,
    };
    // Signed in: the session's token. Anonymous: a signed double-submit cookie, so that no
    // session row is written for a visitor who only looks at the sign-in page.
    let mut new_csrf_cookie = None;
    let session_csrf = if principal.is_some() { session.get::<String>(session::keys::CSRF).await.ok().flatten() } else { None };
    let csrf = match session_csrf {
        Some(t) => t,
        None => match session::cookie_value(req.headers(), session::csrf_cookie(st.config.https)) {
            Some(t) if session::anonymous_valid(&st.csrf_key, &scope.key(), &t) => t,
            _ => {
                let t = session::mint_anonymous(&st.csrf_key, &scope.key());
                new_csrf_cookie = session::csrf_set_cookie(st.config.https, &t);
                t
            }
        },
    };
    // Role home pages and the staff workspace: anonymous users go to sign in, others to
    // their own home.
    let area = ["/portal", "/workspace", "/partner"].into_iter().find(|p| path == *p || path.starts_with(&format!("{p}/")));
    if let Some(required) = area {
        match &principal {
            None => return Redirect::to("/login").into_response(),
            Some(p) if p.role.home() != required => return Redirect::to(p.role.home()).into_response(),
            _ => {}
        }
    }
    // A one-time notice is shown by the next page, not consumed by server-function calls.
    let notice = if path.starts_with("/sfn/") { None } else { session.remove::<app::Notice>("notice").await.ok().flatten() };
    let ctx = PageCtx { brand: brand_of(&scope), viewer: principal.as_ref().map(viewer_of), csrf, flash: None, notice, invite: None };
    req.extensions_mut().insert(ctx);
    req.extensions_mut().insert(st.db.clone());
    if let Some(p) = &principal {
        req.extensions_mut().insert(p.clone());
    }
    let signed_in = principal.is_some();
    req.extensions_mut().insert(Auth(principal));
    let mut resp = next.run(req).await;
    if let Some(c) = new_csrf_cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    if signed_in || path.starts_with("/sfn/") {
        // Signed-in pages and server-function answers are for this user only: never stored
        // by a shared or a browser cache.
        resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    }
    resp
}

/// The tenant's logo, its version in the URL so that a new one shows at once; empty for none.
fn logo_url(t: &domain::tenancy::TenantInfo) -> String {
    match t.logo_etag.as_str() {
        "" if t.logo_svg.trim().is_empty() => String::new(),
        "" => "/branding/logo.svg".into(),
        v => format!("/branding/logo?v={v}"),
    }
}

fn brand_of(scope: &Scope) -> Brand {
    match scope {
        Scope::Platform => Brand {
            product_name: "Throughline Partner Console".into(),
            org_name: "Throughline".into(),
            primary_color: "#334155".into(),
            accent_color: "#334155".into(),
            logo_url: "/logo.svg".into(),
            favicon_url: "/logo.svg".into(),
            footer_text: String::new(),
            support_email: String::new(),
            support_phone: String::new(),
            powered_by: String::new(),
        },
        Scope::Tenant(t) => Brand {
            product_name: t.product_name.clone(),
            org_name: t.name.clone(),
            primary_color: t.primary_color.clone(),
            accent_color: t.accent_color.clone(),
            logo_url: logo_url(t),
            favicon_url: match (t.favicon_etag.as_str(), logo_url(t)) {
                ("", logo) if logo.is_empty() => "/logo.svg".into(),
                ("", logo) => logo,
                (v, _) => format!("/branding/favicon?v={v}"),
            },
            footer_text: t.footer_text.clone(),
            support_email: t.support_email.clone(),
            support_phone: t.support_phone.clone(),
            powered_by: t.powered_by.clone(),
        },
    }
}

fn viewer_of(p: &Principal) -> Viewer {
    Viewer {
        name: p.name.clone(),
        email: p.email.clone(),
        role: p.role.as_str().into(),
        role_label: p.role.label().into(),
        customer_name: p.customer_name.clone(),
        home: p.role.home().into(),
    }
}

pub(crate) async fn root(Extension(auth): Extension<Auth>) -> Redirect {
    match auth.0 {
        Some(p) => Redirect::to(p.role.home()),
        None => Redirect::to("/login"),
    }
}

