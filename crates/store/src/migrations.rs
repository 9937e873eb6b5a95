//! Embedded migrations, one history per backend with the same version names; `run` applies what is pending.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::{DbConn, StoreError};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Applies pending migrations; returns how many ran. On PostgreSQL a session advisory lock keeps two nodes from
/// migrating at once.
pub fn run(conn: &mut DbConn) -> Result<usize, StoreError> {
    use diesel::connection::SimpleConnection;
    const LOCK: &str = "SELECT pg_advisory_lock(7311942001)";
    const UNLOCK: &str = "SELECT pg_advisory_unlock(7311942001)";
    let is_pg = matches!(conn, DbConn::Pg(_));
    if let DbConn::Pg(pg) = conn {
        pg.batch_execute(LOCK)?;
    }
    let set = if is_pg { POSTGRES } else { SQLITE };
    let result =
        conn.run_pending_migrations(set).map(|applied| applied.len()).map_err(|e| StoreError::Migration(e.to_string()));
    if let DbConn::Pg(pg) = conn {
        pg.batch_execute(UNLOCK)?;
    }
    result
}
