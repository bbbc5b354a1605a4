//! The one error type of the services. Each variant documents the HTTP status it becomes;
//! the server converts it in one place each: to a problem document (API), to a neutral HTML
//! page, and to the server functions' short message. Internals (database text) are logged,
//! never shown: a bug is a 500 with a logged id, and only an unreachable database or store is
//! a 503.
use thiserror::Error;

#[derive(Debug, Error)]
pub enum AppError {
    /// 422: the input is wrong; the text says what to change.
    #[error("{0}")]
    Invalid(String),
    /// 403: the actor may not do this (their role, or segregation of duties); the text says why.
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such object here (in this tenant).
    #[error("not found")]
    NotFound,
    /// 409: the object was written by a concurrent request, or already exists.
    #[error("{0}")]
    Conflict(String),
    /// 503 with `Retry-After`: too much work of this kind is running (password checks).
    #[error("busy; retry in a moment")]
    Busy,
    /// 503: the document store failed.
    #[error("storage error: {0}")]
    Storage(String),
    /// 500: a bug or an impossible state.
    #[error("internal error: {0}")]
    Internal(String),
    /// A database error: 409 for a unique-constraint race, 503 when the database cannot be
    /// reached, else 500.
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}

/// The name most code uses.
pub type Error = AppError;

pub type Result<T> = std::result::Result<T, AppError>;

impl AppError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid(_) => 422,
            AppError::Forbidden(_) => 403,
            AppError::NotFound => 404,
            AppError::Conflict(_) => 409,
            AppError::Busy | AppError::Storage(_) => 503,
            AppError::Internal(_) => 500,
            AppError::Db(e) if is_unique_violation(e) => 409,
            AppError::Db(e) if is_unreachable(e) => 503,
            AppError::Db(_) => 500,
        }
    }

    /// What a user may be shown: the message for their own mistakes, a generic sentence for
    /// everything else (the details go to the log).
    pub fn public_message(&self) -> String {
        match self.status() {
            422 | 409 | 403 if !matches!(self, AppError::Db(_)) => self.to_string(),
            404 => "There is no such thing here.".into(),
            409 => "Someone changed the same thing at the same moment; try again.".into(),
            503 => "The service is temporarily unavailable; try again in a moment.".into(),
            _ => "Something went wrong on our side; it has been logged.".into(),
        }
    }
}

/// A unique index refused a row: two requests wrote the same thing at once.
pub fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

/// The database could not be reached (connection refused, pool exhausted), as opposed to a
/// statement that failed.
pub fn is_unreachable(e: &sea_orm::DbErr) -> bool {
    matches!(e, sea_orm::DbErr::Conn(_) | sea_orm::DbErr::ConnectionAcquire(_))
}

impl From<crate::password::Busy> for AppError {
    fn from(_: crate::password::Busy) -> Self {
        AppError::Busy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_answers_with_its_status_and_shows_no_internals() {
        let cases = [
            (AppError::Invalid("name: is required".into()), 422, "name: is required"),
            (AppError::NotFound, 404, "There is no such thing here."),
            (AppError::Conflict("order SO-1 already exists".into()), 409, "order SO-1 already exists"),
            (AppError::Busy, 503, "The service is temporarily unavailable; try again in a moment."),
            (AppError::Internal("invariant broken at row 7".into()), 500, "Something went wrong on our side; it has been logged."),
            (AppError::Db(sea_orm::DbErr::Custom("relation \"orders\" does not exist".into())), 500, "Something went wrong on our side; it has been logged."),
        ];
        for (e, status, shown) in cases {
            assert_eq!(e.status(), status, "{e:?}");
            assert_eq!(e.public_message(), shown, "{e:?}");
        }
    }
}
