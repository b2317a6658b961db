//! What this node told other municipalities about its residents, and the residents whose
//! records are withheld from inquiries (support measures for victims of domestic violence
//! and similar: 支援措置). A withheld answer waits in a review queue for staff.

use super::schema::{disclosures, protected_residents};
use super::{DbConn, DbError};
use diesel::prelude::*;
use serde::Serialize;

/// `disclosed` (the answer carried the person) or `withheld` (protected person).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Disclosed,
    Withheld,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Disclosed => "disclosed",
            Outcome::Withheld => "withheld",
        }
    }
}

/// One answer about one resident.
#[derive(Debug, Clone)]
pub struct NewDisclosure<'a> {
    pub inquiry_id: &'a str,
    pub atena: &'a str,
    pub asker: &'a str,
    pub basis: &'a str,
    pub method: &'a str,
    pub asker_staff: &'a str,
    pub outcome: Outcome,
    pub doses: i64,
}

#[derive(Debug, Clone, Serialize, Queryable)]
pub struct Disclosure {
    pub id: i64,
    pub inquiry_id: String,
    pub atena: String,
    pub asker: String,
    pub basis: String,
    pub method: String,
    pub asker_staff: String,
    pub outcome: String,
    pub doses: i64,
    pub at: i64,
    pub review: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<i64>,
    pub review_note: Option<String>,
}

/// Writes one disclosure; a withheld one enters the review queue.
pub fn record(conn: &mut DbConn, d: NewDisclosure<'_>) -> Result<(), DbError> {
    let review = if d.outcome == Outcome::Withheld { "pending" } else { "none" };
    diesel::insert_into(disclosures::table)
        .values((
            disclosures::inquiry_id.eq(d.inquiry_id),
            disclosures::atena.eq(d.atena),
            disclosures::asker.eq(d.asker),
            disclosures::basis.eq(d.basis),
            disclosures::method.eq(d.method),
            disclosures::asker_staff.eq(d.asker_staff),
            disclosures::outcome.eq(d.outcome.as_str()),
            disclosures::doses.eq(d.doses),
            disclosures::at.eq(super::now()),
            disclosures::review.eq(review),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every disclosure about `atena`, newest first.
pub fn for_resident(conn: &mut DbConn, atena: &str) -> Result<Vec<Disclosure>, DbError> {
    Ok(disclosures::table.filter(disclosures::atena.eq(atena)).order(disclosures::id.desc()).load(conn)?)
}

/// Withheld answers nobody has looked at yet, oldest first.
pub fn pending_reviews(conn: &mut DbConn, limit: i64) -> Result<Vec<Disclosure>, DbError> {
    Ok(disclosures::table
        .filter(disclosures::review.eq("pending"))
        .order(disclosures::id.asc())
        .limit(limit)
        .load(conn)?)
}

/// Closes the review of withheld answer `id`. `None` if there is no such pending review;
/// otherwise the resident it was about.
pub fn resolve(conn: &mut DbConn, id: i64, by: &str, note: &str) -> Result<Option<String>, DbError> {
    let pending = disclosures::table.find(id).filter(disclosures::review.eq("pending"));
    let Some(atena) = pending.select(disclosures::atena).first::<String>(conn).optional()? else {
        return Ok(None);
    };
    diesel::update(disclosures::table.find(id))
        .set((
            disclosures::review.eq("done"),
            disclosures::reviewed_by.eq(by),
            disclosures::reviewed_at.eq(super::now()),
            disclosures::review_note.eq(note),
        ))
        .execute(conn)?;
    Ok(Some(atena))
}

pub fn is_protected(conn: &mut DbConn, atena: &str) -> Result<bool, DbError> {
    let n: i64 = protected_residents::table.filter(protected_residents::atena.eq(atena)).count().get_result(conn)?;
    Ok(n > 0)
}

/// Sets or clears the flag; returns whether anything changed.
pub fn set_protected(conn: &mut DbConn, atena: &str, protected: bool, by: &str) -> Result<bool, DbError> {
    let changed = if protected {
        if is_protected(conn, atena)? {
            0
        } else {
            diesel::insert_into(protected_residents::table)
                .values((
                    protected_residents::atena.eq(atena),
                    protected_residents::since.eq(super::now()),
                    protected_residents::set_by.eq(by),
                ))
                .execute(conn)?
        }
    } else {
        diesel::delete(protected_residents::table.filter(protected_residents::atena.eq(atena))).execute(conn)?
    };
    Ok(changed > 0)
}
