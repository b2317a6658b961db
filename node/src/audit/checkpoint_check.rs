//! Compares the recomputed chain with the checkpoints: the coordinator's copies (which the
//! node's operator cannot change) and the node's own, and the two copies with each other.

use super::chain_check::ChainOutcome;
use super::findings::{Break, Source};
use crate::db::access_chain::ChainState;
use crate::db::audit_checkpoints::LocalCheckpoint;
use std::collections::BTreeMap;
use vrs_protocol::messages::SignedCheckpoint;
use vrs_protocol::{MunicipalityCode, SigningPublicKey};

/// What the checkpoints said.
#[derive(Debug, Default)]
pub struct CheckpointSummary {
    pub breaks: Vec<Break>,
    /// Checkpoints whose position the recomputed chain matches.
    pub matched: usize,
    /// Checkpoints before the chain's anchor (their entries were purged by retention).
    pub purged: usize,
    /// Local checkpoints the coordinator has not confirmed yet.
    pub pending: usize,
    /// Checkpoints of entries a recorded restore from a backup lost.
    pub lost_in_restore: usize,
    /// Things worth knowing that are not breaks.
    pub notes: Vec<String>,
}

/// Whom to check against: the node's own code and every signing key it has used.
#[derive(Debug)]
pub struct Signer<'a> {
    pub own: MunicipalityCode,
    pub keys: &'a [SigningPublicKey],
}

impl Signer<'_> {
    fn signed(&self, c: &SignedCheckpoint) -> bool {
        c.checkpoint.municipality == self.own && self.keys.iter().any(|k| c.verify(k).is_ok())
    }
}

/// `coordinator`: `None` when it could not be asked (offline verification).
pub fn compare(
    chain: &ChainOutcome,
    state: &ChainState,
    signer: &Signer<'_>,
    coordinator: Option<&[SignedCheckpoint]>,
    local: &[LocalCheckpoint],
) -> CheckpointSummary {
    let mut out = CheckpointSummary {
        pending: local.iter().filter(|l| l.acknowledged_at.is_none()).count(),
        ..Default::default()
    };
    let locals: Vec<SignedCheckpoint> = local.iter().map(|l| l.signed.clone()).collect();
    match coordinator {
        Some(remote) => {
            against_chain(&mut out, chain, state, signer, remote, Source::Coordinator);
            compare_copies(&mut out, remote, local);
            // Local copies the coordinator does not hold still say something about the log.
            let held: BTreeMap<u64, ()> = remote.iter().map(|c| (c.checkpoint.seq, ())).collect();
            let extra: Vec<SignedCheckpoint> =
                locals.into_iter().filter(|c| !held.contains_key(&c.checkpoint.seq)).collect();
            against_chain(&mut out, chain, state, signer, &extra, Source::Local);
        }
        None => against_chain(&mut out, chain, state, signer, &locals, Source::Local),
    }
    out
}

fn against_chain(
    out: &mut CheckpointSummary,
    chain: &ChainOutcome,
    state: &ChainState,
    signer: &Signer<'_>,
    list: &[SignedCheckpoint],
    source: Source,
) {
    let mut sorted: Vec<&SignedCheckpoint> = list.iter().collect();
    sorted.sort_by_key(|c| (c.checkpoint.entries, c.checkpoint.seq));
    let mut last_good = state.anchor_seq;
    for c in sorted {
        let cp = &c.checkpoint;
        if !signer.signed(c) {
            out.breaks.push(Break::BadSignature { checkpoint: cp.seq, source });
            continue;
        }
        let entries = i64::try_from(cp.entries).unwrap_or(i64::MAX);
        if let Some(r) = chain.restores.iter().find(|r| r.lost(entries, cp.at_ms)) {
            if out.lost_in_restore == 0 {
                out.notes.push(format!(
                    "the database was restored from a backup (entry {}): entries after {} written after \
                     the backup was taken were lost with it",
                    r.seq, r.head_seq
                ));
            }
            out.lost_in_restore += 1;
            continue;
        }
        let expected = if entries < state.anchor_seq {
            out.purged += 1;
            continue;
        } else if entries == state.anchor_seq {
            Some(state.anchor_hash)
        } else if entries > chain.last_seq {
            out.breaks.push(Break::CheckpointBeyondLog {
                checkpoint: cp.seq,
                entries,
                last: chain.last_seq,
                at_ms: cp.at_ms,
                source,
            });
            continue;
        } else {
            // Absent when that position itself is missing (reported as such already).
            chain.at_positions.get(&entries).copied()
        };
        match expected {
            Some(h) if h == cp.head => {
                out.matched += 1;
                last_good = last_good.max(entries);
            }
            Some(_) => {
                out.breaks.push(Break::CheckpointMismatch { checkpoint: cp.seq, entries, last_good, source });
            }
            None => {}
        }
    }
}

fn compare_copies(out: &mut CheckpointSummary, remote: &[SignedCheckpoint], local: &[LocalCheckpoint]) {
    let remote: BTreeMap<u64, &SignedCheckpoint> = remote.iter().map(|c| (c.checkpoint.seq, c)).collect();
    let mut missing_here = Vec::new();
    for (seq, r) in &remote {
        match local.iter().find(|l| l.signed.checkpoint.seq == *seq) {
            Some(l) if &&l.signed != r => out.breaks.push(Break::CopiesDiffer { checkpoint: *seq }),
            Some(_) => {}
            None => missing_here.push(*seq),
        }
    }
    if !missing_here.is_empty() {
        out.notes.push(format!(
            "{} checkpoint(s) the coordinator holds are not in the local copy (first: {}); \
             expected after a restore from a backup",
            missing_here.len(),
            missing_here[0]
        ));
    }
    let unknown: Vec<u64> = local
        .iter()
        .filter(|l| l.acknowledged_at.is_some() && !remote.contains_key(&l.signed.checkpoint.seq))
        .map(|l| l.signed.checkpoint.seq)
        .collect();
    if let Some(first) = unknown.first() {
        out.notes.push(format!(
            "{} checkpoint(s) confirmed earlier are not at the coordinator (first: {first})",
            unknown.len()
        ));
    }
}
