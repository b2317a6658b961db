//! Audit checkpoints: a node periodically sends the head of its hash-chained access log,
//! signed, so that its operator cannot rewrite history unnoticed. A hash and counts, nothing
//! personal.

use super::fields::FieldError;
use crate::ids::MunicipalityCode;
use crate::keys::{SigContext, Signature, SigningKey, SigningPublicKey};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub municipality: MunicipalityCode,
    /// Increases by one per checkpoint.
    pub seq: u64,
    /// Number of access-log entries covered: the chain position (sequence number) of the
    /// last covered entry, since positions run 1, 2, 3, ... without gaps.
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

/// A node asks for the checkpoints the coordinator holds of it, oldest first, from
/// `after_seq + 1` on (`vrs-node audit verify`, and a node resuming its numbering after
/// a restore).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointFetch {
    pub after_seq: u64,
    /// At most this many, 1 to [`MAX_CHECKPOINTS_PER_LIST`].
    pub limit: u16,
}

/// The coordinator's answer to a [`CheckpointFetch`]: the checkpoints exactly as the node
/// signed them; `more` when there are further ones after the last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointList {
    pub checkpoints: Vec<SignedCheckpoint>,
    pub more: bool,
}

/// About 140 bytes each: a page stays near 140 KB.
pub const MAX_CHECKPOINTS_PER_LIST: usize = 1000;

impl CheckpointFetch {
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.limit == 0 || usize::from(self.limit) > MAX_CHECKPOINTS_PER_LIST {
            return Err(FieldError("limit"));
        }
        Ok(())
    }
}

impl CheckpointList {
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.checkpoints.len() > MAX_CHECKPOINTS_PER_LIST {
            return Err(FieldError("checkpoints"));
        }
        Ok(())
    }
}
