//! `vrs-coordinator`: thin entry point; the work is in the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = vrs_coordinator::cli::Cli::parse();
    match vrs_coordinator::cli::commands::run(cli.command) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One line, as interface.md asks; causes are chained with ": ".
            eprintln!("vrs-coordinator: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
