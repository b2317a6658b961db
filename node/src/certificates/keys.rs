//! The issuer's ES256 keys under DIR/keys: `shc-signing.p8` (PKCS#8, owner-only), created
//! by `init` or on first use, and `shc-retired.json`, the public JWKs of keys replaced by
//! `vrs-node certificate rotate-key`, kept in the key set so cards they signed still verify.

use super::jose::{Jwk, Signer};
use crate::crypto::write_private;
use anyhow::Context;
use std::path::{Path, PathBuf};

pub const SIGNING_KEY: &str = "keys/shc-signing.p8";
pub const RETIRED_KEYS: &str = "keys/shc-retired.json";

#[derive(Debug)]
pub struct IssuerKeys {
    pub signer: Signer,
    pub retired: Vec<Jwk>,
    /// When the signing key was made (its file's modification time: written once, then
    /// only replaced by `rotate-key`); the key-age alert reads it from /metrics.
    pub created: Option<std::time::SystemTime>,
}

impl IssuerKeys {
    /// Loads the key, creating it when the node has none yet (nodes initialised before
    /// certificates existed get theirs on first start).
    pub fn load_or_create(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(SIGNING_KEY);
        if !path.exists() {
            create(&path)?;
        }
        Self::load(dir)
    }

    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(SIGNING_KEY);
        let pkcs8 = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let signer = Signer::from_pkcs8(&pkcs8).with_context(|| format!("{}", path.display()))?;
        let created = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        Ok(IssuerKeys { signer, retired: read_retired(dir)?, created })
    }

    /// Every public key that verifies this node's cards: the current one first.
    pub fn jwks(&self) -> Vec<Jwk> {
        let mut keys = vec![self.signer.jwk().clone()];
        keys.extend(self.retired.iter().filter(|k| k.kid != self.signer.jwk().kid).cloned());
        keys
    }

    /// Retires the current key (its public half stays in the key set) and makes a new one.
    /// Returns (old kid, new kid). A running node notices the new file (see `Issuer::keys`).
    pub fn rotate(dir: &Path) -> anyhow::Result<(String, String)> {
        let old = Self::load(dir)?;
        let mut retired = old.retired.clone();
        if !retired.iter().any(|k| k.kid == old.signer.jwk().kid) {
            retired.push(old.signer.jwk().clone());
        }
        // The public half is saved before the private key is replaced: a crash in between
        // leaves the old key both current and retired, which is harmless.
        replace(&dir.join(RETIRED_KEYS), serde_json::to_string_pretty(&retired)?.as_bytes(), false)?;
        let pkcs8 = Signer::generate_pkcs8().map_err(|_| anyhow::anyhow!("cannot generate a P-256 key"))?;
        replace(&dir.join(SIGNING_KEY), &pkcs8, true)?;
        let new = Self::load(dir)?;
        Ok((old.signer.jwk().kid.clone(), new.signer.jwk().kid.clone()))
    }
}

fn create(path: &Path) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let pkcs8 = Signer::generate_pkcs8().map_err(|_| anyhow::anyhow!("cannot generate a P-256 key"))?;
    write_private(path, &pkcs8).with_context(|| format!("cannot write {}", path.display()))
}

fn read_retired(dir: &Path) -> anyhow::Result<Vec<Jwk>> {
    let path = dir.join(RETIRED_KEYS);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).with_context(|| format!("{} is not a JWK list", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes `path` through a temporary file and a rename, so a reader sees old or new.
fn replace(path: &Path, contents: &[u8], private: bool) -> anyhow::Result<()> {
    let tmp = PathBuf::from(format!("{}.tmp", path.display()));
    let _ = std::fs::remove_file(&tmp);
    if private {
        write_private(&tmp, contents)?;
    } else {
        std::fs::write(&tmp, contents)?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_keeps_old_public_keys() {
        let dir = tempfile::tempdir().unwrap();
        let first = IssuerKeys::load_or_create(dir.path()).unwrap();
        let jws = first.signer.sign(b"{}").unwrap();
        let (old, new) = IssuerKeys::rotate(dir.path()).unwrap();
        assert_eq!(old, first.signer.jwk().kid);
        assert_ne!(old, new);
        let (_, second_new) = IssuerKeys::rotate(dir.path()).unwrap();
        let now = IssuerKeys::load(dir.path()).unwrap();
        assert_eq!(now.signer.jwk().kid, second_new);
        let kids: Vec<_> = now.jwks().into_iter().map(|k| k.kid).collect();
        assert_eq!(kids.len(), 3);
        assert!(super::super::jose::verify(&jws, &now.jwks()).is_ok());
    }
}
