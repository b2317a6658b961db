//! `vrs-node retention purge`: runs the scheduled purge now (specs/security.md "Retention").

use crate::config::Settings;
use crate::db::{self, DatabaseUrl};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum RetentionCommand {
    /// Purge what is past the retention period now; prints the counts (JSON).
    Purge {
        #[arg(long)]
        data_dir: PathBuf,
    },
}

pub fn run(command: RetentionCommand) -> anyhow::Result<()> {
    let RetentionCommand::Purge { data_dir } = command;
    let settings = Settings::load(&data_dir)?;
    let url = DatabaseUrl::parse(settings.database.url.expose())?.in_data_dir(&data_dir);
    let pool = db::open(url, &settings.database.sqlite_synchronous, 1)?;
    let counts = crate::retention::schedule::run_once(&pool, settings.retention.years)?;
    println!("{}", serde_json::to_string_pretty(&counts)?);
    Ok(())
}
