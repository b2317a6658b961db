//! `federation.json`: what `vrs-coordinator init` writes and a node needs to join — where
//! to dial the coordinator (its libp2p address including `/p2p/<peer id>`, so the TLS
//! handshake proves it is the coordinator) and the national registry key that signs the
//! registry. Public information: it holds no secret.

use super::peer_id::PeerIdBytes;
use crate::keys::SigningPublicKey;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FederationFile {
    /// Format version of this file (1).
    pub version: u32,
    /// The coordinator's libp2p multiaddr, ending in `/p2p/<peer id>`.
    pub coordinator_address: String,
    /// The coordinator's peer id, as `PeerId::to_bytes()`.
    pub coordinator_peer_id: PeerIdBytes,
    /// Verifies every registry the coordinator hands out.
    pub registry_key: SigningPublicKey,
}

impl FederationFile {
    pub const VERSION: u32 = 1;

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<Self, String> {
        let file: FederationFile = serde_json::from_str(text).map_err(|e| format!("not a federation file: {e}"))?;
        if file.version != Self::VERSION {
            return Err(format!("federation file version {} is not supported (expected 1)", file.version));
        }
        Ok(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;

    #[test]
    fn round_trips_and_refuses_other_versions_and_unknown_fields() {
        let file = FederationFile {
            version: 1,
            coordinator_address: "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW".into(),
            coordinator_peer_id: PeerIdBytes::new(vec![0, 36, 8, 1]).unwrap(),
            registry_key: SigningKey::generate().unwrap().public_key(),
        };
        assert_eq!(FederationFile::from_json(&file.to_json()).unwrap(), file);
        let v2 = file.to_json().replace("\"version\": 1", "\"version\": 2");
        assert!(FederationFile::from_json(&v2).unwrap_err().contains("version 2"));
        let extra = file.to_json().replacen('{', "{\"extra\": 1,", 1);
        assert!(FederationFile::from_json(&extra).is_err());
    }
}
