//! What each subcommand does.

use super::Command;
use crate::config::Settings;
use crate::db::users::Users;
use crate::layout::{self, DataDir};
use crate::{db, registry};
use anyhow::{Context, bail};
use std::path::Path;
use vrs_protocol::{MunicipalityCode, SignedEnrollment, SigningKey};

/// An enrollment.json is a few hundred bytes; anything much larger is not one.
const MAX_ENROLLMENT_BYTES: u64 = 64 * 1024;

pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Init(args) => super::init::init(args),
        Command::Enroll { data_dir, enrollment } => enroll(&DataDir::new(&data_dir), &enrollment),
        Command::Revoke { data_dir, municipality } => revoke(&DataDir::new(&data_dir), &municipality),
        Command::Serve { data_dir } => serve(&DataDir::new(&data_dir)),
        Command::User(cmd) => user(cmd),
    }
}

fn open(dir: &DataDir) -> anyhow::Result<(Settings, db::Pool)> {
    if !dir.is_initialised() {
        bail!("{} is not a coordinator data dir (run init first)", dir.path().display());
    }
    let settings = Settings::load(dir)?;
    let pool = db::open(&dir.file(&settings.database.file), &settings.database.sqlite_synchronous, 2)?;
    Ok((settings, pool))
}

fn registry_key(dir: &DataDir) -> anyhow::Result<SigningKey> {
    SigningKey::read_file(&dir.file(layout::REGISTRY_KEY))
        .with_context(|| format!("cannot read {}", layout::REGISTRY_KEY))
}

fn enroll(dir: &DataDir, file: &Path) -> anyhow::Result<()> {
    let (_, pool) = open(dir)?;
    let meta = std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?;
    if meta.len() > MAX_ENROLLMENT_BYTES {
        bail!("{} is too large to be an enrollment", file.display());
    }
    let json = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let doc: SignedEnrollment =
        serde_json::from_str(&json).with_context(|| format!("{} is not an enrollment", file.display()))?;
    let change = registry::enroll(&mut *pool.get()?, &registry_key(dir)?, &doc, &json)?;
    let verb = if change.replaced { "re-enrolled (keys replaced)" } else { "enrolled" };
    eprintln!("{} {verb}; registry version {}", change.municipality, change.version);
    Ok(())
}

fn revoke(dir: &DataDir, municipality: &str) -> anyhow::Result<()> {
    let code = MunicipalityCode::parse(municipality).context("--municipality")?;
    let (_, pool) = open(dir)?;
    let change = registry::revoke(&mut *pool.get()?, &registry_key(dir)?, code)?;
    eprintln!("{code} revoked; registry version {}", change.version);
    Ok(())
}

/// `user add|list|revoke-token|renew-token`: tokens on stdout alone, notes on stderr.
fn user(cmd: vrs_http::users::UserCommand) -> anyhow::Result<()> {
    let (settings, pool) = open(&DataDir::new(cmd.data_dir()))?;
    let actor = format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "operator".into()));
    vrs_http::users::run(cmd, &mut Users(&mut *pool.get()?), &settings.auth, &actor, &mut std::io::stdout().lock())?;
    Ok(())
}

fn serve(dir: &DataDir) -> anyhow::Result<()> {
    let (settings, pool) = open(dir)?;
    drop(pool);
    vrs_telemetry::logging::init(&settings.log.format, &settings.log.level);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("tokio runtime")?;
    let result = runtime.block_on(crate::server::run(dir, settings, crate::server::shutdown_signal(), |_| {}));
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    result
}
