//! Test databases (a fresh SQLite file or a fresh PostgreSQL database per test), a test
//! key, and an in-process node listening on a loopback port.

use diesel::Connection;
use diesel::connection::SimpleConnection;
use std::sync::atomic::{AtomicU32, Ordering};
use vrs_node::crypto::NodeKeys;
use vrs_node::db::{self, DatabaseUrl, DbConn, Pool};
use vrs_node::import::{ImportError, ImportMode, ImportOptions, ImportReport, import_residents};
use vrs_protocol::CivilDate;

pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body once per backend.
#[macro_export]
macro_rules! on_both_backends {
    ($(fn $name:ident($db:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                fn body($db: $crate::support::TestDb) $body
                #[test]
                fn sqlite() { body($crate::support::TestDb::new($crate::support::Backend::Sqlite)) }
                #[test]
                fn postgres() { body($crate::support::TestDb::new($crate::support::Backend::Postgres)) }
            }
        )*
    };
}

pub struct TestDb {
    pub url: DatabaseUrl,
    pub pool: Pool,
    pub keys: NodeKeys,
    pub dir: tempfile::TempDir,
    pg_admin: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub fn postgres_base_url() -> String {
    std::env::var("VRS_TEST_POSTGRES_URL").expect(
        "VRS_TEST_POSTGRES_URL is not set: run the tests with scripts/test, which starts a throwaway PostgreSQL",
    )
}

impl TestDb {
    pub fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (url, pg_admin) = match backend {
            Backend::Sqlite => (DatabaseUrl::Sqlite(dir.path().join("t.sqlite").display().to_string()), None),
            Backend::Postgres => {
                let base = postgres_base_url();
                let name = format!("vrs_t_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
                let mut admin = diesel::PgConnection::establish(&base).unwrap();
                admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
                let (prefix, _) = base.rsplit_once('/').unwrap();
                (DatabaseUrl::Postgres(format!("{prefix}/{name}")), Some((base, name)))
            }
        };
        let pool = db::open(url.clone(), "normal", 4).unwrap();
        TestDb { url, pool, keys: NodeKeys::from_master(&[42u8; 32]), dir, pg_admin }
    }

    pub fn conn(&self) -> db::PooledConn {
        self.pool.get().unwrap()
    }

    pub fn import(&self, csv: &[u8], mode: ImportMode) -> Result<ImportReport, ImportError> {
        let mut conn = self.conn();
        import_residents(&mut conn, &self.keys, csv, &options(mode), None)
    }

    pub fn resident_count(&self) -> i64 {
        db::residents::count(&mut self.conn()).unwrap()
    }

    pub fn raw(&self) -> DbConn {
        db::Manager::new(self.url.clone(), "normal").establish().unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, name)) = &self.pg_admin {
            // Close the pool's connections first, or the database is still in use.
            let _ = std::mem::replace(
                &mut self.pool,
                db::open(DatabaseUrl::Sqlite(":memory:".into()), "normal", 1).unwrap(),
            );
            if let Ok(mut admin) = diesel::PgConnection::establish(base) {
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

pub fn options(mode: ImportMode) -> ImportOptions {
    ImportOptions {
        mode,
        charset: None,
        batch_rows: 3, // small, so that every test crosses batch boundaries
        max_rejections_reported: 100,
        actor: "tester".into(),
        role: "staff".into(),
        today: CivilDate::new(2026, 11, 21).unwrap(),
    }
}

pub const HEADER: &str =
    "個別宛名番号,マイナンバー,氏名(姓),氏名(名),氏名(セイ),氏名(メイ),生年月日,性別,券番号,転出/死亡フラグ\r\n";

/// A valid row for person `i` (My Number from a fixed body so it is valid).
pub fn row(i: u64) -> String {
    let mn = vrs_protocol::MyNumber::from_body(10_000_000_000 + i).unwrap();
    format!("{},{},山田,太郎,ﾔﾏﾀﾞ,タロウ,19800401,1,{:010},\r\n", 1000 + i, mn.expose(), 5_000_000 + i)
}

pub fn my_number(i: u64) -> String {
    vrs_protocol::MyNumber::from_body(10_000_000_000 + i).unwrap().expose().to_owned()
}

pub fn file(rows: &[String]) -> Vec<u8> {
    let mut s = HEADER.to_owned();
    for r in rows {
        s.push_str(r);
    }
    s.into_bytes()
}
