//! A short connection to the coordinator for a command (`audit verify`, `keys rotate`)
//! while the node itself may be serving: the same identity, a second connection. Requests
//! the coordinator happens to send down this one are refused `unavailable`, which its
//! senders treat as "retry later" (a dose is queued and delivered to the serving node).

use super::service::{self, Federation, InboundHandler};
use crate::config::Settings;
use anyhow::bail;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vrs_protocol::{Message, MunicipalityCode, SigningPublicKey, WireErrorCode};

struct RefuseAll;

impl InboundHandler for RefuseAll {
    fn serving(&self) -> bool {
        false
    }

    fn handle(&self, _: MunicipalityCode, _: &SigningPublicKey, _: Message) -> Result<Option<Message>, WireErrorCode> {
        Err(WireErrorCode::Unavailable)
    }
}

/// Connects to the coordinator named by the node's federation file; `Ok(None)` for a
/// standalone node. Call inside a tokio runtime.
pub async fn connect(
    data_dir: &Path,
    settings: &Settings,
    within: Duration,
) -> anyhow::Result<Option<Arc<Federation>>> {
    let code = settings.municipality_code();
    let file = settings.federation.file.clone().unwrap_or_else(|| service::FEDERATION_FILE.into());
    let Some(federation) = service::start(data_dir, &file, code, Arc::new(RefuseAll))? else {
        return Ok(None);
    };
    let deadline = Instant::now() + within;
    // Connected, and the registry (with the coordinator's keys) at hand.
    while !(federation.is_connected() && federation.registry.version() > 0) {
        if Instant::now() >= deadline {
            bail!("cannot reach the coordinator within {} s", within.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(Some(federation))
}
