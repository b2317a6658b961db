//! Vaccination certificates as SMART Health Cards (issue 7): one card per person covering
//! every dose this home node holds (its own sites', those delivered by other municipalities
//! and those brought in by transfer-in inquiries), signed ES256 with the node's issuer key.
//!
//! `jose`, `numeric`, `card` and `qr` are pure codecs; `source` reads the database.

pub mod card;
pub mod crl;
pub mod jose;
pub mod keys;
pub mod numeric;
pub mod qr;
pub mod source;

use card::{Dose, Person};
use keys::IssuerKeys;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// One issued card in every form the API hands out.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Issued {
    /// The whole card as one `shc:/` string (files, links).
    pub shc: String,
    pub jws: String,
    /// What the QR codes carry: one string, or `shc:/i/n/...` chunks.
    pub chunks: Vec<String>,
    pub kid: String,
    pub nbf: i64,
}

/// The node as a card issuer: its signing key, the retired keys and its `iss` URL.
///
/// A node reads its keys from its data dir and picks up `vrs-node certificate rotate-key`
/// while it runs: before each use it compares the signing key file's identity (inode,
/// size, modification time) with the one it loaded, one `stat` per card, and reloads when
/// the file was replaced. A failed reload keeps the keys in use and says so in the log.
#[derive(Debug)]
pub struct Issuer {
    pub iss: String,
    dir: Option<PathBuf>,
    loaded: RwLock<(Option<FileStamp>, Arc<IssuerKeys>)>,
}

/// What identifies one version of the signing key file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    inode: u64,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl FileStamp {
    fn of(path: &Path) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        Some(FileStamp { inode: m.ino(), len: m.len(), modified: m.modified().ok() })
    }
}

impl Issuer {
    /// An issuer with fixed keys (benchmarks, tests).
    pub fn fixed(keys: IssuerKeys, iss: String) -> Self {
        Issuer { iss, dir: None, loaded: RwLock::new((None, Arc::new(keys))) }
    }

    /// The node's issuer: its keys under `dir` (created on first use), followed as rotated.
    pub fn from_data_dir(dir: &Path, iss: String) -> anyhow::Result<Self> {
        let keys = IssuerKeys::load_or_create(dir)?;
        let stamp = FileStamp::of(&dir.join(keys::SIGNING_KEY));
        Ok(Issuer { iss, dir: Some(dir.to_owned()), loaded: RwLock::new((stamp, Arc::new(keys))) })
    }

    /// The keys to use now: reloaded first if the signing key file was replaced.
    pub fn keys(&self) -> Arc<IssuerKeys> {
        let current = || self.loaded.read().unwrap_or_else(|e| e.into_inner()).clone();
        let Some(dir) = &self.dir else { return current().1 };
        let stamp = FileStamp::of(&dir.join(keys::SIGNING_KEY));
        let (seen, keys) = current();
        if stamp.is_none() || stamp == seen {
            return keys;
        }
        let mut slot = self.loaded.write().unwrap_or_else(|e| e.into_inner());
        if slot.0 == stamp {
            return slot.1.clone(); // another thread reloaded it meanwhile
        }
        match IssuerKeys::load(dir) {
            Ok(fresh) => {
                tracing::info!(kid = %fresh.signer.jwk().kid, "certificate signing key reloaded after rotation");
                *slot = (stamp, Arc::new(fresh));
            }
            Err(e) => {
                tracing::error!(error = %e, "certificate signing key changed but cannot be loaded; still signing with the previous key")
            }
        }
        slot.1.clone()
    }

    pub fn issue(&self, nbf: i64, rid: Option<&str>, person: &Person, doses: &[Dose]) -> anyhow::Result<Issued> {
        let keys = self.keys();
        let claims = card::claims(&self.iss, nbf, rid, person, doses);
        let jws = keys.signer.sign(&claims).map_err(|_| anyhow::anyhow!("ES256 signing failed"))?;
        Ok(Issued {
            shc: numeric::whole(&jws),
            chunks: numeric::chunks(&jws),
            kid: keys.signer.jwk().kid.clone(),
            nbf,
            jws,
        })
    }

    /// The key set `/.well-known/jwks.json` publishes; `crl_version` is the revocation
    /// list's counter once anything was revoked.
    pub fn jwks(&self, crl_version: i64) -> serde_json::Value {
        let keys: Vec<_> = self
            .keys()
            .jwks()
            .into_iter()
            .map(|mut k| {
                k.crl_version = u64::try_from(crl_version).ok().filter(|v| *v > 0);
                k
            })
            .collect();
        serde_json::json!({ "keys": keys })
    }
}

/// Verifies the QR strings (or one `shc:/` string) of a card against `keys`.
pub fn verify(parts: &[&str], keys: &[jose::Jwk]) -> Result<(String, card::Content), jose::CardError> {
    let jws = numeric::decode(parts)?;
    let (kid, payload) = jose::verify(&jws, keys)?;
    Ok((kid, card::read(&payload)?))
}

#[cfg(test)]
mod tests;
