//! What every handler shares.

use crate::db::Pool;
use crate::federation::Federation;
use crate::metrics::Metrics;
use crate::stats::Stats;
use std::sync::Arc;

pub struct AppState {
    pub db: Pool,
    pub metrics: Arc<Metrics>,
    pub federation: Arc<Federation>,
    pub stats: Arc<Stats>,
    /// True when the HTTP listener is on a loopback address (then /metrics needs no token).
    pub loopback: bool,
    /// Wrong bearer tokens per client address (`auth.max_failed_attempts`).
    pub token_throttle: vrs_http::Throttle<std::net::IpAddr>,
}
