//! `GET /api/v1/nodes` (national): every enrolled node, whether it is connected, when it
//! was last heard from, and when its statistics held here were computed (`stats_as_of`,
//! null until it has reported once).

use super::auth::Caller;
use super::error::ApiError;
use super::state::AppState;
use crate::db::users::Role;
use actix_web::{HttpResponse, web};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct NodeView {
    pub municipality: String,
    pub name: Option<&'static str>,
    pub peer_id: String,
    pub connected: bool,
    /// RFC 3339, UTC.
    pub last_seen: Option<String>,
    pub stats_as_of: Option<String>,
}

pub async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::National])?;
    let current = state.stats.current();
    let views: Vec<NodeView> = state
        .federation
        .peers
        .statuses()
        .into_iter()
        .map(|s| NodeView {
            municipality: s.municipality.to_string(),
            name: crate::municipalities::lookup(s.municipality).map(|m| m.name.as_str()),
            peer_id: s.peer.to_string(),
            connected: s.connected,
            last_seen: s.last_seen_ms.and_then(rfc3339),
            stats_as_of: current.summary.included.get(&s.municipality).and_then(|ms| rfc3339(*ms)),
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

fn rfc3339(ms: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}
