//! Messages of `/vrs/registry/1`, postcard-encoded inside a frame. The registry is public
//! (keys and peer ids) and signed, so it travels unsealed.

use super::registry::SignedRegistry;
use crate::limits::MAX_FRAME_BYTES;
use crate::wire_error::WireErrorCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegistryRequest {
    /// Node → coordinator: send the registry if newer than `have_version`.
    Fetch { have_version: u64 },
    /// Coordinator → node: a new registry (pushed on every change).
    Push(Box<SignedRegistry>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegistryResponse {
    Current(Box<SignedRegistry>),
    UpToDate,
    /// The node verified and stored a pushed registry of this version.
    Accepted {
        version: u64,
    },
    Error(WireErrorCode),
}

macro_rules! codec {
    ($t:ty) => {
        impl $t {
            pub fn to_bytes(&self) -> Vec<u8> {
                postcard::to_allocvec(self).unwrap_or_default()
            }

            /// Never panics; refuses oversize input and trailing bytes.
            pub fn from_bytes(b: &[u8]) -> Result<Self, crate::messages::PayloadError> {
                use crate::messages::PayloadError;
                if b.len() > MAX_FRAME_BYTES {
                    return Err(PayloadError::TooLarge);
                }
                let (v, rest) = postcard::take_from_bytes(b).map_err(|_| PayloadError::Malformed)?;
                if rest.is_empty() { Ok(v) } else { Err(PayloadError::TrailingBytes) }
            }
        }
    };
}

codec!(RegistryRequest);
codec!(RegistryResponse);
