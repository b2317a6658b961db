//! Group commit: one writer thread takes whatever jobs are waiting (up to a batch), runs
//! them in one transaction and commits once, then answers each. With SQLite's
//! `synchronous=full` a commit is an fsync that costs the same for one job as for a
//! hundred, so many concurrent writers go as fast as one commit per batch allows. Jobs queue
//! on a bounded channel: overload shows as latency, never as lost work. A job is answered
//! only after its transaction has committed.

use super::{DbConn, DbError, Pool, vaccinations};
use diesel::Connection;
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
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_batch: 256, queue: 4096 }
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
    /// Starts the writer thread `name`; `work` does one job inside the shared transaction,
    /// `observer` hears of each batch and each committed result (for metrics).
    pub fn start<F, O>(name: &str, pool: Pool, limits: Limits, work: F, observer: O) -> std::io::Result<Self>
    where
        F: Fn(&mut DbConn, &J) -> Result<R, DbError> + Send + 'static,
        O: Observer<R>,
    {
        let (tx, rx) = mpsc::channel(limits.queue.max(1));
        let max_batch = limits.max_batch.max(1);
        std::thread::Builder::new().name(name.to_owned()).spawn(move || run(rx, &pool, max_batch, &work, &observer))?;
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
    max_batch: usize,
    work: &impl Fn(&mut DbConn, &J) -> Result<R, DbError>,
    observer: &impl Observer<R>,
) {
    let mut batch = Vec::with_capacity(max_batch);
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
    }
}

/// All jobs in one transaction; if it fails, each job is retried alone so one bad job
/// cannot sink the others.
fn write<J, R>(
    conn: &mut DbConn,
    jobs: &[&J],
    work: &impl Fn(&mut DbConn, &J) -> Result<R, DbError>,
) -> Vec<Result<R, DbError>> {
    let together = conn.transaction::<_, DbError, _>(|c| {
        vaccinations::take_write_lock(c)?;
        jobs.iter().map(|j| work(c, j)).collect::<Result<Vec<R>, DbError>>()
    });
    match together {
        Ok(out) => out.into_iter().map(Ok).collect(),
        Err(e) => {
            tracing::warn!(error = %e, jobs = jobs.len(), "group commit failed; retrying one by one");
            jobs.iter()
                .map(|j| {
                    conn.transaction(|c| {
                        vaccinations::take_write_lock(c)?;
                        work(c, j)
                    })
                })
                .collect()
        }
    }
}
