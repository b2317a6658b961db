//! The scheduled refresh: every `stats.refresh_interval_secs` (0 = only on request), the
//! first one an interval after start, when the nodes have had time to connect.

use super::Stats;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub async fn run(stats: Arc<Stats>, interval_secs: u64, mut stop: watch::Receiver<bool>) {
    if interval_secs == 0 {
        return;
    }
    let period = Duration::from_secs(interval_secs);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = stop.changed() => return,
        }
        if let Err(e) = stats.refresh().await {
            tracing::error!(error = %e, "scheduled statistics refresh failed");
        }
    }
}
