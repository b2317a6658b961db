//! The peer's libp2p identity (an Ed25519 key pair; its public half is the peer id the
//! other side checks in the TLS handshake), kept in one file readable by its owner only.

use libp2p::identity::Keypair;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("cannot read or write the identity file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("the identity file {path} is not a libp2p key pair")]
    Malformed { path: String },
}

/// Reads the key pair at `path`, or creates one there if the file does not exist.
pub fn load_or_create_identity(path: &Path) -> Result<Keypair, IdentityError> {
    let io = |source| IdentityError::Io { path: path.display().to_string(), source };
    match std::fs::read(path) {
        Ok(bytes) => Keypair::from_protobuf_encoding(&bytes)
            .map_err(|_| IdentityError::Malformed { path: path.display().to_string() }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = Keypair::generate_ed25519();
            let bytes = key
                .to_protobuf_encoding()
                .map_err(|_| IdentityError::Malformed { path: path.display().to_string() })?;
            write_private(path, &bytes).map_err(io)?;
            Ok(key)
        }
        Err(e) => Err(io(e)),
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identity_is_created_once_then_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p2p.key");
        let first = load_or_create_identity(&path).unwrap();
        let again = load_or_create_identity(&path).unwrap();
        assert_eq!(first.public().to_peer_id(), again.public().to_peer_id());
        std::fs::write(&path, b"garbage").unwrap();
        assert!(matches!(load_or_create_identity(&path), Err(IdentityError::Malformed { .. })));
    }
}
