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

#[cfg(test)]
mod tests {
    use super::*;
    use vrs_protocol::messages::{CheckpointAck, DoseAck, DoseOutcome};
    use vrs_protocol::{DecryptionKey, Message, MunicipalityCode, RecordId, SealParams, SigningKey};

    fn sealed(msg: &Message) -> Envelope {
        let from = Address::Node(MunicipalityCode::parse("131016").unwrap());
        let to = Address::Node(MunicipalityCode::parse("141003").unwrap());
        let params = SealParams::new(from, to, DecryptionKey::generate().unwrap().public_key());
        Envelope::seal(&SigningKey::generate().unwrap(), params, msg).unwrap()
    }

    #[test]
    fn an_envelope_round_trips_through_the_queue_once_and_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(&dir.path().join("q.sqlite"), "normal", 2).unwrap();
        let mut c = pool.get().unwrap();
        let first =
            sealed(&Message::DoseAck(DoseAck { dose_id: RecordId::random().unwrap(), outcome: DoseOutcome::Recorded }));
        let second = sealed(&Message::CheckpointAck(CheckpointAck { seq: 9 }));
        assert!(enqueue(&mut c, &first, &first.to_bytes()).unwrap());
        assert!(!enqueue(&mut c, &first, &first.to_bytes()).unwrap(), "a retry is stored once");
        assert!(enqueue(&mut c, &second, &second.to_bytes()).unwrap());
        let rows = oldest_for(&mut c, "141003", 10).unwrap();
        assert_eq!(rows.len(), 2);
        for (row, env) in rows.iter().zip([&first, &second]) {
            assert_eq!(Envelope::from_bytes(&row.envelope).unwrap(), *env);
            assert_eq!(row.message_id, env.header().message_id.to_bytes());
            assert_eq!((row.sender.as_str(), row.recipient.as_str()), ("131016", "141003"));
            assert_eq!(row.kind(), Some(env.header().kind));
            assert_eq!(row.created_at_ms, i64::try_from(env.header().created_at_ms).unwrap());
        }
        record_attempt(&mut c, rows[0].seq).unwrap();
        assert_eq!(oldest_for(&mut c, "141003", 1).unwrap()[0].attempts, 1);
        assert_eq!(recipients(&mut c).unwrap(), vec!["141003".to_owned()]);
        delete(&mut c, rows[0].seq).unwrap();
        assert_eq!(depth(&mut c).unwrap(), 1);
        let cutoff = i64::try_from(second.header().created_at_ms).unwrap() + 1;
        assert_eq!(take_expired(&mut c, cutoff).unwrap().len(), 1);
        assert_eq!(depth(&mut c).unwrap(), 0);
    }
}
