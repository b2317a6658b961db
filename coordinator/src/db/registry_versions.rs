//! Signed registry versions. Stored as postcard of `SignedRegistry` — the same encoding
//! the registry travels in — so what a node receives is byte for byte what was signed and
//! stored, and a later reader re-verifies nothing it did not sign.

use super::DbError;
use super::schema::registry_versions as rv;
use diesel::prelude::*;
use vrs_protocol::SignedRegistry;

pub fn encode(signed: &SignedRegistry) -> Vec<u8> {
    postcard::to_allocvec(signed).unwrap_or_default()
}

/// Refuses trailing bytes, so a stored version has one encoding.
pub fn decode(bytes: &[u8]) -> Result<SignedRegistry, DbError> {
    let (signed, rest) =
        postcard::take_from_bytes::<SignedRegistry>(bytes).map_err(|_| DbError::Corrupt("registry version"))?;
    if rest.is_empty() { Ok(signed) } else { Err(DbError::Corrupt("registry version has trailing bytes")) }
}

pub fn insert(conn: &mut SqliteConnection, signed: &SignedRegistry) -> Result<(), DbError> {
    let version = i64::try_from(signed.registry.version).map_err(|_| DbError::Corrupt("registry version number"))?;
    let issued = i64::try_from(signed.registry.issued_at_ms).unwrap_or(i64::MAX);
    diesel::insert_into(rv::table)
        .values((rv::version.eq(version), rv::signed.eq(encode(signed)), rv::issued_at_ms.eq(issued)))
        .execute(conn)?;
    Ok(())
}

pub fn latest_version(conn: &mut SqliteConnection) -> Result<Option<u64>, DbError> {
    let v: Option<i64> = rv::table.select(diesel::dsl::max(rv::version)).first(conn)?;
    Ok(v.and_then(|v| u64::try_from(v).ok()))
}

pub fn latest(conn: &mut SqliteConnection) -> Result<Option<SignedRegistry>, DbError> {
    let bytes: Option<Vec<u8>> = rv::table.order(rv::version.desc()).select(rv::signed).first(conn).optional()?;
    bytes.map(|b| decode(&b)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrs_protocol::{CoordinatorEntry, DecryptionKey, PeerIdBytes, Registry, SigningKey};

    #[test]
    fn a_signed_registry_round_trips_and_trailing_bytes_are_refused() {
        let national = SigningKey::generate().unwrap();
        let coordinator = CoordinatorEntry {
            peer_id: PeerIdBytes::new(vec![0, 36, 8, 1]).unwrap(),
            signing_key: SigningKey::generate().unwrap().public_key(),
            encryption_key: DecryptionKey::generate().unwrap().public_key(),
        };
        let registry = Registry { version: 7, issued_at_ms: 1, coordinator, nodes: vec![] };
        let signed = SignedRegistry::sign(&national, registry).unwrap();
        let bytes = encode(&signed);
        let back = decode(&bytes).unwrap();
        assert_eq!(back, signed);
        back.verify(&national.public_key()).unwrap();
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_err());
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
    }
}
