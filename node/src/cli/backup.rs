//! `vrs-node backup-key`, `backup` and `restore` (specs/security.md "Backup and restore").

use crate::backup::{create, restore};
use crate::config::Settings;
use anyhow::Context;
use clap::Args;
use std::path::{Path, PathBuf};
use vrs_protocol::{DecryptionKey, RecipientKey};

/// Where `backup-key --data-dir` installs the public half, for `backup` to use by default.
pub const BACKUP_PUBLIC_KEY: &str = "keys/backup.pub";

#[derive(Args, Debug)]
pub struct BackupKeyArgs {
    /// Where to write the private key (keep it offline: only a restore needs it). The
    /// public key goes beside it as FILE.pub.
    #[arg(long)]
    pub out: PathBuf,
    /// Also install the public key in this node's data dir, as the default for `backup`.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct BackupArgs {
    #[arg(long)]
    pub data_dir: PathBuf,
    /// The backup public key file (`backup-key` wrote it); default DIR/keys/backup.pub.
    #[arg(long)]
    pub recipient: Option<PathBuf>,
    /// The backup file to write.
    pub file: PathBuf,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// A new, empty data dir to restore into.
    #[arg(long)]
    pub data_dir: PathBuf,
    /// The backup private key file (`backup-key --out`).
    #[arg(long)]
    pub key: PathBuf,
    /// PostgreSQL backups only: the database the node's pg_dump was restored into
    /// (pg_restore first; specs/security.md).
    #[arg(long)]
    pub database_url: Option<String>,
    /// The backup file.
    pub file: PathBuf,
}

pub fn backup_key(args: BackupKeyArgs) -> anyhow::Result<()> {
    let key = DecryptionKey::generate()?;
    key.write_file(&args.out)
        .with_context(|| format!("cannot create {} (it must not exist yet)", args.out.display()))?;
    let public = format!("{}\n", hex::encode(key.public_key().as_bytes()));
    let pub_file = PathBuf::from(format!("{}.pub", args.out.display()));
    std::fs::write(&pub_file, &public).with_context(|| format!("cannot write {}", pub_file.display()))?;
    if let Some(dir) = &args.data_dir {
        Settings::load(dir)?;
        std::fs::write(dir.join(BACKUP_PUBLIC_KEY), &public).context("cannot install the public key")?;
    }
    eprintln!(
        "backup key written to {} (keep it offline) and its public half to {}",
        args.out.display(),
        pub_file.display()
    );
    Ok(())
}

pub fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let settings = Settings::load(&args.data_dir)?;
    let recipient_file = args.recipient.unwrap_or_else(|| args.data_dir.join(BACKUP_PUBLIC_KEY));
    let to = read_public(&recipient_file)?;
    let s = create::create(&args.data_dir, &settings, &to, &args.file, &super::commands::cli_actor())?;
    eprintln!(
        "backed up {} files ({} bytes, {} encrypted) to {}; access log up to entry {}",
        s.files,
        s.bytes_in,
        s.bytes_out,
        args.file.display(),
        s.manifest.access_log_head_seq
    );
    if s.manifest.database == "postgres" {
        eprintln!("the database is on PostgreSQL and not in this file: dump it with pg_dump (specs/security.md)");
    }
    Ok(())
}

pub fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    let key = DecryptionKey::read_file(&args.key).with_context(|| format!("cannot read {}", args.key.display()))?;
    let s = restore::restore(
        &args.file,
        &key,
        &args.data_dir,
        &super::commands::cli_actor(),
        args.database_url.as_deref(),
    )?;
    eprintln!(
        "restored {} files of the backup of {} taken at {} ms into {}",
        s.files,
        s.manifest.municipality,
        s.manifest.taken_at_ms,
        args.data_dir.display()
    );
    eprintln!(
        "database intact; access log: {} entries verify; run vrs-node audit verify to check them against the \
         coordinator's checkpoints",
        s.log.rows
    );
    Ok(())
}

fn read_public(path: &Path) -> anyhow::Result<RecipientKey> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!("cannot read the backup public key {} (create one with vrs-node backup-key)", path.display())
    })?;
    let bytes: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .with_context(|| format!("{} is not a backup public key (64 hex digits)", path.display()))?;
    RecipientKey::from_bytes(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}
