//! The event loop that owns the libp2p swarm, and the [`Client`] handle that drives it.

use crate::codec::FrameCodec;
use futures::StreamExt;
use libp2p::request_response::{self, OutboundFailure, OutboundRequestId, ProtocolSupport, ResponseChannel};
use libp2p::swarm::dial_opts::DialOpts;
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{
    Multiaddr, PeerId, StreamProtocol, Swarm, allow_block_list, core::transport::ListenerId, identity::Keypair, ping,
    tcp,
};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use vrs_protocol::{ENVELOPE_PROTOCOL, REGISTRY_PROTOCOL};

#[derive(Debug, Clone)]
pub struct LinkConfig {
    /// How long a request may wait for its answer before it fails with [`LinkError::Timeout`].
    pub request_timeout: Duration,
    /// Concurrent request streams per connection (each side), a bound on a peer's load.
    pub max_concurrent_streams: usize,
    /// First and longest pause between redials of a peer kept connected.
    pub redial_min: Duration,
    pub redial_max: Duration,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            request_timeout: Duration::from_secs(10),
            max_concurrent_streams: 256,
            redial_min: Duration::from_millis(250),
            redial_max: Duration::from_secs(30),
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
pub struct Responder {
    channel: Channel,
    response: ResponseChannel<Vec<u8>>,
    commands: mpsc::WeakSender<Command>,
}

impl Responder {
    pub async fn respond(self, frame: Vec<u8>) -> Result<(), LinkError> {
        let commands = self.commands.upgrade().ok_or(LinkError::Shutdown)?;
        let command = Command::Respond { channel: self.channel, response: self.response, frame };
        commands.send(command).await.map_err(|_| LinkError::Shutdown)
    }
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    allowed: allow_block_list::Behaviour<allow_block_list::AllowedPeers>,
    envelopes: request_response::Behaviour<FrameCodec>,
    registry: request_response::Behaviour<FrameCodec>,
    ping: ping::Behaviour,
}

#[derive(Debug)]
enum Command {
    Listen { addr: Multiaddr, reply: oneshot::Sender<Result<Multiaddr, LinkError>> },
    KeepConnected { peer: PeerId, addr: Multiaddr },
    Allow { peers: HashSet<PeerId> },
    Request { peer: PeerId, channel: Channel, frame: Vec<u8>, reply: oneshot::Sender<Result<Vec<u8>, LinkError>> },
    Respond { channel: Channel, response: ResponseChannel<Vec<u8>>, frame: Vec<u8> },
    Connected { reply: oneshot::Sender<Vec<PeerId>> },
}

/// A cloneable handle on the link. The event loop stops when every client is dropped.
#[derive(Debug, Clone)]
pub struct Client {
    commands: mpsc::Sender<Command>,
    peer_id: PeerId,
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

    /// Sends a frame and waits for the answer frame.
    pub async fn request(&self, peer: PeerId, channel: Channel, frame: Vec<u8>) -> Result<Vec<u8>, LinkError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Request { peer, channel, frame, reply }).await?;
        rx.await.map_err(|_| LinkError::Shutdown)?
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

/// Builds the swarm and spawns its event loop on the current tokio runtime.
pub fn start(keypair: Keypair, config: LinkConfig) -> Result<(Client, mpsc::Receiver<Event>), LinkError> {
    let peer_id = keypair.public().to_peer_id();
    let rr = |name: &'static str| {
        let config = request_response::Config::default()
            .with_request_timeout(config.request_timeout)
            .with_max_concurrent_streams(config.max_concurrent_streams);
        request_response::Behaviour::with_codec(
            FrameCodec,
            [(StreamProtocol::new(name), ProtocolSupport::Full)],
            config,
        )
    };
    let swarm = libp2p::SwarmBuilder::with_existing_identity(keypair)
        .with_tokio()
        .with_tcp(tcp::Config::default().nodelay(true), libp2p::tls::Config::new, libp2p::yamux::Config::default)
        .map_err(|e| LinkError::Io(e.to_string()))?
        .with_behaviour(|_| Behaviour {
            allowed: allow_block_list::Behaviour::default(),
            envelopes: rr(ENVELOPE_PROTOCOL),
            registry: rr(REGISTRY_PROTOCOL),
            ping: ping::Behaviour::new(ping::Config::new().with_interval(Duration::from_secs(10))),
        })
        .map_err(|e| LinkError::Io(e.to_string()))?
        // Links are long-lived: a node keeps its one connection to the coordinator open so
        // that the coordinator can send requests down it; ping keeps it busy and checked.
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(24 * 3600)))
        .build();
    let (commands, command_rx) = mpsc::channel(1024);
    let (events, event_rx) = mpsc::channel(1024);
    let event_loop = EventLoop {
        swarm,
        config,
        commands: command_rx,
        command_tx: commands.downgrade(),
        events,
        pending: HashMap::new(),
        listening: HashMap::new(),
        kept: HashMap::new(),
        allowed: HashSet::new(),
    };
    tokio::spawn(event_loop.run());
    Ok((Client { commands, peer_id }, event_rx))
}

/// A peer the loop keeps connected: where to dial it, and when next.
struct Kept {
    addr: Multiaddr,
    backoff: Duration,
    next_dial: Option<Instant>,
    connected: bool,
}

/// Where the answer to one outbound request goes.
type AnswerSender = oneshot::Sender<Result<Vec<u8>, LinkError>>;

struct EventLoop {
    swarm: Swarm<Behaviour>,
    config: LinkConfig,
    commands: mpsc::Receiver<Command>,
    /// Weak, so that the loop ends when the last [`Client`] is dropped.
    command_tx: mpsc::WeakSender<Command>,
    events: mpsc::Sender<Event>,
    /// Request ids are counted per behaviour, hence the channel in the key.
    pending: HashMap<(Channel, OutboundRequestId), AnswerSender>,
    listening: HashMap<ListenerId, oneshot::Sender<Result<Multiaddr, LinkError>>>,
    kept: HashMap<PeerId, Kept>,
    allowed: HashSet<PeerId>,
}

impl EventLoop {
    async fn run(mut self) {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tokio::select! {
                event = self.swarm.select_next_some() => self.on_swarm_event(event),
                command = self.commands.recv() => match command {
                    Some(c) => self.on_command(c),
                    None => break,
                },
                _ = tick.tick() => self.redial_due(),
            }
        }
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Listen { addr, reply } => match self.swarm.listen_on(addr) {
                Ok(id) => {
                    self.listening.insert(id, reply);
                }
                Err(e) => {
                    let _ = reply.send(Err(LinkError::Listen(e.to_string())));
                }
            },
            Command::KeepConnected { peer, addr } => {
                self.allow(peer);
                let min = self.config.redial_min;
                self.kept.insert(peer, Kept { addr, backoff: min, next_dial: Some(Instant::now()), connected: false });
                self.redial_due();
            }
            Command::Allow { peers } => self.replace_allowed(peers),
            Command::Request { peer, channel, frame, reply } => {
                if !self.swarm.is_connected(&peer) {
                    let _ = reply.send(Err(LinkError::Unreachable));
                    return;
                }
                let id = self.behaviour(channel).send_request(&peer, frame);
                self.pending.insert((channel, id), reply);
            }
            Command::Respond { channel, response, frame } => {
                // Fails only if the peer gave up waiting; its side reports that.
                let _ = self.behaviour(channel).send_response(response, frame);
            }
            Command::Connected { reply } => {
                let _ = reply.send(self.swarm.connected_peers().copied().collect());
            }
        }
    }

    fn behaviour(&mut self, channel: Channel) -> &mut request_response::Behaviour<FrameCodec> {
        match channel {
            Channel::Envelope => &mut self.swarm.behaviour_mut().envelopes,
            Channel::Registry => &mut self.swarm.behaviour_mut().registry,
        }
    }

    fn allow(&mut self, peer: PeerId) {
        self.allowed.insert(peer);
        self.swarm.behaviour_mut().allowed.allow_peer(peer);
    }

    fn replace_allowed(&mut self, peers: HashSet<PeerId>) {
        let kept: Vec<PeerId> = self.kept.keys().copied().collect();
        let removed: Vec<PeerId> = self.allowed.difference(&peers).copied().filter(|p| !kept.contains(p)).collect();
        for peer in removed {
            self.allowed.remove(&peer);
            // Disallowing closes the peer's open connections at once.
            self.swarm.behaviour_mut().allowed.disallow_peer(peer);
        }
        for peer in peers {
            self.allow(peer);
        }
    }

    fn redial_due(&mut self) {
        let now = Instant::now();
        let max = self.config.redial_max;
        let mut due = Vec::new();
        for (peer, kept) in &mut self.kept {
            if kept.connected || kept.next_dial.is_none_or(|t| t > now) {
                continue;
            }
            kept.next_dial = Some(now + kept.backoff);
            kept.backoff = (kept.backoff * 2).min(max);
            due.push((*peer, kept.addr.clone()));
        }
        for (peer, addr) in due {
            if !self.swarm.is_connected(&peer) {
                let opts = DialOpts::peer_id(peer).addresses(vec![addr]).build();
                if let Err(e) = self.swarm.dial(opts) {
                    tracing::debug!(%peer, error = %e, "dial not started");
                }
            }
        }
    }

    fn emit(&mut self, event: Event) {
        // The loop must never wait on the application (every connection would stall
        // behind it). When the queue is full — a burst such as 1,741 nodes connecting and
        // fetching the registry at once — the event waits in a task of its own instead of
        // being dropped: a dropped request would reach its peer as a truncated stream.
        // Such tasks are bounded by libp2p's limit on concurrent streams per connection.
        match self.events.try_send(event) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(event)) => {
                let events = self.events.clone();
                tokio::spawn(async move {
                    let _ = events.send(event).await;
                });
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::debug!("link event not delivered: the application has stopped listening");
            }
        }
    }

    fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::NewListenAddr { listener_id, address } => {
                if let Some(reply) = self.listening.remove(&listener_id) {
                    let _ = reply.send(Ok(address));
                }
            }
            SwarmEvent::ListenerClosed { listener_id, reason, .. } => {
                if let Some(reply) = self.listening.remove(&listener_id) {
                    let why = reason.err().map_or_else(|| "closed".to_owned(), |e| e.to_string());
                    let _ = reply.send(Err(LinkError::Listen(why)));
                }
            }
            SwarmEvent::ConnectionEstablished { peer_id, num_established, .. } => {
                if let Some(kept) = self.kept.get_mut(&peer_id) {
                    kept.connected = true;
                    kept.backoff = self.config.redial_min;
                }
                if num_established.get() == 1 {
                    self.emit(Event::Connected(peer_id));
                }
            }
            SwarmEvent::ConnectionClosed { peer_id, num_established: 0, .. } => {
                if let Some(kept) = self.kept.get_mut(&peer_id) {
                    kept.connected = false;
                    kept.next_dial = Some(Instant::now() + kept.backoff);
                }
                self.emit(Event::Disconnected(peer_id));
            }
            SwarmEvent::Behaviour(BehaviourEvent::Envelopes(event)) => self.on_frames(Channel::Envelope, event),
            SwarmEvent::Behaviour(BehaviourEvent::Registry(event)) => self.on_frames(Channel::Registry, event),
            _ => {}
        }
    }

    fn on_frames(&mut self, channel: Channel, event: request_response::Event<Vec<u8>, Vec<u8>>) {
        use request_response::{Event as E, Message};
        match event {
            E::Message { peer, message: Message::Request { request, channel: response, .. }, .. } => {
                let responder = Responder { channel, response, commands: self.command_tx.clone() };
                self.emit(Event::Request { peer, channel, frame: request, responder });
            }
            E::Message { message: Message::Response { request_id, response }, .. } => {
                if let Some(reply) = self.pending.remove(&(channel, request_id)) {
                    let _ = reply.send(Ok(response));
                }
            }
            E::OutboundFailure { request_id, error, .. } => {
                if let Some(reply) = self.pending.remove(&(channel, request_id)) {
                    let _ = reply.send(Err(match error {
                        OutboundFailure::Timeout => LinkError::Timeout,
                        OutboundFailure::DialFailure => LinkError::Unreachable,
                        OutboundFailure::ConnectionClosed => LinkError::ConnectionClosed,
                        OutboundFailure::UnsupportedProtocols => LinkError::UnsupportedProtocol,
                        other => LinkError::Io(other.to_string()),
                    }));
                }
            }
            E::InboundFailure { peer, error, .. } => {
                tracing::debug!(%peer, error = %error, "inbound request failed");
            }
            E::ResponseSent { .. } => {}
        }
    }
}
