//! `POST /api/v1/vaccinations/{id}/corrections` and `/cancel` (staff): fixing flagged or
//! wrong doses, with a required reason; the old values stay in the record's history.
//! A change to what a certificate shows revokes the person's cards issued before it.

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;
use super::vaccinations::{parse_id, refusal};
use crate::crypto::NodeKeys;
use crate::db::revocations::{self, Reason};
use crate::db::users::{Role, User};
use crate::db::vaccinations::{VaccinationRow, VaccinationView, by_id, take_write_lock};
use crate::db::{DbConn, DbError, access_log};
use crate::vaccinations::review::{self, Actor, Correction, ReviewError};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use diesel::Connection;
use serde::Deserialize;
use serde_json::json;

fn review_error(e: ReviewError) -> ApiError {
    match e {
        ReviewError::NotFound => ApiError::not_found("vaccination record"),
        ReviewError::ReasonRequired => ApiError::unprocessable("reason_required", e.to_string()),
        ReviewError::Invalid(r) => refusal(r),
        ReviewError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
        ReviewError::Duplicate(ref id) => {
            ApiError::new(StatusCode::CONFLICT, "duplicate", e.to_string()).with("id", json!(id))
        }
        ReviewError::Db(e) => ApiError::internal(e),
    }
}

pub async fn correct(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<Correction>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.require(&[Role::Staff])?.clone();
    let id = parse_id(&path)?;
    Ok(HttpResponse::Ok().json(correct_dose(&state, user, id, body.into_inner()).await?))
}

/// Applies a correction (the one path of this endpoint and the review page).
pub async fn correct_dose(
    state: &web::Data<AppState>,
    user: User,
    id: String,
    body: Correction,
) -> Result<VaccinationView, ApiError> {
    let state = state.clone();
    web::block(move || -> Result<_, ApiError> {
        let mut conn = state.db.get()?;
        let who = Actor { name: &user.name, role: user.role.as_str() };
        let today = crate::today();
        let row = conn
            .transaction(|c| {
                take_write_lock(c)?;
                let before = by_id(c, &id)?;
                let after = review::correct(c, &state.products, today, &who, &id, &body)?;
                if before.is_some_and(|b| card_fields(&b) != card_fields(&after)) {
                    revoke_cards(c, &state.keys, &after, Reason::Corrected)?;
                }
                Ok(after)
            })
            .map_err(review_error)?;
        Ok(row.view())
    })
    .await?
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    #[serde(default)]
    pub reason: String,
}

pub async fn cancel(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<CancelRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.require(&[Role::Staff])?.clone();
    let id = parse_id(&path)?;
    Ok(HttpResponse::Ok().json(cancel_dose(&state, user, id, body.into_inner().reason).await?))
}

/// Cancels a dose (the one path of this endpoint and the review page).
pub async fn cancel_dose(
    state: &web::Data<AppState>,
    user: User,
    id: String,
    reason: String,
) -> Result<VaccinationView, ApiError> {
    let state = state.clone();
    web::block(move || -> Result<_, ApiError> {
        let mut conn = state.db.get()?;
        let who = Actor { name: &user.name, role: user.role.as_str() };
        let row = conn
            .transaction(|c| {
                take_write_lock(c)?;
                let row = review::cancel(c, &who, &id, &reason)?;
                revoke_cards(c, &state.keys, &row, Reason::Cancelled)?;
                Ok(row)
            })
            .map_err(review_error)?;
        Ok(row.view())
    })
    .await?
}

/// What a certificate shows of a dose.
fn card_fields(r: &VaccinationRow) -> (i16, &str, &str, &str, &str) {
    (r.dose_number, &r.vaccinated_on, &r.product, &r.lot, &r.site)
}

/// Revokes the person's SMART Health Cards when one was ever issued: their rid goes on the
/// revocation list with a time one second ahead, so every card signed up to now (whose
/// `nbf` is at most now) is revoked, and a card issued later carries an `nbf` no earlier.
fn revoke_cards(c: &mut DbConn, keys: &NodeKeys, row: &VaccinationRow, reason: Reason) -> Result<(), DbError> {
    let Some(atena) = row.atena.as_deref() else { return Ok(()) };
    if !access_log::has_action(c, atena, "certificate.issued")? {
        return Ok(());
    }
    revocations::add(c, &keys.certificate_rid(atena), crate::db::now() + 1, reason, &row.id)
}
