//! The purge on a schedule, on a thread of its own: every `retention.interval_secs` after
//! the last completed run (`retention_runs`), so a node restarted more often than that
//! still purges on time; a node that never purged waits one interval after it starts.

use super::Cutoff;
use super::purge::{self, PurgeError};
use crate::config::RetentionSettings;
use crate::db::schema::retention_runs;
use crate::db::{DbConn, DbError, Pool};
use diesel::prelude::*;
use std::time::Duration;

/// Rows of a kind per transaction: short enough that a site's dose waits at most a few
/// milliseconds behind one on SQLite.
pub const CHUNK: i64 = 5_000;

pub fn start(pool: Pool, settings: RetentionSettings) -> std::io::Result<()> {
    let every = i64::try_from(settings.interval_secs).unwrap_or(i64::MAX);
    std::thread::Builder::new().name("retention".into()).spawn(move || {
        loop {
            let last = pool.get().map_err(DbError::from).and_then(|mut c| last_run(&mut c));
            let wait = match last {
                Ok(Some(at)) => (at.saturating_add(every) - crate::db::now()).max(0),
                Ok(None) | Err(_) => every,
            };
            std::thread::sleep(Duration::from_secs(u64::try_from(wait).unwrap_or(0)));
            if let Err(e) = run_once(&pool, settings.years) {
                tracing::error!(error = %e, "retention purge failed; retrying at the next run");
                std::thread::sleep(Duration::from_secs(settings.interval_secs));
            }
        }
    })?;
    Ok(())
}

/// One purge with today's cut-off; records the run and logs what it removed (counts only).
pub fn run_once(pool: &Pool, years: u16) -> Result<purge::Counts, PurgeError> {
    let cutoff = Cutoff::years_before(crate::today(), years);
    let mut conn = pool.get().map_err(DbError::from)?;
    let counts = purge::purge(&mut conn, &cutoff, CHUNK)?;
    diesel::insert_into(retention_runs::table)
        .values((retention_runs::at.eq(crate::db::now()), retention_runs::cutoff.eq(cutoff.date.iso())))
        .execute(&mut conn)
        .map_err(DbError::from)?;
    tracing::info!(cutoff = %cutoff.date.iso(), counts = ?counts, "retention purge done");
    Ok(counts)
}

fn last_run(conn: &mut DbConn) -> Result<Option<i64>, DbError> {
    Ok(retention_runs::table.select(diesel::dsl::max(retention_runs::at)).first(conn)?)
}
