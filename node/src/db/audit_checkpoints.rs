//! The node's own copy of the access-log checkpoints it signs and sends the coordinator:
//! what is still to send, and what `audit verify` compares with the coordinator's copy.

use super::schema::audit_checkpoints as t;
use super::{DbConn, DbError};
use diesel::prelude::*;
use vrs_protocol::MunicipalityCode;
use vrs_protocol::keys::Signature;
use vrs_protocol::messages::{Checkpoint, SignedCheckpoint};

/// A stored checkpoint and whether the coordinator has confirmed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalCheckpoint {
    pub signed: SignedCheckpoint,
    pub acknowledged_at: Option<i64>,
}

type Row = (i64, i64, Vec<u8>, i64, Vec<u8>, Option<i64>);

fn columns() -> (t::seq, t::entries, t::head, t::at_ms, t::signature, t::acknowledged_at) {
    (t::seq, t::entries, t::head, t::at_ms, t::signature, t::acknowledged_at)
}

fn from_row(
    own: MunicipalityCode,
    (seq, entries, head, at_ms, signature, ack): Row,
) -> Result<LocalCheckpoint, DbError> {
    let bad = || DbError::Query("a stored audit checkpoint does not decode".into());
    let checkpoint = Checkpoint {
        municipality: own,
        seq: u64::try_from(seq).map_err(|_| bad())?,
        entries: u64::try_from(entries).map_err(|_| bad())?,
        head: head.as_slice().try_into().map_err(|_| bad())?,
        at_ms: u64::try_from(at_ms).map_err(|_| bad())?,
    };
    let signature = Signature(signature.as_slice().try_into().map_err(|_| bad())?);
    Ok(LocalCheckpoint { signed: SignedCheckpoint { checkpoint, signature }, acknowledged_at: ack })
}

fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Stores a checkpoint the node signed (`acknowledged`: one the coordinator already holds).
pub fn insert(conn: &mut DbConn, signed: &SignedCheckpoint, acknowledged: Option<i64>) -> Result<(), DbError> {
    let c = &signed.checkpoint;
    diesel::insert_into(t::table)
        .values((
            t::seq.eq(int(c.seq)),
            t::entries.eq(int(c.entries)),
            t::head.eq(c.head.to_vec()),
            t::at_ms.eq(int(c.at_ms)),
            t::signature.eq(signed.signature.0.to_vec()),
            t::acknowledged_at.eq(acknowledged),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every stored checkpoint, oldest first.
pub fn all(conn: &mut DbConn, own: MunicipalityCode) -> Result<Vec<LocalCheckpoint>, DbError> {
    let rows: Vec<Row> = t::table.select(columns()).order(t::seq).load(conn)?;
    rows.into_iter().map(|r| from_row(own, r)).collect()
}

/// The newest stored checkpoint.
pub fn last(conn: &mut DbConn, own: MunicipalityCode) -> Result<Option<LocalCheckpoint>, DbError> {
    let row: Option<Row> = t::table.select(columns()).order(t::seq.desc()).first(conn).optional()?;
    row.map(|r| from_row(own, r)).transpose()
}

/// Checkpoints the coordinator has not confirmed yet, oldest first.
pub fn unacknowledged(conn: &mut DbConn, own: MunicipalityCode) -> Result<Vec<LocalCheckpoint>, DbError> {
    let rows: Vec<Row> = t::table.select(columns()).filter(t::acknowledged_at.is_null()).order(t::seq).load(conn)?;
    rows.into_iter().map(|r| from_row(own, r)).collect()
}

pub fn acknowledge(conn: &mut DbConn, seq: u64) -> Result<(), DbError> {
    diesel::update(t::table.find(int(seq))).set(t::acknowledged_at.eq(super::now())).execute(conn)?;
    Ok(())
}

/// Drops a checkpoint the coordinator refused as conflicting (its number was taken by one
/// it already holds, e.g. after the database was restored from a backup).
pub fn discard(conn: &mut DbConn, seq: u64) -> Result<(), DbError> {
    diesel::delete(t::table.find(int(seq))).execute(conn)?;
    Ok(())
}
