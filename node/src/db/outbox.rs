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
