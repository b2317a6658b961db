//! The outbox of doses for other municipalities (see the migration for the delivery
//! contract). Written in the same transaction as the dose, so a dose is never lost
//! between being recorded and being queued.

use super::schema::outbox;
use super::{DbConn, DbError};
use diesel::prelude::*;
use serde::Serialize;

/// The dose as the home node will receive it: the fields of the OCR line and the dose.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct OutboxPayload {
    pub vaccination_id: String,
    pub given_in: String,
    pub ocr_line: String,
    pub vaccinated_on: String,
    pub product: String,
    pub lot: String,
    pub site: String,
    pub doctor: String,
}

pub fn enqueue(conn: &mut DbConn, message_id: &str, target: &str, payload: &OutboxPayload) -> Result<(), DbError> {
    let now = super::now();
    let json = serde_json::to_string(payload).map_err(|e| DbError::Query(e.to_string()))?;
    diesel::insert_into(outbox::table)
        .values((
            outbox::message_id.eq(message_id),
            outbox::vaccination_id.eq(&payload.vaccination_id),
            outbox::target_municipality.eq(target),
            outbox::payload.eq(json),
            outbox::state.eq("pending"),
            outbox::attempts.eq(0i64),
            outbox::created_at.eq(now),
            outbox::next_attempt_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Serialize, Queryable)]
pub struct OutboxRow {
    pub message_id: String,
    pub vaccination_id: String,
    pub target_municipality: String,
    pub payload: String,
    pub state: String,
    pub attempts: i64,
}

/// Messages waiting to be sent, oldest first (for the federation's sender, and tests).
pub fn pending(conn: &mut DbConn, limit: i64) -> Result<Vec<OutboxRow>, DbError> {
    Ok(outbox::table
        .filter(outbox::state.ne("acknowledged"))
        .order(outbox::created_at)
        .limit(limit)
        .select((
            outbox::message_id,
            outbox::vaccination_id,
            outbox::target_municipality,
            outbox::payload,
            outbox::state,
            outbox::attempts,
        ))
        .load(conn)?)
}

/// One message due for (another) attempt: its id, the dose's record id, the target and
/// the dose fields.
#[derive(Debug, Queryable)]
pub struct DueMessage {
    pub message_id: String,
    pub vaccination_id: String,
    pub target_municipality: String,
    pub payload: String,
    pub attempts: i64,
}

/// Messages not yet acknowledged whose next attempt is due, oldest first.
pub fn due(conn: &mut DbConn, now: i64, limit: i64) -> Result<Vec<DueMessage>, DbError> {
    Ok(outbox::table
        .filter(outbox::state.eq_any(["pending", "sent"]))
        .filter(outbox::next_attempt_at.le(now))
        .order(outbox::created_at)
        .limit(limit)
        .select((
            outbox::message_id,
            outbox::vaccination_id,
            outbox::target_municipality,
            outbox::payload,
            outbox::attempts,
        ))
        .load(conn)?)
}

/// Records a failed or unanswered attempt and when to try again.
pub fn retry_later(conn: &mut DbConn, message_id: &str, state: &str, next_at: i64) -> Result<(), DbError> {
    let now = super::now();
    diesel::update(outbox::table.find(message_id))
        .set((
            outbox::state.eq(state),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_attempt_at.eq(now),
            outbox::next_attempt_at.eq(next_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The home node has the dose: the outbox row and the dose keep no personal data of the
/// person any more (the coupon number goes; the record's id and status stay).
pub fn acknowledged(conn: &mut DbConn, vaccination_id: &str) -> Result<bool, DbError> {
    use super::schema::vaccinations;
    let now = super::now();
    conn.transaction(|conn| {
        let n = diesel::update(
            outbox::table.filter(outbox::vaccination_id.eq(vaccination_id)).filter(outbox::state.ne("acknowledged")),
        )
        .set((outbox::state.eq("acknowledged"), outbox::payload.eq("{}"), outbox::acknowledged_at.eq(now)))
        .execute(conn)?;
        if n > 0 {
            diesel::update(vaccinations::table.find(vaccination_id))
                .set((
                    vaccinations::status.eq("forwarded"),
                    vaccinations::coupon_number.eq(""),
                    vaccinations::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok::<_, DbError>(n > 0)
    })
}

/// The home node refused the dose for good: kept, flagged for a person to look at.
pub fn refused(conn: &mut DbConn, message_id: &str, code: &str) -> Result<(), DbError> {
    let now = super::now();
    diesel::update(outbox::table.find(message_id))
        .set((outbox::state.eq(format!("refused:{code}")), outbox::last_attempt_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// The unacknowledged message of one dose, if any (to try it at once after recording).
pub fn for_vaccination(conn: &mut DbConn, vaccination_id: &str) -> Result<Option<DueMessage>, DbError> {
    Ok(outbox::table
        .filter(outbox::vaccination_id.eq(vaccination_id))
        .filter(outbox::state.eq_any(["pending", "sent"]))
        .select((
            outbox::message_id,
            outbox::vaccination_id,
            outbox::target_municipality,
            outbox::payload,
            outbox::attempts,
        ))
        .first(conn)
        .optional()?)
}

/// What waits in the outbox, for /metrics: undelivered messages, refused ones (kept for a
/// person to look at), and when the oldest undelivered one was queued (Unix seconds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backlog {
    pub pending: i64,
    pub refused: i64,
    pub oldest_pending_at: Option<i64>,
}

pub fn backlog(conn: &mut DbConn) -> Result<Backlog, DbError> {
    let undelivered = || outbox::table.filter(outbox::state.eq_any(["pending", "sent"]));
    let pending = undelivered().count().get_result(conn)?;
    let oldest_pending_at = undelivered().select(diesel::dsl::min(outbox::created_at)).first(conn)?;
    let refused = outbox::table.filter(outbox::state.like("refused:%")).count().get_result(conn)?;
    Ok(Backlog { pending, refused, oldest_pending_at })
}
