//! Ed25519 signing keys (ring) and domain-separated signatures.

use super::KeyError;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use serde::{Deserialize, Serialize};
use std::fmt;
use zeroize::Zeroizing;

/// What a signature is for. The same node key signs envelopes, enrollments, consent
/// statements and audit checkpoints; the tag in the signing input makes a signature made
/// for one unusable as another (ring's Ed25519 has no context parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigContext {
    Envelope,
    Registry,
    Enrollment,
    Consent,
    Checkpoint,
}

impl SigContext {
    /// The ASCII tag; the signing input is `tag || 0x00 || body`.
    pub fn tag(self) -> &'static [u8] {
        match self {
            SigContext::Envelope => b"vrs-envelope-v1",
            SigContext::Registry => b"vrs-registry-v1",
            SigContext::Enrollment => b"vrs-enrollment-v1",
            SigContext::Consent => b"vrs-consent-v1",
            SigContext::Checkpoint => b"vrs-checkpoint-v1",
        }
    }

    pub fn signing_input(self, body: &[u8]) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.tag().len() + 1 + body.len());
        v.extend_from_slice(self.tag());
        v.push(0);
        v.extend_from_slice(body);
        v
    }
}

/// An Ed25519 signature (64 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature(#[serde(with = "crate::serde_hex")] pub [u8; 64]);

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({}…)", hex::encode(&self.0[..8]))
    }
}

/// An Ed25519 public key (32 bytes), as the registry lists it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SigningPublicKey(#[serde(with = "crate::serde_hex")] pub [u8; 32]);

impl SigningPublicKey {
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Checks `signature` over `context || 0 || body`.
    pub fn verify(&self, context: SigContext, body: &[u8], signature: &Signature) -> Result<(), BadSignature> {
        UnparsedPublicKey::new(&ED25519, &self.0)
            .verify(&context.signing_input(body), &signature.0)
            .map_err(|_| BadSignature)
    }
}

impl fmt::Debug for SigningPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningPublicKey({})", hex::encode(self.0))
    }
}

/// A signature did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("signature does not verify")]
pub struct BadSignature;

/// An Ed25519 private key. Kept with its PKCS#8 document so it can be written to a file.
pub struct SigningKey {
    pair: Ed25519KeyPair,
    pkcs8: Zeroizing<Vec<u8>>,
}

/// PKCS#8 v1 prefix for an Ed25519 seed (RFC 8410 §7): ring accepts v1 documents, so a
/// key made from a seed (test vectors) can be written out like a generated one.
const PKCS8_V1_PREFIX: [u8; 16] =
    [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

impl SigningKey {
    pub fn generate() -> Result<Self, KeyError> {
        let doc = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).map_err(|_| KeyError::Rng)?;
        Self::from_pkcs8(doc.as_ref())
    }

    /// Reads a PKCS#8 v1 or v2 document (DER).
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, KeyError> {
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(|_| KeyError::BadPkcs8)?;
        Ok(SigningKey { pair, pkcs8: Zeroizing::new(der.to_vec()) })
    }

    /// A key from its 32-byte seed (RFC 8032 private key), as test vectors give it.
    pub fn from_seed(seed: &[u8; 32]) -> Result<Self, KeyError> {
        let mut der = Zeroizing::new(Vec::with_capacity(48));
        der.extend_from_slice(&PKCS8_V1_PREFIX);
        der.extend_from_slice(seed);
        Self::from_pkcs8(&der)
    }

    /// The PKCS#8 document, for writing the key file. Handle as a secret.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    pub fn public_key(&self) -> SigningPublicKey {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.pair.public_key().as_ref());
        SigningPublicKey(out)
    }

    /// Signs `context || 0 || body`. Ed25519 is deterministic: same input, same signature.
    pub fn sign(&self, context: SigContext, body: &[u8]) -> Signature {
        let sig = self.pair.sign(&context.signing_input(body));
        let mut out = [0u8; 64];
        out.copy_from_slice(sig.as_ref());
        Signature(out)
    }

    pub fn write_file(&self, path: &std::path::Path) -> Result<(), KeyError> {
        super::file::write_secret(path, self.pkcs8())
    }

    pub fn read_file(path: &std::path::Path) -> Result<Self, KeyError> {
        let der = Zeroizing::new(std::fs::read(path)?);
        Self::from_pkcs8(&der)
    }
}

/// Shows only the public key: the private half never reaches a log.
impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey(public {})", hex::encode(self.public_key().0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_and_context_separation() {
        let k = SigningKey::generate().unwrap();
        let s = k.sign(SigContext::Consent, b"body");
        let pk = k.public_key();
        assert!(pk.verify(SigContext::Consent, b"body", &s).is_ok());
        assert_eq!(pk.verify(SigContext::Checkpoint, b"body", &s), Err(BadSignature));
        assert_eq!(pk.verify(SigContext::Consent, b"bodY", &s), Err(BadSignature));
        let other = SigningKey::generate().unwrap().public_key();
        assert_eq!(other.verify(SigContext::Consent, b"body", &s), Err(BadSignature));
    }

    #[test]
    fn pkcs8_round_trip_and_seed_keys() {
        let k = SigningKey::generate().unwrap();
        let back = SigningKey::from_pkcs8(k.pkcs8()).unwrap();
        assert_eq!(back.public_key(), k.public_key());
        // RFC 8032 §7.1 test 1: this seed has this public key.
        let seed: [u8; 32] = hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
            .unwrap()
            .try_into()
            .unwrap();
        let k = SigningKey::from_seed(&seed).unwrap();
        assert_eq!(hex::encode(k.public_key().0), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        assert_eq!(SigningKey::from_pkcs8(k.pkcs8()).unwrap().public_key(), k.public_key());
        assert!(SigningKey::from_pkcs8(b"not a key").is_err());
    }

    #[test]
    fn debug_shows_no_secret() {
        let seed = [7u8; 32];
        let k = SigningKey::from_seed(&seed).unwrap();
        let shown = format!("{k:?}");
        assert!(!shown.contains(&hex::encode(seed)));
        assert!(!shown.contains("0707070707"));
        assert!(shown.contains(&hex::encode(k.public_key().0)));
    }
}
