//! What every handler shares.

use super::inquiry_bulk_progress::BulkBatches;
use crate::certificates::Issuer;
use crate::config::Settings;
use crate::crypto::NodeKeys;
use crate::db::Pool;
use crate::federation::Federation;
use crate::federation::outbox_sender::OutboxSender;
use crate::metrics::Metrics;
use crate::products::ProductMaster;
use crate::vaccinations::writer::DoseWriter;
use std::sync::Arc;

pub struct AppState {
    pub settings: Settings,
    pub db: Pool,
    pub keys: Arc<NodeKeys>,
    pub metrics: Arc<Metrics>,
    /// True when the HTTP listener is on a loopback address (then /metrics needs no token).
    pub loopback: bool,
    pub products: Arc<ProductMaster>,
    /// The group-committing writer every site dose goes through.
    pub doses: DoseWriter,
    /// The link to the coordinator; `None` for a standalone node.
    pub federation: Option<Arc<Federation>>,
    /// Delivers doses for other municipalities (with the federation).
    pub outbox: Option<OutboxSender>,
    /// Progress of the bulk inquiries running or recently finished.
    pub bulk: Arc<BulkBatches>,
    /// Signs vaccination certificates (SMART Health Cards).
    pub issuer: Arc<Issuer>,
    /// Wrong bearer tokens per client address (`auth.max_failed_attempts`).
    pub token_throttle: vrs_http::Throttle<std::net::IpAddr>,
    /// The listener's TLS configuration; `None` serves plaintext (loopback, or allowed).
    pub tls: Option<Arc<rustls::ServerConfig>>,
}
