//! The node data key and what is derived from it: AES-256-GCM sealing of My Numbers,
//! the keyed look-up hash, and the keyed row digest used for idempotent re-import.
//!
//! The key lives in `DIR/keys/data.key`, never in the database, so a database dump
//! (SQLite file or pg_dump) alone reveals no My Number.

use ring::rand::{SecureRandom, SystemRandom};
use ring::{aead, hkdf, hmac};
use std::path::Path;
use vrs_protocol::MyNumber;

const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the node data key at {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("the node data key at {0} is not 64 hex digits")]
    Malformed(String),
    #[error("a sealed value failed authentication (wrong key or tampered row)")]
    Unseal,
    #[error("the system random generator failed")]
    Random,
}

pub struct NodeKeys {
    my_number_aead: aead::LessSafeKey,
    my_number_lookup: hmac::Key,
    certificate_rid: hmac::Key,
    rng: SystemRandom,
}

impl std::fmt::Debug for NodeKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NodeKeys(***)")
    }
}

impl NodeKeys {
    /// Writes a fresh random key (owner read/write only). Refuses to overwrite.
    pub fn generate_file(path: &Path) -> Result<(), KeyError> {
        let io = |source| KeyError::Io { path: path.display().to_string(), source };
        let mut key = [0u8; 32];
        SystemRandom::new().fill(&mut key).map_err(|_| KeyError::Random)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        write_private(path, hex::encode(key).as_bytes()).map_err(io)
    }

    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| KeyError::Io { path: path.display().to_string(), source })?;
        let bytes = hex::decode(text.trim()).map_err(|_| KeyError::Malformed(path.display().to_string()))?;
        let master: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed(path.display().to_string()))?;
        Ok(Self::from_master(&master))
    }

    pub fn from_master(master: &[u8; 32]) -> Self {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"vrs node data key v1").extract(master);
        let derive = |info: &'static [u8]| -> [u8; 32] {
            let mut out = [0u8; 32];
            // HKDF-SHA256 always yields 32 bytes; neither call can fail for this length.
            if let Ok(okm) = prk.expand(&[info], hkdf::HKDF_SHA256) {
                let _ = okm.fill(&mut out);
            }
            out
        };
        let aead_key = derive(b"my-number aead");
        NodeKeys {
            my_number_aead: aead::LessSafeKey::new(
                aead::UnboundKey::new(&aead::AES_256_GCM, &aead_key).expect("32-byte key"),
            ),
            my_number_lookup: hmac::Key::new(hmac::HMAC_SHA256, &derive(b"my-number lookup")),
            certificate_rid: hmac::Key::new(hmac::HMAC_SHA256, &derive(b"certificate rid")),
            rng: SystemRandom::new(),
        }
    }

    /// nonce || AES-256-GCM(my number) with the atena bound in as associated data, so a
    /// sealed value moved to another person's row does not open.
    pub fn seal_my_number(&self, atena: &str, n: &MyNumber) -> Result<Vec<u8>, KeyError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).map_err(|_| KeyError::Random)?;
        self.seal_with_nonce(nonce, atena, n)
    }

    /// As [`Self::seal_my_number`], with the nonce taken from `nonces` (bulk imports).
    pub fn seal_my_number_from(&self, nonces: &mut Nonces, atena: &str, n: &MyNumber) -> Result<Vec<u8>, KeyError> {
        let nonce = nonces.next(&self.rng)?;
        self.seal_with_nonce(nonce, atena, n)
    }

    fn seal_with_nonce(&self, nonce: [u8; NONCE_LEN], atena: &str, n: &MyNumber) -> Result<Vec<u8>, KeyError> {
        // Sealed in place behind the nonce: one allocation, the one returned.
        let plain = n.expose().as_bytes();
        let mut out = Vec::with_capacity(NONCE_LEN + plain.len() + aead::AES_256_GCM.tag_len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plain);
        let tag = self
            .my_number_aead
            .seal_in_place_separate_tag(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(atena.as_bytes()),
                &mut out[NONCE_LEN..],
            )
            .map_err(|_| KeyError::Unseal)?;
        out.extend_from_slice(tag.as_ref());
        Ok(out)
    }

    pub fn open_my_number(&self, atena: &str, sealed: &[u8]) -> Result<MyNumber, KeyError> {
        if sealed.len() < NONCE_LEN {
            return Err(KeyError::Unseal);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce = aead::Nonce::try_assume_unique_for_key(nonce).map_err(|_| KeyError::Unseal)?;
        let mut buf = body.to_vec();
        let plain = self
            .my_number_aead
            .open_in_place(nonce, aead::Aad::from(atena.as_bytes()), &mut buf)
            .map_err(|_| KeyError::Unseal)?;
        let s = std::str::from_utf8(plain).map_err(|_| KeyError::Unseal)?;
        MyNumber::parse(s).map_err(|_| KeyError::Unseal)
    }

    /// The keyed hash a My Number is found by: the first 16 bytes of HMAC-SHA256, unique
    /// enough for any register (a repeat among 10^8 numbers: ~10^-23) at half the bytes in
    /// the table and its index. Without the key it cannot be brute-forced from the 10^11
    /// possible numbers.
    pub fn my_number_lookup(&self, n: &MyNumber) -> [u8; 16] {
        first_16(hmac::sign(&self.my_number_lookup, n.expose().as_bytes()))
    }

    /// The SMART Health Card revocation id of a person: base64url of the first 64 bits of
    /// HMAC-SHA256(node key, atena). Stable across key rotation of the card signer, and
    /// without the node key it says nothing about who it is.
    pub fn certificate_rid(&self, atena: &str) -> String {
        let mac = hmac::sign(&self.certificate_rid, atena.as_bytes());
        crate::certificates::jose::b64(&mac.as_ref()[..8])
    }
}

/// The first 16 bytes of an HMAC-SHA256 tag (always 32 bytes long).
fn first_16(tag: hmac::Tag) -> [u8; 16] {
    let mut out = [0u8; 16];
    out.copy_from_slice(&tag.as_ref()[..16]);
    out
}

/// Random AES-GCM nonces drawn from the system generator a thousand at a time: one
/// `getrandom` call per sealed My Number was ~10% of an import's parser thread. The
/// nonces are as random as before (96 bits each from the OS CSPRNG), only fetched in bulk;
/// they are public (stored beside the ciphertext), so the buffer holds nothing secret.
pub struct Nonces {
    buf: Box<[u8]>,
    used: usize,
}

impl Default for Nonces {
    fn default() -> Self {
        let buf = vec![0u8; NONCE_LEN * 1024].into_boxed_slice();
        Nonces { used: buf.len(), buf }
    }
}

impl Nonces {
    fn next(&mut self, rng: &SystemRandom) -> Result<[u8; NONCE_LEN], KeyError> {
        if self.used + NONCE_LEN > self.buf.len() {
            rng.fill(&mut self.buf).map_err(|_| KeyError::Random)?;
            self.used = 0;
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&self.buf[self.used..self.used + NONCE_LEN]);
        self.used += NONCE_LEN;
        Ok(nonce)
    }
}

/// Writes a file readable only by its owner.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    opts.mode(0o600);
    opts.open(path)?.write_all(contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> NodeKeys {
        NodeKeys::from_master(&[7u8; 32])
    }

    #[test]
    fn seal_round_trip_and_binding_to_the_atena() {
        let k = keys();
        let n = MyNumber::parse("123456789018").unwrap();
        let sealed = k.seal_my_number("1001", &n).unwrap();
        assert!(!sealed.windows(12).any(|w| w == b"123456789018"));
        assert_eq!(k.open_my_number("1001", &sealed).unwrap(), n);
        assert!(k.open_my_number("1002", &sealed).is_err());
        let mut tampered = sealed.clone();
        tampered[20] ^= 1;
        assert!(k.open_my_number("1001", &tampered).is_err());
        assert!(NodeKeys::from_master(&[8u8; 32]).open_my_number("1001", &sealed).is_err());
    }

    #[test]
    fn bulk_nonces_open_and_never_repeat_across_refills() {
        let k = keys();
        let n = MyNumber::parse("123456789018").unwrap();
        let mut nonces = Nonces::default();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2500 {
            let sealed = k.seal_my_number_from(&mut nonces, "1001", &n).unwrap();
            assert_eq!(k.open_my_number("1001", &sealed).unwrap(), n);
            assert!(seen.insert(sealed[..NONCE_LEN].to_vec()));
        }
    }

    #[test]
    fn lookup_is_keyed_and_stable() {
        let n = MyNumber::parse("123456789018").unwrap();
        assert_eq!(keys().my_number_lookup(&n), keys().my_number_lookup(&n));
        assert_eq!(keys().my_number_lookup(&n).len(), 16);
        assert_ne!(keys().my_number_lookup(&n), NodeKeys::from_master(&[8u8; 32]).my_number_lookup(&n));
    }

    #[test]
    fn key_file_round_trip_and_no_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/data.key");
        NodeKeys::generate_file(&path).unwrap();
        assert!(NodeKeys::generate_file(&path).is_err());
        let n = MyNumber::parse("123456789018").unwrap();
        let sealed = NodeKeys::load(&path).unwrap().seal_my_number("1", &n).unwrap();
        assert_eq!(NodeKeys::load(&path).unwrap().open_my_number("1", &sealed).unwrap(), n);
    }
}
