//! Versioned libp2p protocol names and the wire format version.
//!
//! Few protocols, not one per message kind: every sealed message travels on
//! [`ENVELOPE_PROTOCOL`] (its kind is in the routing header the coordinator reads), so the
//! coordinator has one routing path, one size limit and one place to count traffic, or
//! several at once on [`ENVELOPE_BATCH_PROTOCOL`]; the public, registry-signed node list
//! travels on [`REGISTRY_PROTOCOL`]. A breaking change
//! to either gets a new name (`/2`), so old and new peers can be told apart at negotiation.

/// Sealed envelopes, both directions: request = one envelope frame, response = one
/// [`EnvelopeResponse`](crate::EnvelopeResponse) frame.
pub const ENVELOPE_PROTOCOL: &str = "/vrs/envelope/1";

/// Several envelopes in one request, for the same peer: request = a batch of envelope
/// frames, response = one answer (or "not answered") per frame, in order (see
/// [`batch`](crate::batch)). Only the transport is shared: each item is checked and
/// answered exactly as on [`ENVELOPE_PROTOCOL`], which a peer may always use instead.
pub const ENVELOPE_BATCH_PROTOCOL: &str = "/vrs/envelope-batch/1";

/// Sealed envelopes on one long-lived stream per direction and connection: each side
/// opens one stream for its own requests and answers the peer's on the stream the peer
/// opened. Frames are tagged with a request id (specs/protocol.md §6.2), so many
/// requests share one stream, one protocol negotiation and no per-request timer. Each
/// request and answer is exactly a [`ENVELOPE_PROTOCOL`] body, checked on its own; a
/// peer that does not speak it is sent envelopes on the other two protocols.
pub const ENVELOPE_STREAM_PROTOCOL: &str = "/vrs/envelope-stream/1";

/// The signed registry: request = [`RegistryRequest`](crate::RegistryRequest) frame,
/// response = [`RegistryResponse`](crate::RegistryResponse) frame.
pub const REGISTRY_PROTOCOL: &str = "/vrs/registry/1";

/// The version byte of the envelope layout; equal to the `/1` of [`ENVELOPE_PROTOCOL`].
pub const WIRE_VERSION: u8 = 1;

/// Every protocol this crate speaks, for registering with the libp2p behaviour.
pub const ALL_PROTOCOLS: [&str; 4] =
    [ENVELOPE_PROTOCOL, ENVELOPE_BATCH_PROTOCOL, ENVELOPE_STREAM_PROTOCOL, REGISTRY_PROTOCOL];
