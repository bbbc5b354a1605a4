//! Throughline's services: tenancy, authentication, storage and (later) the O2C rules.
//! No UI code lives here; the Leptos app, the REST API and the CLI all call these.
pub mod api_clients;
pub mod auth;
pub mod db;
pub mod entity;
pub mod customers;
pub mod demo;
pub mod edi;
pub mod error;
pub mod events;
pub mod money;
pub mod orders;
pub mod password;
pub mod seed;
pub mod session_store;
pub mod storage;
pub mod tenancy;
pub mod types;

pub use db::Db;
pub use error::{Error, Result};
