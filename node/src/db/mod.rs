//! Storage: one diesel codebase over SQLite (embedded default) and PostgreSQL.
//!
//! The backend is chosen from the URL scheme (never by trial), each backend has its own
//! embedded migrations, and queries that the multi-backend cannot express are written
//! once and compiled per backend through [`with_conn!`].

pub mod access_chain;
pub mod access_log;
pub mod audit_checkpoints;
mod checkpointer;
pub mod disclosures;
pub mod group_commit;
pub mod integrity;
pub mod outbox;
pub mod passwords;
pub mod residents;
pub mod revocations;
pub mod schema;
pub mod site_days;
pub mod users;
pub mod vaccinations;
pub mod web_sessions;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::path::Path;
use std::sync::Arc;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Runs `$body` with `$c` bound to the concrete inner connection, compiling it once per
/// backend. Use it where the DSL differs (bulk inserts) or the multi-backend lacks a form.
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Postgresql($c) => $body,
        }
    };
}

/// The connections, and for a served SQLite database what its checkpointer tells writers.
#[derive(Debug, Clone)]
pub struct Pool {
    connections: r2d2::Pool<Manager>,
    checkpoints: Option<Arc<checkpointer::Settled>>,
}

impl std::ops::Deref for Pool {
    type Target = r2d2::Pool<Manager>;

    fn deref(&self) -> &Self::Target {
        &self.connections
    }
}

impl Pool {
    /// When the background checkpointer last copied the WAL back (served SQLite pools only).
    pub fn checkpoints(&self) -> Option<&checkpointer::Settled> {
        self.checkpoints.as_deref()
    }
}

pub type PooledConn = r2d2::PooledConnection<Manager>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(String),
    Postgres(String),
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL scheme (use sqlite://PATH or postgres://...)")]
    Scheme,
    #[error("cannot open the database: {0}")]
    Connect(String),
    #[error("database migration failed: {0}")]
    Migrate(String),
    #[error("database error: {0}")]
    Query(String),
    #[error("the database file {path} is damaged ({why}); restore it from a backup (vrs-node restore)")]
    Damaged { path: String, why: String },
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

/// Describes a diesel error without the offending values: PostgreSQL's constraint
/// messages quote the key ("Key (coupon_number)=(…)"), which may be personal data.
pub fn describe(e: &diesel::result::Error) -> String {
    match e {
        diesel::result::Error::DatabaseError(kind, info) => {
            format!("{kind:?} on {}", info.constraint_name().or(info.table_name()).unwrap_or("?"))
        }
        other => other.to_string(),
    }
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, DbError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(DbError::Scheme);
            }
            Ok(DatabaseUrl::Sqlite(path.to_owned()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres(url.to_owned()))
        } else {
            Err(DbError::Scheme)
        }
    }

    /// Resolves a relative SQLite path against the node's data dir.
    pub fn in_data_dir(self, data_dir: &Path) -> Self {
        match self {
            DatabaseUrl::Sqlite(p) if Path::new(&p).is_relative() => {
                DatabaseUrl::Sqlite(data_dir.join(p).display().to_string())
            }
            other => other,
        }
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DatabaseUrl::Sqlite(_))
    }
}

/// How long a SQLite connection waits for a lock before it reports the database busy.
pub const BUSY_TIMEOUT_MS: u32 = 10_000;
/// SQLite page size of a new database (SQLite's default is 4 KiB). A first load appends
/// rows and index entries in key order, so larger pages mean fewer pages to balance, sort
/// into and frame in the WAL. 1 M residents, `vrs-node bench import`, builds interleaved
/// round by round: 8 KiB 238k-290k rows/s, 16 KiB 263k-300k, 32 KiB 312k-334k, 64 KiB
/// 285k-309k. The price is on random writes: a dose's commit frames whole pages, so the
/// WAL takes ~4x the bytes per dose of 8 KiB pages (paced doses' median 1.0-1.3 ms became
/// 1.7-1.9 ms, p99 unchanged, closed-loop throughput within noise; specs/benchmarks.md).
/// A database created with another size keeps it (docs/operations.md says how to convert).
pub const PAGE_SIZE: u32 = 32768;

#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
    sqlite_synchronous: String,
    /// SQLite only: leave WAL checkpoints to `checkpointer` instead of the committing writer.
    background_checkpoints: bool,
}

impl Manager {
    pub fn new(url: DatabaseUrl, sqlite_synchronous: &str) -> Self {
        Manager { url, sqlite_synchronous: sqlite_synchronous.to_owned(), background_checkpoints: false }
    }

    pub fn establish(&self) -> Result<DbConn, DbError> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let mut c = diesel::SqliteConnection::establish(path).map_err(|e| DbError::Connect(e.to_string()))?;
                // WAL lets readers run beside the one writer; foreign keys are off by default in SQLite.
                // The page size counts only for a database not yet written (set before WAL,
                // which fixes it); see [`PAGE_SIZE`].
                c.batch_execute(&format!(
                    "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA page_size = {PAGE_SIZE}; PRAGMA journal_mode = WAL; PRAGMA synchronous = {}; \
                     PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536; PRAGMA temp_store = FILE;",
                    self.sqlite_synchronous
                ))
                .map_err(|e| damaged_or(path, &e, DbError::Connect))?;
                if self.background_checkpoints {
                    c.batch_execute("PRAGMA wal_autocheckpoint = 0;").map_err(|e| DbError::Connect(describe(&e)))?;
                }
                Ok(DbConn::Sqlite(c))
            }
            DatabaseUrl::Postgres(url) => diesel::PgConnection::establish(url)
                .map(DbConn::Postgresql)
                .map_err(|e| DbError::Connect(e.to_string())),
        }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        self.establish().map_err(|e| r2d2::Error::ConnectionError(ConnectionError::BadConnection(e.to_string())))
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    /// A connection given back while its thread unwinds from a panic may hold whatever
    /// its user had changed for the moment (a first load turns SQLite's foreign-key checks
    /// off until it ends): it is closed rather than handed to the next request.
    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        std::thread::panicking()
    }
}

/// Opens the database, applies pending migrations, and returns a pool.
pub fn open(url: DatabaseUrl, sqlite_synchronous: &str, pool_size: u32) -> Result<Pool, DbError> {
    pool(Manager::new(url, sqlite_synchronous), pool_size)
}

/// As [`open`], for a long-running server: on SQLite, WAL checkpoints run on a thread of
/// their own (`checkpointer`), so no request waits while one commit copies the WAL back
/// into the database file (they were the tail of the dose latency).
pub fn open_served(url: DatabaseUrl, sqlite_synchronous: &str, pool_size: u32) -> Result<Pool, DbError> {
    let sqlite = url.is_sqlite();
    let mut manager = Manager::new(url, sqlite_synchronous);
    manager.background_checkpoints = sqlite;
    let mut pool = pool(manager, pool_size)?;
    if sqlite {
        let settled = Arc::new(checkpointer::Settled::new());
        checkpointer::start(pool.clone(), settled.clone())
            .map_err(|e| DbError::Connect(format!("cannot start the checkpointer: {e}")))?;
        pool.checkpoints = Some(settled);
    }
    Ok(pool)
}

fn pool(manager: Manager, pool_size: u32) -> Result<Pool, DbError> {
    let mut conn = manager.establish()?;
    migrate(&mut conn)?;
    access_chain::seal_legacy(&mut conn)?;
    drop(conn);
    // A SQLite connection is an open file and cannot go stale: testing it on every
    // check-out only compiled and ran a `SELECT 1` per request (in `perf` of the doses
    // benchmark, on the request threads). A PostgreSQL connection can die with its server,
    // so it is still tested.
    let test_on_check_out = !manager.url.is_sqlite();
    let connections = r2d2::Pool::builder()
        .max_size(pool_size)
        .connection_timeout(std::time::Duration::from_secs(30))
        .test_on_check_out(test_on_check_out)
        .build(manager)
        .map_err(|e| DbError::Connect(e.to_string()))?;
    Ok(Pool { connections, checkpoints: None })
}

/// SQLite says a file is not (or no longer) a database in these words: the setting's
/// pragmas are the first thing that reads the header, so a mangled file shows here.
fn damaged_or(path: &str, e: &diesel::result::Error, other: fn(String) -> DbError) -> DbError {
    let text = e.to_string();
    if text.contains("file is not a database") || text.contains("malformed") {
        DbError::Damaged { path: path.to_owned(), why: text }
    } else {
        other(describe(e))
    }
}

pub fn migrate(conn: &mut DbConn) -> Result<(), DbError> {
    let result = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
        DbConn::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
    };
    result.map_err(|e| DbError::Migrate(e.to_string()))
}

/// Makes the transaction just begun read one snapshot throughout (call first in it): a
/// long read (verifying the access log, a backup's checks) then sees no half of a write
/// that commits meanwhile, and holds no writer up. SQLite's read transactions in WAL mode
/// are snapshots already; PostgreSQL's default reads each statement afresh.
pub fn read_snapshot(conn: &mut DbConn) -> Result<(), DbError> {
    if let DbConn::Postgresql(pg) = conn {
        pg.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
    }
    Ok(())
}

/// Seconds since the Unix epoch, the time unit of every timestamp column.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

#[cfg(test)]
mod migration_tests {
    use super::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
    use diesel::migration::MigrationSource;
    use diesel::pg::Pg;
    use diesel::sqlite::Sqlite;
    use std::collections::BTreeSet;

    fn versions<DB: diesel::backend::Backend>(source: &dyn MigrationSource<DB>) -> Vec<String> {
        let migrations = source.migrations().expect("embedded migrations");
        migrations.iter().map(|m| m.name().version().to_string()).collect()
    }

    /// diesel keys applied migrations by version alone, so a duplicated version is a
    /// migration that silently never runs; and both backends must carry the same steps.
    #[test]
    fn both_backends_have_the_same_unique_versions() {
        let sqlite = versions::<Sqlite>(&SQLITE_MIGRATIONS);
        let postgres = versions::<Pg>(&POSTGRES_MIGRATIONS);
        let unique: BTreeSet<&String> = sqlite.iter().collect();
        assert_eq!(unique.len(), sqlite.len(), "duplicated versions among {sqlite:?}");
        let mut sorted_pg = postgres.clone();
        sorted_pg.sort();
        let mut sorted_sqlite = sqlite.clone();
        sorted_sqlite.sort();
        assert_eq!(sorted_sqlite, sorted_pg);
    }
}

#[cfg(test)]
mod tests {
    use super::DbConn;
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    #[derive(QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = Text)]
        compile_options: String,
    }

    /// A register stored with the whole 32-byte look-up hash is still found by My Number
    /// after the migration that keeps its first 16 bytes.
    #[test]
    fn my_numbers_hashed_before_the_16_byte_migration_are_still_found() {
        use diesel_migrations::MigrationHarness;
        let mut c = super::DbConn::Sqlite(SqliteConnection::establish(":memory:").expect("open"));
        let all = diesel::migration::MigrationSource::<diesel::sqlite::Sqlite>::migrations(&super::SQLITE_MIGRATIONS)
            .expect("migrations");
        let last = all.iter().position(|m| m.name().to_string().ends_with("lookup_hash_16")).expect("the migration");
        let DbConn::Sqlite(raw) = &mut c else { unreachable!() };
        for _ in 0..last {
            raw.run_next_migration(super::SQLITE_MIGRATIONS).expect("earlier migration");
        }
        let keys = crate::crypto::NodeKeys::from_master(&[7u8; 32]);
        let n = vrs_protocol::MyNumber::from_body(12_345_678_901).expect("my number");
        // Before: HMAC-SHA256 whole; its first 16 bytes are what the code computes now.
        let mut old_hash = keys.my_number_lookup(&n).to_vec();
        old_hash.extend_from_slice(&[0xAB; 16]);
        diesel::sql_query(
            "INSERT INTO residents VALUES ('42', '山田', '太郎', 'ヤマダ', 'タロウ', '1980-04-01', 1, 0, \
             '0000000001', x'00', 1, 2, 0, 0)",
        )
        .execute(raw)
        .expect("resident");
        diesel::sql_query("INSERT INTO my_numbers VALUES ('42', ?, x'00')")
            .bind::<diesel::sql_types::Binary, _>(&old_hash)
            .execute(raw)
            .expect("my number");
        assert_eq!(super::residents::find_by_my_number(&mut c, &keys, &n).expect("query"), None);
        super::migrate(&mut c).expect("the remaining migrations");
        assert_eq!(super::residents::find_by_my_number(&mut c, &keys, &n).expect("query").as_deref(), Some("42"));
    }

    /// A connection its user dropped while panicking is closed, not pooled again with
    /// the settings it had changed.
    #[test]
    fn a_connection_given_back_by_a_panicking_thread_is_not_reused() {
        #[derive(QueryableByName)]
        struct Flag {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            foreign_keys: i64,
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let url = super::DatabaseUrl::Sqlite(dir.path().join("t.sqlite").display().to_string());
        let pool = super::open(url, "normal", 1).expect("pool");
        let in_thread = pool.clone();
        let joined = std::thread::spawn(move || {
            let mut c = in_thread.get().expect("connection");
            diesel::sql_query("PRAGMA foreign_keys = OFF").execute(&mut *c).expect("pragma");
            panic!("the connection's user fails half-way");
        })
        .join();
        assert!(joined.is_err());
        let flag = diesel::sql_query("SELECT foreign_keys FROM pragma_foreign_keys")
            .get_result::<Flag>(&mut *pool.get().expect("connection"))
            .expect("flag");
        assert_eq!(flag.foreign_keys, 1);
    }

    #[derive(QueryableByName)]
    struct PageSize {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        page_size: i64,
    }

    fn page_size(conn: &mut DbConn) -> i64 {
        let DbConn::Sqlite(c) = conn else { unreachable!("SQLite only") };
        diesel::sql_query("PRAGMA page_size").get_result::<PageSize>(c).expect("page size").page_size
    }

    /// A new database gets [`super::PAGE_SIZE`] pages; one created with SQLite's default
    /// keeps its 4 KiB and opens, migrates and takes writes as before.
    #[test]
    fn new_databases_get_the_page_size_and_old_ones_keep_theirs() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fresh = dir.path().join("fresh.sqlite");
        let pool = super::open(super::DatabaseUrl::Sqlite(fresh.display().to_string()), "normal", 1).expect("open");
        assert_eq!(page_size(&mut pool.get().expect("conn")), i64::from(super::PAGE_SIZE));

        let old = dir.path().join("old.sqlite");
        let mut c = SqliteConnection::establish(&old.display().to_string()).expect("create");
        c.batch_execute("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER);").expect("old layout");
        drop(c);
        let pool = super::open(super::DatabaseUrl::Sqlite(old.display().to_string()), "normal", 1).expect("open old");
        let mut conn = pool.get().expect("conn");
        assert_eq!(page_size(&mut conn), 4096);
        let DbConn::Sqlite(raw) = &mut *conn else { unreachable!() };
        diesel::sql_query("INSERT INTO t VALUES (1)").execute(raw).expect("write");
        let users: i64 = super::schema::users::table.count().get_result(raw).expect("migrated");
        assert_eq!(users, 0);
    }

    /// `.cargo/config.toml` builds the bundled SQLite without per-call connection mutexes
    /// and memory statistics; a checkout or build that lost the setting fails here.
    #[test]
    fn sqlite_is_built_multi_threaded_without_memory_statistics() {
        let mut c = SqliteConnection::establish(":memory:").expect("open");
        let options: Vec<String> = diesel::sql_query("PRAGMA compile_options")
            .load::<CompileOption>(&mut c)
            .expect("compile options")
            .into_iter()
            .map(|o| o.compile_options)
            .collect();
        for wanted in ["THREADSAFE=2", "DEFAULT_MEMSTATUS=0"] {
            assert!(options.iter().any(|o| o == wanted), "{wanted} missing from {options:?}");
        }
    }
}
