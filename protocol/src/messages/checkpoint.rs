//! Audit checkpoints: a node periodically sends the head of its hash-chained access log,
//! signed, so that its operator cannot rewrite history unnoticed. A hash and counts, nothing
//! personal.

use crate::ids::MunicipalityCode;
use crate::keys::{SigContext, Signature, SigningKey, SigningPublicKey};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub municipality: MunicipalityCode,
    /// Increases by one per checkpoint.
    pub seq: u64,
    /// Number of access-log entries covered.
    pub entries: u64,
    /// SHA-256 chain head after the last covered entry.
    #[serde(with = "crate::serde_hex")]
    pub head: [u8; 32],
    pub at_ms: u64,
}

/// A checkpoint signed by the node's registry key; the coordinator stores it as is, and
/// `vrs-node audit verify` checks the chain against it later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedCheckpoint {
    pub checkpoint: Checkpoint,
    pub signature: Signature,
}

impl SignedCheckpoint {
    pub fn sign(signer: &SigningKey, checkpoint: Checkpoint) -> Self {
        let signature = signer.sign(SigContext::Checkpoint, &body(&checkpoint));
        SignedCheckpoint { checkpoint, signature }
    }

    pub fn verify(&self, key: &SigningPublicKey) -> Result<&Checkpoint, crate::keys::BadSignature> {
        key.verify(SigContext::Checkpoint, &body(&self.checkpoint), &self.signature)?;
        Ok(&self.checkpoint)
    }
}

fn body(c: &Checkpoint) -> Vec<u8> {
    postcard::to_allocvec(c).unwrap_or_default()
}

/// The coordinator stored checkpoint `seq`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointAck {
    pub seq: u64,
}
