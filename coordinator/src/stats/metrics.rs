//! Statistics metrics, registered on the coordinator's registry: refresh duration, nodes
//! reporting and missing, bytes received, and why nodes were missed (a bounded label).

use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry};
use std::time::Duration;

pub struct StatsMetrics {
    pub refresh_seconds: Histogram,
    pub nodes_reported: IntGauge,
    pub nodes_missing: IntGauge,
    pub bytes_received: IntCounter,
    pub missed: IntCounterVec,
    /// When the served figures were last refreshed; the stale-statistics alert compares
    /// its age with the refresh interval.
    pub last_refresh: IntGauge,
    pub refresh_interval: IntGauge,
}

impl StatsMetrics {
    pub fn new(registry: &Registry) -> Result<Self, prometheus::Error> {
        let m = StatsMetrics {
            refresh_seconds: Histogram::with_opts(
                HistogramOpts::new("stats_refresh_seconds", "Duration of a statistics refresh over all nodes")
                    .buckets(vec![0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0]),
            )?,
            nodes_reported: IntGauge::new("stats_nodes_reported", "Nodes that answered the last statistics refresh")?,
            nodes_missing: IntGauge::new("stats_nodes_missing", "Enrolled nodes missing from the last refresh")?,
            bytes_received: IntCounter::new("stats_bytes_received_total", "Statistics answer bytes received")?,
            missed: IntCounterVec::new(
                Opts::new("stats_nodes_missed_total", "Nodes that gave no figures in a refresh, by reason"),
                &["reason"],
            )?,
            last_refresh: IntGauge::new(
                "stats_last_refresh_timestamp_seconds",
                "Unix time the last statistics refresh finished (the coordinator's start until one has)",
            )?,
            refresh_interval: IntGauge::new(
                "stats_refresh_interval_seconds",
                "Configured seconds between scheduled refreshes (0: only on request)",
            )?,
        };
        for reason in super::pull::Missed::ALL {
            m.missed.with_label_values(&[reason.as_str()]);
        }
        registry.register(Box::new(m.refresh_seconds.clone()))?;
        registry.register(Box::new(m.nodes_reported.clone()))?;
        registry.register(Box::new(m.nodes_missing.clone()))?;
        registry.register(Box::new(m.bytes_received.clone()))?;
        registry.register(Box::new(m.missed.clone()))?;
        registry.register(Box::new(m.last_refresh.clone()))?;
        registry.register(Box::new(m.refresh_interval.clone()))?;
        Ok(m)
    }

    pub fn observe(&self, elapsed: Duration, reported: usize, bytes: u64) {
        self.refresh_seconds.observe(elapsed.as_secs_f64());
        self.nodes_reported.set(i64::try_from(reported).unwrap_or(i64::MAX));
        self.bytes_received.inc_by(bytes);
    }
}
