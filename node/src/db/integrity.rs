//! Checking an SQLite database file for damage before the node trusts it: at start
//! (`quick_check`, one pass over the pages, by default) and after a restore (the full
//! `integrity_check`, which also compares every index with its table). A damaged file is
//! refused with one clear sentence instead of failing later, half-way through a request.
//! PostgreSQL checks its own pages (and is not a file the node owns): nothing to do here.

use super::{DatabaseUrl, DbError, Manager, describe};
use diesel::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// `PRAGMA quick_check`: page structure, record formats, NOT NULL/CHECK constraints.
    Quick,
    /// `PRAGMA integrity_check`: as quick, and every index against its table.
    Full,
}

/// Problems listed at most (SQLite stops after this many).
const MAX_PROBLEMS: u32 = 5;

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    #[diesel(column_name = "quick_check")]
    text: String,
}

#[derive(QueryableByName)]
struct FullLine {
    #[diesel(sql_type = diesel::sql_types::Text)]
    #[diesel(column_name = "integrity_check")]
    text: String,
}

/// Checks the SQLite file behind `url` (a missing file is fine: it will be created).
pub fn check_file(url: &DatabaseUrl, depth: Depth) -> Result<(), DbError> {
    let DatabaseUrl::Sqlite(path) = url else { return Ok(()) };
    if !std::path::Path::new(path).exists() {
        return Ok(());
    }
    let damaged = |why: String| DbError::Damaged { path: path.clone(), why };
    let mut conn = match Manager::new(url.clone(), "full").establish() {
        Ok(super::DbConn::Sqlite(c)) => c,
        Ok(_) => return Ok(()),
        // Opening applies pragmas, which read the header: a mangled one fails here.
        Err(DbError::Connect(e)) => return Err(damaged(e)),
        Err(e) => return Err(e),
    };
    let lines: Vec<String> = match depth {
        Depth::Quick => diesel::sql_query(format!("PRAGMA quick_check({MAX_PROBLEMS})"))
            .load::<Line>(&mut conn)
            .map(|v| v.into_iter().map(|l| l.text).collect()),
        Depth::Full => diesel::sql_query(format!("PRAGMA integrity_check({MAX_PROBLEMS})"))
            .load::<FullLine>(&mut conn)
            .map(|v| v.into_iter().map(|l| l.text).collect()),
    }
    .map_err(|e| damaged(describe(&e)))?;
    if lines.len() == 1 && lines[0] == "ok" {
        Ok(())
    } else {
        // SQLite's own words name pages and tables, never row values; one line of them.
        let words: Vec<String> = lines.iter().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
        Err(damaged(words.join("; ")))
    }
}
