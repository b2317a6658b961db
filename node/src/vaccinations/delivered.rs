//! The home node's side of an out-of-town dose: a `DoseDelivery` from another node is
//! stored as this node's dose under the site's own record id, so a second delivery of the
//! same dose (a retry, or the coordinator's queue after a crash) changes nothing.

use super::Status;
use super::record::evaluate;
use crate::db::vaccinations::{self as rows, VaccinationRow};
use crate::db::{DbConn, DbError, access_log, residents};
use crate::domain::dose::ValidDose;
use crate::products::ProductMaster;
use diesel::Connection;
use serde_json::json;
use vrs_protocol::messages::{DoseDelivery, DoseOutcome};
use vrs_protocol::{MunicipalityCode, OcrLine, WireErrorCode};

/// The 券種 digit is not part of a delivery (the home node issued the coupon); doses that
/// arrive over the federation are stored with type 0.
const DELIVERED_COUPON_TYPE: u8 = 0;

pub fn receive(
    conn: &mut DbConn,
    own: MunicipalityCode,
    products: &ProductMaster,
    sender: MunicipalityCode,
    d: &DoseDelivery,
) -> Result<DoseOutcome, DbError> {
    if d.coupon_municipality != own {
        return Ok(DoseOutcome::Rejected(WireErrorCode::WrongRecipient));
    }
    if d.validate().is_err() || products.get(&d.product).is_none() {
        return Ok(DoseOutcome::Rejected(WireErrorCode::Malformed));
    }
    let id = d.dose_id.to_string();
    conn.transaction(|conn| {
        rows::take_write_lock(conn)?;
        if rows::by_id(conn, &id)?.is_some() {
            return Ok(DoseOutcome::AlreadyHave);
        }
        let ocr =
            OcrLine { coupon_type: DELIVERED_COUPON_TYPE, dose: d.dose_number, municipality: own, coupon: d.coupon };
        let dose = ValidDose {
            ocr,
            vaccinated_on: d.vaccinated_on,
            product: d.product.clone(),
            lot: d.lot.clone(),
            site: d.site.clone(),
            doctor: String::new(),
        };
        let atena = residents::find_by_coupon(conn, &d.coupon)?;
        let warnings = match &atena {
            // The site already gave the dose: a doubtful one is kept and flagged, never refused.
            Some(a) => match evaluate(conn, products, &dose, a, None) {
                Ok(w) => json!(w),
                Err(super::record::RecordError::Duplicate { id: other }) => json!([{
                    "code": "same_dose_twice",
                    "message": format!("a dose with this number and date is already recorded as {other}"),
                }]),
                Err(super::record::RecordError::Db(e)) => return Err(e),
                Err(super::record::RecordError::KeyReused) => json!([]),
            },
            None => json!([]),
        };
        let needs_review = warnings.as_array().is_some_and(|w| !w.is_empty());
        let status = if atena.is_some() { Status::Recorded } else { Status::Unmatched };
        let now = crate::db::now();
        let row = VaccinationRow {
            id: id.clone(),
            municipality: own.as_str().to_owned(),
            coupon_number: d.coupon.as_str().to_owned(),
            coupon_type: i16::from(DELIVERED_COUPON_TYPE),
            dose_number: i16::from(d.dose_number),
            atena: atena.clone(),
            vaccinated_on: d.vaccinated_on.iso(),
            product: d.product.clone(),
            lot: d.lot.clone(),
            site: d.site.clone(),
            doctor: String::new(),
            status: status.as_str().to_owned(),
            review: if needs_review { "needs_review" } else { "none" }.to_owned(),
            warnings: warnings.to_string(),
            source: format!("federation:{}", d.given_in),
            recorded_by: format!("node:{sender}"),
            idempotency_key: None,
            request_digest: super::record::digest(&dose),
            created_at: now,
            updated_at: now,
        };
        rows::insert(conn, &row)?;
        access_log::record(
            conn,
            access_log::Entry {
                actor: &format!("node:{sender}"),
                role: "node",
                action: "vaccination.delivered",
                atena: atena.as_deref(),
                detail: Some(format!("id={id} status={} given_in={}", status.as_str(), d.given_in)),
            },
        )?;
        Ok(if atena.is_some() { DoseOutcome::Recorded } else { DoseOutcome::Unmatched })
    })
}
