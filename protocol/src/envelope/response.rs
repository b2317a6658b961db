//! The response to an envelope request on `/vrs/envelope/1`.
//!
//! ```text
//! 0x00                    accepted  (the receiver took it; no sealed reply)
//! 0x01                    queued    (the coordinator stored it for an offline recipient)
//! 0x02 <envelope bytes>   reply     (the recipient's sealed answer, relayed)
//! 0x03 <u16 BE code>      error     (a wire error code)
//! ```

use super::{Envelope, EnvelopeError, LayoutError};
use crate::wire_error::WireErrorCode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvelopeResponse {
    Accepted,
    Queued,
    Reply(Box<Envelope>),
    Error(WireErrorCode),
}

impl EnvelopeResponse {
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            EnvelopeResponse::Accepted => vec![0],
            EnvelopeResponse::Queued => vec![1],
            EnvelopeResponse::Reply(env) => {
                let mut v = vec![2];
                v.extend_from_slice(&env.to_bytes());
                v
            }
            EnvelopeResponse::Error(code) => {
                let n = code.number().to_be_bytes();
                vec![3, n[0], n[1]]
            }
        }
    }

    /// Never panics; unknown tags, unknown codes and trailing bytes are refused.
    pub fn from_bytes(b: &[u8]) -> Result<EnvelopeResponse, EnvelopeError> {
        let malformed = EnvelopeError::Layout(LayoutError::BadMagic);
        match b.split_first() {
            Some((0, [])) => Ok(EnvelopeResponse::Accepted),
            Some((1, [])) => Ok(EnvelopeResponse::Queued),
            Some((2, rest)) => Ok(EnvelopeResponse::Reply(Box::new(Envelope::from_bytes(rest)?))),
            Some((3, [hi, lo])) => {
                WireErrorCode::from_number(u16::from_be_bytes([*hi, *lo])).map(EnvelopeResponse::Error).ok_or(malformed)
            }
            _ => Err(malformed),
        }
    }
}
