//! The envelope's fixed binary layout. Hand-written rather than serde so that the bytes
//! the coordinator reads, the bytes that are signed and the bytes bound as HPKE aad are
//! one unambiguous, documented sequence (see `specs/protocol.md`).
//!
//! ```text
//! offset len  field
//!  0      4   magic "VRSE"
//!  4      1   version (1)
//!  5      1   kind
//!  6     16   message id
//! 22      6   sender address (ASCII digits; "000000" = coordinator)
//! 28      6   recipient address
//! 34      8   recipient key id
//! 42      8   created_at, unix ms, big-endian
//! 50      4   ciphertext length N, big-endian
//! 54     32   HPKE encapsulated key (enc)
//! 86      N   ciphertext (payload + 16-byte tag)
//! 86+N   64   Ed25519 signature over "vrs-envelope-v1" || 0x00 || bytes 0..86+N
//! ```

use crate::address::Address;
use crate::id16::MessageId;
use crate::keys::KeyId;
use crate::limits::MAX_CIPHERTEXT_BYTES;
use crate::messages::Kind;
use crate::names::WIRE_VERSION;

pub const MAGIC: [u8; 4] = *b"VRSE";
pub const HEADER_LEN: usize = 54;
pub const ENC_LEN: usize = 32;
pub const SIGNATURE_LEN: usize = 64;

/// The routing header: everything the coordinator may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub kind: Kind,
    pub message_id: MessageId,
    pub sender: Address,
    pub recipient: Address,
    pub recipient_key_id: KeyId,
    pub created_at_ms: u64,
    /// Length of the ciphertext that follows (payload + AEAD tag).
    pub ciphertext_len: u32,
}

/// Why bytes are not an envelope. Maps to a [`WireErrorCode`](crate::WireErrorCode) via
/// [`EnvelopeError::wire_code`](crate::EnvelopeError::wire_code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("shorter than an envelope")]
    Truncated,
    #[error("larger than the envelope limit")]
    TooLarge,
    #[error("not an envelope (bad magic)")]
    BadMagic,
    #[error("unsupported envelope version {0}")]
    UnsupportedVersion(u8),
    #[error("unknown message kind {0}")]
    UnknownKind(u8),
    #[error("invalid sender or recipient address")]
    BadAddress,
    #[error("length field does not match the envelope size")]
    LengthMismatch,
}

impl Header {
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[0..4].copy_from_slice(&MAGIC);
        h[4] = WIRE_VERSION;
        h[5] = self.kind.byte();
        h[6..22].copy_from_slice(&self.message_id.to_bytes());
        h[22..28].copy_from_slice(&self.sender.to_wire());
        h[28..34].copy_from_slice(&self.recipient.to_wire());
        h[34..42].copy_from_slice(&self.recipient_key_id.0);
        h[42..50].copy_from_slice(&self.created_at_ms.to_be_bytes());
        h[50..54].copy_from_slice(&self.ciphertext_len.to_be_bytes());
        h
    }

    /// Parses the first [`HEADER_LEN`] bytes. Checks the fields themselves, not the total
    /// length (the caller does, knowing the whole buffer).
    pub fn decode(b: &[u8]) -> Result<Header, LayoutError> {
        let h: &[u8; HEADER_LEN] = b.get(..HEADER_LEN).and_then(|s| s.try_into().ok()).ok_or(LayoutError::Truncated)?;
        if h[0..4] != MAGIC {
            return Err(LayoutError::BadMagic);
        }
        if h[4] != WIRE_VERSION {
            return Err(LayoutError::UnsupportedVersion(h[4]));
        }
        let kind = Kind::from_byte(h[5]).ok_or(LayoutError::UnknownKind(h[5]))?;
        let ciphertext_len = u32::from_be_bytes(arr(&h[50..54]));
        if ciphertext_len as usize > MAX_CIPHERTEXT_BYTES {
            return Err(LayoutError::TooLarge);
        }
        Ok(Header {
            kind,
            message_id: MessageId::from_bytes(arr(&h[6..22])),
            sender: Address::from_wire(&arr(&h[22..28])).ok_or(LayoutError::BadAddress)?,
            recipient: Address::from_wire(&arr(&h[28..34])).ok_or(LayoutError::BadAddress)?,
            recipient_key_id: KeyId(arr(&h[34..42])),
            created_at_ms: u64::from_be_bytes(arr(&h[42..50])),
            ciphertext_len,
        })
    }

    /// Total envelope length this header announces.
    pub fn envelope_len(&self) -> usize {
        HEADER_LEN + ENC_LEN + self.ciphertext_len as usize + SIGNATURE_LEN
    }
}

/// Copies a slice of known length into an array (lengths are fixed by the layout above).
fn arr<const N: usize>(s: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&s[..N]);
    out
}
