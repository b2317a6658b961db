//! `vrs-node audit verify`: recomputes the access-log chain from the database, in one
//! consistent snapshot (the node may be serving), and checks it against the head row, the
//! coordinator's checkpoints and the local copies. Memory stays bounded: rows are read a
//! page at a time.

use super::chain_check::ChainCheck;
use super::checkpoint_check::{self, CheckpointSummary, Signer};
use super::findings::Break;
use crate::db::{DbConn, DbError, access_chain, audit_checkpoints};
use diesel::Connection;
use std::collections::BTreeSet;
use std::fmt::Write;
use vrs_protocol::messages::SignedCheckpoint;

const PAGE: i64 = 10_000;
/// Rows without a place in the chain listed at most (they are all counted in `breaks`).
const MAX_UNCHAINED: i64 = 1_000;

#[derive(Debug)]
pub struct Report {
    pub rows: u64,
    pub anchor_seq: i64,
    pub head_seq: i64,
    /// Every break, the first broken entry first.
    pub breaks: Vec<Break>,
    pub checkpoints: CheckpointSummary,
    /// Whether the coordinator's copies were compared (not only the local ones).
    pub against_coordinator: bool,
}

impl Report {
    pub fn is_intact(&self) -> bool {
        self.breaks.is_empty()
    }

    pub fn first_break(&self) -> Option<&Break> {
        self.breaks.first()
    }

    /// The human report `audit verify` prints.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "access log: {} entries checked (positions {} to {}), chain head at {}",
            self.rows,
            self.anchor_seq + 1,
            self.head_seq,
            self.head_seq
        );
        let c = &self.checkpoints;
        let whose =
            if self.against_coordinator { "the coordinator's and the local copies" } else { "the local copies only" };
        let _ = writeln!(
            s,
            "checkpoints ({whose}): {} match, {} not yet confirmed by the coordinator, {} before the purge anchor",
            c.matched, c.pending, c.purged
        );
        if c.lost_in_restore > 0 {
            let _ = writeln!(
                s,
                "restored: {} checkpoint(s) cover entries lost by a restore from a backup",
                c.lost_in_restore
            );
        }
        for n in &c.notes {
            let _ = writeln!(s, "note: {n}");
        }
        if !self.against_coordinator {
            let _ = writeln!(
                s,
                "note: the coordinator was not asked; a rewrite by someone who could also rewrite the \
                 local checkpoints would not show"
            );
        }
        match self.breaks.split_first() {
            None => {
                let _ = writeln!(s, "OK: the access log is intact");
            }
            Some((first, rest)) => {
                let _ = writeln!(s, "BROKEN: {first}");
                for b in rest {
                    let _ = writeln!(s, "  also: {b}");
                }
            }
        }
        s
    }
}

/// Verifies the log. `coordinator`: the coordinator's checkpoints, `None` if not asked.
pub fn verify(
    conn: &mut DbConn,
    signer: &Signer<'_>,
    coordinator: Option<&[SignedCheckpoint]>,
) -> Result<Report, DbError> {
    conn.transaction(|c| {
        crate::db::read_snapshot(c)?;
        let state = access_chain::state(c)?;
        let local = audit_checkpoints::all(c, signer.own)?;
        let wanted: BTreeSet<i64> = local
            .iter()
            .map(|l| &l.signed)
            .chain(coordinator.unwrap_or_default())
            .map(|s| i64::try_from(s.checkpoint.entries).unwrap_or(i64::MAX))
            .collect();
        let mut check = ChainCheck::new(&state, wanted);
        for row in access_chain::unchained(c, MAX_UNCHAINED)? {
            check.unchained(&row);
        }
        let mut after = state.anchor_seq;
        loop {
            let rows = access_chain::page(c, after, PAGE)?;
            let Some(last) = rows.last().and_then(|r| r.seq) else { break };
            for row in &rows {
                check.push(row);
            }
            after = last;
        }
        let chain = check.finish(&state);
        let mut checkpoints = checkpoint_check::compare(&chain, &state, signer, coordinator, &local);
        let mut breaks = chain.breaks;
        breaks.append(&mut checkpoints.breaks);
        breaks.sort_by_key(Break::position);
        Ok(Report {
            rows: chain.rows,
            anchor_seq: state.anchor_seq,
            head_seq: state.head_seq,
            breaks,
            checkpoints,
            against_coordinator: coordinator.is_some(),
        })
    })
}
