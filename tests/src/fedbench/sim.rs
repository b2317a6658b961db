//! A lightweight simulated node: its own `vrs_link` swarm in this process, dialling the
//! coordinator as `vrs-node serve` does (`node/src/federation/service.rs`): on connect it
//! fetches the registry and verifies the national signature; it accepts pushed
//! registries; it answers each delivered dose with a sealed `DoseAck` reply.

use super::identity::{Directory, SimIdentity};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;
use tokio::sync::mpsc;
use vrs_link::{Channel, Client, Event, LinkConfig, PeerId, Responder};
use vrs_protocol::messages::{DoseAck, DoseOutcome};
use vrs_protocol::{
    Address, Envelope, EnvelopeResponse, Header, Message, MessageId, RegistryRequest, RegistryResponse, ReplayGuard,
    SealParams, SigningPublicKey, WireErrorCode,
};

/// How a node answers a delivered dose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crypto {
    /// The answer was sealed before the clock started; the node finds it by the request's
    /// message id. Measures the routing, not the nodes' HPKE on our shared cores.
    Presealed,
    /// The node verifies and opens the envelope and seals a fresh ack, as a real one does.
    Live,
}

/// What every simulated node (and the baseline peer) shares.
#[derive(Debug)]
pub struct Shared {
    pub national: SigningPublicKey,
    pub directory: Arc<Directory>,
    /// Presealed answers (`EnvelopeResponse::Reply` bytes) by the request's message id.
    pub replies: RwLock<HashMap<MessageId, Vec<u8>>>,
    pub crypto: RwLock<Crypto>,
    /// The highest registry version any node verified: a pushed copy of a version already
    /// verified is accepted without re-verifying (each real node verifies on its own
    /// cores; here 1,741 verifications of a 300 KB document would share ours).
    pub verified_version: AtomicU64,
    /// Statistics requests from the coordinator (the stats phase).
    pub stats: super::stats_phase::StatsSim,
}

/// A node's link is up and its registry verified.
#[derive(Debug)]
pub struct Ready {
    pub index: usize,
    pub connected: Instant,
    pub registry: Result<u64, String>,
}

pub struct SimNode {
    pub id: Arc<SimIdentity>,
    pub client: Client,
}

impl std::fmt::Debug for SimNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SimNode({})", self.id.code)
    }
}

/// Starts the node's link and its event task; dialling starts with [`SimNode::dial`].
pub fn start(
    index: usize,
    id: Arc<SimIdentity>,
    server: PeerId,
    shared: Arc<Shared>,
    ready: Option<mpsc::Sender<Ready>>,
) -> anyhow::Result<SimNode> {
    let (client, events) = vrs_link::start(id.p2p.clone(), LinkConfig::default())?;
    let node = Node { index, id: id.clone(), client: client.clone(), server, shared, replay: Mutex::default() };
    tokio::spawn(run(Arc::new(node), events, ready));
    Ok(SimNode { id, client })
}

struct Node {
    index: usize,
    id: Arc<SimIdentity>,
    client: Client,
    /// The only peer whose requests are answered (the coordinator, or the baseline sender).
    server: PeerId,
    shared: Arc<Shared>,
    replay: Mutex<ReplayGuard>,
}

async fn run(node: Arc<Node>, mut events: mpsc::Receiver<Event>, ready: Option<mpsc::Sender<Ready>>) {
    while let Some(event) = events.recv().await {
        match event {
            Event::Connected(peer) if peer == node.server => {
                if let Some(tx) = ready.clone() {
                    let n = node.clone();
                    let connected = Instant::now();
                    tokio::spawn(async move {
                        let registry = n.fetch_registry().await;
                        let _ = tx.send(Ready { index: n.index, connected, registry }).await;
                    });
                }
            }
            Event::Request { peer, channel, frame, responder } if peer == node.server => {
                on_request(&node, channel, frame, responder).await;
            }
            _ => {}
        }
    }
}

async fn on_request(node: &Arc<Node>, channel: Channel, frame: Vec<u8>, responder: Responder) {
    match channel {
        Channel::Registry => {
            let answer = node.on_registry_push(&frame).to_bytes();
            let _ = responder.respond(answer).await;
        }
        Channel::Envelope if super::stats_phase::is_stats_request(&frame) => {
            let n = node.clone();
            tokio::spawn(async move {
                let answer = super::stats_phase::answer(&n.id, &n.shared.stats, &n.replay, &frame).to_bytes();
                let _ = responder.respond(answer).await;
            });
        }
        Channel::Envelope => {
            let crypto = *node.shared.crypto.read().unwrap_or_else(|e| e.into_inner());
            if crypto == Crypto::Presealed {
                let _ = responder.respond(node.presealed(&frame)).await;
            } else {
                // Opening and sealing take a few hundred µs: off the event task.
                let n = node.clone();
                tokio::spawn(async move {
                    let answer = n.live(&frame).to_bytes();
                    let _ = responder.respond(answer).await;
                });
            }
        }
    }
}

impl Node {
    async fn fetch_registry(&self) -> Result<u64, String> {
        let request = RegistryRequest::Fetch { have_version: 0 }.to_bytes();
        let bytes = self.client.request(self.server, Channel::Registry, request).await.map_err(|e| e.to_string())?;
        match RegistryResponse::from_bytes(&bytes).map_err(|e| e.to_string())? {
            RegistryResponse::Current(signed) => {
                let v = signed.verify(&self.shared.national).map_err(|e| e.to_string())?.version;
                self.shared.verified_version.fetch_max(v, Ordering::Relaxed);
                Ok(v)
            }
            other => Err(format!("unexpected registry answer {other:?}")),
        }
    }

    fn on_registry_push(&self, frame: &[u8]) -> RegistryResponse {
        let Ok(RegistryRequest::Push(signed)) = RegistryRequest::from_bytes(frame) else {
            return RegistryResponse::Error(WireErrorCode::Malformed);
        };
        let version = signed.registry.version;
        if version > self.shared.verified_version.load(Ordering::Relaxed) {
            if signed.verify(&self.shared.national).is_err() {
                return RegistryResponse::Error(WireErrorCode::BadSignature);
            }
            self.shared.verified_version.fetch_max(version, Ordering::Relaxed);
        }
        RegistryResponse::Accepted { version }
    }

    fn presealed(&self, frame: &[u8]) -> Vec<u8> {
        let found = Header::decode(frame).ok().and_then(|h| {
            let replies = self.shared.replies.read().unwrap_or_else(|e| e.into_inner());
            replies.get(&h.message_id).cloned()
        });
        found.unwrap_or_else(|| EnvelopeResponse::Error(WireErrorCode::Malformed).to_bytes())
    }

    /// What `on_envelope` in the node's service does, minus the database.
    fn live(&self, frame: &[u8]) -> EnvelopeResponse {
        let env = match Envelope::from_bytes(frame) {
            Ok(e) => e,
            Err(e) => return EnvelopeResponse::Error(e.wire_code()),
        };
        let Some(sender) = env.header().sender.municipality() else {
            return EnvelopeResponse::Error(WireErrorCode::NotEnrolled);
        };
        let Some((sender_signing, sender_key)) = self.shared.directory.keys(sender) else {
            return EnvelopeResponse::Error(WireErrorCode::NotEnrolled);
        };
        let opened = {
            let mut guard = self.replay.lock().unwrap_or_else(|e| e.into_inner());
            let me = Address::Node(self.id.code);
            env.open(me, &self.id.decryption, &sender_signing, &mut guard, vrs_protocol::now_ms())
        };
        let dose = match opened {
            Ok(o) => match o.message {
                Message::DoseDelivery(d) => d,
                _ => return EnvelopeResponse::Error(WireErrorCode::Unavailable),
            },
            Err(e) => return EnvelopeResponse::Error(e.wire_code()),
        };
        let ack = Message::DoseAck(DoseAck { dose_id: dose.dose_id, outcome: DoseOutcome::Recorded });
        match Envelope::seal(&self.id.signing, SealParams::reply_to(env.header(), sender_key), &ack) {
            Ok(sealed) => EnvelopeResponse::Reply(Box::new(sealed)),
            Err(_) => EnvelopeResponse::Error(WireErrorCode::Internal),
        }
    }
}
