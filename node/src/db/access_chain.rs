//! Reading the access-log chain back (for `vrs-node audit verify` and checkpoints), and
//! chaining in the rows a node wrote before the chain existed.

use super::access_log::{LogRow, hash32};
use super::schema::{access_log, access_log_chain};
use super::{DbConn, DbError};
use crate::audit::chain;
use crate::audit::chain_check::Restore;
use diesel::prelude::*;

/// The head row: the last position handed out with its hash, and where the chain starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainState {
    pub head_seq: i64,
    pub head_hash: [u8; 32],
    /// The position before the first entry kept (0, or the last one a purge removed) and
    /// the hash the first kept entry links to.
    pub anchor_seq: i64,
    pub anchor_hash: [u8; 32],
}

/// Takes the head row's lock (as an append does) for the rest of the transaction, before
/// anything is read: for changes to the chain other than appends.
pub fn lock(conn: &mut DbConn) -> Result<(), DbError> {
    diesel::update(access_log_chain::table.find(1i16))
        .set(access_log_chain::head_seq.eq(access_log_chain::head_seq))
        .execute(conn)?;
    Ok(())
}

pub fn state(conn: &mut DbConn) -> Result<ChainState, DbError> {
    let (head_seq, head, anchor_seq, anchor): (i64, Vec<u8>, i64, Vec<u8>) = access_log_chain::table
        .find(1i16)
        .select((
            access_log_chain::head_seq,
            access_log_chain::head_hash,
            access_log_chain::anchor_seq,
            access_log_chain::anchor_hash,
        ))
        .first(conn)?;
    Ok(ChainState { head_seq, head_hash: hash32(&head)?, anchor_seq, anchor_hash: hash32(&anchor)? })
}

/// A stored entry as the chain checks read it.
pub type ChainRow = LogRow;

/// Chained entries after position `after`, in chain order, at most `limit`.
pub fn page(conn: &mut DbConn, after: i64, limit: i64) -> Result<Vec<ChainRow>, DbError> {
    Ok(access_log::table
        .select(LogRow::as_select())
        .filter(access_log::seq.gt(after))
        .order(access_log::seq)
        .limit(limit)
        .load(conn)?)
}

/// The restores from a backup the chain records, oldest first. Read only when a checkpoint
/// does not fit the log (a scan: the receipts are few and `action` is not indexed).
pub fn restores(conn: &mut DbConn) -> Result<Vec<Restore>, DbError> {
    let rows: Vec<ChainRow> = access_log::table
        .select(LogRow::as_select())
        .filter(access_log::action.eq(crate::backup::RESTORED_ACTION))
        .filter(access_log::seq.is_not_null())
        .order(access_log::seq)
        .load(conn)?;
    Ok(rows.iter().filter_map(|r| Restore::from_receipt(r.seq?, r)).collect())
}

/// Rows without a chain position: only a write that bypassed the node leaves one.
pub fn unchained(conn: &mut DbConn, limit: i64) -> Result<Vec<ChainRow>, DbError> {
    Ok(access_log::table
        .select(LogRow::as_select())
        .filter(access_log::seq.is_null())
        .order(access_log::id)
        .limit(limit)
        .load(conn)?)
}

/// Rows logged before the chain existed (a node upgraded from an earlier version) are
/// chained in once, in id order, the first time the database opens after the migration;
/// a flag makes sure that never happens again, so a row slipped in later stays unchained
/// and `audit verify` reports it.
pub fn seal_legacy(conn: &mut DbConn) -> Result<u64, DbError> {
    conn.transaction(|c| {
        lock(c)?;
        let sealed: i16 = access_log_chain::table.find(1i16).select(access_log_chain::legacy_sealed).first(c)?;
        if sealed != 0 {
            return Ok(0);
        }
        let st = state(c)?;
        let (mut seq, mut hash, mut done) = (st.head_seq, st.head_hash, 0u64);
        loop {
            let rows = unchained(c, 10_000)?;
            if rows.is_empty() {
                break;
            }
            for row in rows {
                seq += 1;
                hash = chain::link(&hash, &row.fields(u64::try_from(seq).unwrap_or_default()));
                diesel::update(access_log::table.find(row.id))
                    .set((access_log::seq.eq(seq), access_log::hash.eq(hash.to_vec())))
                    .execute(c)?;
                done += 1;
            }
        }
        diesel::update(access_log_chain::table.find(1i16))
            .set((
                access_log_chain::head_seq.eq(seq),
                access_log_chain::head_hash.eq(hash.to_vec()),
                access_log_chain::legacy_sealed.eq(1i16),
            ))
            .execute(c)?;
        Ok(done)
    })
}
