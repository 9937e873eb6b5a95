//! Connections: one `DbConn` over SQLite and PostgreSQL, chosen by the URL scheme at run time; an r2d2 pool whose
//! manager picks the backend itself (the derived `establish` hides errors, notes/storage.md); per-connection
//! settings; `write_tx`, which starts SQLite write transactions with `BEGIN IMMEDIATE`.

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel::{PgConnection, SqliteConnection};

use crate::StoreError;

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = r2d2::Pool<ConnectionManager>;
pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A parsed database URL. `Debug` hides any password.
#[derive(Clone)]
pub struct DatabaseUrl {
    backend: Backend,
    url: String,
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({:?}, {})", self.backend, self.redacted())
    }
}

impl DatabaseUrl {
    /// `sqlite://PATH` (relative or absolute) or `postgres://…` / `postgresql://…`.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        let backend = if url.starts_with("sqlite://") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::Connection(format!(
                "database URL must start with sqlite:// or postgres://, got {:?}",
                url.split("://").next().unwrap_or_default()
            )));
        };
        if backend == Backend::Sqlite && url.len() == "sqlite://".len() {
            return Err(StoreError::Connection(
                "sqlite:// URL needs a file path, e.g. sqlite://openinfusion.db".into(),
            ));
        }
        Ok(Self { backend, url: url.to_owned() })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The URL with any password replaced, for logs and error messages.
    pub fn redacted(&self) -> String {
        match (self.url.split_once("://"), self.url.rfind('@')) {
            (Some((scheme, rest)), Some(at)) => match rest[..at - scheme.len() - 3].split_once(':') {
                Some((user, _)) => format!("{scheme}://{user}:***{}", &self.url[at..]),
                None => self.url.clone(),
            },
            _ => self.url.clone(),
        }
    }

    fn connect(&self) -> Result<DbConn, diesel::ConnectionError> {
        match self.backend {
            Backend::Sqlite => {
                let path = &self.url["sqlite://".len()..];
                SqliteConnection::establish(path).map(DbConn::Sqlite)
            }
            Backend::Postgres => PgConnection::establish(&self.url).map(DbConn::Pg),
        }
    }
}

/// r2d2 manager that opens the backend its URL names, reporting that backend's own error.
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        let mut conn = self.url.connect().map_err(diesel::r2d2::Error::ConnectionError)?;
        configure(&mut conn).map_err(diesel::r2d2::Error::QueryError)?;
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// Per-connection settings. SQLite: wait for the writer lock, WAL, enforce foreign keys. PostgreSQL: UTC session.
fn configure(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => {
            c.batch_execute("PRAGMA busy_timeout = 10000;")?;
            c.batch_execute("PRAGMA journal_mode = WAL;")?;
            c.batch_execute("PRAGMA synchronous = NORMAL;")?;
            c.batch_execute("PRAGMA foreign_keys = ON;")
        }
        DbConn::Pg(c) => c.batch_execute("SET TIME ZONE 'UTC';"),
    }
}

/// Opens a pool. One connection is opened first, directly, so a wrong URL fails at once with the database's own
/// message instead of after r2d2's 30-second retry.
pub fn open_pool(url: &DatabaseUrl, max_size: u32) -> Result<DbPool, StoreError> {
    let manager = ConnectionManager { url: url.clone() };
    let first = r2d2::ManageConnection::connect(&manager)
        .map_err(|e| StoreError::Connection(format!("cannot open {}: {}", url.redacted(), one_line(&e.to_string()))))?;
    drop(first);
    let max_size = if url.backend() == Backend::Sqlite { max_size.min(8) } else { max_size };
    r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(10))
        .build(manager)
        .map_err(|e| StoreError::Connection(format!("cannot open {}: {}", url.redacted(), one_line(&e.to_string()))))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Runs `f` in a write transaction: `BEGIN IMMEDIATE` on SQLite (a deferred BEGIN fails read-then-write under
/// contention), plain `BEGIN` on PostgreSQL; nested calls become savepoints.
pub fn write_tx<T, E: From<diesel::result::Error>>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E> {
    type Tm = <DbConn as Connection>::TransactionManager;
    if Tm::transaction_manager_status_mut(conn).transaction_depth()?.is_some() {
        return conn.transaction(f);
    }
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match f(conn) {
        Ok(value) => match Tm::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = Tm::rollback_transaction(conn);
                Err(e.into())
            }
        },
        Err(e) => {
            Tm::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// Runs `f` in a read transaction (a consistent snapshot on PostgreSQL).
pub fn read_tx<T, E: From<diesel::result::Error>>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E> {
    conn.transaction(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_backend_and_hide_passwords() {
        assert_eq!(DatabaseUrl::parse("sqlite://x.db").unwrap().backend(), Backend::Sqlite);
        let pg = DatabaseUrl::parse("postgres://app:s3cret@db:5432/oi").unwrap();
        assert_eq!(pg.backend(), Backend::Postgres);
        assert_eq!(pg.redacted(), "postgres://app:***@db:5432/oi");
        assert!(!format!("{pg:?}").contains("s3cret"));
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("postgres:nohost").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }
}
