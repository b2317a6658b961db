//! Bringing prior doses in (issue 5): the doses a person's former municipality answered
//! to a transfer-in inquiry become part of the person's history here, so coupons and the
//! dose rules see them. Each row names the inquiry it came from (`source`), and a dose
//! already held (same dose number and date) is not brought in twice.

use super::{Status, new_id};
use crate::db::vaccinations::{self as rows, VaccinationRow};
use crate::db::{DbConn, DbError, access_log};
use diesel::Connection;
use vrs_protocol::RecordId;
use vrs_protocol::messages::PriorDose;

/// Stores `doses` for the resident `atena`; returns how many were new.
pub fn bring_in(
    conn: &mut DbConn,
    atena: &str,
    inquiry_id: RecordId,
    doses: &[PriorDose],
    actor: &str,
) -> Result<usize, DbError> {
    conn.transaction(|conn| {
        rows::take_write_lock(conn)?;
        let held = rows::for_person(conn, atena)?;
        let now = crate::db::now();
        let source = format!("inquiry:{inquiry_id}");
        let mut added = 0;
        for d in doses {
            let on = d.vaccinated_on.iso();
            let already = held.iter().any(|r| {
                r.status != Status::Cancelled.as_str()
                    && r.dose_number == i16::from(d.dose_number)
                    && r.vaccinated_on == on
            });
            if already {
                continue;
            }
            let digest =
                ring::digest::digest(&ring::digest::SHA256, format!("{source}:{}:{on}", d.dose_number).as_bytes());
            rows::insert(
                conn,
                &VaccinationRow {
                    id: new_id(),
                    municipality: d.given_in.as_str().to_owned(),
                    coupon_number: String::new(),
                    coupon_type: 0,
                    dose_number: i16::from(d.dose_number),
                    atena: Some(atena.to_owned()),
                    vaccinated_on: on,
                    product: d.product.clone(),
                    lot: d.lot.clone(),
                    site: String::new(),
                    doctor: String::new(),
                    status: Status::Recorded.as_str().to_owned(),
                    review: "none".to_owned(),
                    warnings: "[]".to_owned(),
                    source: source.clone(),
                    recorded_by: actor.to_owned(),
                    idempotency_key: None,
                    request_digest: digest.as_ref().to_vec(),
                    created_at: now,
                    updated_at: now,
                },
            )?;
            added += 1;
        }
        access_log::record(
            conn,
            access_log::Entry {
                actor,
                role: "staff",
                action: "vaccination.prior_brought_in",
                atena: Some(atena),
                detail: Some(format!("inquiry_id={inquiry_id} doses={} new={added}", doses.len())),
            },
        )?;
        Ok(added)
    })
}
