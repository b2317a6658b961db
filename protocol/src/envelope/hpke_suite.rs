//! The HPKE suite (RFC 9180): mode base, DHKEM(X25519, HKDF-SHA256) (0x0020),
//! HKDF-SHA256 (0x0001), ChaCha20-Poly1305 (0x0003). `info` is fixed; `aad` is the
//! 54-byte routing header, so a ciphertext moved under another header does not open.

use crate::keys::HpkeKem;
use crate::keys::{DecryptionKey, KeyError, RecipientKey};
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
use ring::digest::{SHA256, digest};
use zeroize::Zeroizing;

/// The HPKE `info` string (application context) for every envelope.
pub const HPKE_INFO: &[u8] = b"vrs-envelope-v1 hpke";

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HpkeFailure {
    #[error("recipient key unusable")]
    Key,
    #[error("sealing failed")]
    Seal,
    #[error("ciphertext does not open with this key and header")]
    Open,
}

impl From<KeyError> for HpkeFailure {
    fn from(_: KeyError) -> Self {
        HpkeFailure::Key
    }
}

/// Seals `plaintext` to `to`; the ephemeral key comes from [`SeedRng`] over `seed`.
pub(crate) fn seal(
    to: &RecipientKey,
    aad: &[u8],
    plaintext: &[u8],
    seed: &[u8; 32],
) -> Result<([u8; 32], Vec<u8>), HpkeFailure> {
    seal_with_info(to, HPKE_INFO, aad, plaintext, seed)
}

/// [`seal`] under another application `info` (another use of the same suite).
pub(crate) fn seal_with_info(
    to: &RecipientKey,
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
    seed: &[u8; 32],
) -> Result<([u8; 32], Vec<u8>), HpkeFailure> {
    let pk = to.hpke()?;
    let mut rng = SeedRng::new(seed);
    let (enc, ct) = hpke::single_shot_seal_with_rng::<ChaCha20Poly1305, HkdfSha256, HpkeKem>(
        &OpModeS::Base,
        &pk,
        info,
        plaintext,
        aad,
        &mut rng,
    )
    .map_err(|_| HpkeFailure::Seal)?;
    let enc: [u8; 32] = enc.to_bytes().as_slice().try_into().map_err(|_| HpkeFailure::Seal)?;
    Ok((enc, ct))
}

pub(crate) fn open(key: &DecryptionKey, enc: &[u8; 32], aad: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, HpkeFailure> {
    open_with_info(key, HPKE_INFO, enc, aad, ciphertext)
}

/// [`open`] under another application `info`.
pub(crate) fn open_with_info(
    key: &DecryptionKey,
    info: &[u8],
    enc: &[u8; 32],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, HpkeFailure> {
    let enc = <HpkeKem as hpke::Kem>::EncappedKey::from_bytes(enc).map_err(|_| HpkeFailure::Open)?;
    hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, HpkeKem>(
        &OpModeR::Base,
        key.hpke(),
        &enc,
        info,
        ciphertext,
        aad,
    )
    .map_err(|_| HpkeFailure::Open)
}

/// A deterministic CSPRNG over a 32-byte seed: block i = SHA-256(seed || be32(i)).
/// Production seeds come from the system RNG (one per envelope); test vectors fix the
/// seed, which makes the HPKE ephemeral key, and so every byte, reproducible. For X25519
/// HPKE draws exactly 32 bytes, so `ikmE` = SHA-256(seed || 00000000).
pub(crate) struct SeedRng {
    seed: Zeroizing<[u8; 32]>,
    block: Zeroizing<[u8; 32]>,
    counter: u32,
    used: usize,
}

impl SeedRng {
    pub(crate) fn new(seed: &[u8; 32]) -> Self {
        SeedRng { seed: Zeroizing::new(*seed), block: Zeroizing::new([0; 32]), counter: 0, used: 32 }
    }

    fn fill(&mut self, dst: &mut [u8]) {
        for b in dst {
            if self.used == 32 {
                let mut input = Zeroizing::new([0u8; 36]);
                input[..32].copy_from_slice(&self.seed[..]);
                input[32..].copy_from_slice(&self.counter.to_be_bytes());
                self.block.copy_from_slice(digest(&SHA256, &input[..]).as_ref());
                self.counter = self.counter.wrapping_add(1);
                self.used = 0;
            }
            *b = self.block[self.used];
            self.used += 1;
        }
    }
}

impl hpke::rand_core::TryRng for SeedRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.fill(&mut b);
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.fill(&mut b);
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.fill(dst);
        Ok(())
    }
}

impl hpke::rand_core::TryCryptoRng for SeedRng {}

/// `ikmE` for a seed, as the spec's vectors list it.
pub fn ephemeral_ikm(seed: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    SeedRng::new(seed).fill(&mut out);
    out
}
