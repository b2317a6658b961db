#![doc = include_str!("../README.md")]

pub mod address;
pub mod batch;
pub mod date;
pub mod envelope;
pub mod federation;
pub mod frame;
mod id16;
pub mod ids;
pub mod kana;
pub mod keys;
pub mod limits;
pub mod messages;
pub mod names;
pub mod replay;
mod serde_hex;
pub mod time;
pub mod wire_error;

pub use address::Address;
pub use date::CivilDate;
pub use envelope::{Envelope, EnvelopeError, EnvelopeResponse, Header, OpenError, Opened, SealError, SealParams};
pub use federation::{
    CoordinatorEntry, Enrollment, FederationFile, PeerIdBytes, Registry, RegistryEntry, RegistryRequest,
    RegistryResponse, SignedEnrollment, SignedRegistry,
};
pub use frame::{decode_frame, encode_frame, frame_body_len};
pub use id16::{MessageId, RecordId, RngError};
pub use ids::{Atena, CouponNumber, IdError, MunicipalityCode, MyNumber, OcrError, OcrLine, Sex};
pub use keys::{DecryptionKey, KeyError, RecipientKey, SigningKey, SigningPublicKey};
pub use messages::{Kind, Message};
pub use names::{ENVELOPE_BATCH_PROTOCOL, ENVELOPE_PROTOCOL, ENVELOPE_STREAM_PROTOCOL, REGISTRY_PROTOCOL};
pub use replay::{ReplayError, ReplayGuard, ReplayPolicy};
pub use time::now_ms;
pub use wire_error::WireErrorCode;
