//! `vrs-coordinator`: the federation's router and statistics collector. Its commands
//! (init, enroll, revoke, serve, user add) arrive with the federation issue; until then
//! the binary exists so the workspace has its final shape, and says so plainly.

use clap::Parser;

#[derive(Parser)]
#[command(name = "vrs-coordinator", version, about = "VRS coordinator (arrives with the federation issue)")]
struct Cli {}

fn main() -> std::process::ExitCode {
    let _ = Cli::parse();
    eprintln!("vrs-coordinator: not available yet; the coordinator is built in the federation issue");
    std::process::ExitCode::FAILURE
}
