//! The OpenAPI 3.1 document of `/api/v1`, generated from the handlers and types (utoipa), and
//! a readable reference page rendered from it on the server (no CDN, no script).
use crate::api;
use axum::Json;
use axum::response::{Html, IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").description(Some("From POST /api/v1/oauth/token; valid on the issuing tenant's host only")).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Throughline integration API", version = "1", description = "Push order-to-cash events and documents in; read orders with their timeline. Served on each tenant's own host."),
    components(schemas(domain::events::OrderRef, domain::events::DeliveryIn, domain::events::InvoiceRef, domain::events::PaymentIn, domain::events::PaymentApplied, domain::events::ExceptionIn)),
    modifiers(&Security),
)]
pub struct ApiDoc;

/// The whole document: the title, security and shared schemas declared here, and the paths
/// from the router's own declarations ([`api::openapi_paths`]).
pub fn spec() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(api::openapi_paths());
    doc
}

pub async fn document() -> Response {
    Json(spec()).into_response()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `GET /api/v1/reference`: the API reference as plain HTML.
pub async fn reference() -> Response {
    let doc = serde_json::to_value(spec()).unwrap_or_default();
    let mut html = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Throughline API reference</title>\
         <style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#0f172a}\
         code,pre{background:#f1f5f9;padding:.1rem .3rem;border-radius:4px}pre{padding:.6rem;overflow:auto}\
         .op{border-top:1px solid #cbd5e1;padding:.8rem 0}.m{font-weight:700;text-transform:uppercase;margin-right:.5rem}\
         .get{color:#047857}.post{color:#1d4ed8}table{border-collapse:collapse}td,th{border:1px solid #e2e8f0;padding:.2rem .5rem;text-align:left}</style></head><body>",
    );
    html.push_str(&format!("<h1>{}</h1><p>{}</p>", esc(doc["info"]["title"].as_str().unwrap_or("")), esc(doc["info"]["description"].as_str().unwrap_or(""))));
    html.push_str("<p>Machine-readable: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a> (OpenAPI 3.1). \
        Authenticate with <code>POST /api/v1/oauth/token</code> (client credentials), then send <code>Authorization: Bearer &lt;token&gt;</code>. \
        Errors are <code>application/problem+json</code> with an <code>errors</code> list of fields.</p><h2>Endpoints</h2>");
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for (method, op) in item.as_object().into_iter().flatten() {
                html.push_str(&format!("<div class=\"op\" id=\"{}-{}\"><span class=\"m {method}\">{method}</span><code>{}</code>", esc(method), esc(path), esc(path)));
                if let Some(scopes) = op["security"][0]["bearer"].as_array() {
                    let s: Vec<&str> = scopes.iter().filter_map(|v| v.as_str()).collect();
                    html.push_str(&format!(" <small>scope: {}</small>", esc(&s.join(", "))));
                }
                if let Some(d) = op["description"].as_str().or(op["summary"].as_str()) {
                    html.push_str(&format!("<p>{}</p>", esc(d)));
                }
                if let Some(params) = op["parameters"].as_array() {
                    html.push_str("<table><tr><th>parameter</th><th>in</th><th>description</th></tr>");
                    for p in params {
                        html.push_str(&format!("<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>", esc(p["name"].as_str().unwrap_or("")), esc(p["in"].as_str().unwrap_or("")), esc(p["description"].as_str().unwrap_or(""))));
                    }
                    html.push_str("</table>");
                }
                if let Some(content) = op["requestBody"]["content"].as_object() {
                    for (ct, c) in content {
                        html.push_str(&format!("<p>Body <code>{}</code>: {}</p>", esc(ct), schema_name(&c["schema"])));
                    }
                }
                html.push_str("<ul>");
                for (status, r) in op["responses"].as_object().into_iter().flatten() {
                    let body = r["content"].as_object().and_then(|c| c.values().next()).map(|c| schema_name(&c["schema"])).unwrap_or_default();
                    html.push_str(&format!("<li><b>{}</b> {} {}</li>", esc(status), esc(r["description"].as_str().unwrap_or("")), body));
                }
                html.push_str("</ul></div>");
            }
        }
    }
    html.push_str("<h2>Schemas</h2>");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, s) in schemas {
            html.push_str(&format!("<h3 id=\"schema-{0}\">{0}</h3>", esc(name)));
            if let Some(d) = s["description"].as_str() {
                html.push_str(&format!("<p>{}</p>", esc(d)));
            }
            if let Some(props) = s["properties"].as_object() {
                let required: Vec<&str> = s["required"].as_array().into_iter().flatten().filter_map(|v| v.as_str()).collect();
                html.push_str("<table><tr><th>field</th><th>type</th><th>required</th><th>description</th></tr>");
                for (k, v) in props {
                    html.push_str(&format!(
                        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(k),
                        schema_name(v),
                        if required.contains(&k.as_str()) { "yes" } else { "" },
                        esc(v["description"].as_str().unwrap_or(""))
                    ));
                }
                html.push_str("</table>");
            } else if let Some(e) = s["enum"].as_array() {
                let vals: Vec<String> = e.iter().map(|v| v.to_string()).collect();
                html.push_str(&format!("<p>One of {}</p>", esc(&vals.join(", "))));
            }
        }
    }
    html.push_str("</body></html>");
    Html(html).into_response()
}

/// A short description of a schema: a link to a named one, or its type.
fn schema_name(s: &serde_json::Value) -> String {
    if let Some(r) = s["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    if s["type"] == "array" {
        return format!("array of {}", schema_name(&s["items"]));
    }
    if let Some(one) = s["oneOf"].as_array() {
        return one.iter().map(schema_name).collect::<Vec<_>>().join(" or ");
    }
    match &s["type"] {
        serde_json::Value::String(t) => esc(t),
        serde_json::Value::Array(ts) => esc(&ts.iter().filter_map(|t| t.as_str()).collect::<Vec<_>>().join(" | ")),
        _ => "object".into(),
    }
}
