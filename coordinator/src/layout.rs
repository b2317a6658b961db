//! Where everything lives inside the coordinator's data directory. One place, so that
//! `init`, `serve`, the tests and the operator's documentation agree.

use std::path::{Path, PathBuf};

/// Settings (TOML); its presence marks an initialised data dir.
pub const SETTINGS_FILE: &str = "coordinator.toml";
/// What a node needs to join (public).
pub const FEDERATION_FILE: &str = "federation.json";
/// The SQLite database (registry versions, nodes, queue, routing log, users).
pub const DATABASE_FILE: &str = "coordinator.sqlite";
/// The libp2p identity (its public half is the peer id in `federation.json`).
pub const P2P_KEY: &str = "keys/p2p.key";
/// The national registry key (Ed25519, PKCS#8) that signs every registry version.
pub const REGISTRY_KEY: &str = "keys/registry.key";
/// The coordinator's own party keys (address `000000`): Ed25519 signing (PKCS#8) and
/// HPKE X25519 decryption (raw 32 bytes), published in the registry's coordinator entry.
pub const SIGNING_KEY: &str = "keys/signing.key";
pub const DECRYPTION_KEY: &str = "keys/decryption.key";

#[derive(Debug, Clone)]
pub struct DataDir(PathBuf);

impl DataDir {
    pub fn new(path: &Path) -> Self {
        DataDir(path.to_path_buf())
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn file(&self, relative: &str) -> PathBuf {
        self.0.join(relative)
    }

    pub fn is_initialised(&self) -> bool {
        self.file(SETTINGS_FILE).exists()
    }
}
