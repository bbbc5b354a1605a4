//! Request pipeline pieces shared by the pages and the API.
pub mod client_addr;

pub use client_addr::client_address;
pub mod panic;
