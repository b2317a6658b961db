//! A libp2p peer id as bytes (the multihash of the peer's identity key). Kept as bytes so
//! this crate does not depend on libp2p; the node and coordinator convert with
//! `libp2p::PeerId::from_bytes` / `PeerId::to_bytes`.

use crate::limits::MAX_PEER_ID_BYTES;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "PeerIdWire", into = "PeerIdWire")]
pub struct PeerIdBytes(Vec<u8>);

#[derive(Serialize, Deserialize)]
struct PeerIdWire(#[serde(with = "crate::serde_hex::vec")] Vec<u8>);

impl PeerIdBytes {
    /// 1 to 64 bytes; the content is libp2p's to check.
    pub fn new(b: Vec<u8>) -> Option<Self> {
        (!b.is_empty() && b.len() <= MAX_PEER_ID_BYTES).then_some(PeerIdBytes(b))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl TryFrom<PeerIdWire> for PeerIdBytes {
    type Error = &'static str;
    fn try_from(w: PeerIdWire) -> Result<Self, Self::Error> {
        PeerIdBytes::new(w.0).ok_or("peer id must be 1 to 64 bytes")
    }
}

impl From<PeerIdBytes> for PeerIdWire {
    fn from(p: PeerIdBytes) -> Self {
        PeerIdWire(p.0)
    }
}

impl fmt::Debug for PeerIdBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PeerIdBytes({})", hex::encode(&self.0))
    }
}
