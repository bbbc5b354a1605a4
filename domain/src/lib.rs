//! Throughline's services: tenancy, authentication, storage and the O2C rules.
//! No UI code lives here; the Leptos app, the REST API and the CLI all call these.
/// Implements `FromStr` (through `ALL` and `as_str`) and `Display` for an enum stored as
/// text, so that every status reads and writes the same lowercase names.
macro_rules! stored_as_text {
    ($t:ty) => {
        impl std::str::FromStr for $t {
            type Err = $crate::o2c::UnknownStatus;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| $crate::o2c::UnknownStatus(s.to_owned()))
            }
        }

        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod api_clients;
pub mod audit;
pub mod auth;
pub mod brand_images;
pub mod branding;
pub mod console;
pub mod db;
pub mod entity;
pub mod customers;
pub mod data_export;
pub mod demo;
pub mod documents;
pub mod domains;
pub mod dunning;
pub mod maintenance;
pub mod edi;
pub mod error;
pub mod events;
pub mod health;
pub mod invitations;
pub mod family;
pub mod jobs;
pub mod money;
pub mod o2c;
pub mod orders;
pub mod outbound;
pub mod partner;
pub mod partner_team;
pub mod policies;
pub mod password;
pub mod portal;
pub mod rate_limit;
pub mod retention;
pub mod seed;
pub mod session_store;
pub mod storage;
pub mod support;
pub mod tenancy;
pub mod types;
pub mod webhooks;
pub mod workflow;

pub use db::{Db, TenantTxn};
pub use error::{AppError, Error, Result};

/// A new primary key for a business row. UUIDv7 keys are time-ordered, so inserts land at the
/// right edge of each primary-key index instead of on a random page: far fewer pages touched
/// and written to the WAL per insert than with random v4 keys. Secrets and tokens keep
/// using v4.
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

/// Whether an insert that may stop at a conflict (`ON CONFLICT DO NOTHING`) wrote its row.
pub fn inserted(result: &sea_orm::TryInsertResult<u64>) -> bool {
    matches!(result, sea_orm::TryInsertResult::Inserted(n) if *n > 0)
}
