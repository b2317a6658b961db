//! The unmatched queue (登録待ち): doses whose coupon was not registered when they were
//! read. The residents import calls [`match_unmatched`] inside its transaction, so a
//! resident and their waiting doses become visible together.

use super::Status;
use super::record::{RecordError, dose_of, evaluate};
use crate::db::schema::vaccinations;
use crate::db::vaccinations::{self as rows, VaccinationRow};
use crate::db::{DbConn, DbError, access_log, residents};
use crate::products;
use diesel::prelude::*;
use serde_json::json;
use vrs_protocol::CouponNumber;

/// Matches every waiting dose whose coupon now belongs to a resident; runs the rules
/// for each (a waiting dose that turns out to repeat a recorded one is cancelled as a
/// duplicate, with the reason kept). Returns how many doses were matched.
pub fn match_unmatched(conn: &mut DbConn) -> Result<u64, DbError> {
    let waiting: Vec<VaccinationRow> = vaccinations::table
        .filter(vaccinations::status.eq(Status::Unmatched.as_str()))
        .order(vaccinations::created_at)
        .select(VaccinationRow::as_select())
        .load(conn)?;
    let mut matched = 0;
    for row in waiting {
        let Ok(coupon) = CouponNumber::parse(&row.coupon_number) else { continue };
        let Some(atena) = residents::find_by_coupon(conn, &coupon)? else { continue };
        match_one(conn, row, &atena)?;
        matched += 1;
    }
    if matched > 0 {
        tracing::info!(matched, "matched waiting doses to newly registered residents");
    }
    Ok(matched)
}

fn match_one(conn: &mut DbConn, mut row: VaccinationRow, atena: &str) -> Result<(), DbError> {
    let old = json!({"status": row.status, "atena": row.atena});
    let master = products::active();
    let verdict = match dose_of(&row) {
        Some(dose) => evaluate(conn, master, &dose, atena, Some(&row.id)),
        None => Ok(Vec::new()),
    };
    row.atena = Some(atena.to_owned());
    let (action, reason) = match verdict {
        Ok(warnings) => {
            row.status = Status::Recorded.as_str().to_owned();
            row.review = if warnings.is_empty() { "none" } else { "needs_review" }.to_owned();
            row.warnings = json!(warnings).to_string();
            ("matched", String::new())
        }
        Err(RecordError::Duplicate { id }) => {
            row.status = Status::Cancelled.as_str().to_owned();
            ("matched_duplicate", format!("the same dose is already recorded as {id}"))
        }
        Err(RecordError::KeyReused) => return Err(DbError::Query("unexpected idempotency error".into())),
        Err(RecordError::Db(e)) => return Err(e),
    };
    rows::update(conn, &row)?;
    rows::record_change(conn, &row.id, "system", action, &reason, &old)?;
    access_log::record(
        conn,
        access_log::Entry {
            actor: "system",
            role: "system",
            action: "vaccination.match",
            atena: Some(atena),
            detail: Some(format!("id={} status={}", row.id, row.status)),
        },
    )
}
