//! What a verification of the access log can find, each said so that an auditor knows
//! which entry to look at. Nothing here prints a resident's data: entries are named by
//! position, database id, time and action.

use std::fmt;

/// An entry as a finding names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRef {
    pub id: i64,
    pub at: i64,
    pub action: String,
}

impl fmt::Display for EntryRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "id {}, {}, action {}", self.id, utc(self.at), self.action)
    }
}

fn utc(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map_or_else(|| secs.to_string(), |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

fn utc_ms(ms: u64) -> String {
    utc(i64::try_from(ms / 1000).unwrap_or(i64::MAX))
}

/// A way in which the log is not what the node wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// A row without a chain position: written to the database past the node.
    Unchained { entry: EntryRef },
    /// Positions `from..=to` are absent: rows were deleted.
    Missing { from: i64, to: i64 },
    /// The row's fields do not give its stored chain hash: it was changed after writing.
    Altered { seq: i64, entry: EntryRef },
    /// The log ends before the head's last position: its tail was deleted.
    TruncatedTail { last: i64, head: i64 },
    /// A row after the head's last position: slipped in at the end.
    BeyondHead { seq: i64, entry: EntryRef },
    /// The head row's hash is not the last entry's.
    HeadAltered { seq: i64 },
    /// The chain recomputed from the entries differs from a checkpoint the node signed:
    /// something between the last matching point and this one was rewritten (with the
    /// stored hashes recomputed to hide it).
    CheckpointMismatch { checkpoint: u64, entries: i64, last_good: i64, source: Source },
    /// A checkpoint covers more entries than the log holds: entries after the log's end
    /// were deleted.
    CheckpointBeyondLog { checkpoint: u64, entries: i64, last: i64, at_ms: u64, source: Source },
    /// A checkpoint whose signature no key of this node makes.
    BadSignature { checkpoint: u64, source: Source },
    /// The coordinator's and the node's copy of one checkpoint differ.
    CopiesDiffer { checkpoint: u64 },
}

/// Whose copy of a checkpoint a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Coordinator,
    Local,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Coordinator => "the coordinator's",
            Source::Local => "the local",
        })
    }
}

impl Break {
    /// The chain position the break is at (or first affects), for ordering: the first
    /// broken entry is the one to look at first. A row with no position sorts first.
    pub fn position(&self) -> i64 {
        match self {
            Break::Unchained { .. } | Break::BadSignature { .. } | Break::CopiesDiffer { .. } => 0,
            Break::Missing { from, .. } => *from,
            Break::Altered { seq, .. } | Break::BeyondHead { seq, .. } | Break::HeadAltered { seq } => *seq,
            Break::TruncatedTail { last, .. } => last + 1,
            Break::CheckpointMismatch { last_good, .. } => last_good + 1,
            Break::CheckpointBeyondLog { last, .. } => last + 1,
        }
    }
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Break::Unchained { entry } => {
                write!(f, "a row ({entry}) has no place in the chain: it was written to the database past the node")
            }
            Break::Missing { from, to } if from == to => write!(f, "entry {from} is missing: it was deleted"),
            Break::Missing { from, to } => write!(f, "entries {from} to {to} are missing: they were deleted"),
            Break::Altered { seq, entry } => write!(
                f,
                "entry {seq} ({entry}) was changed after it was written: its fields do not give its chain hash"
            ),
            Break::TruncatedTail { last, head } => {
                write!(f, "the log ends at entry {last} but the chain head is at {head}: the tail was deleted")
            }
            Break::BeyondHead { seq, entry } => {
                write!(f, "entry {seq} ({entry}) lies past the chain head: it was added past the node")
            }
            Break::HeadAltered { seq } => write!(f, "the chain head does not match entry {seq}: the head was edited"),
            Break::CheckpointMismatch { checkpoint, entries, last_good, source } => write!(
                f,
                "{source} checkpoint {checkpoint} does not match the log at entry {entries}: \
                 entries {} to {entries} were rewritten (their hashes recomputed)",
                last_good + 1
            ),
            Break::CheckpointBeyondLog { checkpoint, entries, last, at_ms, source } => write!(
                f,
                "{source} checkpoint {checkpoint} ({}) covers {entries} entries but the log ends at \
                 entry {last}: entries {} to {entries} were deleted",
                utc_ms(*at_ms),
                last + 1
            ),
            Break::BadSignature { checkpoint, source } => {
                write!(f, "{source} checkpoint {checkpoint} is not signed by this node's key")
            }
            Break::CopiesDiffer { checkpoint } => {
                write!(f, "checkpoint {checkpoint} differs between the coordinator and the local copy")
            }
        }
    }
}
