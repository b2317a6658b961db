//! Making the next signed checkpoint of the access-log chain: the head's position and
//! hash, signed with the node's registry key, kept locally until the coordinator confirms
//! it. A hash, a count and a time: nothing personal.
//!
//! Before signing, the entries since the previous checkpoint are recomputed from their
//! fields: a checkpoint must never vouch for rows that were changed in the database since
//! the last one. If they do not add up, no checkpoint is made and the error says why.

use super::chain;
use crate::db::access_chain::{self, ChainState};
use crate::db::audit_checkpoints::{self, LocalCheckpoint};
use crate::db::{DbConn, DbError};
use diesel::Connection;
use vrs_protocol::messages::{Checkpoint, SignedCheckpoint};
use vrs_protocol::{MunicipalityCode, SigningKey};

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(
        "the access log does not add up between positions {from} and {to}: no checkpoint signed \
         (run `vrs-node audit verify`)"
    )]
    Tampered { from: i64, to: i64 },
}

impl From<diesel::result::Error> for CheckpointError {
    fn from(e: diesel::result::Error) -> Self {
        CheckpointError::Db(e.into())
    }
}

/// Signs and stores a checkpoint of the current head, unless the head has not moved since
/// the last one. Returns the new checkpoint.
pub fn make(
    conn: &mut DbConn,
    own: MunicipalityCode,
    signer: &SigningKey,
    now_ms: u64,
) -> Result<Option<SignedCheckpoint>, CheckpointError> {
    // Read in a snapshot, without holding up appenders (the chain only grows, so what the
    // snapshot saw stays true); then store the checkpoint in a write of its own.
    let next = conn.transaction(|c| -> Result<Option<Checkpoint>, CheckpointError> {
        crate::db::read_snapshot(c)?;
        let state = access_chain::state(c)?;
        let last = audit_checkpoints::last(c, own)?;
        if last.as_ref().is_some_and(|l| covers(l, &state)) || (last.is_none() && state.head_seq == 0) {
            return Ok(None);
        }
        if let Err(refused) = recheck_since(c, &state, last.as_ref()) {
            recheck_past_restores(c, own, &state, last.as_ref(), refused)?;
        }
        Ok(Some(Checkpoint {
            municipality: own,
            seq: last.map_or(1, |l| l.signed.checkpoint.seq + 1),
            entries: u64::try_from(state.head_seq).unwrap_or_default(),
            head: state.head_hash,
            at_ms: now_ms,
        }))
    })?;
    let Some(checkpoint) = next else { return Ok(None) };
    let signed = SignedCheckpoint::sign(signer, checkpoint);
    audit_checkpoints::insert(conn, &signed, None)?;
    Ok(Some(signed))
}

fn covers(last: &LocalCheckpoint, state: &ChainState) -> bool {
    let c = &last.signed.checkpoint;
    i64::try_from(c.entries).is_ok_and(|e| e == state.head_seq) && c.head == state.head_hash
}

/// A database restored from a backup can hold, as its latest, the coordinator's copy of a
/// checkpoint of entries the restore lost (fetched on start, to number on after it): it
/// says nothing about this log. Rechecks from the latest checkpoint no restore recorded in
/// the chain lost — the same receipts `audit verify` reads — or returns `refused`.
fn recheck_past_restores(
    c: &mut DbConn,
    own: MunicipalityCode,
    state: &ChainState,
    last: Option<&LocalCheckpoint>,
    refused: CheckpointError,
) -> Result<(), CheckpointError> {
    let restores = access_chain::restores(c)?;
    if restores.is_empty() {
        return Err(refused);
    }
    let kept = |l: &LocalCheckpoint| {
        let cp = &l.signed.checkpoint;
        let entries = i64::try_from(cp.entries).unwrap_or(i64::MAX);
        !restores.iter().any(|r| r.lost(entries, cp.at_ms))
    };
    let base = audit_checkpoints::all(c, own)?.into_iter().rev().find(kept);
    if base.as_ref().map(|b| b.signed.checkpoint.seq) == last.map(|l| l.signed.checkpoint.seq) {
        return Err(refused);
    }
    recheck_since(c, state, base.as_ref())
}

/// Recomputes the entries after the previous checkpoint (or after the anchor, when there
/// is none usable) and compares the result with the head.
fn recheck_since(c: &mut DbConn, state: &ChainState, last: Option<&LocalCheckpoint>) -> Result<(), CheckpointError> {
    let usable = last.map(|l| &l.signed.checkpoint).and_then(|l| {
        let e = i64::try_from(l.entries).ok()?;
        (e >= state.anchor_seq && e <= state.head_seq).then_some((e, l.head))
    });
    let (from, mut hash) = usable.unwrap_or((state.anchor_seq, state.anchor_hash));
    let mut expected = from + 1;
    while expected <= state.head_seq {
        let rows = access_chain::page(c, expected - 1, 10_000)?;
        if rows.is_empty() {
            break;
        }
        for row in rows.iter().take_while(|r| r.seq.is_some_and(|s| s <= state.head_seq)) {
            if row.seq != Some(expected) {
                return Err(CheckpointError::Tampered { from, to: state.head_seq });
            }
            hash = chain::link(&hash, &row.fields(u64::try_from(expected).unwrap_or_default()));
            expected += 1;
        }
        if rows.last().and_then(|r| r.seq).is_some_and(|s| s >= state.head_seq) {
            break;
        }
    }
    if expected != state.head_seq + 1 || hash != state.head_hash {
        return Err(CheckpointError::Tampered { from, to: state.head_seq });
    }
    Ok(())
}
