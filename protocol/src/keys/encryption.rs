//! X25519 keys for HPKE (RFC 9180, DHKEM(X25519, HKDF-SHA256)).

use super::KeyError;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem, Serializable};
use ring::digest::{SHA256, digest};
use serde::{Deserialize, Serialize};
use std::fmt;
use zeroize::Zeroizing;

pub(crate) type HpkeKem = X25519HkdfSha256;
type HpkePrivate = <HpkeKem as Kem>::PrivateKey;
type HpkePublic = <HpkeKem as Kem>::PublicKey;

/// A node's (or the coordinator's) HPKE public key: what senders seal to.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RecipientKeyBytes", into = "RecipientKeyBytes")]
pub struct RecipientKey([u8; 32]);

#[derive(Serialize, Deserialize)]
struct RecipientKeyBytes(#[serde(with = "crate::serde_hex")] [u8; 32]);

impl TryFrom<RecipientKeyBytes> for RecipientKey {
    type Error = KeyError;
    fn try_from(b: RecipientKeyBytes) -> Result<Self, KeyError> {
        RecipientKey::from_bytes(&b.0)
    }
}

impl From<RecipientKey> for RecipientKeyBytes {
    fn from(k: RecipientKey) -> Self {
        RecipientKeyBytes(k.0)
    }
}

impl RecipientKey {
    /// Any 32 bytes are an X25519 public key; the hpke crate checks for the all-zero shared
    /// secret (a low-order point) when sealing and refuses it.
    pub fn from_bytes(b: &[u8; 32]) -> Result<Self, KeyError> {
        HpkePublic::from_bytes(b).map_err(|_| KeyError::BadKey)?;
        Ok(RecipientKey(*b))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub(crate) fn hpke(&self) -> Result<HpkePublic, KeyError> {
        HpkePublic::from_bytes(&self.0).map_err(|_| KeyError::BadKey)
    }

    /// The first 8 bytes of `SHA-256("vrs-key-id-v1" || 0x00 || key)`. Carried in the
    /// envelope header so that during a key rotation the recipient knows which of its
    /// keys to use, and a stale sender gets `undecryptable` instead of a silent failure.
    pub fn key_id(&self) -> KeyId {
        let mut input = b"vrs-key-id-v1\0".to_vec();
        input.extend_from_slice(&self.0);
        let d = digest(&SHA256, &input);
        let mut out = [0u8; 8];
        out.copy_from_slice(&d.as_ref()[..8]);
        KeyId(out)
    }
}

impl fmt::Debug for RecipientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecipientKey({})", hex::encode(self.0))
    }
}

/// Names an HPKE public key in the envelope header (see [`RecipientKey::key_id`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KeyId(#[serde(with = "crate::serde_hex")] pub [u8; 8]);

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", hex::encode(self.0))
    }
}

/// A node's HPKE private key: opens envelopes sealed to its [`RecipientKey`].
pub struct DecryptionKey {
    secret: HpkePrivate,
    public: RecipientKey,
}

impl DecryptionKey {
    /// A fresh key: 32 random bytes through RFC 9180 `DeriveKeyPair`.
    pub fn generate() -> Result<Self, KeyError> {
        let ikm = Zeroizing::new(crate::id16::random_bytes::<32>()?);
        let (secret, _) = HpkeKem::derive_keypair(&ikm[..]);
        Self::from_secret(secret)
    }

    /// The raw 32-byte X25519 private key (RFC 7748 scalar, clamped when used).
    pub fn from_bytes(b: &[u8; 32]) -> Result<Self, KeyError> {
        Self::from_secret(HpkePrivate::from_bytes(b).map_err(|_| KeyError::BadKey)?)
    }

    fn from_secret(secret: HpkePrivate) -> Result<Self, KeyError> {
        let pk = HpkeKem::sk_to_pk(&secret).to_bytes();
        let pk: [u8; 32] = pk.as_slice().try_into().map_err(|_| KeyError::BadKey)?;
        Ok(DecryptionKey { secret, public: RecipientKey(pk) })
    }

    /// The raw private key, for writing the key file. Handle as a secret.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(self.secret.to_bytes().as_slice());
        out
    }

    pub fn public_key(&self) -> RecipientKey {
        self.public
    }

    pub fn key_id(&self) -> KeyId {
        self.public.key_id()
    }

    pub(crate) fn hpke(&self) -> &HpkePrivate {
        &self.secret
    }

    pub fn write_file(&self, path: &std::path::Path) -> Result<(), KeyError> {
        super::file::write_secret(path, &self.to_bytes()[..])
    }

    pub fn read_file(path: &std::path::Path) -> Result<Self, KeyError> {
        let raw = Zeroizing::new(std::fs::read(path)?);
        let b: &[u8; 32] = raw.as_slice().try_into().map_err(|_| KeyError::BadKey)?;
        Self::from_bytes(b)
    }
}

/// Shows only the public key.
impl fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DecryptionKey(public {})", hex::encode(self.public.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_and_debug_hides_secret() {
        let k = DecryptionKey::generate().unwrap();
        let raw = k.to_bytes();
        let back = DecryptionKey::from_bytes(&raw).unwrap();
        assert_eq!(back.public_key(), k.public_key());
        let shown = format!("{k:?}");
        assert!(!shown.contains(&hex::encode(*raw)));
        assert_ne!(DecryptionKey::generate().unwrap().key_id(), k.key_id());
    }

    #[test]
    fn rfc7748_public_key() {
        // RFC 7748 §6.1: Alice's private key and public key.
        let sk: [u8; 32] = hex::decode("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
            .unwrap()
            .try_into()
            .unwrap();
        let k = DecryptionKey::from_bytes(&sk).unwrap();
        assert_eq!(
            hex::encode(k.public_key().as_bytes()),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
        );
    }

    #[test]
    fn json_form_is_hex() {
        let k = DecryptionKey::generate().unwrap().public_key();
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(json, format!("\"{}\"", hex::encode(k.as_bytes())));
        assert_eq!(serde_json::from_str::<RecipientKey>(&json).unwrap(), k);
    }
}
