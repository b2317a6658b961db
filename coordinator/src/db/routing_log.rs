//! The routing log: one row per routing outcome, from the envelope header only (ids,
//! codes, kind, size, times). It is what the coordinator may know (specs/protocol.md §12).

use super::DbError;
use super::schema::routing_log as rl;
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub message_id: [u8; 16],
    pub kind: &'static str,
    pub sender: String,
    pub recipient: String,
    pub size: i64,
    pub at_ms: i64,
    pub elapsed_ms: i64,
    pub outcome: String,
}

/// Writes a batch in one transaction (one fsync for many rows).
pub fn insert_batch(conn: &mut SqliteConnection, entries: &[Entry]) -> Result<(), DbError> {
    conn.immediate_transaction(|c| {
        for e in entries {
            diesel::insert_into(rl::table)
                .values((
                    rl::message_id.eq(e.message_id.as_slice()),
                    rl::kind.eq(e.kind),
                    rl::sender.eq(&e.sender),
                    rl::recipient.eq(&e.recipient),
                    rl::size.eq(e.size),
                    rl::at_ms.eq(e.at_ms),
                    rl::elapsed_ms.eq(e.elapsed_ms),
                    rl::outcome.eq(&e.outcome),
                ))
                .execute(c)?;
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    Ok(())
}

/// Outcomes recorded for a message id, oldest first (tests and operators' look-ups).
pub fn outcomes_of(conn: &mut SqliteConnection, message_id: &[u8; 16]) -> Result<Vec<String>, DbError> {
    Ok(rl::table.filter(rl::message_id.eq(message_id.as_slice())).order(rl::id.asc()).select(rl::outcome).load(conn)?)
}

pub fn prune(conn: &mut SqliteConnection, before_ms: i64) -> Result<usize, DbError> {
    Ok(diesel::delete(rl::table.filter(rl::at_ms.lt(before_ms))).execute(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_prune_by_time() {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(&dir.path().join("l.sqlite"), "normal", 2).unwrap();
        let mut c = pool.get().unwrap();
        let entry = |at_ms, outcome: &str| Entry {
            message_id: [7; 16],
            kind: "dose_delivery",
            sender: "131016".into(),
            recipient: "141003".into(),
            size: 300,
            at_ms,
            elapsed_ms: 1,
            outcome: outcome.into(),
        };
        insert_batch(&mut c, &[entry(1_000, "queued"), entry(2_000, "delivered")]).unwrap();
        assert_eq!(outcomes_of(&mut c, &[7; 16]).unwrap(), ["queued", "delivered"]);
        assert_eq!(prune(&mut c, 1_500).unwrap(), 1);
        assert_eq!(outcomes_of(&mut c, &[7; 16]).unwrap(), ["delivered"]);
    }
}
