//! Prometheus metrics owned by the node (no globals), registered on one registry.
//! Labels never carry personal data: routes are patterns (`/api/v1/residents/{atena}`).

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder};

pub struct Metrics {
    pub registry: Registry,
    pub http_duration: HistogramVec,
    pub import_rows: IntCounterVec,
    pub db_pool: IntGaugeVec,
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("vrs_node".into()), None)?;
        let http_duration = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency by route and status")
                .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 60.0]),
            &["method", "route", "status"],
        )?;
        let import_rows = IntCounterVec::new(
            Opts::new("import_rows_total", "Residents CSV rows by outcome (inserted, updated, unchanged, rejected)"),
            &["outcome"],
        )?;
        let db_pool =
            IntGaugeVec::new(Opts::new("db_pool_connections", "Database pool connections by state"), &["state"])?;
        registry.register(Box::new(http_duration.clone()))?;
        registry.register(Box::new(import_rows.clone()))?;
        registry.register(Box::new(db_pool.clone()))?;
        Ok(Metrics { registry, http_duration, import_rows, db_pool })
    }

    pub fn record_import(&self, inserted: u64, updated: u64, unchanged: u64, rejected: u64) {
        for (outcome, n) in
            [("inserted", inserted), ("updated", updated), ("unchanged", unchanged), ("rejected", rejected)]
        {
            self.import_rows.with_label_values(&[outcome]).inc_by(n);
        }
    }

    pub fn set_pool_state(&self, state: diesel::r2d2::State) {
        let idle = i64::from(state.idle_connections);
        self.db_pool.with_label_values(&["idle"]).set(idle);
        self.db_pool.with_label_values(&["in_use"]).set(i64::from(state.connections) - idle);
    }

    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        // Encoding our own well-formed families into a Vec cannot fail.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}
