//! The registry this node trusts: the newest `SignedRegistry` whose signature checks
//! against the national registry key in federation.json. Kept in DIR/registry.json so a
//! restarted node can seal to its peers before the coordinator answers, and never
//! replaced by an older version (a coordinator cannot roll a revocation back).

use std::path::{Path, PathBuf};
use std::sync::RwLock;
use vrs_protocol::{Address, MunicipalityCode, RecipientKey, Registry, SignedRegistry, SigningPublicKey};

pub const REGISTRY_FILE: &str = "registry.json";

#[derive(Debug)]
pub struct RegistryStore {
    path: PathBuf,
    national_key: SigningPublicKey,
    current: RwLock<Option<Registry>>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryStoreError {
    #[error("the registry does not verify: {0}")]
    Invalid(#[from] vrs_protocol::federation::RegistryError),
    #[error("cannot store the registry: {0}")]
    Io(#[from] std::io::Error),
}

impl RegistryStore {
    /// Opens the store, loading a previously accepted registry if one verifies.
    pub fn open(dir: &Path, national_key: SigningPublicKey) -> Self {
        let path = dir.join(REGISTRY_FILE);
        let current = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str::<SignedRegistry>(&text).ok())
            .and_then(|signed| signed.verify(&national_key).ok().cloned());
        RegistryStore { path, national_key, current: RwLock::new(current) }
    }

    pub fn version(&self) -> u64 {
        self.read(|r| r.map_or(0, |r| r.version))
    }

    /// Verifies `signed` and keeps it if it is newer; returns the version now held.
    pub fn accept(&self, signed: &SignedRegistry) -> Result<u64, RegistryStoreError> {
        let have = self.version();
        let registry = signed.verify_newer(&self.national_key, have)?.clone();
        if registry.version == have {
            return Ok(have);
        }
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_string(signed).unwrap_or_default())?;
        std::fs::rename(&tmp, &self.path)?;
        let version = registry.version;
        if let Ok(mut current) = self.current.write() {
            *current = Some(registry);
        }
        Ok(version)
    }

    /// The keys of a municipality's node: (signing, encryption), if it is enrolled.
    pub fn node_keys(&self, code: MunicipalityCode) -> Option<(SigningPublicKey, RecipientKey)> {
        self.read(|r| r.and_then(|r| r.keys(Address::Node(code))))
    }

    /// The keys of any party, the coordinator (`000000`) included.
    pub fn party_keys(&self, address: Address) -> Option<(SigningPublicKey, RecipientKey)> {
        self.read(|r| r.and_then(|r| r.keys(address)))
    }

    pub fn is_enrolled(&self, code: MunicipalityCode) -> bool {
        self.read(|r| r.is_some_and(|r| r.node(code).is_some()))
    }

    fn read<T>(&self, f: impl FnOnce(Option<&Registry>) -> T) -> T {
        match self.current.read() {
            Ok(guard) => f(guard.as_ref()),
            Err(poisoned) => f(poisoned.get_ref().as_ref()),
        }
    }
}
