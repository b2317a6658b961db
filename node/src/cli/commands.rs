//! What each subcommand does.

use super::{Command, DemoArgs, ImportCommand, InitArgs, JoinArgs, UserCommand};
use crate::config::{Secret, Settings};
use crate::crypto::NodeKeys;
use crate::db::users::Users;
use crate::db::{self, DatabaseUrl};
use crate::federation::identity::ENROLLMENT_FILE;
use crate::federation::{FEDERATION_FILE, NodeIdentity};
use crate::import::reader::Charset;
use crate::import::{ImportError, ImportMode, ImportOptions, import_residents};
use crate::server::{self, KEY_FILE};
use anyhow::{Context, bail};
use std::io::{IsTerminal, Write};
use std::path::Path;
use vrs_protocol::{FederationFile, MunicipalityCode};

pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Init(args) => init(args),
        Command::Serve(d) => serve(&d.data_dir),
        Command::Join(args) => join(args),
        Command::User(UserCommand::Token(cmd)) => user(cmd),
        Command::User(UserCommand::Password { data_dir, name }) => user_password(&data_dir, &name),
        Command::Import(ImportCommand::Residents { data_dir, on_error, charset, file }) => {
            import_file(&data_dir, on_error.as_deref(), charset.as_deref(), &file)
        }
        Command::DemoData(args) => demo_data(args),
        Command::Bench(b) => super::bench::run(b),
        Command::Certificate(c) => super::certificate::run(c),
        Command::Audit(a) => super::audit::run(a),
        Command::BackupKey(a) => super::backup::backup_key(a),
        Command::Backup(a) => super::backup::backup(a),
        Command::Restore(a) => super::backup::restore(a),
        Command::Retention(r) => super::retention::run(r),
        Command::Keys(k) => super::keys::run(k),
    }
}

fn init(args: InitArgs) -> anyhow::Result<()> {
    let code = MunicipalityCode::parse(&args.municipality).context("--municipality")?;
    let muni = crate::municipalities::lookup(code).context("--municipality is not in the municipality master")?;
    let dir = &args.data_dir;
    if dir.join(crate::config::SETTINGS_FILE).exists() {
        bail!("{} is already initialised", dir.display());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut settings = Settings { municipality: code.to_string(), ..Settings::default() };
    settings.http.listen = args.http_listen;
    settings.set_transport(args.tls.settings()?);
    settings.federation.p2p_listen = args.p2p_listen;
    if let Some(url) = args.database_url {
        settings.database.url = Secret(url);
    }
    if let Some(fed) = &args.federation {
        store_federation_file(dir, fed)?;
        settings.federation.file = Some(FEDERATION_FILE.into());
    }
    settings.validate()?;
    NodeKeys::generate_file(&dir.join(KEY_FILE))?;
    NodeIdentity::create(dir, code)?;
    crate::certificates::keys::IssuerKeys::load_or_create(dir)?;
    let url = DatabaseUrl::parse(settings.database.url.expose())?.in_data_dir(dir);
    db::open(url, &settings.database.sqlite_synchronous, 1)?;
    settings.write(dir)?;
    eprintln!(
        "initialised the node for {} {} in {} (enrol it with {})",
        code,
        muni.name,
        dir.display(),
        dir.join(ENROLLMENT_FILE).display()
    );
    Ok(())
}

/// Checks that `source` is a federation file, then copies it into the data dir.
fn store_federation_file(dir: &Path, source: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(source).with_context(|| format!("cannot read {}", source.display()))?;
    FederationFile::from_json(&text).map_err(|e| anyhow::anyhow!("{}: {e}", source.display()))?;
    std::fs::write(dir.join(FEDERATION_FILE), text).with_context(|| format!("cannot write into {}", dir.display()))
}

fn join(args: JoinArgs) -> anyhow::Result<()> {
    Settings::load(&args.data_dir)?; // an initialised node
    // `serve` joins when DIR/federation.json exists; the settings file is left as it is.
    store_federation_file(&args.data_dir, &args.federation)?;
    eprintln!("joined: `vrs-node serve` now dials the coordinator named in {}", args.federation.display());
    Ok(())
}

fn serve(data_dir: &Path) -> anyhow::Result<()> {
    let settings = Settings::load(data_dir)?;
    vrs_telemetry::logging::init(&settings.log.format, &settings.log.level);
    let addr = settings.http_listen()?;
    let mut state = server::open_state(data_dir, settings)?;
    crate::retention::schedule::start(state.db.clone(), state.settings.retention.clone())?;
    let listener = std::net::TcpListener::bind(addr).with_context(|| format!("cannot listen on {addr}"))?;
    // The federation link runs on its own runtime beside actix's, so that routing and
    // delivery never wait behind HTTP work (and the other way round).
    let federation_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("federation")
        .enable_all()
        .build()
        .context("cannot start the federation runtime")?;
    {
        let _entered = federation_runtime.enter();
        crate::federation::join(data_dir, &mut state)?;
    }
    tracing::info!(%addr, municipality = %state.settings.municipality, joined = state.federation.is_some(), "node listening");
    actix_web::rt::System::new().block_on(server::run(state, listener))?;
    federation_runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    tracing::info!("node stopped");
    Ok(())
}

fn open_db(data_dir: &Path) -> anyhow::Result<(Settings, db::Pool)> {
    let settings = Settings::load(data_dir)?;
    let url = DatabaseUrl::parse(settings.database.url.expose())?.in_data_dir(data_dir);
    let pool = db::open(url, &settings.database.sqlite_synchronous, 2)?;
    Ok((settings, pool))
}

/// `user add|list|revoke-token|renew-token`: tokens on stdout alone, notes on stderr.
fn user(cmd: vrs_http::users::UserCommand) -> anyhow::Result<()> {
    let (settings, pool) = open_db(cmd.data_dir())?;
    let mut conn = pool.get()?;
    let actor = format!("cli:{}", whoami());
    vrs_http::users::run(cmd, &mut Users(&mut conn), &settings.auth, &actor, &mut std::io::stdout().lock())?;
    Ok(())
}

fn user_password(data_dir: &Path, name: &str) -> anyhow::Result<()> {
    use crate::db::passwords;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).context("cannot read the password from stdin")?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    passwords::check_policy(name, password)?;
    let (_, pool) = open_db(data_dir)?;
    let mut conn = pool.get()?;
    let id = passwords::user_id_by_name(&mut conn, name)?.with_context(|| format!("no user named {name:?}"))?;
    let phc = passwords::hash(password)?;
    passwords::set(&mut conn, id, &phc, &format!("cli:{}", whoami()))?;
    crate::db::access_log::record(
        &mut conn,
        crate::db::access_log::Entry {
            actor: &format!("cli:{}", whoami()),
            role: "admin",
            action: "user.password",
            atena: None,
            detail: Some(format!("name={name}")),
        },
    )?;
    eprintln!("the password of {name} is set; their browser sessions have ended");
    Ok(())
}

fn import_file(data_dir: &Path, on_error: Option<&str>, charset: Option<&str>, file: &Path) -> anyhow::Result<()> {
    let Some(mode) = ImportMode::from_on_error(on_error) else {
        bail!("--on-error must be skip or abort");
    };
    let charset = match charset {
        None => None,
        Some(c) => Some(Charset::from_label(c).context("--charset must be utf-8 or shift_jis")?),
    };
    let (settings, pool) = open_db(data_dir)?;
    let keys = NodeKeys::load(&data_dir.join(KEY_FILE))?;
    let input = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let size = input.metadata().map(|m| m.len()).unwrap_or(0);
    let opts = ImportOptions {
        mode,
        charset,
        batch_rows: settings.import.batch_rows,
        max_rejections_reported: settings.import.max_rejections_reported,
        actor: cli_actor(),
        role: "admin".into(),
        today: crate::today(),
    };
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let progress = std::io::stderr().is_terminal().then(|| spawn_progress(size, counter.clone()));
    let mut conn = pool.get()?;
    let result = import_residents(&mut conn, &keys, std::io::BufReader::new(input), &opts, Some(counter));
    if let Some((bar, handle)) = progress {
        bar.finish_and_clear();
        let _ = handle.join();
    }
    match result {
        Ok(report) => {
            serde_json::to_writer_pretty(std::io::stdout(), &report)?;
            println!();
            if !report.committed {
                bail!(
                    "{} rows were rejected; nothing was written (use --on-error skip to keep the valid rows)",
                    report.rejected_total
                );
            }
            Ok(())
        }
        Err(ImportError::File(r)) => bail!("line {}: {}: {}; nothing was written", r.line, r.error, r.message),
        Err(e) => Err(e.into()),
    }
}

fn whoami() -> String {
    std::env::var("USER").unwrap_or_else(|_| "operator".into())
}

/// The access log's actor for a command run by hand.
pub fn cli_actor() -> String {
    format!("cli:{}", whoami())
}

type Progress = (indicatif::ProgressBar, std::thread::JoinHandle<()>);

/// A progress bar driven by the bytes the import has read.
fn spawn_progress(size: u64, counter: std::sync::Arc<std::sync::atomic::AtomicU64>) -> Progress {
    let bar = indicatif::ProgressBar::new(size);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let b = bar.clone();
    let handle = std::thread::spawn(move || {
        while !b.is_finished() {
            b.set_position(counter.load(std::sync::atomic::Ordering::Relaxed));
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    });
    (bar, handle)
}

fn demo_data(args: DemoArgs) -> anyhow::Result<()> {
    let encoding = match args.encoding.as_str() {
        "utf-8" | "utf8" => vrs_demo::Encoding::Utf8,
        "cp932" | "shift_jis" => vrs_demo::Encoding::Cp932,
        _ => bail!("--encoding must be utf-8 or cp932"),
    };
    if !(0.0..=1.0).contains(&args.error_rate) {
        bail!("--error-rate must be between 0 and 1");
    }
    let opts = vrs_demo::DemoOptions {
        municipality: MunicipalityCode::parse(&args.municipality).context("--municipality")?,
        count: args.count,
        seed: args.seed,
        encoding,
        header: !args.no_header,
        error_rate: args.error_rate,
        today: crate::today(),
    };
    let summary = match &args.out {
        Some(path) => {
            let f = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            vrs_demo::write_residents(&opts, std::io::BufWriter::with_capacity(1 << 20, f))?
        }
        None => vrs_demo::write_residents(&opts, std::io::BufWriter::new(std::io::stdout().lock()))?,
    };
    std::io::stdout().flush()?;
    eprintln!("wrote {} rows ({} with an injected error)", summary.rows, summary.injected_errors);
    Ok(())
}
