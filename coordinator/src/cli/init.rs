//! `init`: a new coordinator data dir. Keys are created new (never overwritten);
//! coordinator.toml is written last, so it marks a complete init.

use super::InitArgs;
use crate::config::Settings;
use crate::db;
use crate::layout::{self, DataDir};
use anyhow::{Context, bail};
use vrs_link::Multiaddr;
use vrs_protocol::{CoordinatorEntry, DecryptionKey, FederationFile, PeerIdBytes, SigningKey};

pub fn init(args: InitArgs) -> anyhow::Result<()> {
    let dir = DataDir::new(&args.data_dir);
    if dir.is_initialised() {
        bail!("{} is already initialised", dir.path().display());
    }
    let listen: Multiaddr = args.p2p_listen.parse().context("--p2p-listen is not a multiaddr")?;
    let public: Multiaddr = match &args.public_address {
        Some(a) => a.parse().context("--public-address is not a multiaddr")?,
        None => listen.clone(),
    };
    check_dialable(&public)?;
    let mut settings = Settings::default();
    settings.p2p.listen = args.p2p_listen.clone();
    settings.http.listen = args.http_listen.clone();
    settings.set_transport(args.tls.settings()?);
    settings.validate()?;

    std::fs::create_dir_all(dir.file("keys")).with_context(|| format!("cannot create {}", dir.path().display()))?;
    restrict_keys_dir(&dir)?;
    let keypair = create_identity(&dir)?;
    let national = new_signing_key(&dir, layout::REGISTRY_KEY)?;
    let signing = new_signing_key(&dir, layout::SIGNING_KEY)?;
    let decryption = DecryptionKey::generate()?;
    decryption.write_file(&dir.file(layout::DECRYPTION_KEY)).context(layout::DECRYPTION_KEY)?;

    let peer_id = keypair.public().to_peer_id();
    let peer_bytes = PeerIdBytes::new(peer_id.to_bytes()).context("peer id longer than the protocol allows")?;
    let coordinator = CoordinatorEntry {
        peer_id: peer_bytes.clone(),
        signing_key: signing.public_key(),
        encryption_key: decryption.public_key(),
    };
    let pool = db::open(&dir.file(&settings.database.file), &settings.database.sqlite_synchronous, 2)?;
    crate::registry::create_initial(&mut *pool.get()?, &national, coordinator)?;

    let federation = FederationFile {
        version: FederationFile::VERSION,
        coordinator_address: format!("{public}/p2p/{peer_id}"),
        coordinator_peer_id: peer_bytes,
        registry_key: national.public_key(),
    };
    std::fs::write(dir.file(layout::FEDERATION_FILE), federation.to_json() + "\n")
        .context("cannot write federation.json")?;
    settings.write(&dir)?;
    eprintln!("initialised the coordinator {peer_id} in {}", dir.path().display());
    Ok(())
}

/// Nodes dial this address: it needs a fixed port, a concrete host, and no peer id of
/// its own (init appends it).
fn check_dialable(addr: &Multiaddr) -> anyhow::Result<()> {
    let parts: Vec<String> = addr.iter().map(|p| p.to_string()).collect();
    if !parts.iter().any(|p| p.starts_with("/tcp/")) || parts.iter().any(|p| p == "/tcp/0") {
        bail!("the p2p address needs a fixed TCP port (nodes dial it): {addr}");
    }
    if parts.iter().any(|p| p == "/ip4/0.0.0.0" || p == "/ip6/::") {
        bail!("{addr} is not dialable; give --public-address with the host nodes should dial");
    }
    if parts.iter().any(|p| p.starts_with("/p2p/")) {
        bail!("give the address without /p2p/ (init appends the coordinator's peer id)");
    }
    Ok(())
}

#[cfg(unix)]
fn restrict_keys_dir(dir: &DataDir) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.file("keys"), std::fs::Permissions::from_mode(0o700)).context("keys dir")
}

#[cfg(not(unix))]
fn restrict_keys_dir(_: &DataDir) -> anyhow::Result<()> {
    Ok(())
}

fn create_identity(dir: &DataDir) -> anyhow::Result<vrs_link::Keypair> {
    let path = dir.file(layout::P2P_KEY);
    if path.exists() {
        bail!("{} exists already; refusing to reuse an identity from an earlier init", path.display());
    }
    Ok(vrs_link::load_or_create_identity(&path)?)
}

fn new_signing_key(dir: &DataDir, relative: &str) -> anyhow::Result<SigningKey> {
    let key = SigningKey::generate()?;
    key.write_file(&dir.file(relative)).with_context(|| format!("cannot create {relative}"))?;
    Ok(key)
}
