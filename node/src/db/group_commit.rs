//! Group commit: one writer thread takes whatever jobs are waiting (up to a batch), runs
//! them in one transaction and commits once, then answers each. With SQLite's
//! `synchronous=full` a commit is an fsync that costs the same for one job as for a
//! hundred, so many concurrent writers go as fast as one commit per batch allows. Jobs queue
//! on a bounded channel: overload shows as latency, never as lost work. A job is answered
//! only after its transaction has committed.

use super::{DbConn, DbError, Pool, vaccinations};
use diesel::Connection;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

type Reply<R> = oneshot::Sender<Result<R, DbError>>;

/// Told what the writer did, on its thread, after the fact: a job's result is reported once,
/// after its commit, whether or not its caller is still waiting.
pub trait Observer<R>: Send + 'static {
    fn batch(&self, _jobs: usize) {}
    fn committed(&self, _result: &R) {}
}

/// No one to tell.
impl<R> Observer<R> for () {}

/// Jobs per commit, and jobs waiting before callers are held back.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_batch: usize,
    pub queue: usize,
    /// At most this often, right after the background checkpointer of a served SQLite pool
    /// has copied the WAL back, the writer copies the rest itself (see
    /// [`super::checkpointer::catch_up`]) so that its next commit can start the log over.
    /// None: never.
    pub rewind_wal_every: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_batch: 256, queue: 4096, rewind_wal_every: Some(Duration::from_secs(1)) }
    }
}

/// The handle callers use; cloning is cheap. The thread stops when every handle is gone.
pub struct GroupCommit<J, R> {
    tx: mpsc::Sender<(J, Reply<R>)>,
}

impl<J, R> Clone for GroupCommit<J, R> {
    fn clone(&self) -> Self {
        GroupCommit { tx: self.tx.clone() }
    }
}

impl<J: Send + 'static, R: Send + 'static> GroupCommit<J, R> {
    /// Starts the writer thread `name`; `work` does a batch of jobs inside the shared
    /// transaction, one result per job in order (a batch of one when a failed batch is
    /// retried job by job), and `observer` hears of each batch and each committed result
    /// (for metrics).
    pub fn start<F, O>(name: &str, pool: Pool, limits: Limits, work: F, observer: O) -> std::io::Result<Self>
    where
        F: Fn(&mut DbConn, &[&J]) -> Result<Vec<R>, DbError> + Send + 'static,
        O: Observer<R>,
    {
        let (tx, rx) = mpsc::channel(limits.queue.max(1));
        std::thread::Builder::new().name(name.to_owned()).spawn(move || run(rx, &pool, limits, &work, &observer))?;
        Ok(GroupCommit { tx })
    }

    /// From async code: runs `job`, answering after its transaction has committed.
    pub async fn submit(&self, job: J) -> Result<R, DbError> {
        let (reply, answer) = oneshot::channel();
        self.tx.send((job, reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// From a blocking thread: runs `job`, answering after its transaction has committed.
    pub fn submit_blocking(&self, job: J) -> Result<R, DbError> {
        let (reply, answer) = oneshot::channel();
        self.tx.blocking_send((job, reply)).map_err(|_| stopped())?;
        answer.blocking_recv().map_err(|_| stopped())?
    }
}

fn stopped() -> DbError {
    DbError::Query("the group-commit writer has stopped".into())
}

fn run<J, R>(
    mut rx: mpsc::Receiver<(J, Reply<R>)>,
    pool: &Pool,
    limits: Limits,
    work: &impl Fn(&mut DbConn, &[&J]) -> Result<Vec<R>, DbError>,
    observer: &impl Observer<R>,
) {
    let max_batch = limits.max_batch.max(1);
    let mut batch = Vec::with_capacity(max_batch);
    let mut last_rewind = Instant::now();
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        observer.batch(batch.len());
        let jobs: Vec<&J> = batch.iter().map(|(j, _)| j).collect();
        let results = match pool.get() {
            Ok(mut conn) => write(&mut conn, &jobs, work),
            Err(e) => jobs.iter().map(|_| Err(DbError::Connect(e.to_string()))).collect(),
        };
        for ((_, reply), result) in batch.drain(..).zip(results) {
            if let Ok(r) = &result {
                observer.committed(r);
            }
            // A caller that went away: its job is committed all the same.
            let _ = reply.send(result);
        }
        // Every answer of the batch is out. Waiting jobs wait a few milliseconds more: right
        // after the background pass there is next to nothing left to copy.
        let settled = pool.checkpoints().is_some_and(|s| s.just_now());
        // A reader still in the log: tried again after the next batch, while still cheap.
        if settled
            && limits.rewind_wal_every.is_some_and(|every| last_rewind.elapsed() >= every)
            && pool.get().is_ok_and(|mut conn| super::checkpointer::catch_up(&mut conn))
        {
            last_rewind = Instant::now();
        }
    }
}

/// All jobs in one transaction; if it fails, each job is retried alone so one bad job
/// cannot sink the others.
fn write<J, R>(
    conn: &mut DbConn,
    jobs: &[&J],
    work: &impl Fn(&mut DbConn, &[&J]) -> Result<Vec<R>, DbError>,
) -> Vec<Result<R, DbError>> {
    match in_transaction(conn, jobs, work) {
        Ok(out) => out.into_iter().map(Ok).collect(),
        Err(e) => {
            tracing::warn!(error = %e, jobs = jobs.len(), "group commit failed; retrying one by one");
            jobs.iter()
                .map(|j| in_transaction(conn, std::slice::from_ref(j), work)?.pop().ok_or_else(no_result))
                .collect()
        }
    }
}

/// `work` on `jobs` in one write transaction, which commits only when there is exactly one
/// result per job.
fn in_transaction<J, R>(
    conn: &mut DbConn,
    jobs: &[&J],
    work: &impl Fn(&mut DbConn, &[&J]) -> Result<Vec<R>, DbError>,
) -> Result<Vec<R>, DbError> {
    conn.transaction(|c| {
        vaccinations::take_write_lock(c)?;
        let out = work(c, jobs)?;
        if out.len() == jobs.len() { Ok(out) } else { Err(no_result()) }
    })
}

fn no_result() -> DbError {
    DbError::Query("a group-commit batch did not answer every job".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{DatabaseUrl, access_chain, access_log};

    /// Logs one entry per job, as the dose writer does for the doses it writes; a negative
    /// job is a database error.
    fn log_each(conn: &mut DbConn, jobs: &[&i64]) -> Result<Vec<i64>, DbError> {
        if jobs.iter().any(|j| **j < 0) {
            return Err(DbError::Query("a bad job".into()));
        }
        let details: Vec<String> = jobs.iter().map(|j| j.to_string()).collect();
        let entries: Vec<access_log::Entry<'_>> = details
            .iter()
            .map(|d| access_log::Entry {
                actor: "t",
                role: "site",
                action: "test",
                atena: None,
                detail: Some(d.clone()),
            })
            .collect();
        access_log::record_all(conn, &entries)?;
        Ok(jobs.iter().map(|j| **j).collect())
    }

    #[test]
    fn a_failed_batch_is_retried_job_by_job_and_each_job_logged() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("t.sqlite").display().to_string());
        let pool = crate::db::open(url, "normal", 1).unwrap();
        let mut conn = pool.get().unwrap();
        let jobs = [1i64, -1, 2];
        let refs: Vec<&i64> = jobs.iter().collect();
        let results = write(&mut conn, &refs, &log_each);
        assert_eq!(results.iter().map(|r| r.as_ref().ok().copied()).collect::<Vec<_>>(), [Some(1), None, Some(2)]);
        let logged: Vec<Option<String>> =
            access_chain::page(&mut conn, 0, 10).unwrap().into_iter().map(|r| r.detail).collect();
        assert_eq!(logged, [Some("1".to_owned()), Some("2".to_owned())]);
        // A batch that works commits as one, in order.
        let results = write(&mut conn, &[&3, &4], &log_each);
        assert!(results.iter().all(Result::is_ok));
        assert_eq!(access_chain::state(&mut conn).unwrap().head_seq, 4);
    }

    /// Writes a 32 KiB row per job: 8+ WAL frames each.
    fn insert_blob(conn: &mut DbConn, jobs: &[&i64]) -> Result<Vec<i64>, DbError> {
        use diesel::connection::SimpleConnection;
        for _ in jobs {
            conn.batch_execute("INSERT INTO blobs (body) VALUES (randomblob(32768))")?;
        }
        Ok(jobs.iter().map(|j| **j).collect())
    }

    /// What became of the WAL after two writers fed the group commit for 4 s on a served
    /// pool (background PASSIVE checkpoints), beside a reader.
    struct WalAfter {
        /// The file's size: the furthest the log reached.
        size: u64,
        /// Bytes the writers wrote.
        written: u64,
        /// How many times the log started over from its first frame: the checkpoint
        /// sequence number of the WAL header (bytes 12-15, big-endian), which SQLite
        /// increments at each restart.
        restarts: u32,
    }

    fn wal_after_steady_writes(rewind_wal_every: Option<Duration>) -> WalAfter {
        use diesel::connection::SimpleConnection;
        use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite");
        let pool = crate::db::open_served(DatabaseUrl::Sqlite(path.display().to_string()), "normal", 4).unwrap();
        pool.get().unwrap().batch_execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB NOT NULL)").unwrap();
        let limits = Limits { rewind_wal_every, ..Limits::default() };
        let commit = GroupCommit::start("test-writer", pool.clone(), limits, insert_blob, ()).unwrap();
        let (stop, written) = (AtomicBool::new(false), AtomicU64::new(0));
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    while !stop.load(Ordering::Relaxed) {
                        commit.submit_blocking(1).unwrap();
                        written.fetch_add(32768, Ordering::Relaxed);
                    }
                });
            }
            s.spawn(|| {
                let mut r = pool.get().unwrap();
                while !stop.load(Ordering::Relaxed) {
                    r.batch_execute("SELECT count(*) FROM blobs").unwrap();
                }
            });
            std::thread::sleep(Duration::from_secs(4));
            stop.store(true, Ordering::Relaxed);
        });
        let wal = std::fs::read(dir.path().join("t.sqlite-wal")).unwrap();
        let restarts = u32::from_be_bytes(wal[12..16].try_into().unwrap());
        WalAfter { size: wal.len() as u64, written: written.load(Ordering::Relaxed), restarts }
    }

    #[test]
    fn the_writer_lets_the_wal_start_over_under_steady_commits() {
        let without = wal_after_steady_writes(None);
        let with = wal_after_steady_writes(Some(Duration::from_millis(50)));
        assert!(without.written > 8 << 20 && with.written > 8 << 20, "too little written to tell");
        // Background passes alone: the log never starts over and the file holds everything
        // written (more, with the frame headers).
        assert_eq!(without.restarts, 0, "the WAL started over without the writer's catch-up");
        assert!(
            without.size > without.written,
            "without the catch-up the WAL was {} of {} bytes",
            without.size,
            without.written
        );
        // With the writer's catch-up it starts over after a background cycle. How far it
        // reaches first depends on how long the first cycles take on a busy machine (at
        // ~80 MB/s of commits, 28-72 % of the bytes in 4 s), so only less than without.
        assert!(with.restarts >= 1, "the WAL never started over with the writer's catch-up");
        assert!(
            u128::from(with.size) * u128::from(without.written) < u128::from(without.size) * u128::from(with.written),
            "the WAL reached {} bytes after {} written; without the catch-up {} after {}",
            with.size,
            with.written,
            without.size,
            without.written
        );
    }
}
