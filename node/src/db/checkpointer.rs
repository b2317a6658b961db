//! Background WAL checkpoints for a served SQLite database. With automatic checkpoints the
//! connection whose commit pushes the WAL past 1,000 pages copies it back into the database
//! file and fsyncs it, inside that commit: the dose writer, every few seconds, with every
//! site waiting. Here a thread of its own does it, PASSIVE (never blocking readers or the
//! writer; whatever it cannot copy now it copies next time).
//!
//! PASSIVE passes alone never let the log start over under a steady stream of commits:
//! SQLite rewinds the WAL only when a writer begins while every frame is copied back, and
//! new frames arrive during each pass. The WAL file then grew by ~100 MB/s at 2,000
//! doses/s, and every commit appended to a growing file. So the writers of
//! `group_commit` call [`catch_up`] themselves now and then, between two batches: no frame
//! can arrive while the writer checkpoints, so its next commit can start the log over. Most
//! frames are already copied by the pass here, so the writer copies only the rest.

use super::Pool;
use diesel::connection::SimpleConnection;
use std::time::Duration;

/// Often enough that the WAL stays a few MB at peak dose rates.
const EVERY: Duration = Duration::from_millis(500);

/// How long the writer's catch-up waits for readers still in the log before it gives up
/// until next time: the writer's queue waits as long.
const CATCH_UP_PATIENCE_MS: u32 = 5;

/// A RESTART checkpoint on the writer's own connection, between two of its batches
/// (SQLite only): it copies what the background pass has not, then waits briefly for
/// readers to leave the log, so that the writer's next commit starts it over. Failures are
/// logged and left to the next time.
pub fn catch_up(conn: &mut super::DbConn) {
    let super::DbConn::Sqlite(c) = conn else { return };
    let checkpoint = c
        .batch_execute(&format!("PRAGMA busy_timeout = {CATCH_UP_PATIENCE_MS};"))
        .and_then(|()| c.batch_execute("PRAGMA wal_checkpoint(RESTART);"));
    // The connection's usual patience back, whatever the checkpoint did.
    let done = checkpoint.and(c.batch_execute(&format!("PRAGMA busy_timeout = {};", super::BUSY_TIMEOUT_MS)));
    if let Err(e) = done {
        tracing::debug!(error = %super::describe(&e), "writer's WAL catch-up skipped");
    }
}

pub fn start(pool: Pool) -> std::io::Result<()> {
    std::thread::Builder::new().name("wal-checkpoint".into()).spawn(move || {
        loop {
            std::thread::sleep(EVERY);
            let done = pool
                .get()
                .map_err(|e| e.to_string())
                .and_then(|mut c| c.batch_execute("PRAGMA wal_checkpoint(PASSIVE);").map_err(|e| super::describe(&e)));
            if let Err(e) = done {
                tracing::warn!(error = %e, "WAL checkpoint failed; retrying");
            }
        }
    })?;
    Ok(())
}
