//! The libp2p side: admits enrolled nodes, routes their sealed envelopes, keeps the
//! store-and-forward queue moving and the registry pushed. Built on `vrs-link`.
//!
//! Tasks: the event loop (`events.rs`) hands each inbound request to its own task under a
//! concurrency limit; `registry_sync.rs` follows the registry table; `queue.rs` retries
//! queued envelopes; `log_writer.rs` writes the routing log in batches.

pub mod events;
pub mod inbox;
pub mod log_writer;
pub mod outcome;
pub mod party_inbox;
pub mod peers;
pub mod queue;
pub mod registry_sync;
pub mod routing;

use crate::config::RoutingSettings;
use crate::db::{DbError, Pool};
use crate::metrics::Metrics;
use inbox::CoordinatorInbox;
use log_writer::RoutingLog;
use peers::Peers;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;
use vrs_protocol::{MunicipalityCode, SigningPublicKey};

/// Everything the federation tasks share.
pub struct Federation {
    pub client: vrs_link::Client,
    pub peers: Peers,
    pub db: Pool,
    pub metrics: Arc<Metrics>,
    pub settings: RoutingSettings,
    pub log: RoutingLog,
    /// Verifies each registry version read from the database before it is served.
    pub registry_key: SigningPublicKey,
    /// Handles envelopes addressed to the coordinator itself (`000000`).
    pub inbox: Box<dyn CoordinatorInbox>,
    pub limiter: Arc<Semaphore>,
    /// Recipients whose queue is being delivered now: one delivery per recipient at a time,
    /// so that the reconnect trigger and the periodic retry never send an entry twice.
    delivering: Mutex<HashSet<MunicipalityCode>>,
}

impl Federation {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        client: vrs_link::Client,
        peers: Peers,
        db: Pool,
        metrics: Arc<Metrics>,
        settings: RoutingSettings,
        log: RoutingLog,
        registry_key: SigningPublicKey,
        inbox: Box<dyn CoordinatorInbox>,
    ) -> Self {
        let limiter = Arc::new(Semaphore::new(settings.max_concurrent_requests));
        Federation {
            client,
            peers,
            db,
            metrics,
            settings,
            log,
            registry_key,
            inbox,
            limiter,
            delivering: Mutex::new(HashSet::new()),
        }
    }

    /// Runs a database closure on the blocking pool.
    pub async fn with_db<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut diesel::SqliteConnection) -> Result<T, DbError> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&mut *db.get()?))
            .await
            .map_err(|e| DbError::Query(format!("database task failed: {e}")))?
    }

    /// Claims the delivery of `code`'s queue; `None` if another task is delivering it.
    fn claim_delivery(self: &Arc<Self>, code: MunicipalityCode) -> Option<DeliveryClaim> {
        let mut set = self.delivering.lock().unwrap_or_else(|e| e.into_inner());
        set.insert(code).then(|| DeliveryClaim { fed: self.clone(), code })
    }
}

/// Releases a recipient's delivery claim when dropped (also on an early return).
struct DeliveryClaim {
    fed: Arc<Federation>,
    code: MunicipalityCode,
}

impl Drop for DeliveryClaim {
    fn drop(&mut self) {
        self.fed.delivering.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.code);
    }
}
