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
//! can arrive while the writer checkpoints, so its next commit can start the log over.
//!
//! The writer's catch-up copies what the background has not, with every dose of its queue
//! waiting. Run at a random moment, it found up to half a second of commits to copy:
//! 58-70 ms at 2,000 doses/s, the p99 itself. So the background repeats a pass while the
//! last one took long (the frames that arrived meanwhile), then says it has [`Settled`];
//! the writer catches up only right after that, when a few milliseconds of frames are left.

use super::Pool;
use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Often enough that a pass has at most half a second of commits to copy.
const EVERY: Duration = Duration::from_millis(500);

/// A pass this short left next to nothing behind: the next one would copy as little.
const SHORT_PASS: Duration = Duration::from_millis(5);

/// Passes in a row at most, so a writer faster than the disk cannot keep the thread busy;
/// the last one left the least behind all the same.
const MAX_PASSES: u32 = 4;

/// How long after the background settled a writer's catch-up is still cheap.
const FRESH: Duration = Duration::from_millis(20);

/// How long the writer's catch-up waits for readers still in the log before it gives up
/// until next time: the writer's queue waits as long.
const CATCH_UP_PATIENCE_MS: u32 = 5;

/// When the background checkpointer last finished copying (nearly) the whole log.
#[derive(Debug)]
pub struct Settled {
    origin: Instant,
    /// Microseconds after `origin`, 0 for never.
    at_us: AtomicU64,
}

impl Settled {
    pub(super) fn new() -> Self {
        Settled { origin: Instant::now(), at_us: AtomicU64::new(0) }
    }

    fn mark(&self) {
        let us = self.origin.elapsed().as_micros().max(1);
        self.at_us.store(u64::try_from(us).unwrap_or(u64::MAX), Ordering::Release);
    }

    /// Whether the background settled within the last `FRESH`: a catch-up now is cheap.
    pub fn just_now(&self) -> bool {
        match self.at_us.load(Ordering::Acquire) {
            0 => false,
            at => self.origin.elapsed().saturating_sub(Duration::from_micros(at)) < FRESH,
        }
    }
}

/// A RESTART checkpoint on the writer's own connection, between two of its batches
/// (SQLite only): it copies what the background pass has not, then waits briefly for
/// readers to leave the log, so that the writer's next commit starts it over. Says whether
/// it did; a reader still in the log, or a failure (logged), leaves it to the next try.
pub fn catch_up(conn: &mut super::DbConn) -> bool {
    let super::DbConn::Sqlite(c) = conn else { return false };
    let checkpoint = c
        .batch_execute(&format!("PRAGMA busy_timeout = {CATCH_UP_PATIENCE_MS};"))
        .and_then(|()| diesel::sql_query("PRAGMA wal_checkpoint(RESTART)").get_result::<Checkpoint>(c));
    // The connection's usual patience back, whatever the checkpoint did: it returns to
    // the pool, and 5 ms would make its next user fail where it should wait.
    let restored = c.batch_execute(&format!("PRAGMA busy_timeout = {};", super::BUSY_TIMEOUT_MS));
    match checkpoint.and_then(|r| restored.map(|()| r)) {
        Ok(r) => r.busy == 0 && r.log == r.checkpointed,
        Err(e) => {
            tracing::debug!(error = %super::describe(&e), "writer's WAL catch-up skipped");
            false
        }
    }
}

/// The row `PRAGMA wal_checkpoint` answers.
#[derive(diesel::QueryableByName)]
struct Checkpoint {
    /// 1 when a reader or writer kept the checkpoint from finishing.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    busy: i32,
    /// Frames in the log, and of them copied back.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    log: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    checkpointed: i32,
}

/// The background thread; it marks `settled` for the pool's writers after each cycle.
pub(super) fn start(pool: Pool, settled: Arc<Settled>) -> std::io::Result<()> {
    std::thread::Builder::new().name("wal-checkpoint".into()).spawn(move || {
        loop {
            std::thread::sleep(EVERY);
            let mut passes = 0;
            let done = loop {
                let began = Instant::now();
                passes += 1;
                match pass(&pool) {
                    Ok(()) if began.elapsed() >= SHORT_PASS && passes < MAX_PASSES => continue,
                    other => break other,
                }
            };
            match done {
                Ok(()) => settled.mark(),
                Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed; retrying"),
            }
        }
    })?;
    Ok(())
}

fn pass(pool: &Pool) -> Result<(), String> {
    let mut c = pool.get().map_err(|e| e.to_string())?;
    c.batch_execute("PRAGMA wal_checkpoint(PASSIVE);").map_err(|e| super::describe(&e))
}
