//! A key rotation as the federation side of the node lives it: asking the coordinator to
//! register staged keys, and taking the registered keys into use as soon as the registry
//! lists them (`rotation` has the files).

use super::identity::NodeIdentity;
use super::rotation;
use super::service::{Federation, SendError};
use std::sync::Arc;
use std::time::Duration;
use vrs_protocol::messages::{KeyRotation, KeyRotationAck};
use vrs_protocol::{Message, SignedEnrollment};

/// How long a serving node waits for the rotation command to install keys the registry
/// already lists (it installs them itself from `keys/next/` when it can).
const FOLLOW_TRIES: u32 = 40;
const FOLLOW_PAUSE: Duration = Duration::from_millis(500);

/// How often a serving node looks at its key files.
const WATCH_EVERY: Duration = Duration::from_secs(1);

impl Federation {
    /// Asks the coordinator to register the keys `enrollment` names (signed with the current
    /// key by the envelope); returns the registry version that carries them.
    pub async fn register_keys(&self, enrollment: SignedEnrollment) -> Result<u64, SendError> {
        match self.ask_coordinator(&Message::KeyRotation(KeyRotation { enrollment })).await? {
            Message::KeyRotationAck(KeyRotationAck { version }) => Ok(version),
            _ => Err(SendError::BadAnswer),
        }
    }

    /// If the registry lists other keys for this node than the ones it signs and seals with
    /// (a rotation was registered), installs and takes them into use.
    pub(super) fn follow_own_keys(self: &Arc<Self>) {
        let Some(registered) = self.registry.node_keys(self.code) else { return };
        let held = self.identity();
        if held.signing.public_key() == registered.0 && held.decryption.public_key() == registered.1 {
            return;
        }
        let f = self.clone();
        tokio::spawn(async move {
            for _ in 0..FOLLOW_TRIES {
                let (dir, code) = (f.dir.clone(), f.code);
                let loaded = tokio::task::spawn_blocking(move || -> anyhow::Result<NodeIdentity> {
                    rotation::resume(&dir, code, registered)?;
                    NodeIdentity::load(&dir)
                })
                .await;
                match loaded {
                    Ok(Ok(id))
                        if id.signing.public_key() == registered.0 && id.decryption.public_key() == registered.1 =>
                    {
                        f.replace_identity(id);
                        tracing::info!("signing and sealing with the rotated keys now");
                        return;
                    }
                    Ok(Err(e)) => tracing::warn!(error = %e, "cannot load the rotated keys yet"),
                    _ => {}
                }
                tokio::time::sleep(FOLLOW_PAUSE).await;
            }
            tracing::error!("the registry lists keys for this node that it does not hold");
        });
    }
}

/// Watches the key files: when `vrs-node keys rotate` (another process) replaces them,
/// fetches the registry at once and follows it. The coordinator pushes the new registry
/// too, but down whichever connection of the node's peer id it picks, which may be the
/// command's own.
pub(super) async fn watch_key_files(federation: Arc<Federation>) {
    let files = [super::identity::SIGNING_KEY, super::identity::ENCRYPTION_KEY].map(|f| federation.dir.join(f));
    let stamp = || files.iter().map(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok()).collect::<Vec<_>>();
    let mut seen = stamp();
    loop {
        tokio::time::sleep(WATCH_EVERY).await;
        let now = stamp();
        if now != seen {
            seen = now;
            tracing::info!("the node's key files changed; following the registry");
            federation.fetch_registry().await;
        }
    }
}
