//! `vrs-local`: starts the local demo federation on loopback (a coordinator and three
//! enrolled nodes) and prints each node's URL and a staff token; stops all on Ctrl-C.

use clap::Parser;
use vrs_tests::LocalFederation;

#[derive(Parser)]
#[command(about = "Run a local VRS federation with generated residents (SQLite, loopback)")]
struct Args {
    /// Generated residents per node.
    #[arg(long, default_value_t = 10_000)]
    residents: u64,
    /// Where the nodes keep their data (default: a fresh temp dir, removed at exit).
    #[arg(long)]
    dir: Option<std::path::PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    build_binaries()?;
    let tmp = tempfile::Builder::new().prefix("vrs-local-").tempdir()?;
    let root = args.dir.unwrap_or_else(|| tmp.path().to_owned());
    let federation = LocalFederation::start(&root, args.residents, |step| eprintln!("{step}"))?;
    println!("local federation is up (data in {})", root.display());
    let c = &federation.coordinator;
    println!("  coordinator  {}  national token: {}", c.url, c.national_token);
    for n in &federation.nodes {
        println!("  {}  {}  staff token: {}", n.municipality, n.url, n.staff_token);
    }
    println!("try: curl -H 'Authorization: Bearer <token>' <url>/api/v1/residents/100000001");
    println!("press Ctrl-C to stop");
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    ctrlc_handler(tx)?;
    let _ = rx.recv();
    drop(federation); // SIGTERM to the nodes, then the coordinator
    Ok(())
}

/// `cargo run -p vrs-tests` builds only this launcher: when started by cargo, build the
/// node and coordinator binaries in the same profile first, so the README's one command
/// works on a fresh clone.
fn build_binaries() -> anyhow::Result<()> {
    let Ok(cargo) = std::env::var("CARGO") else {
        return Ok(()); // started directly: the binaries must be built already
    };
    let release = std::env::current_exe()?.parent().is_some_and(|d| d.ends_with("release"));
    let mut build = std::process::Command::new(cargo);
    build.args(["build", "--workspace", "--bins"]);
    if release {
        build.arg("--release");
    }
    anyhow::ensure!(build.status()?.success(), "building vrs-node and vrs-coordinator failed");
    Ok(())
}

/// Waits for SIGINT/SIGTERM without another dependency: the nodes are our children, so a
/// terminal Ctrl-C reaches them too; we just wait for the signal on a helper thread.
fn ctrlc_handler(tx: std::sync::mpsc::SyncSender<()>) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    std::thread::spawn(move || {
        rt.block_on(async {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
            }
        });
        let _ = tx.send(());
    });
    Ok(())
}
