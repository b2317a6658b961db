//! Prometheus metrics owned by the coordinator (no globals), registered on one registry.
//! Labels are kinds, outcomes and route patterns: bounded sets, nothing about a person.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

pub struct Metrics {
    pub registry: Registry,
    pub nodes_connected: IntGauge,
    pub nodes_enrolled: IntGauge,
    pub registry_version: IntGauge,
    pub queue_depth: IntGauge,
    /// Routing outcomes by kind (`dose_delivery`, ...) and outcome (`forwarded`, `queued`,
    /// `delivered`, `refused:<wire code>`, ...).
    pub messages: IntCounterVec,
    /// From receiving an envelope to answering its sender.
    pub routing_seconds: HistogramVec,
    pub http_duration: HistogramVec,
    pub inflight: IntGaugeVec,
}

const LATENCY_BUCKETS: [f64; 14] =
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("vrs_coordinator".into()), None)?;
        let gauge = |name: &str, help: &str| IntGauge::new(name, help);
        let nodes_connected = gauge("nodes_connected", "Enrolled nodes with an open connection")?;
        let nodes_enrolled = gauge("nodes_enrolled", "Nodes in the current registry")?;
        let registry_version = gauge("registry_version", "Version of the current signed registry")?;
        let queue_depth = gauge("queue_depth", "Envelopes waiting in the store-and-forward queue")?;
        let messages = IntCounterVec::new(
            Opts::new("messages_total", "Envelopes routed, by kind and outcome"),
            &["kind", "outcome"],
        )?;
        let routing_seconds = HistogramVec::new(
            HistogramOpts::new("routing_seconds", "Time from receiving an envelope to answering its sender")
                .buckets(LATENCY_BUCKETS.to_vec()),
            &["kind"],
        )?;
        let http_duration = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency by route and status")
                .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route", "status"],
        )?;
        let inflight = IntGaugeVec::new(Opts::new("requests_in_flight", "Inbound p2p requests"), &["channel"])?;
        // Every kind with the plain outcomes, and its latency, exist from the start at zero,
        // so that dashboards and `increase()` see them before the first envelope.
        for kind in vrs_protocol::messages::Kind::ALL {
            for outcome in ["forwarded", "queued", "delivered", "expired"] {
                messages.with_label_values(&[kind.as_str(), outcome]);
            }
            routing_seconds.with_label_values(&[kind.as_str()]);
        }
        for channel in ["envelope", "registry"] {
            inflight.with_label_values(&[channel]);
        }
        for c in [
            Box::new(nodes_connected.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(nodes_enrolled.clone()),
            Box::new(registry_version.clone()),
            Box::new(queue_depth.clone()),
            Box::new(messages.clone()),
            Box::new(routing_seconds.clone()),
            Box::new(http_duration.clone()),
            Box::new(inflight.clone()),
        ] {
            registry.register(c)?;
        }
        Ok(Metrics {
            registry,
            nodes_connected,
            nodes_enrolled,
            registry_version,
            queue_depth,
            messages,
            routing_seconds,
            http_duration,
            inflight,
        })
    }

    pub fn routed(&self, kind: &str, outcome: &str) {
        self.messages.with_label_values(&[kind, outcome]).inc();
    }

    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        // Encoding our own well-formed families into a Vec cannot fail.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}
