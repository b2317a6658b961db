//! Sealing a small secret to an X25519 key outside any envelope: the same HPKE suite as
//! envelopes (specs/protocol.md §3.1) under an `info` of the caller's, so a wrapped secret
//! never opens as an envelope payload or the other way round. The node's encrypted
//! backups wrap their file key this way, to a key pair whose private half is kept offline.

use crate::envelope::HpkeFailure;
use crate::envelope::hpke_suite::{open_with_info, seal_with_info};
use crate::keys::{DecryptionKey, RecipientKey};
use zeroize::Zeroizing;

/// A wrapped secret: the HPKE encapsulated key and the ciphertext (secret + 16-byte tag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wrapped {
    pub enc: [u8; 32],
    pub ciphertext: Vec<u8>,
}

/// Seals `secret` to `to`, bound to `info` and `aad`. A fresh ephemeral key every time.
pub fn wrap(to: &RecipientKey, info: &[u8], aad: &[u8], secret: &[u8]) -> Result<Wrapped, HpkeFailure> {
    let seed = Zeroizing::new(crate::id16::random_bytes::<32>().map_err(|_| HpkeFailure::Seal)?);
    let (enc, ciphertext) = seal_with_info(to, info, aad, secret, &seed)?;
    Ok(Wrapped { enc, ciphertext })
}

/// Opens what [`wrap`] sealed to `key`'s public half with the same `info` and `aad`.
pub fn unwrap(key: &DecryptionKey, info: &[u8], aad: &[u8], w: &Wrapped) -> Result<Zeroizing<Vec<u8>>, HpkeFailure> {
    open_with_info(key, info, &w.enc, aad, &w.ciphertext).map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_secrets_open_with_the_key_info_and_aad_only() {
        let key = DecryptionKey::generate().unwrap();
        let w = wrap(&key.public_key(), b"info", b"aad", b"a 32-byte file key, for example.").unwrap();
        assert_eq!(&unwrap(&key, b"info", b"aad", &w).unwrap()[..], b"a 32-byte file key, for example.");
        assert!(unwrap(&key, b"other", b"aad", &w).is_err());
        assert!(unwrap(&key, b"info", b"other", &w).is_err());
        assert!(unwrap(&DecryptionKey::generate().unwrap(), b"info", b"aad", &w).is_err());
        let again = wrap(&key.public_key(), b"info", b"aad", b"a 32-byte file key, for example.").unwrap();
        assert_ne!(again.enc, w.enc, "a fresh ephemeral key each time");
    }
}
