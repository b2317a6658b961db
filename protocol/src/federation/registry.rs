//! The registry: which municipality is which peer with which keys. Versioned (a node keeps
//! the highest version it has verified and refuses older ones) and signed by the national
//! registry key, whose public half each node gets in `federation.json`.

use super::peer_id::PeerIdBytes;
use crate::address::Address;
use crate::ids::MunicipalityCode;
use crate::keys::{RecipientKey, SigContext, Signature, SigningKey, SigningPublicKey};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryEntry {
    pub municipality: MunicipalityCode,
    pub peer_id: PeerIdBytes,
    pub signing_key: SigningPublicKey,
    pub encryption_key: RecipientKey,
}

/// The coordinator is a party too: it asks for statistics and receives checkpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoordinatorEntry {
    pub peer_id: PeerIdBytes,
    pub signing_key: SigningPublicKey,
    pub encryption_key: RecipientKey,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registry {
    /// Increases with every change (enroll, revoke, key rotation).
    pub version: u64,
    pub issued_at_ms: u64,
    pub coordinator: CoordinatorEntry,
    /// Sorted by municipality code, one entry per code: one encoding per registry.
    pub nodes: Vec<RegistryEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("registry signature does not verify")]
    BadSignature,
    #[error("registry entries are not sorted by code or list a code twice")]
    NotCanonical,
    #[error("registry version {got} is older than the {have} already held")]
    Rollback { have: u64, got: u64 },
}

impl Registry {
    /// Sorts entries and checks codes are unique.
    pub fn canonicalize(&mut self) -> Result<(), RegistryError> {
        self.nodes.sort_by_key(|e| e.municipality);
        self.check_canonical()
    }

    fn check_canonical(&self) -> Result<(), RegistryError> {
        let sorted = self.nodes.windows(2).all(|w| w[0].municipality < w[1].municipality);
        if sorted { Ok(()) } else { Err(RegistryError::NotCanonical) }
    }

    pub fn node(&self, code: MunicipalityCode) -> Option<&RegistryEntry> {
        self.nodes.binary_search_by_key(&code, |e| e.municipality).ok().and_then(|i| self.nodes.get(i))
    }

    /// The entry of an authenticated libp2p peer (linear: the coordinator builds an index).
    pub fn node_by_peer(&self, peer: &[u8]) -> Option<&RegistryEntry> {
        self.nodes.iter().find(|e| e.peer_id.as_bytes() == peer)
    }

    /// Signing and encryption keys of any address, coordinator included.
    pub fn keys(&self, a: Address) -> Option<(SigningPublicKey, RecipientKey)> {
        match a {
            Address::Coordinator => Some((self.coordinator.signing_key, self.coordinator.encryption_key)),
            Address::Node(code) => self.node(code).map(|e| (e.signing_key, e.encryption_key)),
        }
    }

    fn body(&self) -> Vec<u8> {
        postcard::to_allocvec(self).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedRegistry {
    pub registry: Registry,
    pub signature: Signature,
}

impl SignedRegistry {
    pub fn sign(national: &SigningKey, mut registry: Registry) -> Result<Self, RegistryError> {
        registry.canonicalize()?;
        let signature = national.sign(SigContext::Registry, &registry.body());
        Ok(SignedRegistry { registry, signature })
    }

    /// Checks the national signature and canonical order.
    pub fn verify(&self, national: &SigningPublicKey) -> Result<&Registry, RegistryError> {
        national
            .verify(SigContext::Registry, &self.registry.body(), &self.signature)
            .map_err(|_| RegistryError::BadSignature)?;
        self.registry.check_canonical()?;
        Ok(&self.registry)
    }

    /// [`verify`](Self::verify), and refuse a version older than `have` (a replayed old
    /// registry could resurrect a revoked node's keys). The same version is accepted.
    pub fn verify_newer(&self, national: &SigningPublicKey, have: u64) -> Result<&Registry, RegistryError> {
        let r = self.verify(national)?;
        if r.version < have {
            return Err(RegistryError::Rollback { have, got: r.version });
        }
        Ok(r)
    }
}
