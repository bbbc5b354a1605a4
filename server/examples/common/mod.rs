//! What the page benchmarks share (included by `#[path]`; not an example of its own).
use std::time::Duration;

/// The value of attribute `attr` of the tag that holds `marker`.
pub fn attr_after<'a>(html: &'a str, marker: &str, attr: &str) -> Option<&'a str> {
    let at = html.find(marker)?;
    let start = html[..at].rfind('<')?;
    let tag = &html[start..html[start..].find('>')? + start];
    let v = &tag[tag.find(&format!("{attr}=\""))? + attr.len() + 2..];
    Some(&v[..v.find('"')?])
}

/// A client that sends `host` to 127.0.0.1:`port`, signed in there through the sign-in form;
/// and the base URL of its pages.
pub async fn signed_in(port: &str, host: &str, email: &str, password: &str) -> (reqwest::Client, String) {
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("an address");
    let c = reqwest::Client::builder().cookie_store(true).resolve(host, addr).timeout(Duration::from_secs(60)).build().expect("a client");
    let base = format!("http://{host}:{port}");
    let login = c.get(format!("{base}/login")).send().await.expect("the sign-in page").text().await.expect("a body");
    let csrf = attr_after(&login, "name=\"csrf\"", "value").expect("a CSRF token").to_owned();
    let r = c.post(format!("{base}/login")).form(&[("email", email), ("password", password), ("csrf", csrf.as_str())]).send().await.expect("signs in");
    assert!(r.status().is_success(), "sign-in of {email} answered {}", r.status());
    (c, base)
}
