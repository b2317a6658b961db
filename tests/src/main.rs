//! `vrs-local`: starts the local demo federation on loopback and prints each node's URL
//! and a staff token; stops everything on Ctrl-C.

use clap::Parser;
use vrs_tests::{DEMO_MUNICIPALITIES, NodeProcess};

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
    let tmp = tempfile::Builder::new().prefix("vrs-local-").tempdir()?;
    let root = args.dir.unwrap_or_else(|| tmp.path().to_owned());
    let mut nodes = Vec::new();
    for (code, name) in DEMO_MUNICIPALITIES {
        eprintln!("starting {code} {name} with {} generated residents ...", args.residents);
        nodes.push(NodeProcess::start(&root, code, args.residents, None)?);
    }
    println!("local federation is up (data in {})", root.display());
    for n in &nodes {
        println!("  {}  {}  staff token: {}", n.municipality, n.url, n.staff_token);
    }
    println!("try: curl -H 'Authorization: Bearer <token>' <url>/api/v1/residents/100000001");
    println!("press Ctrl-C to stop");
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    ctrlc_handler(tx)?;
    let _ = rx.recv();
    for mut n in nodes {
        let _ = n.stop();
    }
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
