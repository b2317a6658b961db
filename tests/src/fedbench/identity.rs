//! The keys of a simulated municipality node, made as `vrs-node init` makes them
//! (`node/src/federation/identity.rs`) but kept in memory: a libp2p identity, an Ed25519
//! signing key and an X25519 key other nodes seal to. Only enrollment.json touches disk,
//! because `vrs-coordinator enroll` reads a file.

use std::collections::HashMap;
use std::path::Path;
use vrs_link::{Keypair, PeerId};
use vrs_protocol::{
    DecryptionKey, Enrollment, MunicipalityCode, PeerIdBytes, RecipientKey, SignedEnrollment, SigningKey,
    SigningPublicKey,
};

/// The municipality master the coordinator checks enrollments against (same file).
const MASTER_CSV: &str = include_str!("../../../node/data/municipalities.csv");

/// Every municipality that runs its own node (wards excluded: their city enrolls), in
/// master order; 1,741 of them.
pub fn municipalities() -> Vec<MunicipalityCode> {
    MASTER_CSV
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let not_ward = f.get(5) == Some(&"0");
            not_ward.then(|| MunicipalityCode::parse(f.first()?).ok()).flatten()
        })
        .collect()
}

pub struct SimIdentity {
    pub code: MunicipalityCode,
    pub p2p: Keypair,
    pub signing: SigningKey,
    pub decryption: DecryptionKey,
}

impl std::fmt::Debug for SimIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SimIdentity({} {})", self.code, self.peer_id())
    }
}

impl SimIdentity {
    pub fn generate(code: MunicipalityCode) -> anyhow::Result<Self> {
        Ok(SimIdentity {
            code,
            p2p: Keypair::generate_ed25519(),
            signing: SigningKey::generate()?,
            decryption: DecryptionKey::generate()?,
        })
    }

    pub fn peer_id(&self) -> PeerId {
        self.p2p.public().to_peer_id()
    }

    /// Writes the self-signed enrollment.json `vrs-coordinator enroll` admits.
    pub fn write_enrollment(&self, path: &Path) -> anyhow::Result<()> {
        let peer_id = PeerIdBytes::new(self.peer_id().to_bytes()).ok_or_else(|| anyhow::anyhow!("peer id too long"))?;
        let enrollment = Enrollment {
            municipality: self.code,
            peer_id,
            signing_key: self.signing.public_key(),
            encryption_key: self.decryption.public_key(),
            created_at_ms: vrs_protocol::now_ms(),
        };
        let signed = SignedEnrollment::sign(&self.signing, enrollment)?;
        std::fs::write(path, serde_json::to_string_pretty(&signed)?)?;
        Ok(())
    }
}

/// The public keys of every simulated node, as the registry lists them. Live-crypto runs
/// read keys here instead of from each node's copy of the registry (the same content,
/// checked once per node at connect), so that 1,741 copies of a 300 KB registry are not
/// held in the benchmark process.
#[derive(Debug, Default)]
pub struct Directory {
    keys: HashMap<MunicipalityCode, (SigningPublicKey, RecipientKey)>,
}

impl Directory {
    pub fn new(ids: &[std::sync::Arc<SimIdentity>]) -> Self {
        let keys = ids.iter().map(|i| (i.code, (i.signing.public_key(), i.decryption.public_key()))).collect();
        Directory { keys }
    }

    pub fn keys(&self, code: MunicipalityCode) -> Option<(SigningPublicKey, RecipientKey)> {
        self.keys.get(&code).copied()
    }
}
