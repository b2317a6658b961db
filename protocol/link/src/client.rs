//! What the application holds: the [`Client`] handle, its configuration and errors, the
//! [`Event`]s the link reports and the [`Responder`] that answers an inbound request.

use crate::batching::{BatchAnswers, InboundBatch};
use crate::stream::{StreamReply, Streams};
use libp2p::request_response::ResponseChannel;
use libp2p::{Multiaddr, PeerId};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct LinkConfig {
    /// How long a request may wait for its answer before it fails with [`LinkError::Timeout`].
    pub request_timeout: Duration,
    /// Concurrent request streams per connection (each side), a bound on a peer's load.
    pub max_concurrent_streams: usize,
    /// Envelope requests (single or batch) outstanding to one peer; more wait and go out
    /// together as one batch when a slot frees (see `batching`).
    pub envelope_slots_per_peer: usize,
    /// First and longest pause between redials of a peer kept connected.
    pub redial_min: Duration,
    pub redial_max: Duration,
    /// Speak `/vrs/envelope-stream/1` (one long-lived stream per direction for envelopes,
    /// see `stream`). Off, this link behaves as a version without it: envelopes travel on
    /// `/vrs/envelope/1` and in batches. For tests of that fallback.
    pub envelope_stream: bool,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            request_timeout: Duration::from_secs(10),
            max_concurrent_streams: 256,
            envelope_slots_per_peer: 8,
            redial_min: Duration::from_millis(250),
            redial_max: Duration::from_secs(30),
            envelope_stream: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the peer did not answer in time (it may still have received the request)")]
    Timeout,
    #[error("the peer is not connected")]
    Unreachable,
    #[error("the connection closed before the answer arrived")]
    ConnectionClosed,
    #[error("the peer does not speak the federation protocol")]
    UnsupportedProtocol,
    #[error("transport error: {0}")]
    Io(String),
    #[error("the link has shut down")]
    Shutdown,
    #[error("cannot listen: {0}")]
    Listen(String),
}

/// What the link tells the application.
#[derive(Debug)]
pub enum Event {
    Connected(PeerId),
    Disconnected(PeerId),
    /// A frame from an authenticated, allowed peer; answer it through `responder`.
    Request {
        peer: PeerId,
        channel: Channel,
        frame: Vec<u8>,
        responder: Responder,
    },
}

/// The federation's two request-response protocols (see `vrs_protocol::names`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// Sealed envelopes: request = envelope, response = `EnvelopeResponse`.
    Envelope,
    /// The signed registry: `RegistryRequest` / `RegistryResponse`.
    Registry,
}

/// Answers one inbound request (dropping it unanswered makes the peer's request fail).
#[derive(Debug)]
pub struct Responder(pub(crate) Reply);

#[derive(Debug)]
pub(crate) enum Reply {
    /// A request of its own stream.
    Single { channel: Channel, response: ResponseChannel<Vec<u8>>, commands: mpsc::WeakSender<Command> },
    /// One frame of an inbound batch; the batch is answered when all its frames are.
    InBatch { batch: Arc<InboundBatch>, index: usize },
    /// A request on the peer's envelope stream (`stream`).
    Stream(StreamReply),
}

impl Responder {
    pub async fn respond(self, frame: Vec<u8>) -> Result<(), LinkError> {
        match self.0 {
            Reply::Single { channel, response, commands } => {
                let commands = commands.upgrade().ok_or(LinkError::Shutdown)?;
                let command = Command::Respond { channel, response, frame };
                commands.send(command).await.map_err(|_| LinkError::Shutdown)
            }
            Reply::InBatch { batch, index } => {
                batch.answer(index, frame);
                Ok(())
            }
            Reply::Stream(reply) => reply.answer(&frame),
        }
    }
}

#[derive(Debug)]
pub(crate) enum Command {
    Listen { addr: Multiaddr, reply: oneshot::Sender<Result<Multiaddr, LinkError>> },
    KeepConnected { peer: PeerId, addr: Multiaddr },
    Allow { peers: HashSet<PeerId> },
    Request { peer: PeerId, channel: Channel, frame: Vec<u8>, reply: oneshot::Sender<Result<Vec<u8>, LinkError>> },
    Respond { channel: Channel, response: ResponseChannel<Vec<u8>>, frame: Vec<u8> },
    RespondBatch { response: ResponseChannel<BatchAnswers>, answers: BatchAnswers },
    Connected { reply: oneshot::Sender<Vec<PeerId>> },
}

/// A cloneable handle on the link. The event loop stops when every client is dropped.
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) commands: mpsc::Sender<Command>,
    pub(crate) peer_id: PeerId,
    pub(crate) request_timeout: Duration,
    pub(crate) streams: Arc<Streams>,
}

impl Client {
    pub fn peer_id(&self) -> PeerId {
        self.peer_id
    }

    /// Listens on `addr` (port 0 picks one) and returns the address actually bound.
    pub async fn listen(&self, addr: Multiaddr) -> Result<Multiaddr, LinkError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Listen { addr, reply }).await?;
        rx.await.map_err(|_| LinkError::Shutdown)?
    }

    /// Dials `peer` at `addr` now and again (with backoff) whenever the connection drops.
    pub async fn keep_connected(&self, peer: PeerId, addr: Multiaddr) -> Result<(), LinkError> {
        self.send(Command::KeepConnected { peer, addr }).await
    }

    /// Replaces the set of peers allowed to connect; connections of others close at once.
    pub async fn allow_only(&self, peers: HashSet<PeerId>) -> Result<(), LinkError> {
        self.send(Command::Allow { peers }).await
    }

    /// Sends a frame and waits for the answer frame, at most the request timeout in all
    /// (an envelope may wait for a free slot to its peer before it goes out; if the time
    /// runs out while it waits, it is not sent at all).
    pub async fn request(&self, peer: PeerId, channel: Channel, frame: Vec<u8>) -> Result<Vec<u8>, LinkError> {
        let deadline = Instant::now() + self.request_timeout;
        // The peer's envelope stream, when it is up, takes the request straight to its
        // writer, past the event loop.
        if channel == Channel::Envelope
            && let Some(stream) = self.streams.get(&peer)
        {
            return stream.request(&frame, deadline).await;
        }
        let (reply, rx) = oneshot::channel();
        self.send(Command::Request { peer, channel, frame, reply }).await?;
        match tokio::time::timeout_at(deadline, rx).await {
            Ok(answer) => answer.map_err(|_| LinkError::Shutdown)?,
            Err(_) => Err(LinkError::Timeout),
        }
    }

    pub async fn connected_peers(&self) -> Result<Vec<PeerId>, LinkError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Connected { reply }).await?;
        rx.await.map_err(|_| LinkError::Shutdown)
    }

    async fn send(&self, command: Command) -> Result<(), LinkError> {
        self.commands.send(command).await.map_err(|_| LinkError::Shutdown)
    }
}
