//! `vrs-node backup`: one encrypted file with everything a restore needs — the database
//! (SQLite: a consistent copy taken while the node serves, with `VACUUM INTO`), the
//! settings, the federation files and every key — sealed to the operator's backup key.
//! On PostgreSQL the database is left to `pg_dump` (specs/security.md) and the file holds
//! the rest, which a database dump does not: the keys that open the My Numbers.

use super::archive::{ArchiveWriter, valid_path};
use super::stream::Sealer;
use super::{DATABASE_ENTRY, MANIFEST_ENTRY, Manifest, STARTED_ACTION};
use crate::config::{SETTINGS_FILE, Settings};
use crate::db::{self, DatabaseUrl, access_chain, access_log};
use anyhow::{Context, bail};
use diesel::connection::SimpleConnection;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use vrs_protocol::RecipientKey;

/// Files of the data dir a restore needs besides the database and `keys/`.
const FILES: [&str; 5] = [SETTINGS_FILE, crate::products::FILE, "enrollment.json", "federation.json", "registry.json"];

#[derive(Debug)]
pub struct BackupSummary {
    pub manifest: Manifest,
    pub files: usize,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

/// Writes the backup of the node in `data_dir` to `out` (atomically: a failed backup
/// leaves no file), sealed to `to`. `actor` goes into the access log.
pub fn create(
    data_dir: &Path,
    settings: &Settings,
    to: &RecipientKey,
    out: &Path,
    actor: &str,
) -> anyhow::Result<BackupSummary> {
    let url = DatabaseUrl::parse(settings.database.url.expose())?.in_data_dir(data_dir);
    let pool = db::open(url.clone(), &settings.database.sqlite_synchronous, 1)?;
    let mut conn = pool.get()?;
    // Reading everyone's data is an access like any other; logged before the copy, so the
    // backup holds its own entry.
    let detail = format!("database={}", if url.is_sqlite() { "sqlite" } else { "postgres" });
    access_log::record(
        &mut conn,
        access_log::Entry { actor, role: "admin", action: STARTED_ACTION, atena: None, detail: Some(detail) },
    )?;
    let taken_at_ms = vrs_protocol::now_ms();
    let copy = match &url {
        DatabaseUrl::Sqlite(_) => Some(TempCopy::take(&mut conn, data_dir)?),
        DatabaseUrl::Postgres(_) => None,
    };
    let head_seq = match &copy {
        Some(c) => c.head_seq()?,
        None => access_chain::state(&mut conn)?.head_seq,
    };
    drop(conn);
    let manifest = Manifest {
        format: 1,
        municipality: settings.municipality.clone(),
        vrs_version: env!("CARGO_PKG_VERSION").into(),
        database: if copy.is_some() { "sqlite" } else { "postgres" }.into(),
        taken_at_ms,
        access_log_head_seq: head_seq,
    };
    let dir = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = tempfile::Builder::new()
        .prefix(".vrs-backup-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    let sealer = Sealer::new(BufWriter::new(tmp.as_file().try_clone()?), to)?;
    let mut archive = ArchiveWriter::new(sealer)?;
    archive.add_bytes(MANIFEST_ENTRY, &serde_json::to_vec_pretty(&manifest)?)?;
    let mut files = 1;
    let mut bytes_in = 0;
    for (entry, path) in data_files(data_dir)? {
        bytes_in += archive.add_file(&entry, &path).with_context(|| format!("cannot read {}", path.display()))?;
        files += 1;
    }
    if let Some(c) = &copy {
        bytes_in += archive.add_file(DATABASE_ENTRY, &c.path).context("cannot read the database copy")?;
        files += 1;
    }
    archive.finish()?.finish()?.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    let bytes_out = tmp.as_file().metadata()?.len();
    tmp.persist(out).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(BackupSummary { manifest, files, bytes_in, bytes_out })
}

/// The settings, federation files and every file under `keys/`, as (entry, path).
fn data_files(data_dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut out: Vec<(String, PathBuf)> =
        FILES.iter().map(|f| (f.to_string(), data_dir.join(f))).filter(|(_, p)| p.is_file()).collect();
    if !out.iter().any(|(f, _)| f == SETTINGS_FILE) {
        bail!("{} has no {SETTINGS_FILE}: not a node's data dir", data_dir.display());
    }
    let mut stack = vec![PathBuf::from("keys")];
    while let Some(rel) = stack.pop() {
        for item in std::fs::read_dir(data_dir.join(&rel)).with_context(|| format!("cannot read {}", rel.display()))? {
            let item = item?;
            let rel = rel.join(item.file_name());
            let entry = rel.to_string_lossy().replace('\\', "/");
            let kind = item.file_type()?;
            if kind.is_dir() {
                stack.push(rel);
            } else if kind.is_file() {
                if !valid_path(&entry) {
                    bail!("{entry}: a file name a backup cannot hold");
                }
                out.push((entry, data_dir.join(&rel)));
            }
        }
    }
    Ok(out)
}

/// A consistent copy of the SQLite database beside it (as private as the database),
/// removed when dropped. `VACUUM INTO` reads one snapshot: writers go on meanwhile.
struct TempCopy {
    path: PathBuf,
}

impl TempCopy {
    fn take(conn: &mut db::DbConn, data_dir: &Path) -> anyhow::Result<Self> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let path = data_dir.join(format!(".backup-{}-{nanos}.sqlite", std::process::id()));
        let copy = TempCopy { path };
        let literal = copy.path.to_str().context("the data dir path is not UTF-8")?.replace('\'', "''");
        conn.batch_execute(&format!("VACUUM INTO '{literal}'"))
            .map_err(|e| anyhow::anyhow!("cannot copy the database: {}", db::describe(&e)))?;
        Ok(copy)
    }

    /// The access-log head of the copy, as a restore will find it.
    fn head_seq(&self) -> anyhow::Result<i64> {
        let url = DatabaseUrl::Sqlite(self.path.display().to_string());
        let mut conn = db::Manager::new(url, "normal").establish()?;
        let seq = access_chain::state(&mut conn)?.head_seq;
        // Leave the copy as one file (no -wal beside it).
        conn.batch_execute("PRAGMA journal_mode = DELETE;")?;
        Ok(seq)
    }
}

impl Drop for TempCopy {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
        }
    }
}
