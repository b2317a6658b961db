//! `POST /api/v1/stats/refresh` and `GET /api/v1/stats` (national): pull every connected
//! node's aggregates now, and read the national sums with their freshness.

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;
use crate::db::users::Role;
use actix_web::{HttpResponse, web};
use serde_json::json;

pub async fn refresh(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::National])?;
    let out = state.stats.refresh().await.map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(json!({
        "nodes_reported": out.refresh.nodes_reported,
        "nodes_missing": out.refresh.nodes_missing,
        "as_of": crate::stats::view::rfc3339(out.refresh.finished_at_ms),
        "elapsed_ms": out.elapsed.as_millis() as u64,
        "bytes_sent": out.bytes_sent,
        "bytes_received": out.bytes_received,
    })))
}

pub async fn get(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::National])?;
    Ok(HttpResponse::Ok().json(crate::stats::view::stats_json(&state.stats.current())))
}
