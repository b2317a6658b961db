//! `vrs-node audit verify`: recomputes the access-log chain and checks it against the
//! checkpoints the coordinator holds (fetched over the federation link now) and the local
//! copies; prints the report and fails naming the first broken entry.

use crate::audit::checkpoint_check::Signer;
use crate::audit::verify;
use crate::config::Settings;
use crate::db::{self, DatabaseUrl};
use crate::federation::{NodeIdentity, checkpoints, session};
use anyhow::{Context, bail};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check that the access log is exactly what the node wrote (chain and checkpoints).
    Verify {
        #[arg(long)]
        data_dir: PathBuf,
        /// Do not ask the coordinator; check against the local checkpoint copies only.
        #[arg(long)]
        offline: bool,
        /// Seconds to wait for the coordinator connection.
        #[arg(long, default_value_t = 15)]
        connect_timeout: u64,
    },
}

pub fn run(command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify { data_dir, offline, connect_timeout } => {
            verify_log(&data_dir, offline, Duration::from_secs(connect_timeout))
        }
    }
}

fn verify_log(data_dir: &Path, offline: bool, within: Duration) -> anyhow::Result<()> {
    let settings = Settings::load(data_dir)?;
    let identity = NodeIdentity::load(data_dir)?;
    let coordinator = if offline { None } else { fetch_checkpoints(data_dir, &settings, within)? };
    let url = DatabaseUrl::parse(settings.database.url.expose())?.in_data_dir(data_dir);
    let pool = db::open(url, &settings.database.sqlite_synchronous, 1)?;
    let keys = identity.signing_keys();
    let signer = Signer { own: settings.municipality_code(), keys: &keys };
    let report = verify::verify(&mut *pool.get()?, &signer, coordinator.as_deref())?;
    print!("{}", report.render());
    match report.first_break() {
        None => Ok(()),
        Some(b) => bail!("the access log does not verify: {b}"),
    }
}

/// The coordinator's checkpoints of this node; `None` for a standalone node.
fn fetch_checkpoints(
    data_dir: &Path,
    settings: &Settings,
    within: Duration,
) -> anyhow::Result<Option<Vec<vrs_protocol::messages::SignedCheckpoint>>> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    runtime.block_on(async {
        let Some(federation) = session::connect(data_dir, settings, within)
            .await
            .context("the coordinator holds the checkpoints (or use --offline to check the local copies only)")?
        else {
            return Ok(None);
        };
        let all = checkpoints::fetch_all(&federation, 0).await.context("cannot fetch the coordinator's checkpoints")?;
        Ok(Some(all))
    })
}
