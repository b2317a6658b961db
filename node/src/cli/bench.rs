//! `vrs-node bench import`: generates residents, imports them end to end (parse,
//! validate, seal, index, commit) and, in the same run, loads the same file with the
//! sqlite3 CLI's `.import` (and `psql \copy` for PostgreSQL) as the baseline.

use super::figures::Row;
use crate::crypto::NodeKeys;
use crate::db::{self, DatabaseUrl};
use crate::import::{ImportMode, ImportOptions, import_residents};
use anyhow::{Context, bail};
use clap::Subcommand;
use diesel::connection::SimpleConnection;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;
use vrs_protocol::MunicipalityCode;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Residents CSV import beside `sqlite3 .import` (and `psql \copy`).
    Import {
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
        /// Also benchmark PostgreSQL; the database must be empty (it is migrated).
        #[arg(long)]
        postgres_url: Option<String>,
        /// Where the generated file and the SQLite databases go (default: a temp dir).
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
        /// SQLite runs (each with both baselines, interleaved); the medians are reported.
        /// On a shared 2-core machine one run can be a quarter off the next.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=9))]
        repeat: u32,
    },
    /// SMART Health Card signing on one thread, beside a bare ES256 signature.
    Certificates {
        /// Cards signed per figure.
        #[arg(long, default_value_t = 5_000)]
        count: u64,
        /// Doses on each card.
        #[arg(long, default_value_t = 3)]
        doses: usize,
        /// Residents of the node the end-to-end phase issues cards from.
        #[arg(long, default_value_t = 100_000)]
        residents: u64,
        /// People given three doses and then a card over HTTP in the end-to-end phase.
        #[arg(long, default_value_t = 2_000)]
        cards: u64,
        /// Where the end-to-end node's database goes (default: a temp dir).
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
    },
    /// Doses posted by concurrent clients over loopback HTTP, beside GET /health.
    Doses {
        #[command(flatten)]
        bench: super::bench_doses::DoseBench,
        /// Where the databases go (default: a temp dir).
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
    },
}

pub fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Import { count, postgres_url, dir, repeat } => {
            let tmp =
                tempfile::Builder::new().prefix("vrs-bench-").tempdir_in(dir.unwrap_or_else(std::env::temp_dir))?;
            bench_import(count, postgres_url.as_deref(), tmp.path(), repeat)
        }
        BenchCommand::Certificates { count, doses, residents, cards, dir } => {
            let tmp =
                tempfile::Builder::new().prefix("vrs-bench-").tempdir_in(dir.unwrap_or_else(std::env::temp_dir))?;
            let http = super::bench_certificates::HttpPhase { residents, cards, dir: tmp.path().to_owned() };
            super::bench_certificates::run(count, doses, &http)
        }
        BenchCommand::Doses { bench, dir } => {
            let tmp =
                tempfile::Builder::new().prefix("vrs-bench-").tempdir_in(dir.unwrap_or_else(std::env::temp_dir))?;
            super::bench_doses::run(&bench, tmp.path())
        }
    }
}

struct Figure {
    name: String,
    ours: f64,
    baseline: Option<(String, f64)>,
    target: String,
    /// None: a figure shown for its context, without a target of its own.
    met: Option<bool>,
}

fn bench_import(count: u64, postgres_url: Option<&str>, dir: &Path, repeat: u32) -> anyhow::Result<()> {
    let csv = dir.join("residents.csv");
    let t = Instant::now();
    let opts = vrs_demo::DemoOptions {
        municipality: MunicipalityCode::parse("141003").context("constant code")?,
        count,
        seed: 7,
        encoding: vrs_demo::Encoding::Utf8,
        header: true,
        error_rate: 0.0,
        today: crate::today(),
    };
    vrs_demo::write_residents(&opts, std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&csv)?))?;
    let size = std::fs::metadata(&csv)?.len();
    eprintln!("generated {count} residents ({:.0} MB) in {:.1} s", size as f64 / 1e6, t.elapsed().as_secs_f64());

    let runs = (1..=repeat).map(|run| sqlite_run(&csv, dir, count, run)).collect::<anyhow::Result<Vec<_>>>()?;
    let median = |f: fn(&SqliteRun) -> f64| median(runs.iter().map(f).collect());
    let (sqlite_base, ours, floor) = (median(|r| r.dot_import), median(|r| r.ours), median(|r| r.floor));
    let of = if repeat > 1 { format!(", median of {repeat}") } else { String::new() };
    let mut figures = vec![
        Figure {
            name: format!("import, SQLite (rows/s){of}"),
            ours,
            baseline: Some(("sqlite3 .import".into(), sqlite_base)),
            target: ">= 150,000 and >= 0.5x baseline".into(),
            met: Some(ours >= 150_000.0 && ours >= sqlite_base / 2.0),
        },
        Figure {
            name: format!("import, SQLite, beside its schema (rows/s){of}"),
            ours,
            baseline: Some(("sqlite3, same rows+indexes".into(), floor)),
            target: "-".into(),
            met: None,
        },
        Figure {
            name: format!("WAL checkpoint after the commit (s){of}"),
            ours: median(|r| r.checkpoint_secs),
            baseline: None,
            target: "-".into(),
            met: None,
        },
    ];
    if let Some(url) = postgres_url {
        let pg_base = psql_copy(url, &csv, count)?;
        let ours = import_once(DatabaseUrl::parse(url)?, &csv, count)?.rows_per_sec;
        figures.push(Figure {
            name: "import, PostgreSQL (rows/s)".into(),
            ours,
            baseline: Some(("psql \\copy".into(), pg_base)),
            target: ">= 100,000".into(),
            met: Some(ours >= 100_000.0),
        });
    }
    let peak_mb = peak_rss_kb().map(|kb| kb as f64 / 1024.0).unwrap_or(f64::NAN);
    figures.push(Figure {
        name: "peak RSS of this process (MB)".into(),
        ours: peak_mb,
        baseline: None,
        target: "< 300 (for 3.77 M rows)".into(),
        met: Some(peak_mb < 300.0),
    });
    print_table(count, &figures);
    let rows: Vec<Row> = figures
        .iter()
        .map(|f| {
            let name = format!("{} [{count} rows]", f.name);
            Row::new(&name, f.ours, f.baseline.as_ref().map(|(n, v)| (n.as_str(), *v)), &f.target, f.met)
        })
        .collect();
    super::figures::emit(&rows)
}

/// One SQLite round of the import benchmark: `.import`, our import, then the schema's
/// floor on the rows our import stored.
struct SqliteRun {
    dot_import: f64,
    ours: f64,
    floor: f64,
    checkpoint_secs: f64,
}

fn sqlite_run(csv: &Path, dir: &Path, count: u64, run: u32) -> anyhow::Result<SqliteRun> {
    let files = ["baseline.sqlite", "vrs.sqlite", "floor.sqlite"].map(|f| dir.join(format!("{run}-{f}")));
    let dot_import = sqlite3_import(csv, &files[0], count)?;
    let ours = import_once(DatabaseUrl::Sqlite(files[1].display().to_string()), csv, count)?;
    let floor = super::bench_import_floor::schema_floor(&files[1], &files[2], count)?;
    eprintln!(
        "run {run}: ours {:.0} rows/s, sqlite3 .import {dot_import:.0}, sqlite3 on our schema {floor:.0}",
        ours.rows_per_sec
    );
    // A 3.77 M-row round leaves ~2 GB behind; the next round needs the space.
    for f in &files {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", f.display()));
        }
    }
    Ok(SqliteRun {
        dot_import,
        ours: ours.rows_per_sec,
        floor,
        checkpoint_secs: ours.checkpoint_secs.unwrap_or(f64::NAN),
    })
}

pub(super) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// One import's speed, counted to its commit (when the HTTP import answers), and on SQLite
/// the WAL checkpoint that follows it.
struct Imported {
    rows_per_sec: f64,
    checkpoint_secs: Option<f64>,
}

fn import_once(url: DatabaseUrl, csv: &Path, count: u64) -> anyhow::Result<Imported> {
    let sqlite = url.is_sqlite();
    let pool = db::open(url, "normal", 2)?;
    let keys = NodeKeys::from_master(&[1u8; 32]);
    let opts = ImportOptions {
        mode: ImportMode::AllOrNothing,
        charset: None,
        batch_rows: 2000,
        max_rejections_reported: 100,
        actor: "bench".into(),
        role: "admin".into(),
        today: crate::today(),
    };
    let input = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(csv)?);
    let mut conn = pool.get()?;
    if sqlite {
        // As on a served node (db::open_served): the commit does not copy the WAL back
        // into the database file; a checkpoint does that after it, timed on its own.
        conn.batch_execute("PRAGMA wal_autocheckpoint = 0")?;
    }
    let t = Instant::now();
    let report = import_residents(&mut conn, &keys, input, &opts, None)?;
    let secs = t.elapsed().as_secs_f64();
    let checkpoint_secs = if sqlite {
        let c = Instant::now();
        conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")?;
        Some(c.elapsed().as_secs_f64())
    } else {
        None
    };
    if !report.committed || report.inserted != count {
        bail!(
            "benchmark import did not commit every row: {} inserted, {} rejected",
            report.inserted,
            report.rejected_total
        );
    }
    Ok(Imported { rows_per_sec: count as f64 / secs, checkpoint_secs })
}

fn sqlite3_import(csv: &Path, db: &Path, count: u64) -> anyhow::Result<f64> {
    // Dot-commands go on stdin; as arguments the CLI reads them as SQL.
    let script = format!(".mode csv\n.import \"{}\" residents_plain\n", csv.display());
    let t = Instant::now();
    let mut child = Command::new("sqlite3")
        .arg(db)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .context("the sqlite3 CLI is needed for the baseline (apt-get install sqlite3)")?;
    child.stdin.take().context("sqlite3 stdin")?.write_all(script.as_bytes())?;
    let out = child.wait_with_output()?;
    let secs = t.elapsed().as_secs_f64();
    if !out.status.success() || !out.stderr.is_empty() {
        bail!("sqlite3 .import failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(count as f64 / secs)
}

fn psql_copy(url: &str, csv: &Path, count: u64) -> anyhow::Result<f64> {
    let setup = "DROP TABLE IF EXISTS residents_plain; CREATE TABLE residents_plain (a text, b text, c text, d text, e text, f text, g text, h text, i text, j text);";
    let run = |sql: &str| Command::new("psql").args(["-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql]).output();
    let out = run(setup).context("psql is needed for the PostgreSQL baseline")?;
    if !out.status.success() {
        bail!("psql failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let t = Instant::now();
    let out = run(&format!("\\copy residents_plain FROM '{}' WITH (FORMAT csv, HEADER true)", csv.display()))?;
    let secs = t.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!("psql \\copy failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let _ = run("DROP TABLE residents_plain");
    Ok(count as f64 / secs)
}

pub(super) fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn print_table(count: u64, figures: &[Figure]) {
    let num = super::figures::number;
    println!("residents import benchmark, {count} rows");
    println!("{:<56} {:>10} {:>28} {:>10} {:>6}  target / met", "figure", "ours", "baseline", "base value", "ratio");
    for f in figures {
        let (bname, bval, ratio) = match &f.baseline {
            Some((n, v)) => (n.as_str(), num(*v), format!("{:.2}", f.ours / v)),
            None => ("-", "-".into(), "-".into()),
        };
        let met = match f.met {
            Some(true) => "met",
            Some(false) => "NOT MET",
            None => "-",
        };
        println!("{:<56} {:>10} {:>28} {:>10} {:>6}  {} / {met}", f.name, num(f.ours), bname, bval, ratio, f.target);
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(vec![7.0]), 7.0);
        assert!(median(Vec::new()).is_nan());
    }
}
