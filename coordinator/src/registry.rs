//! The national registry: enrolling and revoking nodes, each producing a new version
//! signed by the national registry key. Each change is one SQLite IMMEDIATE transaction
//! (read the latest version, change the nodes, write version + 1), so two operators
//! running `enroll` at once get two consecutive versions, never two version 5s; a running
//! `serve` notices the new row and pushes it.

use crate::db::{DbError, nodes, registry_versions};
use crate::municipalities;
use diesel::prelude::*;
use vrs_protocol::federation::EnrollmentError;
use vrs_protocol::{CoordinatorEntry, MunicipalityCode, Registry, SignedEnrollment, SignedRegistry, SigningKey};

#[derive(Debug, thiserror::Error)]
pub enum RegistryChangeError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("the enrollment's signature does not verify: {0}")]
    BadEnrollment(#[from] EnrollmentError),
    #[error("{0} is not a municipality in the municipality master")]
    UnknownMunicipality(MunicipalityCode),
    #[error("{code} is a ward of a designated city ({name}); the city's own code enrolls")]
    Ward { code: MunicipalityCode, name: String },
    #[error("the enrollment's peer id is not a libp2p peer id")]
    BadPeerId,
    #[error("that peer id is already enrolled for {0}; one node serves one municipality")]
    PeerInUse(String),
    #[error("a key rotation cannot change the node's peer id; enroll it again instead")]
    PeerChanged,
    #[error("{0} is not enrolled (or already revoked)")]
    NotEnrolled(MunicipalityCode),
    #[error("the registry has no version yet: run init first")]
    NoRegistry,
    #[error("the registry could not be signed: {0}")]
    Sign(String),
}

impl From<diesel::result::Error> for RegistryChangeError {
    fn from(e: diesel::result::Error) -> Self {
        RegistryChangeError::Db(e.into())
    }
}

/// What a change produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub version: u64,
    pub municipality: MunicipalityCode,
    /// Re-enrollment of a code that had a row (its keys replaced).
    pub replaced: bool,
}

/// Writes version 1: the coordinator's own entry and no nodes.
pub fn create_initial(
    conn: &mut SqliteConnection,
    national: &SigningKey,
    coordinator: CoordinatorEntry,
) -> Result<SignedRegistry, RegistryChangeError> {
    let registry = Registry { version: 1, issued_at_ms: vrs_protocol::now_ms(), coordinator, nodes: vec![] };
    let signed = SignedRegistry::sign(national, registry).map_err(|e| RegistryChangeError::Sign(e.to_string()))?;
    registry_versions::insert(conn, &signed)?;
    Ok(signed)
}

/// Checks an enrollment document without touching the database.
pub fn check_enrollment(doc: &SignedEnrollment) -> Result<MunicipalityCode, RegistryChangeError> {
    let e = doc.verify()?;
    let code = e.municipality;
    let m = municipalities::lookup(code).ok_or(RegistryChangeError::UnknownMunicipality(code))?;
    if m.ward {
        return Err(RegistryChangeError::Ward { code, name: m.name.clone() });
    }
    vrs_link::PeerId::from_bytes(e.peer_id.as_bytes()).map_err(|_| RegistryChangeError::BadPeerId)?;
    Ok(code)
}

/// Admits (or re-admits with new keys) the node of a verified enrollment.
pub fn enroll(
    conn: &mut SqliteConnection,
    national: &SigningKey,
    doc: &SignedEnrollment,
    json: &str,
) -> Result<Change, RegistryChangeError> {
    let code = check_enrollment(doc)?;
    let e = &doc.enrollment;
    conn.immediate_transaction(|c| {
        if let Some(other) = nodes::active_with_peer(c, &e.peer_id, code)? {
            return Err(RegistryChangeError::PeerInUse(other));
        }
        let replaced = nodes::upsert(c, e, json)?;
        let version = publish(c, national)?;
        Ok(Change { version, municipality: code, replaced })
    })
}

/// Replaces an enrolled node's signing and encryption keys, at its own request (a
/// `key_rotation` envelope, already verified with its current registry key). The new
/// enrollment must verify with the new signing key and keep the node's peer id: a peer id
/// change needs the operator (`enroll`). The same keys again (a resend) change nothing and
/// answer the version that carries them.
pub fn rotate(
    conn: &mut SqliteConnection,
    national: &SigningKey,
    from: MunicipalityCode,
    doc: &SignedEnrollment,
    json: &str,
) -> Result<u64, RegistryChangeError> {
    let code = check_enrollment(doc)?;
    let e = &doc.enrollment;
    if code != from {
        return Err(RegistryChangeError::NotEnrolled(code));
    }
    conn.immediate_transaction(|c| {
        let row = nodes::active(c)?.into_iter().find(|r| r.municipality == code.as_str());
        let current = row.ok_or(RegistryChangeError::NotEnrolled(code))?.entry()?;
        if current.peer_id != e.peer_id {
            return Err(RegistryChangeError::PeerChanged);
        }
        if current.signing_key == e.signing_key && current.encryption_key == e.encryption_key {
            return Ok(registry_versions::latest(c)?.ok_or(RegistryChangeError::NoRegistry)?.registry.version);
        }
        nodes::upsert(c, e, json)?;
        publish(c, national)
    })
}

/// Removes a node from the registry; it is refused from the next version on.
pub fn revoke(
    conn: &mut SqliteConnection,
    national: &SigningKey,
    code: MunicipalityCode,
) -> Result<Change, RegistryChangeError> {
    conn.immediate_transaction(|c| {
        if !nodes::revoke(c, code)? {
            return Err(RegistryChangeError::NotEnrolled(code));
        }
        let version = publish(c, national)?;
        Ok(Change { version, municipality: code, replaced: false })
    })
}

/// Builds the next version from the active nodes, signs and stores it. Call inside the
/// transaction that changed the nodes.
fn publish(conn: &mut SqliteConnection, national: &SigningKey) -> Result<u64, RegistryChangeError> {
    let current = registry_versions::latest(conn)?.ok_or(RegistryChangeError::NoRegistry)?;
    if current.verify(&national.public_key()).is_err() {
        // A registry key that did not sign the current version is the wrong key file.
        return Err(RegistryChangeError::Sign("keys/registry.key did not sign the current registry".into()));
    }
    let nodes = nodes::active(conn)?.iter().map(nodes::NodeRow::entry).collect::<Result<Vec<_>, DbError>>()?;
    let registry = Registry {
        version: current.registry.version + 1,
        issued_at_ms: vrs_protocol::now_ms(),
        coordinator: current.registry.coordinator.clone(),
        nodes,
    };
    let signed = SignedRegistry::sign(national, registry).map_err(|e| RegistryChangeError::Sign(e.to_string()))?;
    registry_versions::insert(conn, &signed)?;
    Ok(signed.registry.version)
}

/// The current signed registry.
pub fn current(conn: &mut SqliteConnection) -> Result<SignedRegistry, RegistryChangeError> {
    registry_versions::latest(conn)?.ok_or(RegistryChangeError::NoRegistry)
}
