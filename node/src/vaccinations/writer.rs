//! Group commit for site doses (`db::group_commit`): every dose is durable before its
//! answer, and concurrent sites share one commit. A dose refused by the rules is an answer,
//! not a failed transaction; only a database error sends the batch to one-by-one retries.

use super::record::{Context, Outcome, RecordError, Submission, record_many};
use crate::db::group_commit::{GroupCommit, Limits, Observer};
use crate::db::{DbConn, DbError, Pool};
use crate::metrics::Metrics;
use crate::products::ProductMaster;
use std::sync::Arc;
use vrs_protocol::MunicipalityCode;

pub struct Job {
    pub submission: Submission,
    pub actor: String,
    pub role: String,
}

/// The handle handlers use; cloning is cheap. The thread stops when every handle is gone.
#[derive(Clone)]
pub struct DoseWriter {
    commit: GroupCommit<Job, Result<Outcome, RecordError>>,
}

impl DoseWriter {
    pub fn start(pool: Pool, own: MunicipalityCode, products: Arc<ProductMaster>, metrics: Arc<Metrics>) -> Self {
        // The whole batch is decided and written at once (`record_many`): a few set-wise
        // reads and one access-log claim per commit instead of a dozen statements per dose.
        let work = move |conn: &mut DbConn, jobs: &[&Job]| -> Result<Vec<Result<Outcome, RecordError>>, DbError> {
            let batch: Vec<(Context<'_>, &Submission)> = jobs
                .iter()
                .map(|job| {
                    let ctx = Context { own, products: &products, actor: &job.actor, role: &job.role, source: "api" };
                    (ctx, &job.submission)
                })
                .collect();
            record_many(conn, &batch)
        };
        let commit = GroupCommit::start("dose-writer", pool, Limits::default(), work, DoseMetrics(metrics))
            .unwrap_or_else(|e| panic!("cannot start the dose writer thread: {e}"));
        DoseWriter { commit }
    }

    /// Records one dose; answers after its transaction has committed.
    pub async fn submit(&self, submission: Submission, actor: String, role: String) -> Result<Outcome, RecordError> {
        self.commit.submit(Job { submission, actor, role }).await.map_err(RecordError::Db)?
    }
}

/// Doses by status and commit sizes, counted once each dose is durable.
struct DoseMetrics(Arc<Metrics>);

impl Observer<Result<Outcome, RecordError>> for DoseMetrics {
    fn batch(&self, jobs: usize) {
        self.0.dose_batch_size.observe(jobs as f64);
    }

    fn committed(&self, result: &Result<Outcome, RecordError>) {
        if let Ok(o) = result {
            self.0.record_dose(o);
        }
    }
}
