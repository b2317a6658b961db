//! Local errors of the envelope, each with the wire code to answer a peer with.

use super::hpke_suite::HpkeFailure;
use super::layout::LayoutError;
use crate::messages::PayloadError;
use crate::replay::ReplayError;
use crate::wire_error::WireErrorCode;

/// Parsing or verifying an envelope without opening it (what the coordinator does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error(transparent)]
    Layout(#[from] LayoutError),
    #[error("envelope signature does not verify")]
    BadSignature,
}

impl EnvelopeError {
    pub fn wire_code(&self) -> WireErrorCode {
        match self {
            EnvelopeError::Layout(LayoutError::TooLarge) => WireErrorCode::TooLarge,
            EnvelopeError::Layout(LayoutError::UnsupportedVersion(_)) => WireErrorCode::UnsupportedVersion,
            EnvelopeError::Layout(_) => WireErrorCode::Malformed,
            EnvelopeError::BadSignature => WireErrorCode::BadSignature,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("payload: {0}")]
    Payload(#[from] PayloadError),
    #[error("payload too large")]
    TooLarge,
    #[error("HPKE: {0}")]
    Hpke(#[from] HpkeFailure),
    #[error("the system random number generator failed")]
    Rng,
}

/// Why a recipient refused an envelope addressed to it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    #[error("envelope is addressed to another node")]
    WrongRecipient,
    #[error("sealed to a key this node does not hold")]
    UnknownKey,
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error(transparent)]
    Hpke(#[from] HpkeFailure),
    #[error("payload: {0}")]
    Payload(#[from] PayloadError),
}

impl OpenError {
    /// A redelivery of an envelope this node already accepted. Not a fault: answer it the
    /// way the first delivery was answered (for a dose: `AlreadyHave`), so the sender or
    /// the coordinator's queue stops retrying.
    pub fn is_duplicate(&self) -> bool {
        matches!(self, OpenError::Replay(ReplayError::Duplicate))
    }

    pub fn wire_code(&self) -> WireErrorCode {
        match self {
            OpenError::Envelope(e) => e.wire_code(),
            OpenError::WrongRecipient => WireErrorCode::WrongRecipient,
            OpenError::UnknownKey | OpenError::Hpke(_) => WireErrorCode::Undecryptable,
            OpenError::Replay(r) => r.wire_code(),
            OpenError::Payload(PayloadError::TooLarge) => WireErrorCode::TooLarge,
            OpenError::Payload(_) => WireErrorCode::Malformed,
        }
    }
}
