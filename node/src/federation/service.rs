//! The node's side of the federation: dials the coordinator (and only dials: a node needs
//! no open port), keeps the link up, keeps the registry current, answers what arrives and
//! sends sealed envelopes through the coordinator.

use super::admission::Admission;
use super::identity::NodeIdentity;
use super::registry::RegistryStore;
use std::path::Path;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use vrs_link::{Channel, Event, LinkConfig, LinkError, PeerId};
use vrs_protocol::{
    Address, Envelope, EnvelopeResponse, FederationFile, Message, MessageId, MunicipalityCode, RegistryRequest,
    RegistryResponse, ReplayGuard, SealParams, SigningPublicKey, WireErrorCode,
};

pub const FEDERATION_FILE: &str = "federation.json";

/// What the node does with a message another node sent it (blocking: it uses the database).
/// Returns the reply to seal back to the sender, if the kind has one. `sender_key` is the
/// sender's registry signing key (the one its envelope verified against), for messages
/// that carry their own signed statements (an inquiry's consent).
pub trait InboundHandler: Send + Sync + 'static {
    /// False for a command's short session (`session`): every envelope is then refused
    /// `unavailable` before it is opened, so the coordinator keeps what it queued for the
    /// serving node. Opening first could fail on keys the session does not hold and come
    /// back as a final refusal, which made the coordinator drop the envelope.
    fn serving(&self) -> bool {
        true
    }

    fn handle(
        &self,
        sender: MunicipalityCode,
        sender_key: &SigningPublicKey,
        message: Message,
    ) -> Result<Option<Message>, WireErrorCode>;

    /// A message from the coordinator itself (address `000000`, verified against the
    /// registry's coordinator key): a statistics request. `request_id` is its envelope's
    /// message id. Kinds the node does not take from the coordinator are `unavailable`.
    fn handle_from_coordinator(
        &self,
        request_id: MessageId,
        message: Message,
    ) -> Result<Option<Message>, WireErrorCode> {
        let _ = (request_id, message);
        Err(WireErrorCode::Unavailable)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("municipality {0} is not in the federation registry")]
    UnknownMunicipality(MunicipalityCode),
    #[error("the coordinator is not connected")]
    Disconnected,
    #[error("no answer in time")]
    Timeout,
    #[error("the federation refused the message: {0}")]
    Refused(WireErrorCode),
    #[error("the answer could not be read")]
    BadAnswer,
    #[error("cannot seal the message: {0}")]
    Seal(String),
    #[error("the federation registry is not known yet (the coordinator has not sent it)")]
    NoRegistry,
}

pub struct Federation {
    pub code: MunicipalityCode,
    /// Replaced when a key rotation takes effect (`keys`).
    identity: RwLock<Arc<NodeIdentity>>,
    /// The data dir, where a rotation's new keys are read from.
    pub(super) dir: PathBuf,
    pub registry: Arc<RegistryStore>,
    client: vrs_link::Client,
    coordinator: PeerId,
    /// Whether the coordinator has let this node in on the current connection.
    admission: Admission,
    /// Replay window for the answers to this node's interactive requests (inquiries).
    pub replies: Mutex<ReplayGuard>,
}

impl std::fmt::Debug for Federation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Federation({} via {})", self.code, self.coordinator)
    }
}

impl Federation {
    /// The node's keys as they are now.
    pub fn identity(&self) -> Arc<NodeIdentity> {
        match self.identity.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    pub(super) fn replace_identity(&self, new: NodeIdentity) {
        let mut slot = self.identity.write().unwrap_or_else(|p| p.into_inner());
        *slot = Arc::new(new);
    }

    /// Connected and admitted by the coordinator (it answered or asked something on this
    /// connection), not merely a finished handshake.
    pub fn is_connected(&self) -> bool {
        self.admission.is_admitted()
    }

    /// Seals `message` to `to`'s node and sends it through the coordinator.
    pub async fn send(&self, to: MunicipalityCode, message: &Message) -> Result<EnvelopeResponse, SendError> {
        let (_, recipient_key) = self.registry.node_keys(to).ok_or(SendError::UnknownMunicipality(to))?;
        self.seal_and_send(SealParams::new(Address::Node(self.code), Address::Node(to), recipient_key), message).await
    }

    /// Seals `message` as `params` say, sends it to the coordinator and decodes the answer.
    pub(super) async fn seal_and_send(
        &self,
        params: SealParams,
        message: &Message,
    ) -> Result<EnvelopeResponse, SendError> {
        let envelope =
            Envelope::seal(&self.identity().signing, params, message).map_err(|e| SendError::Seal(e.to_string()))?;
        let answer = self.client.request(self.coordinator, Channel::Envelope, envelope.to_bytes()).await.map_err(
            |e| match e {
                LinkError::Timeout => SendError::Timeout,
                _ => SendError::Disconnected,
            },
        )?;
        EnvelopeResponse::from_bytes(&answer).map_err(|_| SendError::BadAnswer)
    }

    /// Opens an envelope answering one of ours (e.g. a dose ack) and returns its message.
    pub fn open_reply(&self, envelope: &Envelope, replay: &Mutex<ReplayGuard>) -> Result<Message, WireErrorCode> {
        open(self, envelope, replay).map(|(_, _, m)| m)
    }

    /// Asks the coordinator for a newer registry; true when it answered at all (which
    /// proves it admitted this node).
    pub(super) async fn fetch_registry(self: &Arc<Self>) -> bool {
        let request = RegistryRequest::Fetch { have_version: self.registry.version() }.to_bytes();
        match self.client.request(self.coordinator, Channel::Registry, request).await {
            Ok(bytes) => match RegistryResponse::from_bytes(&bytes) {
                Ok(RegistryResponse::Current(signed)) => match self.registry.accept(&signed) {
                    Ok(v) => {
                        tracing::info!(version = v, "federation registry updated");
                        self.follow_own_keys();
                    }
                    Err(e) => tracing::warn!(error = %e, "the coordinator's registry was refused"),
                },
                Ok(RegistryResponse::UpToDate) => self.follow_own_keys(),
                Ok(RegistryResponse::Error(code)) => {
                    tracing::warn!(?code, "the coordinator refused the registry fetch");
                    return false;
                }
                Ok(other) => tracing::warn!(?other, "unexpected registry answer"),
                Err(e) => tracing::warn!(error = %e, "unreadable registry answer"),
            },
            Err(e) => {
                tracing::warn!(error = %e, "registry fetch failed");
                return false;
            }
        }
        true
    }
}

/// Starts the link and dials the coordinator, if the federation file (`file`, relative to
/// the data dir) exists; otherwise the node runs standalone and this returns `None`.
/// Must run inside a tokio runtime.
pub fn start(
    dir: &Path,
    file: &Path,
    code: MunicipalityCode,
    handler: Arc<dyn InboundHandler>,
) -> anyhow::Result<Option<Arc<Federation>>> {
    let path = dir.join(file);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => anyhow::bail!("cannot read {}: {e}", path.display()),
    };
    let file = FederationFile::from_json(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let coordinator = PeerId::from_bytes(file.coordinator_peer_id.as_bytes())
        .map_err(|_| anyhow::anyhow!("{}: the coordinator peer id is malformed", path.display()))?;
    let address: vrs_link::Multiaddr = file
        .coordinator_address
        .parse()
        .map_err(|_| anyhow::anyhow!("{}: coordinator_address is not a multiaddr", path.display()))?;
    let identity = NodeIdentity::load(dir)?;
    let registry = Arc::new(RegistryStore::open(dir, file.registry_key));
    let config = LinkConfig { request_timeout: Duration::from_secs(10), ..LinkConfig::default() };
    let (client, events) = vrs_link::start(identity.p2p.clone(), config)?;
    let federation = Arc::new(Federation {
        code,
        identity: RwLock::new(Arc::new(identity)),
        dir: dir.to_owned(),
        registry,
        client: client.clone(),
        coordinator,
        admission: Admission::default(),
        replies: Mutex::new(ReplayGuard::default()),
    });
    let replay = Arc::new(Mutex::new(ReplayGuard::default()));
    tokio::spawn(run_events(federation.clone(), events, handler, replay));
    tokio::spawn(super::keys::watch_key_files(federation.clone()));
    tokio::spawn(async move {
        if let Err(e) = client.keep_connected(coordinator, address).await {
            tracing::error!(error = %e, "cannot dial the coordinator");
        }
    });
    Ok(Some(federation))
}

async fn run_events(
    federation: Arc<Federation>,
    mut events: tokio::sync::mpsc::Receiver<Event>,
    handler: Arc<dyn InboundHandler>,
    replay: Arc<Mutex<ReplayGuard>>,
) {
    while let Some(event) = events.recv().await {
        match event {
            Event::Connected(peer) if peer == federation.coordinator => {
                let connection = federation.admission.transport_up();
                let f = federation.clone();
                tokio::spawn(async move {
                    if f.fetch_registry().await {
                        f.admission.proved_on(connection);
                        tracing::info!("connected to the coordinator");
                    }
                });
            }
            Event::Disconnected(peer) if peer == federation.coordinator => {
                federation.admission.transport_down();
                tracing::warn!("disconnected from the coordinator; redialling");
            }
            Event::Request { peer, channel, frame, responder } if peer == federation.coordinator => {
                federation.admission.proved_now();
                let (f, h, r) = (federation.clone(), handler.clone(), replay.clone());
                tokio::spawn(async move {
                    let answer = match channel {
                        Channel::Registry => on_registry(&f, &frame).to_bytes(),
                        Channel::Envelope => on_envelope(f, h, r, frame).await.to_bytes(),
                    };
                    let _ = responder.respond(answer).await;
                });
            }
            _ => {}
        }
    }
}

fn on_registry(federation: &Arc<Federation>, frame: &[u8]) -> RegistryResponse {
    match RegistryRequest::from_bytes(frame) {
        Ok(RegistryRequest::Push(signed)) => match federation.registry.accept(&signed) {
            Ok(version) => {
                tracing::info!(version, "federation registry pushed");
                federation.follow_own_keys();
                RegistryResponse::Accepted { version }
            }
            Err(e) => {
                tracing::warn!(error = %e, "pushed registry refused");
                RegistryResponse::Error(WireErrorCode::BadSignature)
            }
        },
        Ok(RegistryRequest::Fetch { .. }) => RegistryResponse::Error(WireErrorCode::Malformed),
        Err(_) => RegistryResponse::Error(WireErrorCode::Malformed),
    }
}

async fn on_envelope(
    federation: Arc<Federation>,
    handler: Arc<dyn InboundHandler>,
    replay: Arc<Mutex<ReplayGuard>>,
    frame: Vec<u8>,
) -> EnvelopeResponse {
    if !handler.serving() {
        return EnvelopeResponse::Error(WireErrorCode::Unavailable);
    }
    let envelope = match Envelope::from_bytes(&frame) {
        Ok(e) => e,
        Err(e) => return EnvelopeResponse::Error(e.wire_code()),
    };
    if envelope.header().sender == Address::Coordinator {
        return from_coordinator(federation, handler, replay, envelope).await;
    }
    let (sender, sender_key, message) = match open(&federation, &envelope, &replay) {
        Ok(x) => x,
        Err(code) => return EnvelopeResponse::Error(code),
    };
    let header = *envelope.header();
    let f = federation.clone();
    let result = tokio::task::spawn_blocking(move || handler.handle(sender, &sender_key, message)).await;
    reply(&f, &header, f.registry.node_keys(sender), result)
}

/// A request the coordinator itself sent (statistics): verified with the registry's
/// coordinator key, answered sealed to the coordinator's registry encryption key.
async fn from_coordinator(
    federation: Arc<Federation>,
    handler: Arc<dyn InboundHandler>,
    replay: Arc<Mutex<ReplayGuard>>,
    envelope: Envelope,
) -> EnvelopeResponse {
    let Some((coordinator_key, coordinator_enc)) = federation.registry.party_keys(Address::Coordinator) else {
        return EnvelopeResponse::Error(WireErrorCode::NotEnrolled);
    };
    let opened = {
        let Ok(mut guard) = replay.lock() else { return EnvelopeResponse::Error(WireErrorCode::Internal) };
        let me = Address::Node(federation.code);
        let identity = federation.identity();
        let key = identity.decryption_for(envelope.header().recipient_key_id);
        envelope.open(me, key, &coordinator_key, &mut guard, vrs_protocol::now_ms())
    };
    let message = match opened {
        Ok(o) => o.message,
        Err(e) => return EnvelopeResponse::Error(e.wire_code()),
    };
    let header = *envelope.header();
    let result = tokio::task::spawn_blocking(move || handler.handle_from_coordinator(header.message_id, message)).await;
    reply(&federation, &header, Some((coordinator_key, coordinator_enc)), result)
}

/// Seals the handler's reply back to the request's sender (whose registry keys are
/// `sender_keys`), or turns its refusal into the wire answer.
fn reply(
    f: &Federation,
    header: &vrs_protocol::Header,
    sender_keys: Option<(SigningPublicKey, vrs_protocol::RecipientKey)>,
    result: Result<Result<Option<Message>, WireErrorCode>, tokio::task::JoinError>,
) -> EnvelopeResponse {
    match result {
        Ok(Ok(None)) => EnvelopeResponse::Accepted,
        Ok(Ok(Some(reply))) => {
            let Some((_, sender_key)) = sender_keys else {
                return EnvelopeResponse::Error(WireErrorCode::NotEnrolled);
            };
            match Envelope::seal(&f.identity().signing, SealParams::reply_to(header, sender_key), &reply) {
                Ok(sealed) => EnvelopeResponse::Reply(Box::new(sealed)),
                Err(_) => EnvelopeResponse::Error(WireErrorCode::Internal),
            }
        }
        Ok(Err(code)) => EnvelopeResponse::Error(code),
        Err(_) => EnvelopeResponse::Error(WireErrorCode::Internal),
    }
}

/// Checks and opens an envelope addressed to this node: sender enrolled, signature, replay
/// window, decryption. Returns the sender's code, its signing key and the message.
fn open(
    federation: &Federation,
    envelope: &Envelope,
    replay: &Mutex<ReplayGuard>,
) -> Result<(MunicipalityCode, SigningPublicKey, Message), WireErrorCode> {
    open_as(federation.code, &federation.identity(), &federation.registry, envelope, replay)
}

fn open_as(
    own: MunicipalityCode,
    identity: &NodeIdentity,
    registry: &RegistryStore,
    envelope: &Envelope,
    replay: &Mutex<ReplayGuard>,
) -> Result<(MunicipalityCode, SigningPublicKey, Message), WireErrorCode> {
    let sender = envelope.header().sender.municipality().ok_or(WireErrorCode::NotEnrolled)?;
    let (sender_key, _) = registry.node_keys(sender).ok_or(WireErrorCode::NotEnrolled)?;
    let mut guard = replay.lock().map_err(|_| WireErrorCode::Internal)?;
    let opened = envelope
        .open(
            Address::Node(own),
            identity.decryption_for(envelope.header().recipient_key_id),
            &sender_key,
            &mut guard,
            vrs_protocol::now_ms(),
        )
        .map_err(|e| e.wire_code())?;
    Ok((sender, sender_key, opened.message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrs_protocol::federation::{CoordinatorEntry, PeerIdBytes, Registry, RegistryEntry, SignedRegistry};
    use vrs_protocol::messages::{
        BatchQuestion, ConsentBasis, ConsentStatement, InquiryBatch, InquiryRequest, InquirySubject, SignedConsent,
    };
    use vrs_protocol::{MyNumber, RecordId, SigningKey};

    fn entry(code: MunicipalityCode, id: &NodeIdentity) -> RegistryEntry {
        RegistryEntry {
            municipality: code,
            peer_id: PeerIdBytes::new(id.peer_id().to_bytes()).unwrap(),
            signing_key: id.signing.public_key(),
            encryption_key: id.decryption.public_key(),
        }
    }

    /// Yokohama (asker) and Chiyoda (holder), and the holder's registry store naming both.
    struct TwoNodes {
        _dir: tempfile::TempDir,
        asker_code: MunicipalityCode,
        holder_code: MunicipalityCode,
        asker: NodeIdentity,
        holder: NodeIdentity,
        store: RegistryStore,
    }

    fn two_nodes() -> TwoNodes {
        let dir = tempfile::tempdir().unwrap();
        let (asker_code, holder_code) =
            (MunicipalityCode::parse("141003").unwrap(), MunicipalityCode::parse("131016").unwrap());
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        std::fs::create_dir_all(dir.path().join("h")).unwrap();
        let asker = NodeIdentity::create(&dir.path().join("a"), asker_code).unwrap();
        let holder = NodeIdentity::create(&dir.path().join("h"), holder_code).unwrap();
        let national = SigningKey::generate().unwrap();
        let mut nodes = vec![entry(asker_code, &asker), entry(holder_code, &holder)];
        nodes.sort_by_key(|e| e.municipality);
        let coordinator = CoordinatorEntry {
            peer_id: PeerIdBytes::new(asker.peer_id().to_bytes()).unwrap(),
            signing_key: national.public_key(),
            encryption_key: asker.decryption.public_key(),
        };
        let registry = Registry { version: 1, issued_at_ms: vrs_protocol::now_ms(), coordinator, nodes };
        let store = RegistryStore::open(&dir.path().join("h"), national.public_key());
        store.accept(&SignedRegistry::sign(&national, registry).unwrap()).unwrap();
        TwoNodes { _dir: dir, asker_code, holder_code, asker, holder, store }
    }

    /// Opening `envelope` at the holder: replayed, it is refused; with one bit flipped in
    /// its sealed part, it does not open at all.
    fn assert_replay_and_tamper_refused(n: &TwoNodes, envelope: &Envelope, message: &Message) {
        let replay = Mutex::new(ReplayGuard::default());
        let (sender, _, opened) = open_as(n.holder_code, &n.holder, &n.store, envelope, &replay).unwrap();
        assert_eq!((sender, &opened), (n.asker_code, message));
        let again = Envelope::from_bytes(&envelope.to_bytes()).unwrap();
        assert_eq!(open_as(n.holder_code, &n.holder, &n.store, &again, &replay).unwrap_err(), WireErrorCode::Replayed);

        let mut bytes = envelope.to_bytes();
        let last = bytes.len() - 80;
        bytes[last] ^= 1;
        let altered = Envelope::from_bytes(&bytes).unwrap();
        let fresh = Mutex::new(ReplayGuard::default());
        assert!(open_as(n.holder_code, &n.holder, &n.store, &altered, &fresh).is_err());
    }

    fn statement(n: &TwoNodes, inquiry_id: RecordId, subject_digest: [u8; 32]) -> ConsentStatement {
        ConsentStatement {
            inquiry_id,
            asker: n.asker_code,
            holder: n.holder_code,
            subject_digest,
            basis: ConsentBasis::Consent,
            method: "written".into(),
            obtained_at_ms: vrs_protocol::now_ms(),
            staff_user: "desk".into(),
            reason: None,
        }
    }

    /// `message` sealed by the asker to the holder, as the asker's node would send it.
    fn seal_to_holder(n: &TwoNodes, message: &Message) -> Envelope {
        let params = SealParams::new(
            Address::Node(n.asker_code),
            Address::Node(n.holder_code),
            n.holder.decryption.public_key(),
        );
        Envelope::seal(&n.asker.signing, params, message).unwrap()
    }

    /// An inquiry the holder has already opened is refused when it arrives again, and one
    /// whose consent was swapped in transit does not open at all (the envelope signature).
    #[test]
    fn the_holder_refuses_a_replayed_or_altered_inquiry() {
        let n = two_nodes();
        let subject = InquirySubject::MyNumber(MyNumber::from_body(12_345).unwrap());
        let inquiry_id = RecordId::random().unwrap();
        let consent = SignedConsent::sign(&n.asker.signing, statement(&n, inquiry_id, subject.digest())).unwrap();
        let message = Message::InquiryRequest(InquiryRequest { inquiry_id, subject, consent });
        let envelope = seal_to_holder(&n, &message);
        assert_replay_and_tamper_refused(&n, &envelope, &message);
    }

    /// The same for a bulk chunk: one envelope of many questions is opened once only, and
    /// a bit flipped anywhere in its sealed questions refuses the whole chunk.
    #[test]
    fn the_holder_refuses_a_replayed_or_tampered_inquiry_batch() {
        let n = two_nodes();
        let questions: Vec<BatchQuestion> = (0..200u64)
            .map(|i| BatchQuestion {
                inquiry_id: RecordId::random().unwrap(),
                subject: InquirySubject::MyNumber(MyNumber::from_body(10_000 + i).unwrap()),
            })
            .collect();
        let batch_id = RecordId::random().unwrap();
        let digest = InquiryBatch::questions_digest(&questions);
        let consent = SignedConsent::sign(&n.asker.signing, statement(&n, batch_id, digest)).unwrap();
        let message = Message::InquiryBatch(InquiryBatch { batch_id, questions, consent });
        let envelope = seal_to_holder(&n, &message);
        assert_replay_and_tamper_refused(&n, &envelope, &message);
    }
}
