//! The test harness: a coordinator process in a temp dir, and fake nodes.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::timeout;
use vrs_link::{Channel, Event, Keypair, LinkConfig, Multiaddr, PeerId};
use vrs_protocol::federation::Enrollment;
use vrs_protocol::messages::{DoseAck, DoseOutcome};
use vrs_protocol::{
    Address, DecryptionKey, Envelope, EnvelopeResponse, FederationFile, Message, MunicipalityCode, PeerIdBytes,
    RecordId, RegistryRequest, RegistryResponse, SealParams, SignedEnrollment, SigningKey,
};
use vrs_protocol::{ReplayGuard, WireErrorCode};

pub const WAIT: Duration = Duration::from_secs(20);

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vrs-coordinator"))
}

/// Polls `check` until it is true or `WAIT` passes.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    timeout(WAIT, async {
        while !check().await {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out waiting for: {what}"));
}

pub struct Coordinator {
    pub dir: tempfile::TempDir,
    pub http: String,
    pub federation: FederationFile,
    child: Option<Child>,
    pub http_client: reqwest::Client,
}

impl Coordinator {
    /// `vrs-coordinator init` in a fresh dir on free loopback ports.
    pub fn init() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let http = format!("127.0.0.1:{}", free_port());
        let p2p = format!("/ip4/127.0.0.1/tcp/{}", free_port());
        let out = bin()
            .args(["init", "--data-dir"])
            .arg(dir.path())
            .args(["--p2p-listen", &p2p, "--http-listen", &http])
            .output()
            .unwrap();
        assert!(out.status.success(), "init failed: {}", String::from_utf8_lossy(&out.stderr));
        let text = std::fs::read_to_string(dir.path().join("federation.json")).unwrap();
        let federation = FederationFile::from_json(&text).unwrap();
        Coordinator {
            dir,
            http: format!("http://{http}"),
            federation,
            child: None,
            http_client: reqwest::Client::new(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn peer_id(&self) -> PeerId {
        PeerId::from_bytes(self.federation.coordinator_peer_id.as_bytes()).unwrap()
    }

    pub fn address(&self) -> Multiaddr {
        self.federation.coordinator_address.parse().unwrap()
    }

    pub fn enroll(&self, node: &FakeNode) -> Output {
        let file = self.path().join(format!("enrollment-{}.json", node.code));
        std::fs::write(&file, node.enrollment_json()).unwrap();
        self.enroll_file(&file)
    }

    pub fn enroll_file(&self, file: &Path) -> Output {
        bin().arg("enroll").arg("--data-dir").arg(self.path()).arg(file).output().unwrap()
    }

    pub fn revoke(&self, code: &str) -> Output {
        bin().args(["revoke", "--municipality", code, "--data-dir"]).arg(self.path()).output().unwrap()
    }

    pub fn national_token(&self) -> String {
        let out = bin()
            .args(["user", "add", "--name", "stats", "--role", "national", "--data-dir"])
            .arg(self.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// Starts `serve` (fast polling for tests) and waits for `/health`.
    pub async fn start(&mut self) {
        let log = std::fs::File::create(self.path().join("serve.log")).unwrap();
        let child = bin()
            .args(["serve", "--data-dir"])
            .arg(self.path())
            .env("VRS_COORDINATOR__ROUTING__QUEUE_RETRY_MS", "200")
            .env("VRS_COORDINATOR__ROUTING__REGISTRY_POLL_MS", "100")
            .env("VRS_COORDINATOR__ROUTING__FORWARD_TIMEOUT_MS", "3000")
            .env("VRS_COORDINATOR__LOG__LEVEL", "vrs_coordinator=debug,info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let url = format!("{}/health", self.http);
        let client = self.http_client.clone();
        eventually("the coordinator answers /health", || {
            let (client, url) = (client.clone(), url.clone());
            async move { client.get(&url).send().await.is_ok_and(|r| r.status().is_success()) }
        })
        .await;
    }

    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap(); // SIGKILL
            c.wait().unwrap();
        }
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut c = self.child.take().expect("running");
        Command::new("kill").args(["-TERM", &c.id().to_string()]).status().unwrap();
        c.wait().unwrap()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, serde_json::Value) {
        let mut req = self.http_client.get(format!("{}{path}", self.http));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn health(&self) -> serde_json::Value {
        self.get("/health", None).await.1
    }

    /// Whether `needle` occurs in any file of the data dir (database, WAL, log, keys).
    pub fn data_dir_contains(&self, needle: &[u8]) -> bool {
        std::fs::read_dir(self.path())
            .unwrap()
            .flatten()
            .any(|f| std::fs::read(f.path()).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle)))
    }

    pub fn database(&self) -> PathBuf {
        self.path().join("coordinator.sqlite")
    }
}

impl Drop for Coordinator {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// How a fake node answers envelopes: the frame in, the answer frame out.
pub type Answerer = Arc<dyn Fn(&[u8]) -> Vec<u8> + Send + Sync>;

pub fn accept_all() -> Answerer {
    Arc::new(|_| EnvelopeResponse::Accepted.to_bytes())
}

/// A node reduced to what the coordinator sees: a libp2p identity, registry keys, and
/// a link that records what arrives.
pub struct FakeNode {
    pub code: MunicipalityCode,
    pub signing: SigningKey,
    pub decryption: DecryptionKey,
    pub keypair: Keypair,
    pub link: Option<vrs_link::Client>,
    pub received: mpsc::Receiver<Vec<u8>>,
    pub pushes: mpsc::Receiver<u64>,
}

impl FakeNode {
    pub fn new(code: &str) -> Self {
        let (_, received) = mpsc::channel(1);
        let (_, pushes) = mpsc::channel(1);
        FakeNode {
            code: MunicipalityCode::parse(code).unwrap(),
            signing: SigningKey::generate().unwrap(),
            decryption: DecryptionKey::generate().unwrap(),
            keypair: Keypair::generate_ed25519(),
            link: None,
            received,
            pushes,
        }
    }

    pub fn peer_id(&self) -> PeerId {
        self.keypair.public().to_peer_id()
    }

    pub fn address(&self) -> Address {
        Address::Node(self.code)
    }

    pub fn enrollment(&self) -> SignedEnrollment {
        let e = Enrollment {
            municipality: self.code,
            peer_id: PeerIdBytes::new(self.peer_id().to_bytes()).unwrap(),
            signing_key: self.signing.public_key(),
            encryption_key: self.decryption.public_key(),
            created_at_ms: vrs_protocol::now_ms(),
        };
        SignedEnrollment::sign(&self.signing, e).unwrap()
    }

    pub fn enrollment_json(&self) -> String {
        serde_json::to_string_pretty(&self.enrollment()).unwrap()
    }

    /// Dials the coordinator and keeps the connection; answers envelopes with `answer`
    /// and registry pushes with `accepted`, recording both.
    pub async fn connect(&mut self, coordinator: &Coordinator, answer: Answerer) {
        self.connect_with(coordinator, answer, LinkConfig::default()).await;
    }

    /// [`FakeNode::connect`] with a link configuration of its own (e.g. a node version
    /// without envelope streams).
    pub async fn connect_with(&mut self, coordinator: &Coordinator, answer: Answerer, config: LinkConfig) {
        let (client, events) = vrs_link::start(self.keypair.clone(), config).unwrap();
        let (env_tx, env_rx) = mpsc::channel(1024);
        let (push_tx, push_rx) = mpsc::channel(1024);
        tokio::spawn(serve_events(events, answer, env_tx, push_tx));
        client.keep_connected(coordinator.peer_id(), coordinator.address()).await.unwrap();
        self.link = Some(client);
        self.received = env_rx;
        self.pushes = push_rx;
    }

    pub fn link(&self) -> &vrs_link::Client {
        self.link.as_ref().expect("connected")
    }

    pub async fn is_connected_to(&self, coordinator: &Coordinator) -> bool {
        self.link().connected_peers().await.unwrap().contains(&coordinator.peer_id())
    }

    pub async fn wait_connected(&self, coordinator: &Coordinator) {
        eventually("the node connects", || self.is_connected_to(coordinator)).await;
    }

    /// Seals a dose ack (a small store-and-forward message) to `to`.
    pub fn seal_ack(&self, to: &FakeNode) -> Envelope {
        let msg = Message::DoseAck(DoseAck { dose_id: RecordId::random().unwrap(), outcome: DoseOutcome::Recorded });
        self.seal(to, &msg, &self.signing)
    }

    pub fn seal(&self, to: &FakeNode, msg: &Message, signer: &SigningKey) -> Envelope {
        let params = SealParams::new(self.address(), to.address(), to.decryption.public_key());
        Envelope::seal(signer, params, msg).unwrap()
    }

    /// Sends an envelope through the coordinator and decodes the answer.
    pub async fn send(&self, coordinator: &Coordinator, bytes: Vec<u8>) -> EnvelopeResponse {
        let answer = self.link().request(coordinator.peer_id(), Channel::Envelope, bytes).await.unwrap();
        EnvelopeResponse::from_bytes(&answer).unwrap()
    }

    pub async fn fetch_registry(&self, coordinator: &Coordinator, have: u64) -> RegistryResponse {
        let frame = RegistryRequest::Fetch { have_version: have }.to_bytes();
        let answer = self.link().request(coordinator.peer_id(), Channel::Registry, frame).await.unwrap();
        RegistryResponse::from_bytes(&answer).unwrap()
    }

    /// Every envelope that arrives within `quiet` of the previous one.
    pub async fn drain(&mut self, quiet: Duration) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Ok(Some(e)) = timeout(quiet, self.received.recv()).await {
            out.push(e);
        }
        out
    }
}

async fn serve_events(
    mut events: mpsc::Receiver<Event>,
    answer: Answerer,
    envelopes: mpsc::Sender<Vec<u8>>,
    pushes: mpsc::Sender<u64>,
) {
    while let Some(event) = events.recv().await {
        let Event::Request { channel, frame, responder, .. } = event else { continue };
        let reply = match channel {
            Channel::Envelope => {
                let reply = answer(&frame);
                let _ = envelopes.send(frame).await;
                reply
            }
            Channel::Registry => match RegistryRequest::from_bytes(&frame) {
                Ok(RegistryRequest::Push(signed)) => {
                    let version = signed.registry.version;
                    let _ = pushes.send(version).await;
                    RegistryResponse::Accepted { version }.to_bytes()
                }
                _ => RegistryResponse::UpToDate.to_bytes(),
            },
        };
        let _ = responder.respond(reply).await;
    }
}

pub fn message_ids(frames: &[Vec<u8>]) -> HashSet<String> {
    frames.iter().map(|f| Envelope::from_bytes(f).unwrap().header().message_id.to_string()).collect()
}

/// The coordinator's own registry keys (address `000000`).
pub struct Party {
    pub signing: vrs_protocol::SigningPublicKey,
    pub encryption: vrs_protocol::RecipientKey,
}

pub async fn coordinator_keys(node: &FakeNode, c: &Coordinator) -> Party {
    match node.fetch_registry(c, 0).await {
        RegistryResponse::Current(signed) => {
            let co = &signed.registry.coordinator;
            Party { signing: co.signing_key, encryption: co.encryption_key }
        }
        other => panic!("no registry: {other:?}"),
    }
}

/// Sends `msg` to the coordinator itself; opens a reply, or returns the refusal.
pub async fn ask(
    node: &FakeNode,
    c: &Coordinator,
    party: &Party,
    msg: &Message,
    signer: &SigningKey,
) -> Result<Message, WireErrorCode> {
    ask_opening_with(node, c, party, msg, signer, &node.decryption).await
}

/// As [`ask`], opening the reply with `key` (a key rotation's reply goes to the new key).
pub async fn ask_opening_with(
    node: &FakeNode,
    c: &Coordinator,
    party: &Party,
    msg: &Message,
    signer: &SigningKey,
    key: &DecryptionKey,
) -> Result<Message, WireErrorCode> {
    let params = SealParams::new(node.address(), Address::Coordinator, party.encryption);
    let env = Envelope::seal(signer, params, msg).unwrap();
    match node.send(c, env.to_bytes()).await {
        EnvelopeResponse::Reply(reply) => {
            let opened = reply
                .open(node.address(), key, &party.signing, &mut ReplayGuard::default(), vrs_protocol::now_ms())
                .expect("the coordinator's reply opens with its registry key");
            Ok(opened.message)
        }
        EnvelopeResponse::Error(code) => Err(code),
        other => panic!("unexpected answer {other:?}"),
    }
}

/// A serving coordinator with Chiyoda and Yokohama enrolled and connected.
pub async fn connected_pair() -> (Coordinator, FakeNode, FakeNode) {
    let mut c = Coordinator::init();
    let mut chiyoda = FakeNode::new("131016");
    let mut yokohama = FakeNode::new("141003");
    assert!(c.enroll(&chiyoda).status.success());
    assert!(c.enroll(&yokohama).status.success());
    c.start().await;
    chiyoda.connect(&c, accept_all()).await;
    yokohama.connect(&c, accept_all()).await;
    chiyoda.wait_connected(&c).await;
    yokohama.wait_connected(&c).await;
    (c, chiyoda, yokohama)
}
