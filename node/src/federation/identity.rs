//! The node's federation keys, each in its own file under DIR/keys (owner-only):
//! the libp2p identity (its peer id is what the coordinator's TLS handshake checks), the
//! Ed25519 signing key (envelopes, consent statements, audit checkpoints) and the X25519
//! key other nodes seal to (HPKE). `enrollment.json` publishes the public halves.

use std::path::Path;
use vrs_link::Keypair;
use vrs_protocol::{DecryptionKey, Enrollment, MunicipalityCode, PeerIdBytes, SignedEnrollment, SigningKey};

pub const P2P_KEY: &str = "keys/p2p.key";
pub const SIGNING_KEY: &str = "keys/signing.key";
pub const ENCRYPTION_KEY: &str = "keys/encryption.key";
pub const ENROLLMENT_FILE: &str = "enrollment.json";

pub struct NodeIdentity {
    pub p2p: Keypair,
    pub signing: SigningKey,
    pub decryption: DecryptionKey,
}

impl std::fmt::Debug for NodeIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NodeIdentity(peer {})", self.p2p.public().to_peer_id())
    }
}

impl NodeIdentity {
    /// Creates the three keys (refusing to overwrite any) and writes enrollment.json.
    pub fn create(dir: &Path, code: MunicipalityCode) -> anyhow::Result<Self> {
        for file in [P2P_KEY, SIGNING_KEY, ENCRYPTION_KEY] {
            anyhow::ensure!(!dir.join(file).exists(), "{} already exists", dir.join(file).display());
        }
        std::fs::create_dir_all(dir.join("keys"))?;
        let p2p = vrs_link::load_or_create_identity(&dir.join(P2P_KEY))?;
        let signing = SigningKey::generate()?;
        signing.write_file(&dir.join(SIGNING_KEY))?;
        let decryption = DecryptionKey::generate()?;
        decryption.write_file(&dir.join(ENCRYPTION_KEY))?;
        let identity = NodeIdentity { p2p, signing, decryption };
        let enrollment = identity.enrollment(code)?;
        std::fs::write(dir.join(ENROLLMENT_FILE), serde_json::to_string_pretty(&enrollment)?)?;
        Ok(identity)
    }

    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let read = |file: &str| {
            anyhow::Context::with_context(std::fs::metadata(dir.join(file)), || {
                format!("{} is missing (was the node initialised with this version?)", dir.join(file).display())
            })
        };
        read(P2P_KEY)?;
        read(SIGNING_KEY)?;
        read(ENCRYPTION_KEY)?;
        Ok(NodeIdentity {
            p2p: vrs_link::load_or_create_identity(&dir.join(P2P_KEY))?,
            signing: SigningKey::read_file(&dir.join(SIGNING_KEY))?,
            decryption: DecryptionKey::read_file(&dir.join(ENCRYPTION_KEY))?,
        })
    }

    /// Every signing key this node has signed with (its checkpoints are checked against
    /// them all).
    pub fn signing_keys(&self) -> Vec<vrs_protocol::SigningPublicKey> {
        vec![self.signing.public_key()]
    }

    pub fn peer_id(&self) -> vrs_link::PeerId {
        self.p2p.public().to_peer_id()
    }

    /// The self-signed document `vrs-coordinator enroll` admits.
    pub fn enrollment(&self, code: MunicipalityCode) -> anyhow::Result<SignedEnrollment> {
        let peer_id = PeerIdBytes::new(self.peer_id().to_bytes()).ok_or_else(|| anyhow::anyhow!("peer id too long"))?;
        let enrollment = Enrollment {
            municipality: code,
            peer_id,
            signing_key: self.signing.public_key(),
            encryption_key: self.decryption.public_key(),
            created_at_ms: vrs_protocol::now_ms(),
        };
        Ok(SignedEnrollment::sign(&self.signing, enrollment)?)
    }
}
