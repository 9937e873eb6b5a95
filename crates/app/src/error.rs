//! The one error type of the use cases. Every variant is something a caller can act on, except `Store`, which is
//! an internal failure (logged, never shown in detail).

use domain::ValidationErrors;
use domain::role::Permission;
use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign-in required")]
    Unauthenticated,
    /// Wrong username, password or second factor. Deliberately does not say which.
    #[error("the username, password or code is not correct")]
    BadCredentials,
    /// The account has a second factor and no code was given.
    #[error("a one-time code is required")]
    SecondFactorRequired,
    #[error("too many failed sign-ins; try again in {retry_after_minutes} minutes")]
    RateLimited { retry_after_minutes: i64 },
    #[error("permission {0} is required")]
    Forbidden(Permission),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// The client's version is not the stored one.
    #[error("{entity} was changed by someone else (now version {current})")]
    StaleVersion { entity: &'static str, current: i64 },
    /// The action does not fit the record's current state.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A failure outside the data: a worker that panicked, a hash that could not be computed.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        AppError::Store(StoreError::from(error))
    }
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(ValidationErrors::single(field, message))
    }

    /// Maps a store `NotFound` to a named entity.
    pub fn not_found_as(entity: &'static str) -> impl Fn(StoreError) -> AppError {
        move |e| match e {
            StoreError::NotFound => AppError::NotFound(entity),
            other => AppError::Store(other),
        }
    }
}
