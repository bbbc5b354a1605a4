//! Sign-in and sign-out form posts.
use crate::{AppState, neutral_page};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use crate::session;
use app::{Flash, PageCtx};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method};
use axum::response::Redirect;
use axum::{Extension, Form};
use domain::auth::{self, LoginLimits, LoginOutcome};
use domain::tenancy::Scope;
use std::net::SocketAddr;
use tower::ServiceExt;
use tower_sessions::Session;

#[derive(serde::Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// Renders the sign-in page again with a message and the given status.
async fn login_again(st: &AppState, parts: &axum::http::request::Parts, status: StatusCode, message: &str, email: &str) -> Response {
    let mut ctx = parts.extensions.get::<PageCtx>().cloned().expect("page context");
    ctx.flash = Some(Flash { message: message.into(), email: email.into() });
    render_page(st, parts, "/login", ctx, status).await
}

/// Renders the page at `path` (a GET) with `ctx` as its page context and the given status:
/// how a form post answers with the form again, or a handler fills a page in.
pub(crate) async fn render_page(st: &AppState, parts: &axum::http::request::Parts, path: &str, ctx: PageCtx, status: StatusCode) -> Response {
    let mut req = Request::builder().method(Method::GET).uri(path).body(Body::empty()).expect("request");
    *req.headers_mut() = parts.headers.clone();
    req.headers_mut().remove(header::CONTENT_TYPE);
    req.headers_mut().remove(header::CONTENT_LENGTH);
    req.extensions_mut().insert(ctx);
    let mut resp = st.pages.clone().oneshot(req).await.into_response();
    *resp.status_mut() = status;
    resp
}

pub(crate) async fn login_post(
    State(st): State<AppState>,
    session: Session,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    parts: axum::http::request::Parts,
    Extension(scope): Extension<Scope>,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return login_again(&st, &parts, StatusCode::BAD_REQUEST, "The sign-in form was incomplete. Enter your e-mail and password.", "").await;
    };
    if !session::csrf_ok(&st, &session, &parts.headers, &scope, &form.csrf).await {
        return login_again(&st, &parts, StatusCode::FORBIDDEN, "Your sign-in form has expired. Please try again.", &form.email).await;
    }
    if form.email.trim().is_empty() || form.password.is_empty() {
        return login_again(&st, &parts, StatusCode::UNPROCESSABLE_ENTITY, "Enter your e-mail and your password.", &form.email).await;
    }
    let ip = crate::client_ip(&st, &parts.headers, Some(peer));
    let limits = LoginLimits {
        per_account_address: st.config.login_per_account_address,
        per_account: st.config.login_per_account,
        per_ip: st.config.login_per_ip,
        window_minutes: st.config.login_window_minutes,
    };
    match auth::login(&st.db, &scope, &form.email, &form.password, &ip, &limits).await {
        Ok(LoginOutcome::Success(p)) => match start_session(&session, &scope, p.user_id).await {
            Ok(()) => Redirect::to(p.role.home()).into_response(),
            Err(r) => r,
        },
        Ok(LoginOutcome::Invalid) => login_again(&st, &parts, StatusCode::UNAUTHORIZED, "The e-mail or password is not correct.", &form.email).await,
        Ok(LoginOutcome::Disabled) => login_again(&st, &parts, StatusCode::FORBIDDEN, "This account has been disabled. Ask your administrator.", &form.email).await,
        Ok(LoginOutcome::RateLimited { retry_after_secs }) => {
            let minutes = (retry_after_secs + 59) / 60;
            let msg = format!("Too many sign-in attempts. Wait {minutes} minute{} and try again.", if minutes == 1 { "" } else { "s" });
            let mut r = login_again(&st, &parts, StatusCode::TOO_MANY_REQUESTS, &msg, &form.email).await;
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            r
        }
        Err(domain::Error::Busy) => {
            let mut r = login_again(&st, &parts, StatusCode::SERVICE_UNAVAILABLE, "Sign-in is very busy right now. Please try again in a moment.", &form.email).await;
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
            r
        }
        Err(e) => crate::error_page(e, "sign-in"),
    }
}

/// Signs user `user_id` in on this session: a new session id (defeats session fixation) and a
/// new CSRF token.
pub(crate) async fn start_session(session: &Session, scope: &Scope, user_id: uuid::Uuid) -> Result<(), Response> {
    if let Err(e) = session.cycle_id().await {
        tracing::error!(error = %e, "session rotation failed");
        return Err(neutral_page(StatusCode::SERVICE_UNAVAILABLE, "Temporarily unavailable", "Please try again in a moment."));
    }
    let now = chrono::Utc::now().timestamp();
    let _ = session.insert(session::keys::USER, user_id.to_string()).await;
    let _ = session.insert(session::keys::USER_KEY, auth::user_key(scope, user_id)).await;
    let _ = session.insert(session::keys::CSRF, session::random_token()).await;
    let _ = session.insert(session::keys::SINCE, now).await;
    let _ = session.insert(session::keys::SEEN, now).await;
    // A sign-in in a browser that held a support session is an ordinary one again.
    let _ = session.remove::<bool>(session::keys::SUPPORT).await;
    tracing::info!(user = %user_id, "signed in");
    Ok(())
}

#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub(crate) csrf: String,
}

pub(crate) async fn logout_post(
    State(st): State<AppState>,
    session: Session,
    Extension(scope): Extension<Scope>,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let token = form.map(|f| f.0.csrf).unwrap_or_default();
    if !session::csrf_ok(&st, &session, &headers, &scope, &token).await {
        return neutral_page(StatusCode::FORBIDDEN, "Forbidden", "The sign-out form has expired. Reload the page and try again.");
    }
    let _ = session.flush().await;
    Redirect::to("/login").into_response()
}

