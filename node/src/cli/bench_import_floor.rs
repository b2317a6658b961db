//! The second baseline of the import benchmark: what SQLite itself needs to store exactly
//! the rows our import stored, in exactly our schema. The sqlite3 CLI copies the two
//! tables from the database the import just loaded into empty copies of them (same DDL,
//! read from that database, so it follows the migrations), then builds the same three
//! indexes, with the connection settings the import runs with. No CSV parsing, no checks,
//! no cryptography, no diesel: the part of our figure that only a different schema could
//! shrink. `.import` (the first baseline) fills one plain table with no index.

use anyhow::{Context, bail};
use diesel::prelude::*;
use diesel::sql_types::Text;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// The tables a first load fills, and whose indexes it builds at the end.
const TABLES: [&str; 2] = ["residents", "my_numbers"];

#[derive(QueryableByName)]
struct Ddl {
    #[diesel(sql_type = Text)]
    sql: String,
}

/// Rows per second for copying the loaded rows into empty tables of the same schema,
/// building the indexes and committing (the close-time WAL checkpoint is left out, as it
/// is from our figure).
pub fn schema_floor(loaded: &Path, scratch: &Path, count: u64) -> anyhow::Result<f64> {
    let (tables, indexes) = schema_of(loaded)?;
    let copies: String =
        TABLES.iter().map(|t| format!("INSERT INTO main.{t} SELECT * FROM src.{t};\n")).collect::<Vec<_>>().concat();
    // The import's connection settings (db::Manager, page size included), its sorter
    // settings for the index builds (import::bulk), and a clock read after BEGIN and after
    // COMMIT: the CLI's own start-up and its checkpoint on close stay outside the figure.
    let script = format!(
        "PRAGMA page_size = {page_size};\nPRAGMA journal_mode = WAL;\nPRAGMA synchronous = NORMAL;\nPRAGMA cache_size = -65536;\n\
         PRAGMA foreign_keys = OFF;\nPRAGMA wal_autocheckpoint = 0;\n{tables}\
         ATTACH '{src}' AS src;\nBEGIN;\nSELECT 'clock', (julianday('now') - 2440587.5) * 86400.0;\n{copies}\
         PRAGMA threads = 2;\nPRAGMA cache_size = -8192;\n{indexes}COMMIT;\n\
         SELECT 'clock', (julianday('now') - 2440587.5) * 86400.0;\n",
        src = loaded.display().to_string().replace('\'', "''"),
        page_size = crate::db::PAGE_SIZE,
    );
    let mut child = Command::new("sqlite3")
        .args(["-batch", "-list", "-separator", " "])
        .arg(scratch)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("the sqlite3 CLI is needed for the baseline (apt-get install sqlite3)")?;
    child.stdin.take().context("sqlite3 stdin")?.write_all(script.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() || !out.stderr.is_empty() {
        bail!("sqlite3 schema floor failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let clocks: Vec<f64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("clock ")?.trim().parse().ok())
        .collect();
    let [start, end] = clocks[..] else { bail!("sqlite3 schema floor printed {} clock readings, not 2", clocks.len()) };
    let secs = end - start;
    if secs <= 0.0 {
        bail!("sqlite3 schema floor took no measurable time");
    }
    Ok(count as f64 / secs)
}

/// The CREATE statements of the first load's tables, then of their indexes, as stored in
/// the loaded database.
fn schema_of(loaded: &Path) -> anyhow::Result<(String, String)> {
    let mut c = SqliteConnection::establish(&loaded.display().to_string())?;
    let mut ddl = |kind: &str| -> anyhow::Result<String> {
        let rows: Vec<Ddl> = diesel::sql_query(format!(
            "SELECT sql FROM sqlite_master WHERE type = '{kind}' AND sql IS NOT NULL \
             AND tbl_name IN ('residents', 'my_numbers') ORDER BY tbl_name DESC, name"
        ))
        .load(&mut c)?;
        Ok(rows.into_iter().map(|r| r.sql + ";\n").collect())
    };
    let tables = ddl("table")?;
    let indexes = ddl("index")?;
    if tables.matches("CREATE TABLE").count() != TABLES.len() || indexes.is_empty() {
        bail!("the loaded database lacks the register's tables or indexes");
    }
    Ok((tables, indexes))
}
