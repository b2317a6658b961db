//! `POST /api/v1/vaccinations/{id}/corrections` and `/cancel` (staff): fixing flagged or
//! wrong doses, with a required reason; the old values stay in the record's history.

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;
use super::vaccinations::{parse_id, refusal};
use crate::db::users::Role;
use crate::db::vaccinations::take_write_lock;
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
    let view = web::block(move || -> Result<_, ApiError> {
        let mut conn = state.db.get()?;
        let who = Actor { name: &user.name, role: user.role.as_str() };
        let today = crate::today();
        let row = conn
            .transaction(|c| {
                take_write_lock(c)?;
                review::correct(c, &state.products, today, &who, &id, &body)
            })
            .map_err(review_error)?;
        Ok(row.view())
    })
    .await??;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    #[serde(default)]
    reason: String,
}

pub async fn cancel(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<CancelRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.require(&[Role::Staff])?.clone();
    let id = parse_id(&path)?;
    let view = web::block(move || -> Result<_, ApiError> {
        let mut conn = state.db.get()?;
        let who = Actor { name: &user.name, role: user.role.as_str() };
        let row = conn
            .transaction(|c| {
                take_write_lock(c)?;
                review::cancel(c, &who, &id, &body.reason)
            })
            .map_err(review_error)?;
        Ok(row.view())
    })
    .await??;
    Ok(HttpResponse::Ok().json(view))
}
