//! A resident's disclosure record and the support-measure flag (issue 5):
//! - `GET /api/v1/residents/{atena}/disclosures` (staff, auditor): every answer this node
//!   gave another municipality about the person, withheld ones included;
//! - `PUT /api/v1/residents/{atena}/protection` (staff): `{"protected": true|false}`;
//! - `GET /api/v1/inquiries/withheld` (staff): the review queue of withheld answers;
//! - `POST /api/v1/inquiries/withheld/{id}/resolve` (staff): `{"note": "..."}`.
//!
//! Each of these reads or changes one person's data and is written to the access log.

use super::auth::Caller;
use super::error::ApiError;
use super::residents::{atena_in_path, log_read};
use super::state::AppState;
use crate::db::users::Role;
use crate::db::vaccinations::take_write_lock;
use crate::db::{disclosures, residents};
use actix_web::{HttpResponse, web};
use diesel::Connection;
use serde::Deserialize;
use serde_json::json;

pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.require(&[Role::Staff, Role::Auditor])?.clone();
    let atena = atena_in_path(&path)?;
    let body = web::block(move || -> Result<_, ApiError> {
        let mut conn = state.db.get()?;
        if !residents::exists(&mut conn, atena.as_str())? {
            return Err(ApiError::not_found("resident"));
        }
        let rows = disclosures::for_resident(&mut conn, atena.as_str())?;
        let protected = disclosures::is_protected(&mut conn, atena.as_str())?;
        log_read(&mut conn, &user, "resident.disclosures.read", atena.as_str(), None)?;
        Ok(json!({"atena": atena.as_str(), "protected": protected, "disclosures": rows}))
    })
    .await??;
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protection {
    protected: bool,
}

pub async fn set_protection(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<Protection>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.require(&[Role::Staff])?.clone();
    let atena = atena_in_path(&path)?;
    let protected = body.protected;
    let changed = web::block(move || -> Result<_, ApiError> {
        let mut conn = state.db.get()?;
        conn.transaction(|conn| {
            take_write_lock(conn)?;
            if !residents::exists(conn, atena.as_str())? {
                return Err(ApiError::not_found("resident"));
            }
            let changed = disclosures::set_protected(conn, atena.as_str(), protected, &user.name)?;
            log_read(conn, &user, "resident.protection", atena.as_str(), Some(format!("protected={protected}")))?;
            Ok(changed)
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(json!({"protected": protected, "changed": changed})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    limit: Option<i64>,
}

pub async fn withheld(
    state: web::Data<AppState>,
    caller: Caller,
    page: web::Query<Page>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Staff])?;
    let limit = page.limit.unwrap_or(100).clamp(1, 1000);
    let rows = web::block(move || -> Result<_, ApiError> {
        let mut conn = state.db.get()?;
        Ok(disclosures::pending_reviews(&mut conn, limit)?)
    })
    .await??;
    Ok(HttpResponse::Ok().json(json!({"withheld": rows})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    note: Option<String>,
}

/// Longest review note kept.
const MAX_NOTE_CHARS: usize = 500;

pub async fn resolve(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    body: web::Json<Resolution>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.require(&[Role::Staff])?.clone();
    let id = path.into_inner();
    let note = body.into_inner().note.map(|n| n.trim().to_owned()).unwrap_or_default();
    if note.is_empty() || note.chars().count() > MAX_NOTE_CHARS || note.chars().any(char::is_control) {
        return Err(ApiError::unprocessable("reason_required", "a note of 1 to 500 characters is required"));
    }
    web::block(move || -> Result<_, ApiError> {
        let mut conn = state.db.get()?;
        conn.transaction(|conn| {
            take_write_lock(conn)?;
            let Some(atena) = disclosures::resolve(conn, id, &user.name, &note)? else {
                return Err(ApiError::not_found("pending withheld inquiry"));
            };
            log_read(conn, &user, "inquiry.withheld.resolved", &atena, Some(format!("disclosure_id={id}")))
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(json!({"id": id, "review": "done"})))
}
