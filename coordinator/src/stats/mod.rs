//! National statistics, coordinator side: pulls every connected node's aggregate counts
//! (on a schedule and on `POST /api/v1/stats/refresh`), keeps each node's last figures in
//! the store (a node that does not answer keeps its previous ones, marked stale), and
//! serves the national sums. Counts only: nothing here can name a person.

pub mod keys;
pub mod metrics;
pub mod pull;
pub mod schedule;
pub mod summary;
pub mod view;

use crate::config::StatsSettings;
use crate::db::stats::{self as store, NodeFigures, Refresh};
use crate::federation::Federation;
use futures_util::StreamExt;
use keys::PartyKeys;
use metrics::StatsMetrics;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use summary::Summary;
use vrs_protocol::ReplayGuard;

/// Answers saved per database transaction during a refresh.
const SAVE_BATCH: usize = 128;

/// What is served now: the national sums and the refresh they come from.
#[derive(Debug, Default)]
pub struct Current {
    pub summary: Summary,
    pub refresh: Option<Refresh>,
}

impl Current {
    /// Nodes whose figures in the sums were not received in the last refresh: enrolled
    /// nodes that did not answer, and nodes revoked since they last reported (their
    /// figures stay in the national sums — the doses were given — but are marked).
    pub fn stale(&self) -> Vec<String> {
        let Some(r) = &self.refresh else { return vec![] };
        let s = &self.summary;
        s.received.iter().filter(|(_, at)| **at < r.started_at_ms).map(|(c, _)| c.to_string()).collect()
    }
}

/// What one refresh did, for the caller and the benchmark.
#[derive(Debug, Clone)]
pub struct RefreshOutcome {
    pub refresh: Refresh,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub elapsed: Duration,
}

pub struct Stats {
    fed: Arc<Federation>,
    keys: PartyKeys,
    replay: Mutex<ReplayGuard>,
    settings: StatsSettings,
    pub metrics: StatsMetrics,
    current: RwLock<Arc<Current>>,
    /// One refresh at a time: a second caller waits and then runs its own.
    running: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stats(..)")
    }
}

impl Stats {
    /// Loads the stored figures into the served sums.
    pub async fn start(
        fed: Arc<Federation>,
        keys: PartyKeys,
        settings: StatsSettings,
        registry: &prometheus::Registry,
    ) -> anyhow::Result<Arc<Self>> {
        let metrics = StatsMetrics::new(registry)?;
        metrics.refresh_interval.set(i64::try_from(settings.refresh_interval_secs).unwrap_or(i64::MAX));
        // Until a refresh has finished, the figures' age counts from the start.
        metrics.last_refresh.set(crate::db::now_ms() / 1000);
        let stats = Arc::new(Stats {
            fed,
            keys,
            replay: Mutex::new(ReplayGuard::default()),
            settings,
            metrics,
            current: RwLock::new(Arc::default()),
            running: tokio::sync::Mutex::new(()),
        });
        stats.check_keys();
        stats.reload().await?;
        Ok(stats)
    }

    /// Nodes seal their answers to the registry's coordinator key: if the key files are not
    /// that key, no answer will open. Said once at start rather than 1,741 times later.
    fn check_keys(&self) {
        let snap = self.fed.peers.snapshot();
        let c = &snap.signed.registry.coordinator;
        if c.encryption_key != self.keys.decryption.public_key() || c.signing_key != self.keys.signing.public_key() {
            tracing::error!("keys/signing.key or keys/decryption.key is not the registry's coordinator key");
        }
    }

    pub fn current(&self) -> Arc<Current> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Rebuilds the served sums from the store.
    async fn reload(&self) -> anyhow::Result<()> {
        let (summary, refresh) = self
            .fed
            .with_db(|c| {
                let mut s = Summary::default();
                store::for_each(c, |f| s.add(&f))?;
                Ok((s, store::last_refresh(c)?))
            })
            .await?;
        self.publish(summary, refresh);
        Ok(())
    }

    fn publish(&self, summary: Summary, refresh: Option<Refresh>) {
        let missing = refresh.as_ref().map_or(0, |r| r.nodes_missing.len());
        self.metrics.nodes_missing.set(i64::try_from(missing).unwrap_or(i64::MAX));
        if let Some(r) = &refresh {
            self.metrics.last_refresh.set(r.finished_at_ms / 1000);
        }
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(Current { summary, refresh });
    }

    /// Pulls every connected node now; answers when all have answered or timed out.
    pub async fn refresh(&self) -> anyhow::Result<RefreshOutcome> {
        let _one = self.running.lock().await;
        let start = Instant::now();
        let started_at_ms = crate::db::now_ms();
        let snap = self.fed.peers.snapshot();
        let enrolled: BTreeSet<String> = snap.by_code.keys().map(|c| c.to_string()).collect();
        let asked: Vec<_> = self.fed.peers.connected_members();
        let timeout = Duration::from_millis(self.settings.node_timeout_ms);
        let mut answers = futures_util::stream::iter(asked.into_iter().filter_map(|(code, _)| {
            let member = snap.by_code.get(&code)?.clone();
            Some(async move { (code, self.ask(code, &member, timeout).await) })
        }))
        .buffer_unordered(self.settings.max_concurrent)
        .chunks(SAVE_BATCH);

        // Answers are folded as they arrive; only the nodes that did not answer are read
        // back from the store (their last figures), so no answer is decoded twice.
        let mut summary = Summary::default();
        let (mut reported, mut bytes_sent, mut bytes_received) = (BTreeSet::new(), 0u64, 0u64);
        while let Some(chunk) = answers.next().await {
            let mut batch: Vec<NodeFigures> = Vec::with_capacity(chunk.len());
            for (code, result) in chunk {
                match result {
                    Ok(p) => {
                        bytes_sent += p.bytes_sent;
                        bytes_received += p.bytes_received;
                        summary.add(&p.figures);
                        batch.push(p.figures);
                    }
                    Err(m) => {
                        self.metrics.missed.with_label_values(&[m.as_str()]).inc();
                        tracing::info!(municipality = %code, reason = m.as_str(), "no statistics from node");
                    }
                }
            }
            reported.extend(batch.iter().map(|f| f.municipality.to_string()));
            self.fed.with_db(move |c| store::save(c, &batch)).await?;
        }
        let nodes_missing: Vec<String> = enrolled.difference(&reported).cloned().collect();
        let refresh = Refresh {
            started_at_ms,
            finished_at_ms: crate::db::now_ms(),
            nodes_reported: reported.len(),
            nodes_missing,
        };
        let (row, skip) = (refresh.clone(), reported.clone());
        let summary = self
            .fed
            .with_db(move |c| {
                store::record_refresh(c, &row)?;
                store::for_each_except(c, &skip, |f| summary.add(&f))?;
                Ok(summary)
            })
            .await?;
        self.publish(summary, Some(refresh.clone()));
        let elapsed = start.elapsed();
        self.metrics.observe(elapsed, refresh.nodes_reported, bytes_received);
        tracing::info!(
            reported = refresh.nodes_reported,
            missing = refresh.nodes_missing.len(),
            ms = elapsed.as_millis() as u64,
            bytes_received,
            "statistics refreshed"
        );
        Ok(RefreshOutcome { refresh, bytes_sent, bytes_received, elapsed })
    }
}
