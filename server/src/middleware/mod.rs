//! Request pipeline pieces shared by the pages and the API.
pub mod client_addr;

pub mod page;
pub mod tenant;

pub use client_addr::client_address;

/// The client address of a request under this server's proxy settings.
pub(crate) fn client_ip(st: &crate::AppState, headers: &axum::http::HeaderMap, peer: Option<std::net::SocketAddr>) -> String {
    client_address(headers, peer, st.config.trust_proxy, st.config.proxy_hops)
}
pub mod panic;
