//! Enrolled nodes: the source from which every registry version is built.

use super::DbError;
use super::schema::nodes;
use diesel::prelude::*;
use vrs_protocol::{Enrollment, MunicipalityCode, PeerIdBytes, RecipientKey, RegistryEntry, SigningPublicKey};

#[derive(Debug, Clone, Queryable)]
pub struct NodeRow {
    pub municipality: String,
    pub peer_id: Vec<u8>,
    pub signing_key: Vec<u8>,
    pub encryption_key: Vec<u8>,
    pub enrollment: String,
    pub enrolled_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
    pub last_seen_ms: Option<i64>,
}

impl NodeRow {
    /// The registry entry this row stands for; a row that does not decode is corrupt.
    pub fn entry(&self) -> Result<RegistryEntry, DbError> {
        let corrupt = || DbError::Corrupt("nodes row");
        let sign: [u8; 32] = self.signing_key.clone().try_into().map_err(|_| corrupt())?;
        let enc: [u8; 32] = self.encryption_key.clone().try_into().map_err(|_| corrupt())?;
        Ok(RegistryEntry {
            municipality: MunicipalityCode::parse(&self.municipality).map_err(|_| corrupt())?,
            peer_id: PeerIdBytes::new(self.peer_id.clone()).ok_or_else(corrupt)?,
            signing_key: SigningPublicKey(sign),
            encryption_key: RecipientKey::from_bytes(&enc).map_err(|_| corrupt())?,
        })
    }
}

/// Inserts or replaces the node of `e.municipality` (re-enrolling rotates its keys and
/// lifts a revocation). Returns whether a row for the code existed.
pub fn upsert(conn: &mut SqliteConnection, e: &Enrollment, enrollment_json: &str) -> Result<bool, DbError> {
    let code = e.municipality.as_str();
    let existed = nodes::table.find(code).count().get_result::<i64>(conn)? > 0;
    let now = super::now_ms();
    let values = (
        nodes::municipality.eq(code),
        nodes::peer_id.eq(e.peer_id.as_bytes()),
        nodes::signing_key.eq(e.signing_key.as_bytes().as_slice()),
        nodes::encryption_key.eq(e.encryption_key.as_bytes().as_slice()),
        nodes::enrollment.eq(enrollment_json),
        nodes::enrolled_at_ms.eq(now),
        nodes::revoked_at_ms.eq(None::<i64>),
    );
    diesel::replace_into(nodes::table).values(values).execute(conn)?;
    Ok(existed)
}

/// Marks the node revoked; false if there was no active node with that code.
pub fn revoke(conn: &mut SqliteConnection, code: MunicipalityCode) -> Result<bool, DbError> {
    let n = diesel::update(nodes::table.find(code.as_str()).filter(nodes::revoked_at_ms.is_null()))
        .set(nodes::revoked_at_ms.eq(super::now_ms()))
        .execute(conn)?;
    Ok(n > 0)
}

/// The active node (other than `code`) that already uses `peer`, if any.
pub fn active_with_peer(
    conn: &mut SqliteConnection,
    peer: &PeerIdBytes,
    code: MunicipalityCode,
) -> Result<Option<String>, DbError> {
    Ok(nodes::table
        .filter(nodes::peer_id.eq(peer.as_bytes()))
        .filter(nodes::revoked_at_ms.is_null())
        .filter(nodes::municipality.ne(code.as_str()))
        .select(nodes::municipality)
        .first(conn)
        .optional()?)
}

pub fn active(conn: &mut SqliteConnection) -> Result<Vec<NodeRow>, DbError> {
    Ok(nodes::table.filter(nodes::revoked_at_ms.is_null()).order(nodes::municipality).load(conn)?)
}

pub fn set_last_seen(conn: &mut SqliteConnection, code: MunicipalityCode, at_ms: i64) -> Result<(), DbError> {
    diesel::update(nodes::table.find(code.as_str())).set(nodes::last_seen_ms.eq(at_ms)).execute(conn)?;
    Ok(())
}
