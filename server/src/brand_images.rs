//! A tenant's logo and favicon over HTTP: served on the tenant's hosts (`/branding/logo`,
//! `/branding/favicon`), shown to its partner in the console's editor, and uploaded or removed
//! there (a multipart form that works without scripts). Uploads are checked by
//! `pdf::images::accept` (PNG, JPEG, WebP decoded whole; SVG cleaned of scripts and external
//! references) on a blocking thread before anything is stored.
use crate::admin::back;
use crate::partner_forms::partner_admin;
use crate::{AppState, Auth, error_page, neutral_page};
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::AppError;
use domain::brand_images::{self, Kind, Upload};
use domain::tenancy::{Scope, TenantInfo};
use tower_sessions::Session;

/// An SVG served from our origin must never run anything, even opened on its own.
const IMAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/// `GET /branding/logo` (and the older `/branding/logo.svg`).
pub(crate) async fn logo(st: State<AppState>, scope: Extension<Scope>, headers: HeaderMap) -> Response {
    tenant_image(&st, scope.0, &headers, Kind::Logo).await
}

/// `GET /branding/favicon`: the uploaded favicon, else the logo, else the platform's.
pub(crate) async fn favicon(st: State<AppState>, scope: Extension<Scope>, headers: HeaderMap) -> Response {
    tenant_image(&st, scope.0, &headers, Kind::Favicon).await
}

async fn tenant_image(st: &AppState, scope: Scope, headers: &HeaderMap, kind: Kind) -> Response {
    let Scope::Tenant(t) = scope else { return Redirect::to("/logo.svg").into_response() };
    match image_of(st, &t, kind).await {
        Ok(Some((content_type, bytes, etag))) => image_response(headers, &content_type, bytes, &etag),
        Ok(None) if kind == Kind::Favicon => Redirect::to("/logo.svg").into_response(),
        Ok(None) => neutral_page(StatusCode::NOT_FOUND, "Not found", "This workspace has no logo."),
        Err(e) => error_page(e, "brand image"),
    }
}

/// What a tenant shows as `kind`: its upload, else (a favicon) its logo, else (a logo) the
/// SVG it was created with; `None` for nothing.
async fn image_of(st: &AppState, t: &TenantInfo, kind: Kind) -> domain::Result<Option<(String, Vec<u8>, String)>> {
    for k in [kind, Kind::Logo] {
        let etag = if k == Kind::Logo { &t.logo_etag } else { &t.favicon_etag };
        if !etag.is_empty()
            && let Some(img) = brand_images::load(&st.db, t.id, k).await?
        {
            return Ok(Some((img.content_type, img.bytes, img.etag)));
        }
    }
    Ok((!t.logo_svg.trim().is_empty()).then(|| (pdf::images::Format::Svg.content_type().to_owned(), t.logo_svg.clone().into_bytes(), brand_images::etag(t.logo_svg.as_bytes()))))
}

fn image_response(headers: &HeaderMap, content_type: &str, bytes: Vec<u8>, etag: &str) -> Response {
    let tag = format!("\"{etag}\"");
    let mut h = HeaderMap::new();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    if let Ok(v) = HeaderValue::from_str(&tag) {
        h.insert(header::ETAG, v);
    }
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|c| c.trim() == tag)) {
        return (StatusCode::NOT_MODIFIED, h).into_response();
    }
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(IMAGE_CSP));
    (h, bytes).into_response()
}

/// `GET /partner/tenants/{slug}/images/{kind}`: the tenant's image as its editor shows it, for
/// its partner's admins only (404 for another partner's tenant).
pub(crate) async fn console_image(st: State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, headers: HeaderMap, Path((slug, kind)): Path<(String, String)>) -> Response {
    let not_found = || neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no such image.");
    let who = match crate::partner_forms::partner_reader(&scope.0, &auth.0, not_found) {
        Ok(who) => who,
        Err(r) => return r,
    };
    let Some(kind) = Kind::parse(&kind) else { return not_found() };
    let t = match domain::partner::own_tenant(&st.db, who, &slug).await {
        Ok(t) => TenantInfo::from(t),
        Err(AppError::NotFound) => return not_found(),
        Err(e) => return error_page(e, "brand image"),
    };
    match image_of(&st, &t, kind).await {
        Ok(Some((content_type, bytes, etag))) => image_response(&headers, &content_type, bytes, &etag),
        Ok(None) => not_found(),
        Err(e) => error_page(e, "brand image"),
    }
}

/// `POST /partner/tenants/{slug}/images` (multipart: `csrf`, files `logo` and `favicon`, and
/// `remove` = `logo` or `favicon`): uploads or removes the tenant's images.
pub(crate) async fn upload(st: State<AppState>, scope: Extension<Scope>, auth: Extension<Auth>, session: Session, Path(slug): Path<String>, mp: Multipart) -> Response {
    let editor = app::branding_admin::branding_href(&slug);
    let form = match crate::uploads::read_form(mp, Kind::Logo.limit()).await {
        Ok(f) => f,
        Err(m) => return back(&session, &editor, format!("Nothing was changed: {m}.")).await,
    };
    let who = match partner_admin(&scope, &auth, &session, form.text("csrf")).await {
        Ok(who) => who.clone(),
        Err(r) => return r,
    };
    let mut changes: Vec<(Kind, Option<Upload>)> = Vec::new();
    if let Some(kind) = Kind::parse(form.text("remove")) {
        changes.push((kind, None));
    }
    for file in form.files {
        let Some(kind) = Kind::parse(&file.field) else { continue };
        let name = domain::documents::sanitize_filename(&file.filename);
        let checked = tokio::task::spawn_blocking(move || pdf::images::accept(&file.bytes)).await;
        match checked {
            Ok(Ok(img)) => changes.push((kind, Some(Upload { content_type: img.format.content_type().to_owned(), bytes: img.bytes }))),
            Ok(Err(reason)) => return back(&session, &editor, format!("Nothing was changed: {name} was refused: {reason}.")).await,
            Err(e) => return error_page(AppError::Internal(e.to_string()), "checking a brand image"),
        }
    }
    // Every file within its limit before anything is written: all or nothing.
    if let Some((kind, _)) = changes.iter().find(|(k, img)| img.as_ref().is_some_and(|i| i.bytes.len() > k.limit())) {
        return back(&session, &editor, format!("Nothing was changed: the {} is larger than {} KB.", kind.as_str(), kind.limit() / 1024)).await;
    }
    if changes.is_empty() {
        return back(&session, &editor, "Nothing was changed: choose a logo or favicon file.".into()).await;
    }
    let mut said = Vec::new();
    for (kind, image) in changes {
        let what = if image.is_some() { "saved" } else { "removed" };
        match brand_images::set(&st.db, &who, &slug, kind, image).await {
            Ok(t) => said.push(format!("{} of {} {what}.", capital(kind), t.name)),
            Err(AppError::NotFound) => return neutral_page(StatusCode::NOT_FOUND, "Not found", "There is no such tenant among yours."),
            Err(AppError::Invalid(m)) => return back(&session, &editor, format!("Not saved: {m}.")).await,
            Err(e) => return error_page(e, "saving a brand image"),
        }
    }
    st.hosts.forget();
    back(&session, &editor, said.join(" ")).await
}

fn capital(kind: Kind) -> &'static str {
    match kind {
        Kind::Logo => "Logo",
        Kind::Favicon => "Favicon",
    }
}
