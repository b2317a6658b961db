//! `GET /health` (no auth) and `GET /metrics` (no auth on loopback, a token otherwise).

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;
use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;
use serde_json::json;

pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let db = state.clone();
    let db_ok = web::block(move || db.db.get().ok().is_some_and(|mut c| c.batch_execute("SELECT 1").is_ok()))
        .await
        .unwrap_or(false);
    let body = json!({
        "status": if db_ok { "ok" } else { "degraded" },
        "municipality": state.settings.municipality,
        "database": if db_ok { "ok" } else { "unavailable" },
        "coordinator": if state.federation.as_ref().is_some_and(|f| f.is_connected()) { "connected" } else { "disconnected" },
        "federation": if state.federation.is_some() { "joined" } else { "standalone" },
    });
    if db_ok { HttpResponse::Ok().json(body) } else { HttpResponse::ServiceUnavailable().json(body) }
}

pub async fn metrics(state: web::Data<AppState>, caller: Option<Caller>) -> Result<HttpResponse, ApiError> {
    if !state.loopback && caller.is_none() {
        return Err(ApiError::unauthorized());
    }
    state.metrics.set_pool_state(state.db.state());
    let db = state.clone();
    // A database that cannot answer leaves the outbox gauges as they were; /health says why.
    let backlog = web::block(move || db.db.get().ok().and_then(|mut c| crate::db::outbox::backlog(&mut c).ok()))
        .await
        .unwrap_or(None);
    let key_created = state.issuer.keys().created.and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    state.metrics.set_operations(
        state.federation.is_some(),
        state.federation.as_ref().is_some_and(|f| f.is_connected()),
        backlog,
        key_created.and_then(|d| i64::try_from(d.as_secs()).ok()),
    );
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render()))
}
