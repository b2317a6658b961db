//! Storage: SQLite in the data dir. The coordinator is one process with one writer at a
//! time, which is what SQLite in WAL mode does well; no PostgreSQL here. Migrations are
//! embedded, so `init` and `serve` bring any database up to date.

pub mod checkpoints;
pub mod nodes;
pub mod queue;
pub mod registry_versions;
pub mod routing_log;
pub mod schema;
pub mod stats;
pub mod users;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ConnectionManager, CustomizeConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::path::Path;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type Pool = r2d2::Pool<ConnectionManager<SqliteConnection>>;
pub type PooledConn = r2d2::PooledConnection<ConnectionManager<SqliteConnection>>;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot open the database: {0}")]
    Connect(String),
    #[error("database migration failed: {0}")]
    Migrate(String),
    #[error("database error: {0}")]
    Query(String),
    #[error("stored data does not decode: {0}")]
    Corrupt(&'static str),
}

impl From<diesel::result::Error> for DbError {
    fn from(e: diesel::result::Error) -> Self {
        DbError::Query(describe(&e))
    }
}

impl From<r2d2::PoolError> for DbError {
    fn from(e: r2d2::PoolError) -> Self {
        DbError::Connect(e.to_string())
    }
}

/// Describes a diesel error by kind and table, without values.
pub fn describe(e: &diesel::result::Error) -> String {
    match e {
        diesel::result::Error::DatabaseError(kind, info) => {
            format!("{kind:?} on {}", info.constraint_name().or(info.table_name()).unwrap_or("?"))
        }
        other => other.to_string(),
    }
}

/// Sets the pragmas on every pooled connection.
#[derive(Debug, Clone)]
struct Pragmas {
    synchronous: &'static str,
}

impl CustomizeConnection<SqliteConnection, r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), r2d2::Error> {
        // WAL: readers (HTTP, delivery) run beside the one writer. busy_timeout: the CLI's
        // enroll/revoke and the server write the same file from two processes.
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = {}; \
             PRAGMA foreign_keys = ON;",
            self.synchronous
        ))
        .map_err(r2d2::Error::QueryError)
    }
}

/// Opens the database file, applies pending migrations, and returns a pool.
pub fn open(path: &Path, synchronous: &str, pool_size: u32) -> Result<Pool, DbError> {
    let synchronous = if synchronous == "normal" { "NORMAL" } else { "FULL" };
    let url = path.to_str().ok_or_else(|| DbError::Connect("the database path is not UTF-8".into()))?;
    let pool = r2d2::Pool::builder()
        .max_size(pool_size)
        .connection_timeout(std::time::Duration::from_secs(30))
        .connection_customizer(Box::new(Pragmas { synchronous }))
        .build(ConnectionManager::<SqliteConnection>::new(url))
        .map_err(|e| DbError::Connect(e.to_string()))?;
    let mut conn = pool.get()?;
    conn.run_pending_migrations(MIGRATIONS).map_err(|e| DbError::Migrate(e.to_string()))?;
    Ok(pool)
}

/// Milliseconds since the Unix epoch, the unit of every time column.
pub fn now_ms() -> i64 {
    i64::try_from(vrs_protocol::now_ms()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;
    use diesel::migration::MigrationSource;
    use diesel::sqlite::Sqlite;
    use std::collections::BTreeSet;

    /// diesel keys applied migrations by version alone: two folders with one version
    /// means the second never runs on a fresh database (a merge once did this).
    #[test]
    fn every_migration_has_its_own_version() {
        let migrations = MigrationSource::<Sqlite>::migrations(&MIGRATIONS).expect("embedded");
        let versions: BTreeSet<String> = migrations.iter().map(|m| m.name().version().to_string()).collect();
        assert_eq!(versions.len(), migrations.len(), "duplicated versions among {versions:?}");
    }
}
