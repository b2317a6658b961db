//! Nodes' signed access-log checkpoints, stored as received and never changed: a second
//! delivery of the same checkpoint is a no-op, a different checkpoint under a number
//! already taken is refused (the first one stays the evidence).

use super::DbError;
use super::schema::checkpoints as t;
use diesel::prelude::*;
use vrs_protocol::keys::Signature;
use vrs_protocol::messages::{Checkpoint, SignedCheckpoint};
use vrs_protocol::{MunicipalityCode, SigningPublicKey};

/// What storing a checkpoint came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    New,
    /// The very same checkpoint was already held (a resend).
    AlreadyHeld,
    /// Another checkpoint holds that number.
    Conflict,
}

fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

type Row = (i64, i64, Vec<u8>, i64, Vec<u8>);

/// Stores `signed` (already verified against `key`, the node's registry key).
pub fn store(
    conn: &mut SqliteConnection,
    signed: &SignedCheckpoint,
    key: &SigningPublicKey,
) -> Result<Stored, DbError> {
    let c = &signed.checkpoint;
    let code = c.municipality.as_str();
    conn.immediate_transaction(|tx| {
        let held: Option<Row> = t::table
            .find((code, int(c.seq)))
            .select((t::seq, t::entries, t::head, t::at_ms, t::signature))
            .first(tx)
            .optional()?;
        if let Some(row) = held {
            return Ok(if decode(c.municipality, row)? == *signed { Stored::AlreadyHeld } else { Stored::Conflict });
        }
        diesel::insert_into(t::table)
            .values((
                t::municipality.eq(code),
                t::seq.eq(int(c.seq)),
                t::entries.eq(int(c.entries)),
                t::head.eq(c.head.to_vec()),
                t::at_ms.eq(int(c.at_ms)),
                t::signature.eq(signed.signature.0.to_vec()),
                t::signing_key.eq(key.as_bytes().to_vec()),
                t::received_at_ms.eq(super::now_ms()),
            ))
            .execute(tx)?;
        Ok(Stored::New)
    })
}

/// The node's checkpoints numbered after `after`, oldest first, at most `limit`, and
/// whether more follow.
pub fn list(
    conn: &mut SqliteConnection,
    node: MunicipalityCode,
    after: u64,
    limit: usize,
) -> Result<(Vec<SignedCheckpoint>, bool), DbError> {
    let rows: Vec<Row> = t::table
        .filter(t::municipality.eq(node.as_str()))
        .filter(t::seq.gt(int(after)))
        .order(t::seq)
        .limit(i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1))
        .select((t::seq, t::entries, t::head, t::at_ms, t::signature))
        .load(conn)?;
    let more = rows.len() > limit;
    let list = rows.into_iter().take(limit).map(|r| decode(node, r)).collect::<Result<_, _>>()?;
    Ok((list, more))
}

fn decode(
    municipality: MunicipalityCode,
    (seq, entries, head, at_ms, signature): Row,
) -> Result<SignedCheckpoint, DbError> {
    let bad = || DbError::Corrupt("a stored checkpoint");
    Ok(SignedCheckpoint {
        checkpoint: Checkpoint {
            municipality,
            seq: u64::try_from(seq).map_err(|_| bad())?,
            entries: u64::try_from(entries).map_err(|_| bad())?,
            head: head.as_slice().try_into().map_err(|_| bad())?,
            at_ms: u64::try_from(at_ms).map_err(|_| bad())?,
        },
        signature: Signature(signature.as_slice().try_into().map_err(|_| bad())?),
    })
}
