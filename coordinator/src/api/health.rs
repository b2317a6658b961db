//! `GET /health` (no auth) and `GET /metrics` (no auth on a loopback listener, a token
//! otherwise, as on the node). Both carry counts only, never a person.

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;
use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;
use serde_json::json;

pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let db = state.db.clone();
    let db_ok = web::block(move || db.get().ok().is_some_and(|mut c| c.batch_execute("SELECT 1").is_ok()))
        .await
        .unwrap_or(false);
    let peers = &state.federation.peers;
    let snapshot = peers.snapshot();
    let body = json!({
        "status": if db_ok { "ok" } else { "degraded" },
        "nodes_connected": peers.connected_members().len(),
        "nodes_enrolled": snapshot.by_code.len(),
        "registry_version": snapshot.version(),
        "queue_depth": state.metrics.queue_depth.get(),
        "database": if db_ok { "ok" } else { "unavailable" },
    });
    if db_ok { HttpResponse::Ok().json(body) } else { HttpResponse::ServiceUnavailable().json(body) }
}

pub async fn metrics(state: web::Data<AppState>, caller: Option<Caller>) -> Result<HttpResponse, ApiError> {
    if !state.loopback && caller.is_none() {
        return Err(ApiError::unauthorized());
    }
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render()))
}
