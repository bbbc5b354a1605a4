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
    /// Too much work of this kind is running (password checks): answer 503 with
    /// `Retry-After`.
    #[error("busy; retry in a moment")]
    Busy,
    #[error("internal error: {0}")]
    Internal(String),
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

pub type Result<T> = std::result::Result<T, Error>;

impl From<crate::password::Busy> for Error {
    fn from(_: crate::password::Busy) -> Self {
        Error::Busy
    }
}
