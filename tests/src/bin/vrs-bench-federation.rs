//! `vrs-bench-federation`: forwarding speed through a real coordinator, its memory per
//! connected node, and all 1,741 municipalities connected at once (issue 4). Loopback
//! only. Build the coordinator first: `cargo build --release -p vrs-coordinator`.

use clap::Parser;
use vrs_tests::fedbench::{self, Options};

#[derive(Parser)]
#[command(about = "Benchmark the VRS coordinator with simulated municipality nodes on loopback")]
struct Args {
    /// Simulated nodes enrolled and connected (1741 = every municipality).
    #[arg(long, default_value_t = 1741)]
    nodes: usize,
    /// Doses per measured phase.
    #[arg(long, default_value_t = 40_000)]
    doses: usize,
    /// Doses in the phase where the nodes seal and open on our cores.
    #[arg(long, default_value_t = 5_000)]
    live_doses: usize,
    /// Doses in flight at once.
    #[arg(long, default_value_t = 128)]
    in_flight: usize,
    /// `vrs-coordinator enroll` calls at once.
    #[arg(long, default_value_t = 2)]
    enroll_jobs: usize,
    /// Dose cells in each simulated node's statistics answer (0 skips the stats phase).
    #[arg(long, default_value_t = 2_000)]
    stats_cells: usize,
    /// Keep the coordinator's data dir here (default: a temp dir, removed at exit).
    #[arg(long)]
    dir: Option<std::path::PathBuf>,
}

fn main() -> std::process::ExitCode {
    let a = Args::parse();
    let opts = Options {
        nodes: a.nodes,
        doses: a.doses,
        live_doses: a.live_doses,
        in_flight: a.in_flight,
        enroll_jobs: a.enroll_jobs,
        stats_cells: a.stats_cells,
        dir: a.dir,
    };
    match fedbench::run(&opts) {
        Ok(table) => {
            print!("{}", table.render());
            if let Err(e) = table.emit() {
                eprintln!("cannot write the figures file: {e:#}");
                return std::process::ExitCode::FAILURE;
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("vrs-bench-federation: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
