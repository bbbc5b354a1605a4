//! Addresses with query strings, built the same way on the server and in the browser, so that
//! links render identically before and after hydration.

/// Percent-encodes a path segment or query value: everything but RFC 3986's unreserved bytes.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The customer's invoice `number` in the portal: `/portal/invoices/INV-1`.
pub fn portal_invoice_href(number: &str) -> String {
    format!("/portal/invoices/{}", urlencode(number))
}

/// `base` with `pairs` as its query string, values percent-encoded; `base` alone without any.
pub(crate) fn with_query<'a>(base: &str, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let parts: Vec<String> = pairs.into_iter().map(|(k, v)| format!("{k}={}", urlencode(v))).collect();
    if parts.is_empty() { base.into() } else { format!("{base}?{}", parts.join("&")) }
}

/// The value of an optional field, if it is given and not empty.
pub(crate) fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|v| !v.is_empty())
}

