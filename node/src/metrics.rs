//! Prometheus metrics owned by the node (no globals), registered on one registry.
//! Labels never carry personal data: routes are patterns (`/api/v1/residents/{atena}`).

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

pub use crate::db::outbox::Backlog as OutboxBacklog;

pub struct Metrics {
    pub registry: Registry,
    pub http_duration: HistogramVec,
    pub import_rows: IntCounterVec,
    pub db_pool: IntGaugeVec,
    pub doses: IntCounterVec,
    pub dose_rules: IntCounterVec,
    pub dose_batch_size: Histogram,
    /// Files imported (residents, vaccinations) by outcome: `committed` or `refused`
    /// (nothing written: an all-or-nothing import with a bad row, or an unreadable file).
    pub imports: IntCounterVec,
    pub import_rejected_rows: IntCounterVec,
    /// Set at each scrape (`set_operations`): the federation link, the outbox, the key.
    pub federation_joined: IntGauge,
    pub coordinator_connected: IntGauge,
    pub outbox_messages: IntGaugeVec,
    pub outbox_oldest_pending_age: IntGauge,
    pub certificate_key_created: IntGauge,
}

/// The import kinds and outcomes, created at zero so that `increase()` sees the first one.
const IMPORT_KINDS: [&str; 2] = ["residents", "vaccinations"];

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
        let imports = IntCounterVec::new(
            Opts::new("imports_total", "Imported files by kind and outcome (committed, or refused: nothing written)"),
            &["kind", "outcome"],
        )?;
        let import_rejected_rows = IntCounterVec::new(
            Opts::new("import_rejected_rows_total", "Rows rejected by imports (written or not), by kind"),
            &["kind"],
        )?;
        for outcome in ["inserted", "updated", "unchanged", "rejected"] {
            import_rows.with_label_values(&[outcome]);
        }
        for kind in IMPORT_KINDS {
            import_rejected_rows.with_label_values(&[kind]);
            for outcome in ["committed", "refused"] {
                imports.with_label_values(&[kind, outcome]);
            }
        }
        let federation_joined = IntGauge::new("federation_joined", "1 if the node has joined a federation")?;
        let coordinator_connected =
            IntGauge::new("coordinator_connected", "1 while the link to the coordinator is up")?;
        let outbox_messages = IntGaugeVec::new(
            Opts::new("outbox_messages", "Doses for other municipalities not delivered: pending, or refused for good"),
            &["state"],
        )?;
        let outbox_oldest_pending_age = IntGauge::new(
            "outbox_oldest_pending_age_seconds",
            "Age of the oldest undelivered outbox message (0 when none waits)",
        )?;
        let certificate_key_created = IntGauge::new(
            "certificate_signing_key_created_timestamp_seconds",
            "Unix time the certificate signing key in use was made (rotate with vrs-node certificate rotate-key)",
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
        registry.register(Box::new(imports.clone()))?;
        registry.register(Box::new(import_rejected_rows.clone()))?;
        registry.register(Box::new(federation_joined.clone()))?;
        registry.register(Box::new(coordinator_connected.clone()))?;
        registry.register(Box::new(outbox_messages.clone()))?;
        registry.register(Box::new(outbox_oldest_pending_age.clone()))?;
        registry.register(Box::new(certificate_key_created.clone()))?;
        Ok(Metrics {
            registry,
            http_duration,
            import_rows,
            db_pool,
            doses,
            dose_rules,
            dose_batch_size,
            imports,
            import_rejected_rows,
            federation_joined,
            coordinator_connected,
            outbox_messages,
            outbox_oldest_pending_age,
            certificate_key_created,
        })
    }

    /// Counts one imported file of `kind` (`residents`, `vaccinations`).
    pub fn record_import_file(&self, kind: &str, committed: bool, rejected_rows: u64) {
        let outcome = if committed { "committed" } else { "refused" };
        self.imports.with_label_values(&[kind, outcome]).inc();
        self.import_rejected_rows.with_label_values(&[kind]).inc_by(rejected_rows);
    }

    /// The gauges read at scrape time: federation link, outbox backlog, signing key.
    pub fn set_operations(
        &self,
        joined: bool,
        connected: bool,
        backlog: Option<OutboxBacklog>,
        key_created: Option<i64>,
    ) {
        self.federation_joined.set(i64::from(joined));
        self.coordinator_connected.set(i64::from(connected));
        if let Some(b) = backlog {
            self.outbox_messages.with_label_values(&["pending"]).set(b.pending);
            self.outbox_messages.with_label_values(&["refused"]).set(b.refused);
            let age = b.oldest_pending_at.map_or(0, |at| (crate::db::now() - at).max(0));
            self.outbox_oldest_pending_age.set(age);
        }
        if let Some(created) = key_created {
            self.certificate_key_created.set(created);
        }
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
