//! Storage errors, shaped so `app` can turn each into something a user can act on.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("record not found")]
    NotFound,
    /// A unique constraint refused the write; the message names the constraint or column.
    #[error("unique violation: {0}")]
    UniqueViolation(String),
    #[error("foreign key violation: {0}")]
    ForeignKeyViolation(String),
    /// An optimistic update found another version than the one it was based on.
    #[error("the record was changed by someone else")]
    StaleVersion,
    /// A stored value that the domain refuses: the database was edited outside the application.
    #[error("stored {table}.{column} is invalid: {value:?}")]
    Corrupt { table: &'static str, column: &'static str, value: String },
    #[error("cannot connect: {0}")]
    Connection(String),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("database error: {0}")]
    Database(DieselError),
}

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => StoreError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => StoreError::UniqueViolation(
                info.constraint_name().or(info.column_name()).unwrap_or(info.message()).to_owned(),
            ),
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                StoreError::ForeignKeyViolation(info.message().to_owned())
            }
            other => StoreError::Database(other),
        }
    }
}

impl StoreError {
    pub fn corrupt(table: &'static str, column: &'static str, value: impl Into<String>) -> Self {
        StoreError::Corrupt { table, column, value: value.into() }
    }

    /// True when a unique constraint on a column whose name contains `column` refused the write. SQLite reports
    /// `table.column`, PostgreSQL the constraint name (`patients_mrn_key`); both contain the column name.
    pub fn is_unique_violation_of(&self, column: &str) -> bool {
        matches!(self, StoreError::UniqueViolation(what) if what.contains(column))
    }
}
