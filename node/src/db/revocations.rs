//! Revoked SMART Health Cards (issue 7): the person's rid and the time from which cards
//! issued earlier no longer stand. Append-only, so the row count is the CRL's `ctr`.

use super::schema::certificate_revocations as rev;
use super::{DbConn, DbError};
use diesel::prelude::*;

/// Why the cards were revoked: a dose of the person was corrected or cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Corrected,
    Cancelled,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Corrected => "corrected",
            Reason::Cancelled => "cancelled",
        }
    }
}

/// Revokes every card of `rid` with an `nbf` before `at` (unix seconds).
pub fn add(conn: &mut DbConn, rid: &str, at: i64, reason: Reason, vaccination_id: &str) -> Result<(), DbError> {
    diesel::insert_into(rev::table)
        .values((
            rev::rid.eq(rid),
            rev::revoked_at.eq(at),
            rev::reason.eq(reason.as_str()),
            rev::vaccination_id.eq(vaccination_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// The CRL's counter: how many revocations were ever written.
pub fn counter(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(rev::table.count().get_result(conn)?)
}

/// Every revoked rid with its latest time, as the CRL lists them (`rid.timestamp`).
pub fn list(conn: &mut DbConn) -> Result<Vec<(String, i64)>, DbError> {
    let rows: Vec<(String, Option<i64>)> = rev::table
        .group_by(rev::rid)
        .select((rev::rid, diesel::dsl::max(rev::revoked_at)))
        .order(rev::rid)
        .load(conn)?;
    Ok(rows.into_iter().map(|(rid, at)| (rid, at.unwrap_or(0))).collect())
}

/// The latest revocation time of `rid`, if any: a new card's `nbf` is never earlier.
pub fn latest(conn: &mut DbConn, rid: &str) -> Result<Option<i64>, DbError> {
    Ok(rev::table.filter(rev::rid.eq(rid)).select(diesel::dsl::max(rev::revoked_at)).first::<Option<i64>>(conn)?)
}
