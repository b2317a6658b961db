//! `vrs-node keys rotate`: new signing and encryption keys for the node, registered with
//! the coordinator (specs/security.md "Key rotation").

use crate::config::Settings;
use crate::federation::{NodeIdentity, rotation, session};
use anyhow::Context;
use clap::Subcommand;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Replace the node's signing and encryption keys (the coordinator publishes them; the
    /// old decryption key keeps opening what was sealed to it for eight days).
    Rotate {
        #[arg(long)]
        data_dir: PathBuf,
        /// Seconds to wait for the coordinator connection.
        #[arg(long, default_value_t = 15)]
        connect_timeout: u64,
    },
}

pub fn run(command: KeysCommand) -> anyhow::Result<()> {
    let KeysCommand::Rotate { data_dir, connect_timeout } = command;
    rotate(&data_dir, Duration::from_secs(connect_timeout))
}

fn rotate(dir: &Path, within: Duration) -> anyhow::Result<()> {
    let settings = Settings::load(dir)?;
    let code = settings.municipality_code();
    let staged = rotation::stage(dir)?;
    let enrollment = rotation::enrollment(&NodeIdentity::load(dir)?, &staged, code)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let version = runtime.block_on(async {
        let Some(federation) = session::connect(dir, &settings, within).await? else {
            return anyhow::Ok(None);
        };
        // A rotation whose answer was lost is registered already: nothing to ask again.
        let staged_keys = (staged.signing.public_key(), staged.decryption.public_key());
        if federation.registry.node_keys(code) == Some(staged_keys) {
            return Ok(Some(federation.registry.version()));
        }
        let version =
            federation.register_keys(enrollment).await.context("the coordinator did not register the new keys")?;
        Ok(Some(version))
    })?;
    rotation::promote(dir, code, staged.signing.public_key(), staged.decryption.public_key())?;
    match version {
        Some(v) => eprintln!("keys rotated: registry version {v} carries them; a serving node switches to them now"),
        None => eprintln!("keys rotated (standalone node): enrol the new enrollment.json when the node joins"),
    }
    Ok(())
}
