//! The store-and-forward queue: sealed envelopes (opaque bytes) for recipients that were
//! not reachable, delivered oldest first. An envelope is committed here before the sender
//! is told `queued`, and deleted only once the recipient has answered for it, so a crash
//! at any point loses nothing; what it may cause is a redelivery, which the recipient
//! recognises (`replayed`, or `already_have` for a dose).

use super::DbError;
use super::schema::queue;
use diesel::prelude::*;
use vrs_protocol::{Address, Envelope, Kind};

/// One queued envelope as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Queued {
    pub seq: i64,
    pub message_id: Vec<u8>,
    pub sender: String,
    pub recipient: String,
    pub kind: i32,
    pub envelope: Vec<u8>,
    pub created_at_ms: i64,
    pub enqueued_at_ms: i64,
    pub attempts: i32,
    pub last_attempt_at_ms: Option<i64>,
}

impl Queued {
    pub fn kind(&self) -> Option<Kind> {
        u8::try_from(self.kind).ok().and_then(Kind::from_byte)
    }
}

/// Stores `bytes` (which decoded as `env`). Returns false if this sender's message id was
/// already queued: a sender retrying after a lost answer is stored once.
pub fn enqueue(conn: &mut SqliteConnection, env: &Envelope, bytes: &[u8]) -> Result<bool, DbError> {
    let h = env.header();
    let n = diesel::insert_or_ignore_into(queue::table)
        .values((
            queue::message_id.eq(h.message_id.to_bytes().as_slice()),
            queue::sender.eq(wire(h.sender)),
            queue::recipient.eq(wire(h.recipient)),
            queue::kind.eq(i32::from(h.kind.byte())),
            queue::envelope.eq(bytes),
            queue::created_at_ms.eq(i64::try_from(h.created_at_ms).unwrap_or(i64::MAX)),
            queue::enqueued_at_ms.eq(super::now_ms()),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// The oldest `limit` envelopes for `recipient` (a municipality code).
pub fn oldest_for(conn: &mut SqliteConnection, recipient: &str, limit: i64) -> Result<Vec<Queued>, DbError> {
    Ok(queue::table.filter(queue::recipient.eq(recipient)).order(queue::seq.asc()).limit(limit).load(conn)?)
}

pub fn record_attempt(conn: &mut SqliteConnection, seq: i64) -> Result<(), DbError> {
    diesel::update(queue::table.find(seq))
        .set((queue::attempts.eq(queue::attempts + 1), queue::last_attempt_at_ms.eq(super::now_ms())))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut SqliteConnection, seq: i64) -> Result<(), DbError> {
    diesel::delete(queue::table.find(seq)).execute(conn)?;
    Ok(())
}

/// Recipients with anything waiting.
pub fn recipients(conn: &mut SqliteConnection) -> Result<Vec<String>, DbError> {
    Ok(queue::table.select(queue::recipient).distinct().load(conn)?)
}

pub fn depth(conn: &mut SqliteConnection) -> Result<i64, DbError> {
    Ok(queue::table.count().get_result(conn)?)
}

/// Removes and returns (for the routing log) every envelope created before `cutoff_ms`.
pub fn take_expired(conn: &mut SqliteConnection, cutoff_ms: i64) -> Result<Vec<Queued>, DbError> {
    conn.immediate_transaction(|c| {
        let rows: Vec<Queued> = queue::table.filter(queue::created_at_ms.lt(cutoff_ms)).limit(10_000).load(c)?;
        let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
        diesel::delete(queue::table.filter(queue::seq.eq_any(&seqs))).execute(c)?;
        Ok::<_, diesel::result::Error>(rows)
    })
    .map_err(Into::into)
}

fn wire(a: Address) -> String {
    String::from_utf8_lossy(&a.to_wire()).into_owned()
}
