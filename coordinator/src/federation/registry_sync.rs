//! Keeping the running coordinator in step with the registry table. `enroll` and `revoke`
//! run as separate processes and only write a new version; this task notices it within
//! `registry_poll_ms`, re-indexes, replaces the link's allow-list (a revoked node's
//! connection closes at once) and pushes the new signed registry to every connected node.
//! It also answers the nodes' `Fetch` requests.

use super::Federation;
use super::peers::Snapshot;
use crate::db::registry_versions;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use vrs_link::{Channel, PeerId};
use vrs_protocol::{MunicipalityCode, RegistryRequest, RegistryResponse, SignedRegistry, WireErrorCode};

pub async fn run(fed: Arc<Federation>, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_millis(fed.settings.registry_poll_ms));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return,
        }
        if let Err(e) = follow(&fed).await {
            tracing::error!(error = %e, "cannot follow the registry");
        }
    }
}

/// Loads a newer version if there is one and makes it current.
async fn follow(fed: &Arc<Federation>) -> anyhow::Result<()> {
    let have = fed.peers.snapshot().version();
    let latest = fed.with_db(registry_versions::latest_version).await?;
    if latest.is_none_or(|v| v <= have) {
        return Ok(());
    }
    let signed =
        fed.with_db(registry_versions::latest).await?.ok_or_else(|| anyhow::anyhow!("registry version vanished"))?;
    apply(fed, signed).await
}

/// Makes `signed` current: verifies it, swaps the index, updates the allow-list, pushes it.
pub async fn apply(fed: &Arc<Federation>, signed: SignedRegistry) -> anyhow::Result<()> {
    signed
        .verify(&fed.registry_key)
        .map_err(|e| anyhow::anyhow!("registry version {} refused: {e}", signed.registry.version))?;
    let snapshot = fed.peers.replace(Snapshot::new(signed));
    fed.client.allow_only(snapshot.allowed_peers()).await?;
    fed.metrics.registry_version.set(i64::try_from(snapshot.version()).unwrap_or(i64::MAX));
    fed.metrics.nodes_enrolled.set(i64::try_from(snapshot.by_code.len()).unwrap_or(i64::MAX));
    fed.metrics.nodes_connected.set(i64::try_from(fed.peers.connected_members().len()).unwrap_or(i64::MAX));
    tracing::info!(version = snapshot.version(), nodes = snapshot.by_code.len(), "registry version now current");
    for (code, peer) in fed.peers.connected_members() {
        spawn_push(fed, code, peer, snapshot.clone());
    }
    Ok(())
}

/// Pushes a registry to one node; a node that misses it fetches on its next connect.
pub fn spawn_push(fed: &Arc<Federation>, code: MunicipalityCode, peer: PeerId, snapshot: Arc<Snapshot>) {
    let fed = fed.clone();
    tokio::spawn(async move {
        let version = snapshot.version();
        let frame = snapshot.push_frame().to_vec();
        match fed.client.request(peer, Channel::Registry, frame).await {
            Ok(answer) => match RegistryResponse::from_bytes(&answer) {
                Ok(RegistryResponse::Accepted { version: v }) => {
                    tracing::debug!(municipality = %code, version = v, "registry pushed");
                }
                Ok(other) => tracing::info!(municipality = %code, version, answer = ?other, "registry push answered"),
                Err(_) => tracing::warn!(municipality = %code, version, "registry push: undecodable answer"),
            },
            Err(e) => tracing::info!(municipality = %code, version, error = %e, "registry push failed"),
        }
    });
}

/// Answers a `/vrs/registry/1` request.
pub fn answer(fed: &Federation, frame: &[u8]) -> Vec<u8> {
    let snapshot = fed.peers.snapshot();
    let response = match RegistryRequest::from_bytes(frame) {
        Ok(RegistryRequest::Fetch { have_version }) if have_version < snapshot.version() => {
            return snapshot.fetch_answer().to_vec();
        }
        Ok(RegistryRequest::Fetch { .. }) => RegistryResponse::UpToDate,
        // Registries flow from the coordinator only.
        Ok(RegistryRequest::Push(_)) | Err(_) => RegistryResponse::Error(WireErrorCode::Malformed),
    };
    response.to_bytes()
}
