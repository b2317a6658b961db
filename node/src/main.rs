//! `vrs-node`: thin entry point; the work is in the library.

use clap::Parser;

/// mimalloc instead of the C library's allocator: the residents import allocates a row's
/// fields on its parser thread and frees them on the database writer's, and glibc's
/// malloc took an arena lock for each such free (with its own malloc and free, ~12 % of
/// the writer's samples in a 1 M-row load). mimalloc frees a block from another thread
/// without a lock, and is faster for the small strings every request allocates.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = vrs_node::cli::Cli::parse();
    match vrs_node::cli::commands::run(cli.command) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One line, as interface.md asks; causes are chained with ": ".
            eprintln!("vrs-node: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
