//! `vrs-bench-inquiries`: transfer-in inquiries through a real federation on loopback
//! (issue 5): single inquiry round trips (p50, p99) beside `GET /health` on the same node,
//! and one bulk file of 10,000 rows for two other nodes. Build first:
//! `cargo build --release --workspace --bins`.

use clap::Parser;
use vrs_tests::inquirybench::{self, Options};

#[derive(Parser)]
#[command(about = "Benchmark transfer-in inquiries through a local VRS federation (loopback)")]
struct Args {
    /// Generated residents per node.
    #[arg(long, default_value_t = 20_000)]
    residents: u64,
    /// Single inquiries, one after another (and as many `GET /health` for the baseline).
    #[arg(long, default_value_t = 2_000)]
    singles: usize,
    /// Rows of the bulk file.
    #[arg(long, default_value_t = 10_000)]
    bulk_rows: usize,
}

fn main() -> std::process::ExitCode {
    let a = Args::parse();
    let opts = Options { residents: a.residents, singles: a.singles, bulk_rows: a.bulk_rows };
    match inquirybench::run(&opts) {
        Ok(table) => {
            print!("{}", table.render());
            if let Err(e) = table.emit() {
                eprintln!("cannot write the figures file: {e:#}");
                return std::process::ExitCode::FAILURE;
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("vrs-bench-inquiries: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
