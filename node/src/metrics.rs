//! Prometheus metrics owned by the node (no globals), registered on one registry.
//! Labels never carry personal data: routes are patterns (`/api/v1/residents/{atena}`).

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

pub struct Metrics {
    pub registry: Registry,
    pub http_duration: HistogramVec,
    pub import_rows: IntCounterVec,
    pub db_pool: IntGaugeVec,
    pub doses: IntCounterVec,
    pub dose_rules: IntCounterVec,
    pub dose_batch_size: Histogram,
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
        let doses = IntCounterVec::new(
            Opts::new(
                "doses_total",
                "Doses recorded, by status at recording (flagged ones as needs_review; retries not counted)",
            ),
            &["status"],
        )?;
        let dose_rules = IntCounterVec::new(
            Opts::new("dose_rule_firings_total", "Data-quality rules that flagged a dose for review, by rule"),
            &["rule"],
        )?;
        let dose_batch_size = Histogram::with_opts(
            HistogramOpts::new("dose_commit_batch_size", "Doses committed together by the dose writer")
                .buckets(vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]),
        )?;
        for status in crate::vaccinations::Status::ALL {
            doses.with_label_values(&[status.as_str()]);
        }
        doses.with_label_values(&["needs_review"]);
        for rule in crate::domain::dose_rules::RULES {
            dose_rules.with_label_values(&[rule]);
        }
        registry.register(Box::new(doses.clone()))?;
        registry.register(Box::new(dose_rules.clone()))?;
        registry.register(Box::new(dose_batch_size.clone()))?;
        registry.register(Box::new(http_duration.clone()))?;
        registry.register(Box::new(import_rows.clone()))?;
        registry.register(Box::new(db_pool.clone()))?;
        Ok(Metrics { registry, http_duration, import_rows, db_pool, doses, dose_rules, dose_batch_size })
    }

    pub fn record_import(&self, inserted: u64, updated: u64, unchanged: u64, rejected: u64) {
        for (outcome, n) in
            [("inserted", inserted), ("updated", updated), ("unchanged", unchanged), ("rejected", rejected)]
        {
            self.import_rows.with_label_values(&[outcome]).inc_by(n);
        }
    }

    /// Counts a newly recorded dose (a replayed answer is not a new dose).
    pub fn record_dose(&self, o: &crate::vaccinations::record::Outcome) {
        if o.replayed {
            return;
        }
        // A flagged dose counts as needs_review rather than recorded, so the labels sum to the total.
        let label = if o.needs_review { "needs_review" } else { o.status.as_str() };
        self.doses.with_label_values(&[label]).inc();
        for rule in &o.rules_fired {
            self.dose_rules.with_label_values(&[rule]).inc();
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
