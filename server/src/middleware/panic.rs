//! A bug must not take a connection down with it: a handler that panics is answered with a
//! 500 problem document carrying an id that is also logged with the panic message.
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::any::Any;
use tower_http::catch_panic::CatchPanicLayer;

/// Turns a caught panic into a 500 `application/problem+json` answer.
#[derive(Clone, Copy, Default)]
pub struct PanicToProblem;

impl tower_http::catch_panic::ResponseForPanic for PanicToProblem {
    type ResponseBody = axum::body::Body;

    fn response_for_panic(&mut self, err: Box<dyn Any + Send + 'static>) -> http::Response<Self::ResponseBody> {
        let message = err.downcast_ref::<String>().map(String::as_str).or_else(|| err.downcast_ref::<&str>().copied()).unwrap_or("(no message)");
        let id = uuid::Uuid::new_v4();
        tracing::error!(error_id = %id, panic = message, "a request handler panicked");
        let body = serde_json::json!({
            "type": "about:blank",
            "title": "Internal Server Error",
            "status": 500,
            "detail": format!("something went wrong on our side; it has been logged as {id}"),
            "error_id": id.to_string(),
        });
        let mut r: Response = (StatusCode::INTERNAL_SERVER_ERROR, body.to_string()).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        r
    }
}

/// The layer: catches panics of everything inside it.
pub fn layer() -> CatchPanicLayer<PanicToProblem> {
    CatchPanicLayer::custom(PanicToProblem)
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_is_answered_with_a_500_problem_document() {
        async fn boom() -> &'static str {
            let v: Vec<u8> = Vec::new();
            let _ = v[3];
            "unreachable"
        }
        let app = Router::new().route("/boom", get(boom)).layer(super::layer());
        let r = app.oneshot(axum::http::Request::get("/boom").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(r.status(), 500);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let body = axum::body::to_bytes(r.into_body(), 10_000).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["status"], 500);
        assert!(v["error_id"].as_str().is_some_and(|id| id.len() == 36), "{v}");
        assert!(!v.to_string().contains("index out of bounds"), "the panic message is logged, not shown: {v}");
    }
}
