use thiserror::Error;

/// Errors of the services. Each variant says what the caller should answer.
#[derive(Debug, Error)]
pub enum Error {
    #[error("{0}")]
    Invalid(String),
    #[error("not found")]
    NotFound,
    #[error("storage error: {0}")]
    Storage(String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

pub type Result<T> = std::result::Result<T, Error>;
