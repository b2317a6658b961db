//! `vrs-bench`: every benchmark in one run, one table (issue 11). Loopback only.
//!
//! ```text
//! cargo build --release --workspace --bins
//! target/release/vrs-bench all                 # the issues' sizes, about an hour on 2 cores
//! target/release/vrs-bench all --size smoke    # a minute or two: checks the suite works
//! target/release/vrs-bench yokohama            # 3.77 M residents on PostgreSQL + a peak day
//! target/release/vrs-bench scaling             # import and federation at three sizes each
//! ```
//!
//! PostgreSQL: `--postgres-url` (a server where benchmark databases may be created and
//! dropped), else a throwaway cluster is started with `scripts/pg-throwaway`.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use vrs_tests::suite::{self, PgServer, Size};

#[derive(Parser)]
#[command(about = "Run every VRS benchmark and print one table: figure, baseline, ratio, target, met")]
struct Args {
    #[command(subcommand)]
    command: Cmd,
    /// Where the benchmark programs are (default: next to this one).
    #[arg(long, global = true)]
    bin_dir: Option<PathBuf>,
    /// PostgreSQL server URL; benchmark databases are created on it.
    #[arg(long, global = true)]
    postgres_url: Option<String>,
    /// Also write the table (Markdown) to this file.
    #[arg(long, global = true)]
    out: Option<PathBuf>,
    /// Each benchmark's own output (default: vrs-bench.log in the current directory).
    #[arg(long, global = true, default_value = "vrs-bench.log")]
    log: PathBuf,
}

#[derive(Subcommand)]
enum Cmd {
    /// Import, doses, federation + statistics, inquiries, certificates.
    All {
        #[arg(long, value_enum, default_value_t = Size::Full)]
        size: Size,
    },
    /// 3,770,000 residents on PostgreSQL, then a day of Yokohama's 2021 peak doses.
    Yokohama,
    /// The import at 100 k, 1 M and 3.77 M residents; the federation at 100, 500, 1,741 nodes.
    Scaling,
}

fn main() -> std::process::ExitCode {
    match run(Args::parse()) {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("vrs-bench: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(a: Args) -> anyhow::Result<bool> {
    let bin_dir = match a.bin_dir {
        Some(d) => d,
        None => std::env::current_exe()?.parent().map(PathBuf::from).unwrap_or_default(),
    };
    let pg = match &a.postgres_url {
        Some(url) => PgServer::given(url),
        None => PgServer::throwaway()?,
    };
    let (title, steps) = match a.command {
        Cmd::All { size } => (format!("all benchmarks, {size:?} size"), suite::all_steps(size, Some(&pg))?),
        Cmd::Yokohama => ("Yokohama-size run".to_owned(), suite::yokohama_steps(&pg)?),
        Cmd::Scaling => ("cost against size".to_owned(), suite::scaling_steps()),
    };
    let _ = std::fs::remove_file(&a.log);
    let table = suite::run(&bin_dir, &steps, &a.log)?;
    let text = format!("{title}\n\n{}", table.render());
    print!("{text}");
    if let Some(out) = &a.out {
        std::fs::write(out, &text)?;
    }
    Ok(table.notes.iter().all(|n| !n.starts_with("failed:")))
}
