//! Who is who, now: the current registry indexed both ways (code → peer, peer → code),
//! which peers are connected, and when each node was last heard from. Shared by the
//! routing tasks and the HTTP API; locks are held for map look-ups only, never across an
//! await.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock, RwLock};
use vrs_link::PeerId;
use vrs_protocol::{MunicipalityCode, RegistryEntry, RegistryRequest, RegistryResponse, SignedRegistry};

/// An enrolled node: its registry entry and its peer id parsed once.
#[derive(Debug, Clone)]
pub struct Member {
    pub entry: RegistryEntry,
    pub peer: PeerId,
}

/// One registry version, indexed.
#[derive(Debug)]
pub struct Snapshot {
    pub signed: Arc<SignedRegistry>,
    pub by_code: HashMap<MunicipalityCode, Member>,
    pub by_peer: HashMap<PeerId, MunicipalityCode>,
    /// The registry encoded once per version, as pushed and as answered to a fetch (the
    /// whole registry is ~300 KB at 1,741 nodes; a connect storm sends it ~3,500 times).
    push_frame: OnceLock<Vec<u8>>,
    fetch_answer: OnceLock<Vec<u8>>,
}

impl Snapshot {
    /// Indexes a registry. An entry whose peer id libp2p cannot parse is left out (and
    /// logged): `enroll` refuses such entries, so it would mean a corrupt database.
    pub fn new(signed: SignedRegistry) -> Self {
        let mut by_code = HashMap::new();
        let mut by_peer = HashMap::new();
        for entry in &signed.registry.nodes {
            match PeerId::from_bytes(entry.peer_id.as_bytes()) {
                Ok(peer) => {
                    by_peer.insert(peer, entry.municipality);
                    by_code.insert(entry.municipality, Member { entry: entry.clone(), peer });
                }
                Err(_) => tracing::error!(municipality = %entry.municipality, "registry entry with a bad peer id"),
            }
        }
        Snapshot {
            signed: Arc::new(signed),
            by_code,
            by_peer,
            push_frame: OnceLock::new(),
            fetch_answer: OnceLock::new(),
        }
    }

    /// `RegistryRequest::Push` of this version, encoded on first use.
    pub fn push_frame(&self) -> &[u8] {
        self.push_frame.get_or_init(|| RegistryRequest::Push(Box::new((*self.signed).clone())).to_bytes())
    }

    /// `RegistryResponse::Current` of this version, encoded on first use.
    pub fn fetch_answer(&self) -> &[u8] {
        self.fetch_answer.get_or_init(|| RegistryResponse::Current(Box::new((*self.signed).clone())).to_bytes())
    }

    pub fn version(&self) -> u64 {
        self.signed.registry.version
    }

    pub fn allowed_peers(&self) -> HashSet<PeerId> {
        self.by_peer.keys().copied().collect()
    }

    pub fn code_of(&self, peer: &PeerId) -> Option<MunicipalityCode> {
        self.by_peer.get(peer).copied()
    }
}

/// `last_seen` is kept to this resolution (ms).
const TOUCH_RESOLUTION_MS: i64 = 1000;

/// How one enrolled node stands, for `/api/v1/nodes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeStatus {
    pub municipality: MunicipalityCode,
    pub peer: PeerId,
    pub connected: bool,
    pub last_seen_ms: Option<i64>,
}

#[derive(Debug)]
struct Inner {
    snapshot: Arc<Snapshot>,
    connected: HashSet<PeerId>,
    last_seen: HashMap<MunicipalityCode, i64>,
}

#[derive(Debug)]
pub struct Peers {
    inner: RwLock<Inner>,
}

impl Peers {
    pub fn new(snapshot: Snapshot, last_seen: HashMap<MunicipalityCode, i64>) -> Self {
        let inner = Inner { snapshot: Arc::new(snapshot), connected: HashSet::new(), last_seen };
        Peers { inner: RwLock::new(inner) }
    }

    // A poisoned lock only means a panic elsewhere mid-update of plain maps; the data is
    // still usable, and the coordinator must keep routing.
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.read().snapshot.clone()
    }

    pub fn replace(&self, snapshot: Snapshot) -> Arc<Snapshot> {
        let snapshot = Arc::new(snapshot);
        self.write().snapshot = snapshot.clone();
        snapshot
    }

    pub fn is_connected(&self, peer: &PeerId) -> bool {
        self.read().connected.contains(peer)
    }

    pub fn set_connected(&self, peer: PeerId, connected: bool) {
        let mut inner = self.write();
        if connected {
            inner.connected.insert(peer);
        } else {
            inner.connected.remove(&peer);
        }
    }

    /// Records that `code` was heard from at `at_ms`. Called for every envelope: the map
    /// is written (an exclusive lock every routing task would queue on) only when the
    /// stored time is a second or more older.
    pub fn touch(&self, code: MunicipalityCode, at_ms: i64) {
        let fresh = |t: Option<&i64>| t.is_some_and(|&t| (0..TOUCH_RESOLUTION_MS).contains(&(at_ms - t)));
        if fresh(self.read().last_seen.get(&code)) {
            return;
        }
        let mut inner = self.write();
        if !fresh(inner.last_seen.get(&code)) {
            inner.last_seen.insert(code, at_ms);
        }
    }

    /// Enrolled nodes that are connected (a peer connected under an older registry that
    /// has since been revoked is not counted; the link is closing it).
    pub fn connected_members(&self) -> Vec<(MunicipalityCode, PeerId)> {
        let inner = self.read();
        let mut v: Vec<_> = inner
            .snapshot
            .by_code
            .iter()
            .filter(|(_, m)| inner.connected.contains(&m.peer))
            .map(|(c, m)| (*c, m.peer))
            .collect();
        v.sort_by_key(|(c, _)| *c);
        v
    }

    pub fn statuses(&self) -> Vec<NodeStatus> {
        let inner = self.read();
        let mut v: Vec<NodeStatus> = inner
            .snapshot
            .by_code
            .iter()
            .map(|(code, m)| NodeStatus {
                municipality: *code,
                peer: m.peer,
                connected: inner.connected.contains(&m.peer),
                last_seen_ms: inner.last_seen.get(code).copied(),
            })
            .collect();
        v.sort_by_key(|s| s.municipality);
        v
    }
}
