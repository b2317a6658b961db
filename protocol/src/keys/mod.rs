//! Long-term keys: Ed25519 for signatures (ring), X25519 for HPKE sealing (hpke crate,
//! because ring only offers ephemeral X25519). Secret keys have a `Debug` that prints
//! nothing secret and are wiped from memory on drop.

mod encryption;
mod file;
mod signing;
pub mod wrap;

pub(crate) use encryption::HpkeKem;
pub use encryption::{DecryptionKey, KeyId, RecipientKey};
pub use signing::{BadSignature, SigContext, Signature, SigningKey, SigningPublicKey};

/// Why a key could not be made, read or written. Never includes key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("not a valid Ed25519 PKCS#8 document")]
    BadPkcs8,
    #[error("not a valid key: wrong length or encoding")]
    BadKey,
    #[error("the system random number generator failed")]
    Rng,
    #[error("key file: {0}")]
    Io(#[from] std::io::Error),
}

impl From<crate::id16::RngError> for KeyError {
    fn from(_: crate::id16::RngError) -> Self {
        KeyError::Rng
    }
}
