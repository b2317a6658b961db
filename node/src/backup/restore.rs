//! `vrs-node restore`: unpacks a backup into a new, empty data dir — all of it or nothing
//! (a failure removes what was written) — then checks what it restored: the database's
//! integrity (SQLite's full `integrity_check`) and its access-log chain, and records the
//! restore in the chain (`backup.restored`, with when the backup was taken and where its
//! log ended), so that `audit verify` can tell entries lost to the restore from entries
//! removed by hand.
//!
//! A PostgreSQL backup holds no database: the operator first `pg_restore`s the dump into an
//! empty database and names it with `--database-url`; the restore then points the settings
//! at it and checks and records it the same way.

use super::archive::ArchiveReader;
use super::stream::Opener;
use super::{DATABASE_ENTRY, MANIFEST_ENTRY, Manifest, RESTORED_ACTION};
use crate::audit::checkpoint_check::Signer;
use crate::audit::verify::{self, Report};
use crate::config::{SETTINGS_FILE, Settings};
use crate::db::{self, DatabaseUrl, access_chain, access_log};
use crate::federation::NodeIdentity;
use anyhow::{Context, bail};
use std::io::{BufReader, Read};
use std::path::Path;
use vrs_protocol::DecryptionKey;

/// A manifest is a few hundred bytes; anything near this is not one.
const MAX_MANIFEST: u64 = 64 * 1024;

#[derive(Debug)]
pub struct RestoreSummary {
    pub manifest: Manifest,
    pub files: usize,
    /// The restored access log as `audit verify --offline` sees it.
    pub log: Report,
}

/// Restores `file` into `data_dir`, which must not exist or be empty. `postgres_url` is
/// the database a PostgreSQL backup's dump was restored into (required for those, refused
/// for SQLite backups, which carry their database).
pub fn restore(
    file: &Path,
    secret: &DecryptionKey,
    data_dir: &Path,
    actor: &str,
    postgres_url: Option<&str>,
) -> anyhow::Result<RestoreSummary> {
    if data_dir.exists() && std::fs::read_dir(data_dir)?.next().is_some() {
        bail!("{} is not empty: restore into a new data dir", data_dir.display());
    }
    if let Some(url) = postgres_url
        && !matches!(DatabaseUrl::parse(url), Ok(DatabaseUrl::Postgres(_)))
    {
        bail!("--database-url must be a postgres:// URL (the database pg_restore filled)");
    }
    create_private_dir(data_dir)?;
    let unpacked = unpack(file, secret, data_dir, postgres_url);
    let (manifest, files) = match unpacked {
        Ok(x) => x,
        Err(e) => {
            // Nothing half-restored stays behind.
            let _ = std::fs::remove_dir_all(data_dir);
            return Err(e);
        }
    };
    let log = check_and_record(data_dir, &manifest, actor)?;
    Ok(RestoreSummary { manifest, files, log })
}

fn unpack(
    file: &Path,
    secret: &DecryptionKey,
    data_dir: &Path,
    postgres_url: Option<&str>,
) -> anyhow::Result<(Manifest, usize)> {
    let input = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let opener = Opener::new(BufReader::new(input), secret)?;
    let mut archive = ArchiveReader::new(opener).context("the backup's contents do not read")?;
    let manifest: Manifest = match archive.next_entry()? {
        Some((path, size)) if path == MANIFEST_ENTRY && size <= MAX_MANIFEST => {
            let mut text = Vec::new();
            archive.body(size).read_to_end(&mut text)?;
            serde_json::from_slice(&text).context("the backup's manifest does not read")?
        }
        _ => bail!("the backup has no manifest"),
    };
    if manifest.format != 1 {
        bail!("backup format {} is not one this version reads", manifest.format);
    }
    match (manifest.database.as_str(), postgres_url) {
        ("postgres", None) => bail!(
            "this backup is of a PostgreSQL node and holds no database: pg_restore the dump into an empty \
             database first, then name it with --database-url (specs/security.md)"
        ),
        ("sqlite", Some(_)) => bail!("this backup carries its SQLite database: restore it without --database-url"),
        ("sqlite" | "postgres", _) => {}
        (other, _) => bail!("the backup's database kind {other:?} is not one this version reads"),
    }
    let mut files = 1;
    let mut seen = std::collections::HashSet::new();
    while let Some((path, size)) = archive.next_entry()? {
        if !seen.insert(path.clone()) {
            bail!("the backup holds {path} twice");
        }
        let target = data_dir.join(&path);
        if let Some(parent) = target.parent() {
            create_private_dir(parent)?;
        }
        let mut out = private_file(&target)?;
        let copied = std::io::copy(&mut archive.body(size), &mut out)?;
        if copied != size {
            bail!("the backup ends inside {path}");
        }
        out.sync_all()?;
        files += 1;
    }
    if !seen.contains(SETTINGS_FILE) {
        bail!("the backup has no {SETTINGS_FILE}");
    }
    match postgres_url {
        None if !seen.contains(DATABASE_ENTRY) => bail!("the backup has no database"),
        None => point_settings_at(data_dir, &format!("sqlite://{DATABASE_ENTRY}"))?,
        Some(url) => point_settings_at(data_dir, url)?,
    }
    Ok((manifest, files))
}

/// The restored node's database: `vrs.sqlite` in the new data dir, wherever it was
/// before, or the PostgreSQL database the dump went into.
fn point_settings_at(data_dir: &Path, url: &str) -> anyhow::Result<()> {
    let path = data_dir.join(SETTINGS_FILE);
    let mut doc: toml::Table = std::fs::read_to_string(&path)?.parse().context("the restored settings do not read")?;
    let database = doc.entry("database").or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let table = database.as_table_mut().context("the restored settings have no [database]")?;
    table.insert("url".into(), toml::Value::String(url.to_owned()));
    std::fs::write(&path, toml::to_string(&doc)?)?;
    Ok(())
}

/// Opens the restored database (migrating it, if the backup is older than this version),
/// checks it whole, verifies its access log and appends the restore receipt.
fn check_and_record(data_dir: &Path, manifest: &Manifest, actor: &str) -> anyhow::Result<Report> {
    let settings = Settings::load(data_dir)?;
    let url = DatabaseUrl::parse(settings.database.url.expose())?.in_data_dir(data_dir);
    if url.is_sqlite() {
        // PostgreSQL checked its own pages as pg_restore loaded them (--exit-on-error).
        db::integrity::check_file(&url, db::integrity::Depth::Full)?;
    }
    let pool = db::open(url, &settings.database.sqlite_synchronous, 1)?;
    let mut conn = pool.get()?;
    let identity = NodeIdentity::load(data_dir)?;
    let keys = identity.signing_keys();
    let signer = Signer { own: settings.municipality_code(), keys: &keys };
    let report = verify::verify(&mut conn, &signer, None)?;
    if let Some(b) = report.first_break() {
        bail!("restored into {}, but its access log does not verify: {b}", data_dir.display());
    }
    let (taken_at_ms, head_seq) = match manifest.database.as_str() {
        "sqlite" => (manifest.taken_at_ms, manifest.access_log_head_seq),
        _ => dump_point(&mut conn)?,
    };
    let detail = format!("taken_at_ms={taken_at_ms} head_seq={head_seq} restored_at_ms={}", vrs_protocol::now_ms());
    access_log::record(
        &mut conn,
        access_log::Entry { actor, role: "admin", action: RESTORED_ACTION, atena: None, detail: Some(detail) },
    )?;
    Ok(report)
}

/// Where a pg_dump's copy of the access log ends, read from the restored log itself (the
/// keys backup's manifest was written at another time): its last position, and that
/// entry's time, which the dump began no earlier than.
fn dump_point(conn: &mut db::DbConn) -> anyhow::Result<(u64, i64)> {
    let head_seq = access_chain::state(conn)?.head_seq;
    let last = access_chain::page(conn, head_seq - 1, 1)?;
    let at_s = last.first().map_or(0, |row| row.at);
    Ok((u64::try_from(at_s).unwrap_or(0).saturating_mul(1000), head_seq))
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// Every restored file is the operator's alone: keys, settings (a database URL may hold a
/// password) and the database.
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
}
