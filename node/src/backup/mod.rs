//! Backup and restore of a node (specs/security.md "Backup and restore"): one encrypted
//! file holding a consistent copy of the database, the settings and every key, sealed to a
//! backup key whose private half the operator keeps offline.

pub mod archive;
pub mod create;
pub mod restore;
pub mod stream;

use serde::{Deserialize, Serialize};

/// The archive's first entry.
pub const MANIFEST_ENTRY: &str = "manifest.json";
/// The SQLite database's entry (restored as `vrs.sqlite` in the new data dir).
pub const DATABASE_ENTRY: &str = "vrs.sqlite";
/// Access-log actions of a backup and of a restore.
pub const STARTED_ACTION: &str = "backup.started";
pub const RESTORED_ACTION: &str = "backup.restored";

/// What a backup says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    pub municipality: String,
    pub vrs_version: String,
    /// `sqlite` (the database is in the backup) or `postgres` (it is not: pg_dump).
    pub database: String,
    /// When the database copy began: every change after it is not in the backup.
    pub taken_at_ms: u64,
    /// The access log's last position in the copy (0 on PostgreSQL: not in the backup).
    pub access_log_head_seq: i64,
}
