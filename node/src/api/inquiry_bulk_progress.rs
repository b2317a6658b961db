//! Progress of running bulk inquiries, for `GET /api/v1/inquiries/bulk/{batch_id}`: counts
//! only (rows done, outcomes), never a person. Kept in memory: a batch lives as long as its
//! request, and the last finished ones stay readable until newer ones push them out.

use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use vrs_protocol::RecordId;

/// Finished batches kept for reading after their request ended.
const KEEP_FINISHED: usize = 50;

#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub batch_id: String,
    /// The staff user who sent the batch; only they may read its progress.
    #[serde(skip)]
    pub owner: String,
    pub total: u64,
    pub done: u64,
    pub by_status: BTreeMap<&'static str, u64>,
    pub finished: bool,
    /// Stopped before every row was answered (the client went away).
    pub interrupted: bool,
}

#[derive(Debug, Default)]
pub struct BulkBatches {
    batches: Mutex<VecDeque<Progress>>,
}

impl BulkBatches {
    pub fn start(&self, id: RecordId, owner: &str, total: u64) {
        let mut b = self.lock();
        while b.len() >= KEEP_FINISHED && b.iter().any(|p| p.finished) {
            if let Some(i) = b.iter().position(|p| p.finished) {
                b.remove(i);
            }
        }
        b.push_back(Progress {
            batch_id: id.to_string(),
            owner: owner.to_owned(),
            total,
            done: 0,
            by_status: BTreeMap::new(),
            finished: false,
            interrupted: false,
        });
    }

    pub fn record(&self, id: RecordId, statuses: impl IntoIterator<Item = &'static str>) {
        self.update(id, |p| {
            for s in statuses {
                p.done += 1;
                *p.by_status.entry(s).or_default() += 1;
            }
        });
    }

    pub fn finish(&self, id: RecordId) {
        self.update(id, |p| {
            p.finished = true;
            p.interrupted = p.done < p.total;
        });
    }

    /// The batch's progress, if it exists and `user` sent it.
    pub fn get(&self, id: RecordId, user: &str) -> Option<Progress> {
        let key = id.to_string();
        self.lock().iter().find(|p| p.batch_id == key && p.owner == user).cloned()
    }

    fn update(&self, id: RecordId, f: impl FnOnce(&mut Progress)) {
        let key = id.to_string();
        if let Some(p) = self.lock().iter_mut().find(|p| p.batch_id == key) {
            f(p);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Progress>> {
        // Counters only: a panic elsewhere while holding the lock leaves nothing inconsistent.
        self.batches.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_rows_and_only_the_owner_reads_them() {
        let batches = BulkBatches::default();
        let id = RecordId::random().unwrap();
        batches.start(id, "desk", 3);
        batches.record(id, ["found", "not_found"]);
        let p = batches.get(id, "desk").unwrap();
        assert_eq!((p.done, p.total, p.finished), (2, 3, false));
        assert_eq!(p.by_status.get("found"), Some(&1));
        assert!(batches.get(id, "someone-else").is_none());
        batches.finish(id);
        let p = batches.get(id, "desk").unwrap();
        assert!(p.finished && p.interrupted);
    }

    #[test]
    fn old_finished_batches_make_room() {
        let batches = BulkBatches::default();
        let first = RecordId::random().unwrap();
        batches.start(first, "desk", 1);
        batches.finish(first);
        for _ in 0..KEEP_FINISHED {
            let id = RecordId::random().unwrap();
            batches.start(id, "desk", 1);
            batches.finish(id);
        }
        assert!(batches.get(first, "desk").is_none());
        assert_eq!(batches.lock().len(), KEEP_FINISHED);
    }
}
