//! The message kinds carried sealed inside envelopes, and their payload encoding.
//!
//! The payload is the postcard encoding of the kind's body struct alone: the kind is in
//! the envelope header (signed and bound as HPKE aad), so it is not repeated inside.
//! Postcard (a frozen, documented wire format; compact; deterministic for these types,
//! which hold no maps) was chosen over CBOR for size and over bincode, whose project has
//! stopped.

mod checkpoint;
mod consent;
mod dose;
pub(crate) mod fields;
mod inquiry;
mod inquiry_batch;
mod key_rotation;
mod stats;

pub use checkpoint::{
    Checkpoint, CheckpointAck, CheckpointFetch, CheckpointList, MAX_CHECKPOINTS_PER_LIST, SignedCheckpoint,
};
pub use consent::{CONSENT_CLOCK_SKEW_MS, ConsentBasis, ConsentContext, ConsentError, ConsentStatement, SignedConsent};
pub use dose::{DoseAck, DoseDelivery, DoseOutcome};
pub use fields::FieldError;
pub use inquiry::{
    FoundPerson, InquiryAnswer, InquiryRequest, InquiryResult, InquirySubject, PersonSummary, PriorDose,
};
pub use inquiry_batch::{BatchQuestion, InquiryBatch, InquiryBatchAnswer};
pub use key_rotation::{KeyRotation, KeyRotationAck};
pub use stats::{AgeBand, DoseCell, PopulationCell, StatsAnswer, StatsRequest};

use crate::limits::MAX_PAYLOAD_BYTES;
use serde::{Deserialize, Serialize};

/// The kind byte of the envelope header. Numbers are fixed forever; new kinds get new ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    DoseDelivery = 1,
    DoseAck = 2,
    InquiryRequest = 3,
    InquiryAnswer = 4,
    StatsRequest = 5,
    StatsAnswer = 6,
    Checkpoint = 7,
    CheckpointAck = 8,
    CheckpointFetch = 9,
    CheckpointList = 10,
    KeyRotation = 11,
    KeyRotationAck = 12,
    InquiryBatch = 13,
    InquiryBatchAnswer = 14,
}

/// How long a message may legitimately take to arrive, which decides its replay window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Asked and answered while the asker waits (seconds): a short window.
    Interactive,
    /// May wait in the coordinator's store-and-forward queue while the recipient is
    /// offline: a long window.
    StoreAndForward,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::DoseDelivery,
        Kind::DoseAck,
        Kind::InquiryRequest,
        Kind::InquiryAnswer,
        Kind::StatsRequest,
        Kind::StatsAnswer,
        Kind::Checkpoint,
        Kind::CheckpointAck,
        Kind::CheckpointFetch,
        Kind::CheckpointList,
        Kind::KeyRotation,
        Kind::KeyRotationAck,
        Kind::InquiryBatch,
        Kind::InquiryBatchAnswer,
    ];

    pub fn byte(self) -> u8 {
        self as u8
    }

    pub fn from_byte(b: u8) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.byte() == b)
    }

    /// snake_case name for logs and metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DoseDelivery => "dose_delivery",
            Kind::DoseAck => "dose_ack",
            Kind::InquiryRequest => "inquiry_request",
            Kind::InquiryAnswer => "inquiry_answer",
            Kind::StatsRequest => "stats_request",
            Kind::StatsAnswer => "stats_answer",
            Kind::Checkpoint => "checkpoint",
            Kind::CheckpointAck => "checkpoint_ack",
            Kind::CheckpointFetch => "checkpoint_fetch",
            Kind::CheckpointList => "checkpoint_list",
            Kind::KeyRotation => "key_rotation",
            Kind::KeyRotationAck => "key_rotation_ack",
            Kind::InquiryBatch => "inquiry_batch",
            Kind::InquiryBatchAnswer => "inquiry_batch_answer",
        }
    }

    pub fn delivery(self) -> Delivery {
        match self {
            Kind::DoseDelivery | Kind::DoseAck | Kind::Checkpoint | Kind::CheckpointAck => Delivery::StoreAndForward,
            Kind::InquiryRequest
            | Kind::InquiryAnswer
            | Kind::StatsRequest
            | Kind::StatsAnswer
            | Kind::CheckpointFetch
            | Kind::CheckpointList
            | Kind::KeyRotation
            | Kind::KeyRotationAck
            | Kind::InquiryBatch
            | Kind::InquiryBatchAnswer => Delivery::Interactive,
        }
    }
}

/// A decoded payload. Serde-tagged (`{"dose_delivery": {...}}`) in human-readable formats
/// for test vectors; on the wire only the body is encoded (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Message {
    DoseDelivery(DoseDelivery),
    DoseAck(DoseAck),
    InquiryRequest(InquiryRequest),
    InquiryAnswer(InquiryAnswer),
    StatsRequest(StatsRequest),
    StatsAnswer(StatsAnswer),
    Checkpoint(SignedCheckpoint),
    CheckpointAck(CheckpointAck),
    CheckpointFetch(CheckpointFetch),
    CheckpointList(CheckpointList),
    KeyRotation(KeyRotation),
    KeyRotationAck(KeyRotationAck),
    InquiryBatch(InquiryBatch),
    InquiryBatchAnswer(InquiryBatchAnswer),
}

/// A payload that could not be encoded or decoded. Never carries field values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("payload larger than {MAX_PAYLOAD_BYTES} bytes")]
    TooLarge,
    #[error("payload does not decode as its kind")]
    Malformed,
    #[error("payload has bytes after the message")]
    TrailingBytes,
    #[error(transparent)]
    Field(#[from] FieldError),
}

impl Message {
    pub fn kind(&self) -> Kind {
        match self {
            Message::DoseDelivery(_) => Kind::DoseDelivery,
            Message::DoseAck(_) => Kind::DoseAck,
            Message::InquiryRequest(_) => Kind::InquiryRequest,
            Message::InquiryAnswer(_) => Kind::InquiryAnswer,
            Message::StatsRequest(_) => Kind::StatsRequest,
            Message::StatsAnswer(_) => Kind::StatsAnswer,
            Message::Checkpoint(_) => Kind::Checkpoint,
            Message::CheckpointAck(_) => Kind::CheckpointAck,
            Message::CheckpointFetch(_) => Kind::CheckpointFetch,
            Message::CheckpointList(_) => Kind::CheckpointList,
            Message::KeyRotation(_) => Kind::KeyRotation,
            Message::KeyRotationAck(_) => Kind::KeyRotationAck,
            Message::InquiryBatch(_) => Kind::InquiryBatch,
            Message::InquiryBatchAnswer(_) => Kind::InquiryBatchAnswer,
        }
    }

    /// Field checks beyond what the types enforce (text lengths, product codes, ...).
    pub fn validate(&self) -> Result<(), FieldError> {
        match self {
            Message::DoseDelivery(m) => m.validate(),
            Message::InquiryRequest(m) => m.validate(),
            Message::InquiryAnswer(m) => m.validate(),
            Message::StatsAnswer(m) => m.validate(),
            Message::CheckpointFetch(m) => m.validate(),
            Message::CheckpointList(m) => m.validate(),
            Message::InquiryBatch(m) => m.validate(),
            Message::InquiryBatchAnswer(m) => m.validate(),
            Message::DoseAck(_)
            | Message::StatsRequest(_)
            | Message::Checkpoint(_)
            | Message::CheckpointAck(_)
            | Message::KeyRotation(_)
            | Message::KeyRotationAck(_) => Ok(()),
        }
    }

    /// The payload bytes: postcard of the body. Validates first, so a node cannot send
    /// what its peer would refuse.
    pub fn encode_payload(&self) -> Result<Vec<u8>, PayloadError> {
        self.validate()?;
        let r = match self {
            Message::DoseDelivery(m) => postcard::to_allocvec(m),
            Message::DoseAck(m) => postcard::to_allocvec(m),
            Message::InquiryRequest(m) => postcard::to_allocvec(m),
            Message::InquiryAnswer(m) => postcard::to_allocvec(m),
            Message::StatsRequest(m) => postcard::to_allocvec(m),
            Message::StatsAnswer(m) => postcard::to_allocvec(m),
            Message::Checkpoint(m) => postcard::to_allocvec(m),
            Message::CheckpointAck(m) => postcard::to_allocvec(m),
            Message::CheckpointFetch(m) => postcard::to_allocvec(m),
            Message::CheckpointList(m) => postcard::to_allocvec(m),
            Message::KeyRotation(m) => postcard::to_allocvec(m),
            Message::KeyRotationAck(m) => postcard::to_allocvec(m),
            Message::InquiryBatch(m) => postcard::to_allocvec(m),
            Message::InquiryBatchAnswer(m) => postcard::to_allocvec(m),
        };
        let bytes = r.map_err(|_| PayloadError::Malformed)?;
        if bytes.len() > MAX_PAYLOAD_BYTES {
            return Err(PayloadError::TooLarge);
        }
        Ok(bytes)
    }

    /// Decodes a payload of `kind`; refuses oversize input, trailing bytes (one message has
    /// one encoding) and invalid fields. Never panics.
    pub fn decode_payload(kind: Kind, bytes: &[u8]) -> Result<Message, PayloadError> {
        if bytes.len() > MAX_PAYLOAD_BYTES {
            return Err(PayloadError::TooLarge);
        }
        let msg = match kind {
            Kind::DoseDelivery => Message::DoseDelivery(body(bytes)?),
            Kind::DoseAck => Message::DoseAck(body(bytes)?),
            Kind::InquiryRequest => Message::InquiryRequest(body(bytes)?),
            Kind::InquiryAnswer => Message::InquiryAnswer(body(bytes)?),
            Kind::StatsRequest => Message::StatsRequest(body(bytes)?),
            Kind::StatsAnswer => Message::StatsAnswer(body(bytes)?),
            Kind::Checkpoint => Message::Checkpoint(body(bytes)?),
            Kind::CheckpointAck => Message::CheckpointAck(body(bytes)?),
            Kind::CheckpointFetch => Message::CheckpointFetch(body(bytes)?),
            Kind::CheckpointList => Message::CheckpointList(body(bytes)?),
            Kind::KeyRotation => Message::KeyRotation(body(bytes)?),
            Kind::KeyRotationAck => Message::KeyRotationAck(body(bytes)?),
            Kind::InquiryBatch => Message::InquiryBatch(body(bytes)?),
            Kind::InquiryBatchAnswer => Message::InquiryBatchAnswer(body(bytes)?),
        };
        msg.validate()?;
        Ok(msg)
    }
}

fn body<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, PayloadError> {
    let (v, rest) = postcard::take_from_bytes(bytes).map_err(|_| PayloadError::Malformed)?;
    if rest.is_empty() { Ok(v) } else { Err(PayloadError::TrailingBytes) }
}
