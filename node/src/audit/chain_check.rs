//! Walks the stored entries in chain order and finds where the log is not what the node
//! wrote. Two hashes run side by side:
//!
//! * each row is checked against the stored hash of the row before it, so an edited row
//!   is pinpointed (the rows after it still check against its stored hash);
//! * the chain is recomputed from the anchor out of the fields alone, ignoring the stored
//!   hashes; checkpoints are compared with that one, so a rewrite that also recomputed
//!   every stored hash still shows at the next checkpoint.

use super::chain::{self, Fields};
use super::findings::{Break, EntryRef};
use crate::db::access_chain::{ChainRow, ChainState};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug)]
pub struct ChainCheck {
    head_seq: i64,
    expected: i64,
    prev_stored: Option<[u8; 32]>,
    recomputed: [u8; 32],
    wanted: BTreeSet<i64>,
    at_positions: BTreeMap<i64, [u8; 32]>,
    last_seq: i64,
    rows: u64,
    breaks: Vec<Break>,
    restores: Vec<Restore>,
}

/// A restore from a backup, as its receipt in the chain records it: the entries after
/// `head_seq` that were written between `taken_at_ms` and the restore were lost with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restore {
    /// The receipt's own position.
    pub seq: i64,
    pub restored_at_ms: u64,
    pub taken_at_ms: u64,
    pub head_seq: i64,
}

impl Restore {
    pub fn from_receipt(seq: i64, row: &ChainRow) -> Option<Restore> {
        let detail = row.detail.as_deref()?;
        let value = |key: &str| detail.split(' ').find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='));
        // Receipts before restored_at_ms was written have the entry's second only: its end.
        let at_end_of_second = || u64::try_from(row.at).ok().map(|s| s.saturating_mul(1000).saturating_add(999));
        Some(Restore {
            seq,
            restored_at_ms: value("restored_at_ms").and_then(|v| v.parse().ok()).or_else(at_end_of_second)?,
            taken_at_ms: value("taken_at_ms")?.parse().ok()?,
            head_seq: value("head_seq")?.parse().ok()?,
        })
    }

    /// Whether a checkpoint covered entries this restore lost: made by the node before it
    /// was restored, after the backup was taken, beyond where the backup's log ended.
    pub fn lost(&self, entries: i64, at_ms: u64) -> bool {
        entries > self.head_seq && at_ms >= self.taken_at_ms && at_ms <= self.restored_at_ms
    }
}

/// What the walk found.
#[derive(Debug)]
pub struct ChainOutcome {
    pub breaks: Vec<Break>,
    /// The last position present in the log (the anchor's if none is).
    pub last_seq: i64,
    pub rows: u64,
    /// The recomputed chain hash at each position asked for.
    pub at_positions: BTreeMap<i64, [u8; 32]>,
    /// The restores recorded in the chain, oldest first.
    pub restores: Vec<Restore>,
}

impl ChainCheck {
    /// `wanted`: the positions whose recomputed hash the checkpoints need.
    pub fn new(state: &ChainState, wanted: BTreeSet<i64>) -> Self {
        ChainCheck {
            head_seq: state.head_seq,
            expected: state.anchor_seq + 1,
            prev_stored: Some(state.anchor_hash),
            recomputed: state.anchor_hash,
            wanted,
            at_positions: BTreeMap::new(),
            last_seq: state.anchor_seq,
            rows: 0,
            breaks: Vec::new(),
            restores: Vec::new(),
        }
    }

    /// The next row in chain order (rows with a position only).
    pub fn push(&mut self, row: &ChainRow) {
        let Some(seq) = row.seq else {
            self.unchained(row);
            return;
        };
        self.rows += 1;
        if seq > self.head_seq {
            self.breaks.push(Break::BeyondHead { seq, entry: entry(row) });
            return;
        }
        if seq > self.expected {
            self.breaks.push(Break::Missing { from: self.expected, to: seq - 1 });
            // The row after a gap links to a hash that is gone: nothing to check it against.
            self.prev_stored = None;
        }
        let fields: Fields<'_> = row.fields(u64::try_from(seq).unwrap_or_default());
        let stored = row.hash.as_deref().and_then(|h| <[u8; 32]>::try_from(h).ok());
        if let Some(prev) = self.prev_stored
            && stored != Some(chain::link(&prev, &fields))
        {
            self.breaks.push(Break::Altered { seq, entry: entry(row) });
        }
        self.prev_stored = stored;
        if row.action == crate::backup::RESTORED_ACTION
            && let Some(r) = Restore::from_receipt(seq, row)
        {
            self.restores.push(r);
        }
        self.recomputed = chain::link(&self.recomputed, &fields);
        if self.wanted.contains(&seq) {
            self.at_positions.insert(seq, self.recomputed);
        }
        self.last_seq = seq;
        self.expected = seq + 1;
    }

    /// A row without a chain position (or hash).
    pub fn unchained(&mut self, row: &ChainRow) {
        self.breaks.push(Break::Unchained { entry: entry(row) });
    }

    /// Compares the end of the walk with the head row.
    pub fn finish(mut self, state: &ChainState) -> ChainOutcome {
        if self.last_seq < state.head_seq {
            self.breaks.push(Break::TruncatedTail { last: self.last_seq, head: state.head_seq });
        } else if self.last_seq == state.head_seq && self.prev_stored.is_some_and(|h| h != state.head_hash) {
            self.breaks.push(Break::HeadAltered { seq: self.last_seq });
        }
        ChainOutcome {
            breaks: self.breaks,
            last_seq: self.last_seq,
            rows: self.rows,
            at_positions: self.at_positions,
            restores: self.restores,
        }
    }
}

fn entry(row: &ChainRow) -> EntryRef {
    EntryRef { id: row.id, at: row.at, action: row.action.clone() }
}
