//! Background WAL checkpoints for a served SQLite database. With automatic checkpoints the
//! connection whose commit pushes the WAL past 1,000 pages copies it back into the database
//! file and fsyncs it, inside that commit: the dose writer, every few seconds, with every
//! site waiting. Here a thread of its own does it, PASSIVE (never blocking readers or the
//! writer; whatever it cannot copy now it copies next time).

use super::Pool;
use diesel::connection::SimpleConnection;
use std::time::Duration;

/// Often enough that the WAL stays a few MB at peak dose rates.
const EVERY: Duration = Duration::from_millis(500);

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
