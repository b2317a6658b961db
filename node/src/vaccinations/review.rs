//! Staff fixing doses: corrections (with a required reason; the old values are kept in
//! `vaccination_changes`), marking a flagged dose reviewed, and cancellation.

use super::Status;
use super::record::{RecordError, evaluate};
use crate::db::vaccinations::{self as rows, VaccinationRow};
use crate::db::{DbConn, DbError, access_log, schema::outbox};
use crate::domain::dose::{DoseFields, Refusal, validate};
use crate::products::ProductMaster;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use vrs_protocol::CivilDate;

/// `POST /api/v1/vaccinations/{id}/corrections`. Absent fields keep their value.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    pub reason: String,
    pub dose: Option<u8>,
    pub vaccinated_on: Option<String>,
    pub product: Option<String>,
    pub lot: Option<String>,
    pub site: Option<String>,
    pub doctor: Option<String>,
    /// Staff have looked at the warnings and accept the record as it stands.
    #[serde(default)]
    pub reviewed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("no such vaccination record")]
    NotFound,
    #[error("a reason (1-500 characters) is required")]
    ReasonRequired,
    #[error("{}", .0.message)]
    Invalid(Refusal),
    #[error("{0}")]
    Conflict(&'static str),
    #[error("the corrected dose repeats record {0}")]
    Duplicate(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ReviewError {
    fn from(e: diesel::result::Error) -> Self {
        ReviewError::Db(e.into())
    }
}

pub struct Actor<'a> {
    pub name: &'a str,
    pub role: &'a str,
}

fn check_reason(reason: &str) -> Result<&str, ReviewError> {
    let r = reason.trim();
    if r.is_empty() || r.chars().count() > 500 || r.chars().any(char::is_control) {
        return Err(ReviewError::ReasonRequired);
    }
    Ok(r)
}

fn snapshot(row: &VaccinationRow) -> serde_json::Value {
    let v = row.view();
    json!({
        "status": v.status, "review": v.review, "warnings": v.warnings, "dose": v.dose,
        "vaccinated_on": v.vaccinated_on, "product": v.product, "lot": v.lot, "site": v.site, "doctor": v.doctor,
    })
}

pub fn correct(
    conn: &mut DbConn,
    products: &ProductMaster,
    today: CivilDate,
    who: &Actor<'_>,
    id: &str,
    c: &Correction,
) -> Result<VaccinationRow, ReviewError> {
    let reason = check_reason(&c.reason)?;
    let mut row = rows::by_id(conn, id)?.ok_or(ReviewError::NotFound)?;
    match Status::parse(&row.status) {
        Some(Status::Recorded | Status::Unmatched) => {}
        Some(Status::Cancelled) => return Err(ReviewError::Conflict("a cancelled record cannot be corrected")),
        _ => return Err(ReviewError::Conflict("this dose belongs to another municipality; correct it there")),
    }
    let old = snapshot(&row);
    let view = row.view();
    let mut ocr = view.ocr_line.clone();
    if let Some(d) = c.dose {
        ocr.replace_range(1..2, &d.to_string());
    }
    let fields = DoseFields {
        ocr_line: &ocr,
        vaccinated_on: c.vaccinated_on.as_deref().unwrap_or(&row.vaccinated_on),
        product: c.product.as_deref().unwrap_or(&row.product),
        lot: c.lot.as_deref().unwrap_or(&row.lot),
        site: c.site.as_deref().unwrap_or(&row.site),
        doctor: c.doctor.as_deref().unwrap_or(&row.doctor),
    };
    // The municipality cannot change (the OCR line's code is kept), so it stays known.
    let dose = validate(fields, today, products, |_| true).map_err(ReviewError::Invalid)?;
    let warnings = match &row.atena {
        Some(atena) => match evaluate(conn, products, &dose, atena, Some(id)) {
            Ok(w) => w,
            Err(RecordError::Duplicate { id }) => return Err(ReviewError::Duplicate(id)),
            Err(RecordError::KeyReused) => Vec::new(),
            Err(RecordError::Db(e)) => return Err(e.into()),
        },
        None => Vec::new(),
    };
    row.dose_number = i16::from(dose.ocr.dose);
    row.vaccinated_on = dose.vaccinated_on.iso();
    row.product = dose.product;
    row.lot = dose.lot;
    row.site = dose.site;
    row.doctor = dose.doctor;
    row.review = match (c.reviewed, warnings.is_empty()) {
        (true, _) => "resolved",
        (false, true) => "none",
        (false, false) => "needs_review",
    }
    .to_owned();
    row.warnings = json!(warnings).to_string();
    rows::update(conn, &row)?;
    let action = if c.reviewed { "reviewed" } else { "corrected" };
    rows::record_change(conn, id, who.name, action, reason, &old)?;
    log(conn, who, "vaccination.correct", &row)?;
    Ok(row)
}

pub fn cancel(conn: &mut DbConn, who: &Actor<'_>, id: &str, reason: &str) -> Result<VaccinationRow, ReviewError> {
    let reason = check_reason(reason)?;
    let mut row = rows::by_id(conn, id)?.ok_or(ReviewError::NotFound)?;
    match Status::parse(&row.status) {
        Some(Status::Cancelled) => return Err(ReviewError::Conflict("the record is already cancelled")),
        Some(Status::Forwarded) => {
            return Err(ReviewError::Conflict("the dose was delivered to its home municipality; cancel it there"));
        }
        Some(Status::Queued) => {
            // Only while it has not left: a pending message is withdrawn with the dose.
            let withdrawn =
                diesel::update(outbox::table.filter(outbox::vaccination_id.eq(id)).filter(outbox::state.eq("pending")))
                    .set(outbox::state.eq("cancelled"))
                    .execute(conn)?;
            if withdrawn == 0 {
                return Err(ReviewError::Conflict("the dose is being delivered; cancel it at its home municipality"));
            }
        }
        _ => {}
    }
    let old = snapshot(&row);
    row.status = Status::Cancelled.as_str().to_owned();
    rows::update(conn, &row)?;
    rows::record_change(conn, id, who.name, "cancelled", reason, &old)?;
    log(conn, who, "vaccination.cancel", &row)?;
    Ok(row)
}

fn log(conn: &mut DbConn, who: &Actor<'_>, action: &str, row: &VaccinationRow) -> Result<(), DbError> {
    access_log::record(
        conn,
        access_log::Entry {
            actor: who.name,
            role: who.role,
            action,
            atena: row.atena.as_deref(),
            detail: Some(format!("id={} status={} review={}", row.id, row.status, row.review)),
        },
    )
}
