//! The federation's transport, shared by nodes and the coordinator.
//!
//! libp2p over TCP, secured by TLS 1.3 in which *both* peers present a certificate bound
//! to their libp2p identity (so each side knows the other's peer id once the handshake
//! ends), multiplexed by yamux, carrying request-response exchanges of opaque frames.
//! What a frame holds (signed, sealed envelopes) is `vrs-protocol`'s business; this crate
//! only moves bytes, bounded in size, between peers on an allow-list. Envelope frames
//! that wait for the same peer travel together as one batch (`batching`), unseen by the
//! application, which sends and answers one frame at a time either way.
//!
//! The shape follows rust-libp2p's file-sharing example: a cloneable [`Client`] sends
//! commands over a bounded channel to an event loop that owns the swarm, and the loop
//! hands inbound requests and connection changes to the application as [`Event`]s.

mod batching;
mod client;
mod codec;
mod event_loop;
mod identity;
mod stream;

pub use client::{Channel, Client, Event, LinkConfig, LinkError, Responder};
pub use codec::MAX_FRAME_BYTES;
pub use event_loop::start;
pub use identity::{IdentityError, load_or_create_identity};
pub use libp2p::identity::Keypair;
pub use libp2p::{Multiaddr, PeerId};
