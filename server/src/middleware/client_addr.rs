//! The client's address, for rate limits and logs.
use axum::http::HeaderMap;
use std::net::SocketAddr;

/// The address a request came from. Without a trusted proxy it is the peer's address. Behind
/// `hops` trusted proxies, each appends the address it saw to `X-Forwarded-For`, so the client
/// is the entry `hops` places from the right; anything to the left of it was written by the
/// client and is never trusted. With fewer entries than hops, the leftmost one (written by the
/// outermost trusted proxy) is taken.
pub fn client_address(headers: &HeaderMap, peer: Option<SocketAddr>, trust_proxy: bool, hops: usize) -> String {
    let peer = || peer.map(|p| p.ip().to_string()).unwrap_or_else(|| "unknown".into());
    if !trust_proxy || hops == 0 {
        return peer();
    }
    // Several X-Forwarded-For headers form one list, in order (RFC 9110 §5.3).
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    if entries.is_empty() {
        return peer();
    }
    let at = entries.len().saturating_sub(hops);
    entries[at].parse::<std::net::IpAddr>().map(|ip| ip.to_string()).unwrap_or_else(|_| peer())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn the_client_is_taken_from_the_right_skipping_the_trusted_hops() {
        let peer: SocketAddr = "10.0.0.9:5000".parse().unwrap();
        let cases: &[(&[&str], bool, usize, &str)] = &[
            (&["6.6.6.6, 1.2.3.4"], true, 1, "1.2.3.4"),
            (&["6.6.6.6, 1.2.3.4, 10.0.0.2"], true, 2, "1.2.3.4"),
            (&["6.6.6.6", "1.2.3.4"], true, 1, "1.2.3.4"),
            (&["1.2.3.4"], true, 3, "1.2.3.4"),
            (&["6.6.6.6, 1.2.3.4"], false, 1, "10.0.0.9"),
            (&[], true, 1, "10.0.0.9"),
            (&["6.6.6.6, not-an-address"], true, 1, "10.0.0.9"),
            (&["2001:db8::1"], true, 1, "2001:db8::1"),
        ];
        for (values, trust, hops, want) in cases {
            assert_eq!(client_address(&headers(values), Some(peer), *trust, *hops), *want, "{values:?} trust={trust} hops={hops}");
        }
    }
}
