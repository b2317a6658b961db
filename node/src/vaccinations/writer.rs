//! Group commit for site doses. Every dose must be durable before its answer, and an
//! SQLite commit (an fsync with `synchronous=full`) costs the same for one dose as for a
//! hundred. One writer thread takes whatever requests are waiting (up to `MAX_BATCH`),
//! records them in one transaction, commits, then answers each. Requests queue on a
//! bounded channel, so overload shows as latency and back-pressure, never lost doses.

use super::record::{Context, Outcome, RecordError, Submission, record_one};
use crate::db::{DbConn, DbError, Pool, vaccinations};
use crate::metrics::Metrics;
use crate::products::ProductMaster;
use diesel::Connection;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use vrs_protocol::MunicipalityCode;

const MAX_BATCH: usize = 256;
const QUEUE: usize = 4096;

pub struct Job {
    pub submission: Submission,
    pub actor: String,
    pub role: String,
    reply: oneshot::Sender<Result<Outcome, RecordError>>,
}

/// The handle handlers use; cloning is cheap. The thread stops when every handle is gone.
#[derive(Clone)]
pub struct DoseWriter {
    tx: mpsc::Sender<Job>,
}

impl DoseWriter {
    pub fn start(pool: Pool, own: MunicipalityCode, products: Arc<ProductMaster>, metrics: Arc<Metrics>) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        std::thread::Builder::new()
            .name("dose-writer".into())
            .spawn(move || run(rx, &pool, own, &products, &metrics))
            .unwrap_or_else(|e| panic!("cannot start the dose writer thread: {e}"));
        DoseWriter { tx }
    }

    /// Records one dose; answers after its transaction has committed.
    pub async fn submit(&self, submission: Submission, actor: String, role: String) -> Result<Outcome, RecordError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || RecordError::Db(DbError::Query("the dose writer has stopped".into()));
        self.tx.send(Job { submission, actor, role, reply }).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn run(mut rx: mpsc::Receiver<Job>, pool: &Pool, own: MunicipalityCode, products: &ProductMaster, metrics: &Metrics) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        metrics.dose_batch_size.observe(batch.len() as f64);
        let results = match pool.get() {
            Ok(mut conn) => write_batch(&mut conn, own, products, &batch),
            Err(e) => batch.iter().map(|_| Err(RecordError::Db(DbError::Connect(e.to_string())))).collect(),
        };
        for (job, result) in batch.drain(..).zip(results) {
            if let Ok(o) = &result {
                metrics.record_dose(o);
            }
            // A client that went away still has its dose recorded; nothing to do.
            let _ = job.reply.send(result);
        }
    }
}

/// All jobs in one transaction; if the transaction itself fails (not a duplicate: a
/// database error), each job is retried alone so one bad dose cannot sink the others.
fn write_batch(
    conn: &mut DbConn,
    own: MunicipalityCode,
    products: &ProductMaster,
    batch: &[Job],
) -> Vec<Result<Outcome, RecordError>> {
    let together = conn.transaction::<_, DbError, _>(|c| {
        vaccinations::take_write_lock(c)?;
        let mut out = Vec::with_capacity(batch.len());
        for job in batch {
            match record_one(c, &context(own, products, job), &job.submission) {
                Err(RecordError::Db(e)) => return Err(e),
                other => out.push(other),
            }
        }
        Ok(out)
    });
    match together {
        Ok(out) => out,
        Err(e) => {
            tracing::warn!(error = %e, jobs = batch.len(), "dose batch failed; retrying one by one");
            batch
                .iter()
                .map(|job| {
                    conn.transaction(|c| {
                        vaccinations::take_write_lock(c)?;
                        record_one(c, &context(own, products, job), &job.submission)
                    })
                })
                .collect()
        }
    }
}

fn context<'a>(own: MunicipalityCode, products: &'a ProductMaster, job: &'a Job) -> Context<'a> {
    Context { own, products, actor: &job.actor, role: &job.role, source: "api" }
}
