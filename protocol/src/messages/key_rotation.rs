//! Key rotation through the registry: a node sends the coordinator the enrollment of its
//! new signing and encryption keys (self-signed with the new signing key) inside an
//! envelope signed with its current registry key — the new key proves possession, the old
//! one that the node itself asks. The coordinator publishes a registry version with the new
//! keys and answers with that version.

use crate::federation::SignedEnrollment;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRotation {
    pub enrollment: SignedEnrollment,
}

/// The registry version that carries the new keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRotationAck {
    pub version: u64,
}
