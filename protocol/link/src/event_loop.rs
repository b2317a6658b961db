//! The event loop that owns the libp2p swarm: it runs the commands of [`Client`]s and
//! reports [`Event`]s.

use crate::batching::{AnswerSender, BatchAnswers, InboundBatch, Outbound, Outgoing};
use crate::client::{Channel, Client, Command, Event, LinkConfig, LinkError, Reply, Responder};
use crate::codec::{BatchCodec, FrameCodec};
use crate::stream::{self, Opened, StreamOpened, Streams};
use futures::StreamExt;
use libp2p::request_response::{self, OutboundFailure, OutboundRequestId, ProtocolSupport};
use libp2p::swarm::behaviour::toggle::Toggle;
use libp2p::swarm::dial_opts::DialOpts;
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{
    Multiaddr, PeerId, StreamProtocol, Swarm, allow_block_list, core::transport::ListenerId, identity::Keypair, ping,
    tcp,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use vrs_protocol::{ENVELOPE_BATCH_PROTOCOL, ENVELOPE_PROTOCOL, REGISTRY_PROTOCOL};

#[derive(NetworkBehaviour)]
struct Behaviour {
    allowed: allow_block_list::Behaviour<allow_block_list::AllowedPeers>,
    envelopes: request_response::Behaviour<FrameCodec>,
    batches: request_response::Behaviour<BatchCodec>,
    registry: request_response::Behaviour<FrameCodec>,
    streams: Toggle<stream::Behaviour>,
    ping: ping::Behaviour,
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
            batches: request_response::Behaviour::with_codec(
                BatchCodec,
                [(StreamProtocol::new(ENVELOPE_BATCH_PROTOCOL), ProtocolSupport::Full)],
                request_response::Config::default()
                    .with_request_timeout(config.request_timeout)
                    .with_max_concurrent_streams(config.max_concurrent_streams),
            ),
            registry: rr(REGISTRY_PROTOCOL),
            streams: Toggle::from(config.envelope_stream.then(stream::Behaviour::default)),
            ping: ping::Behaviour::new(ping::Config::new().with_interval(Duration::from_secs(10))),
        })
        .map_err(|e| LinkError::Io(e.to_string()))?
        // Links are long-lived: a node keeps its one connection to the coordinator open so
        // that the coordinator can send requests down it; ping keeps it busy and checked.
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(24 * 3600)))
        .build();
    let (commands, command_rx) = mpsc::channel(1024);
    let (events, event_rx) = mpsc::channel(1024);
    let request_timeout = config.request_timeout;
    let streams = Arc::new(Streams::default());
    let event_loop = EventLoop {
        streams: streams.clone(),
        inbound_streams: HashMap::new(),
        swarm,
        outbound: Outbound::new(config.envelope_slots_per_peer),
        config,
        commands: command_rx,
        command_tx: commands.downgrade(),
        events,
        pending: HashMap::new(),
        pending_batches: HashMap::new(),
        batch_ok: HashSet::new(),
        no_batch: HashSet::new(),
        listening: HashMap::new(),
        kept: HashMap::new(),
        allowed: HashSet::new(),
    };
    tokio::spawn(event_loop.run());
    Ok((Client { commands, peer_id, request_timeout, streams }, event_rx))
}

/// A peer the loop keeps connected: where to dial it, and when next.
struct Kept {
    addr: Multiaddr,
    backoff: Duration,
    next_dial: Option<Instant>,
    connected: bool,
}

/// An outbound batch: where each answer goes, in order, and (until the peer has shown it
/// takes batches) the frames, to send them one by one if it does not.
struct PendingBatch {
    replies: Vec<AnswerSender>,
    frames: Option<Vec<Vec<u8>>>,
}

/// Commands handled in one go before the loop looks at the swarm again, so that
/// requests arriving together leave together (as one batch per peer).
const DRAIN: usize = 1024;

struct EventLoop {
    swarm: Swarm<Behaviour>,
    config: LinkConfig,
    commands: mpsc::Receiver<Command>,
    /// Weak, so that the loop ends when the last [`Client`] is dropped.
    command_tx: mpsc::WeakSender<Command>,
    events: mpsc::Sender<Event>,
    /// Request ids are counted per behaviour, hence the channel in the key.
    pending: HashMap<(Channel, OutboundRequestId), AnswerSender>,
    pending_batches: HashMap<OutboundRequestId, PendingBatch>,
    outbound: Outbound,
    /// Peers that answered a batch on their current connection.
    batch_ok: HashSet<PeerId>,
    /// Peers that do not speak the batch protocol: envelopes go to them one by one.
    no_batch: HashSet<PeerId>,
    listening: HashMap<ListenerId, oneshot::Sender<Result<Multiaddr, LinkError>>>,
    kept: HashMap<PeerId, Kept>,
    allowed: HashSet<PeerId>,
    /// Our envelope streams (`stream`), shared with the clients.
    streams: Arc<Streams>,
    /// Per peer, a token each task serving one of its envelope streams holds: bounds how
    /// many such streams a peer can make us serve.
    inbound_streams: HashMap<PeerId, Arc<()>>,
}

/// Envelope streams of one peer served at once (one per connection; a second connection
/// can overlap the first while a redial races its close).
const MAX_INBOUND_STREAMS: usize = 2;

impl EventLoop {
    async fn run(mut self) {
        loop {
            // No periodic tick: a timer wakes the loop only while a redial is pending (a
            // process of many links, like the benchmark's 1,741 simulated nodes, would
            // otherwise wake every loop ten times a second for nothing).
            let redial = self.next_redial();
            tokio::select! {
                event = self.swarm.select_next_some() => self.on_swarm_event(event),
                command = self.commands.recv() => match command {
                    Some(c) => {
                        self.on_command(c);
                        for _ in 0..DRAIN {
                            let Ok(c) = self.commands.try_recv() else { break };
                            self.on_command(c);
                        }
                    }
                    None => break,
                },
                _ = tokio::time::sleep_until(redial.unwrap_or_else(Instant::now)), if redial.is_some() => {
                    self.redial_due();
                }
            }
            self.flush();
        }
    }

    /// Sends what waits for peers that have a free slot.
    fn flush(&mut self) {
        for peer in self.outbound.take_dirty() {
            let batch = !self.no_batch.contains(&peer);
            while let Some(items) = self.outbound.take(&peer, batch) {
                if !self.swarm.is_connected(&peer) {
                    for out in items {
                        let _ = out.reply.send(Err(LinkError::Unreachable));
                    }
                    self.outbound.finished(&peer);
                    self.outbound.fail_waiting(&peer, &LinkError::Unreachable);
                    break;
                }
                self.send_envelopes(peer, items);
            }
        }
    }

    fn send_envelopes(&mut self, peer: PeerId, mut items: Vec<Outgoing>) {
        if items.len() == 1
            && let Some(out) = items.pop()
        {
            let id = self.swarm.behaviour_mut().envelopes.send_request(&peer, out.frame);
            self.pending.insert((Channel::Envelope, id), out.reply);
            return;
        }
        let (frames, replies): (Vec<_>, Vec<_>) = items.into_iter().map(|o| (o.frame, o.reply)).unzip();
        let frames_kept = (!self.batch_ok.contains(&peer)).then(|| frames.clone());
        let id = self.swarm.behaviour_mut().batches.send_request(&peer, frames);
        self.pending_batches.insert(id, PendingBatch { replies, frames: frames_kept });
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
                if channel == Channel::Envelope {
                    return self.outbound.push(peer, Outgoing { frame, reply });
                }
                let id = self.behaviour(channel).send_request(&peer, frame);
                self.pending.insert((channel, id), reply);
            }
            // Either fails only if the peer gave up waiting; its side reports that.
            Command::Respond { channel, response, frame } => {
                let _ = self.behaviour(channel).send_response(response, frame);
            }
            Command::RespondBatch { response, answers } => {
                let _ = self.swarm.behaviour_mut().batches.send_response(response, answers);
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

    /// When the earliest redial of a peer kept connected is due, if any is pending.
    fn next_redial(&self) -> Option<Instant> {
        self.kept.values().filter(|k| !k.connected).filter_map(|k| k.next_dial).min()
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
                // The peer may come back running other software.
                self.batch_ok.remove(&peer_id);
                self.no_batch.remove(&peer_id);
                self.outbound.fail_waiting(&peer_id, &LinkError::ConnectionClosed);
                self.streams.forget(&peer_id);
                self.inbound_streams.remove(&peer_id);
                self.emit(Event::Disconnected(peer_id));
            }
            SwarmEvent::Behaviour(BehaviourEvent::Envelopes(event)) => self.on_frames(Channel::Envelope, event),
            SwarmEvent::Behaviour(BehaviourEvent::Registry(event)) => self.on_frames(Channel::Registry, event),
            SwarmEvent::Behaviour(BehaviourEvent::Batches(event)) => self.on_batch(event),
            SwarmEvent::Behaviour(BehaviourEvent::Streams(event)) => self.on_stream(event),
            _ => {}
        }
    }

    fn on_stream(&mut self, StreamOpened { peer, opened }: StreamOpened) {
        match opened {
            Opened::Outbound(s) => stream::start_outbound(&self.streams, peer, s),
            Opened::Inbound(s) => {
                let token = self.inbound_streams.entry(peer).or_default();
                // The map's own reference, plus one per stream being served.
                if Arc::strong_count(token) > MAX_INBOUND_STREAMS {
                    tracing::debug!(%peer, "envelope stream refused: too many from this peer");
                    return;
                }
                let limit = self.config.max_concurrent_streams;
                stream::start_inbound(peer, s, self.events.clone(), limit, token.clone());
            }
        }
    }

    fn on_batch(&mut self, event: request_response::Event<Vec<Vec<u8>>, BatchAnswers>) {
        use request_response::{Event as E, Message};
        match event {
            E::Message { peer, message: Message::Request { request, channel: response, .. }, .. } => {
                let batch = Arc::new(InboundBatch::new(request.len(), response, self.command_tx.clone()));
                for (index, frame) in request.into_iter().enumerate() {
                    let responder = Responder(Reply::InBatch { batch: batch.clone(), index });
                    self.emit(Event::Request { peer, channel: Channel::Envelope, frame, responder });
                }
            }
            E::Message { peer, message: Message::Response { request_id, response }, .. } => {
                self.outbound.finished(&peer);
                self.batch_ok.insert(peer);
                let Some(batch) = self.pending_batches.remove(&request_id) else { return };
                if response.len() != batch.replies.len() {
                    let e = LinkError::Io("the peer answered a batch with the wrong number of answers".into());
                    return batch.replies.into_iter().for_each(|r| drop(r.send(Err(e.clone()))));
                }
                for (reply, answer) in batch.replies.into_iter().zip(response) {
                    // Not answered: the peer dropped it, as with a single request.
                    let _ = reply.send(answer.ok_or_else(|| LinkError::Io("the peer did not answer".into())));
                }
            }
            E::OutboundFailure { peer, request_id, error, .. } => {
                self.outbound.finished(&peer);
                let Some(batch) = self.pending_batches.remove(&request_id) else { return };
                match (error, batch.frames) {
                    // An older peer: it saw none of the batch; send the frames one by one.
                    (OutboundFailure::UnsupportedProtocols, Some(frames)) => {
                        self.no_batch.insert(peer);
                        let outs =
                            frames.into_iter().zip(batch.replies).map(|(frame, reply)| Outgoing { frame, reply });
                        self.outbound.push_front(peer, outs.collect());
                    }
                    (error, _) => {
                        let e = link_error(error);
                        batch.replies.into_iter().for_each(|r| drop(r.send(Err(e.clone()))));
                    }
                }
            }
            E::InboundFailure { peer, error, .. } => {
                tracing::debug!(%peer, error = %error, "inbound batch failed");
            }
            E::ResponseSent { .. } => {}
        }
    }

    fn on_frames(&mut self, channel: Channel, event: request_response::Event<Vec<u8>, Vec<u8>>) {
        use request_response::{Event as E, Message};
        match event {
            E::Message { peer, message: Message::Request { request, channel: response, .. }, .. } => {
                let responder = Responder(Reply::Single { channel, response, commands: self.command_tx.clone() });
                self.emit(Event::Request { peer, channel, frame: request, responder });
            }
            E::Message { peer, message: Message::Response { request_id, response }, .. } => {
                if let Some(reply) = self.pending.remove(&(channel, request_id)) {
                    let _ = reply.send(Ok(response));
                }
                if channel == Channel::Envelope {
                    self.outbound.finished(&peer);
                }
            }
            E::OutboundFailure { peer, request_id, error, .. } => {
                if let Some(reply) = self.pending.remove(&(channel, request_id)) {
                    let _ = reply.send(Err(link_error(error)));
                }
                if channel == Channel::Envelope {
                    self.outbound.finished(&peer);
                }
            }
            E::InboundFailure { peer, error, .. } => {
                tracing::debug!(%peer, error = %error, "inbound request failed");
            }
            E::ResponseSent { .. } => {}
        }
    }
}

fn link_error(error: OutboundFailure) -> LinkError {
    match error {
        OutboundFailure::Timeout => LinkError::Timeout,
        OutboundFailure::DialFailure => LinkError::Unreachable,
        OutboundFailure::ConnectionClosed => LinkError::ConnectionClosed,
        OutboundFailure::UnsupportedProtocols => LinkError::UnsupportedProtocol,
        other => LinkError::Io(other.to_string()),
    }
}
