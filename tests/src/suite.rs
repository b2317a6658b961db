//! `vrs-bench`: every benchmark of the project in one run and one table. Each benchmark is
//! its own program (`vrs-node bench ...`, `vrs-bench-federation`, `vrs-bench-inquiries`),
//! run here as a child process with `VRSBENCH_FIGURES` pointing at a file it appends its
//! rows to (figure, ours, baseline measured in the same run, ratio, target, met); the
//! suite gathers them in order and prints one table. A benchmark that fails is a row that
//! says so, and the suite exits non-zero.

use crate::fedbench::report::{Row, Table};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// How big a run is: `smoke` checks the suite works in a minute or two (CI), `full` is
/// the issues' sizes (about an hour on two cores).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Size {
    Smoke,
    Full,
}

/// One benchmark: a program and its arguments (after the binary dir is known).
pub struct Step {
    pub name: &'static str,
    pub program: &'static str,
    pub args: Vec<String>,
    /// Needs many file descriptors (one socket per simulated node).
    pub many_files: bool,
}

fn step(name: &'static str, program: &'static str, args: &[&str]) -> Step {
    Step { name, program, args: args.iter().map(|s| (*s).to_owned()).collect(), many_files: false }
}

/// The benchmarks `all` runs, at `size`; `pg` is a PostgreSQL server URL whose
/// databases the import and dose benchmarks may create.
pub fn all_steps(size: Size, pg: Option<&PgServer>) -> anyhow::Result<Vec<Step>> {
    let full = size == Size::Full;
    // Three interleaved SQLite rounds, medians reported: one round on this kind of shared
    // machine can be a quarter off the next.
    let mut import = vec!["bench", "import", "--count", if full { "1000000" } else { "20000" }, "--repeat", "3"];
    let pg_import = pg.map(|p| p.fresh_database("vrs_bench_import")).transpose()?;
    if let Some(url) = &pg_import {
        import.extend(["--postgres-url", url.as_str()]);
    }
    let doses: &[&str] = if full {
        // Three paced phases, the median p99 reported: one 20 s phase can catch the host
        // taking the CPUs (its share is printed beside each phase).
        &[
            "bench",
            "doses",
            "--residents",
            "1000000",
            "--clients",
            "200",
            "--seconds",
            "20",
            "--rate",
            "2000",
            "--paced-runs",
            "3",
        ]
    } else {
        &[
            "bench",
            "doses",
            "--residents",
            "20000",
            "--clients",
            "20",
            "--seconds",
            "2",
            "--rate",
            "200",
            "--paced-runs",
            "2",
        ]
    };
    let federation: &[&str] = if full {
        &["--nodes", "1741", "--doses", "40000", "--live-doses", "5000", "--stats-cells", "2000"]
    } else {
        &["--nodes", "12", "--doses", "2000", "--live-doses", "200", "--stats-cells", "200"]
    };
    let inquiries: &[&str] =
        if full { &[] } else { &["--residents", "2000", "--singles", "100", "--bulk-rows", "400"] };
    let certificates: &[&str] = if full {
        &["bench", "certificates", "--count", "20000"]
    } else {
        &["bench", "certificates", "--count", "500", "--residents", "5000", "--cards", "100"]
    };
    Ok(vec![
        step("residents import", "vrs-node", &import),
        step("recording doses", "vrs-node", doses),
        Step { many_files: true, ..step("federation and statistics", "vrs-bench-federation", federation) },
        step("transfer-in inquiries", "vrs-bench-inquiries", inquiries),
        step("certificates", "vrs-node", certificates),
    ])
}

/// The Yokohama-size run (issue 11): 3,770,000 residents imported on PostgreSQL, then a
/// day of the city's 2021 peak doses (about 51,000: Japan's 1.7 million a day peak in
/// proportion to Yokohama's share of the population) offered at 2,000/s.
pub fn yokohama_steps(pg: &PgServer) -> anyhow::Result<Vec<Step>> {
    let import_url = pg.fresh_database("vrs_bench_yokohama_import")?;
    let doses_url = pg.fresh_database("vrs_bench_yokohama_doses")?;
    Ok(vec![
        step(
            "import, Yokohama size",
            "vrs-node",
            &["bench", "import", "--count", "3770000", "--postgres-url", &import_url],
        ),
        step(
            "a peak day of doses, Yokohama size",
            "vrs-node",
            &[
                "bench",
                "doses",
                "--residents",
                "3770000",
                "--postgres-url",
                &doses_url,
                "--clients",
                "200",
                "--seconds",
                "30",
                "--rate",
                "2000",
                "--max-doses",
                "51000",
            ],
        ),
    ])
}

/// How cost grows (issue 11): the residents import at three register sizes, and the
/// federation (forwarding, connecting, statistics refresh) at three node counts.
pub fn scaling_steps() -> Vec<Step> {
    let mut steps: Vec<Step> = [("100000", "import, 100,000 residents"), ("1000000", "import, 1,000,000 residents")]
        .into_iter()
        .chain([("3770000", "import, 3,770,000 residents")])
        .map(|(n, name)| step(name, "vrs-node", &["bench", "import", "--count", n]))
        .collect();
    for (n, name) in
        [("100", "federation, 100 nodes"), ("500", "federation, 500 nodes"), ("1741", "federation, 1,741 nodes")]
    {
        let args = ["--nodes", n, "--doses", "20000", "--live-doses", "1000", "--stats-cells", "2000"];
        steps.push(Step { many_files: true, ..step(name, "vrs-bench-federation", &args) });
    }
    steps
}

/// Lets the machine settle before a step, so that one step's after-effects do not land in
/// the next one's figures: the imports leave gigabytes of dirty pages for the kernel to
/// write back while the dose benchmark's fsyncs wait behind them (`sync` waits for the
/// write-back), and the pause lets the servers a step used (PostgreSQL's checkpointer,
/// autovacuum) go quiet.
fn settle() {
    if let Err(e) = Command::new("sync").status() {
        eprintln!("   (sync could not run: {e})");
    }
    std::thread::sleep(SETTLE);
}

const SETTLE: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs the steps one after another; each one's own output goes to `log`.
pub fn run(bin_dir: &Path, steps: &[Step], log: &Path) -> anyhow::Result<Table> {
    let figures = tempfile::NamedTempFile::new()?;
    let mut table = Table::default();
    let mut failed = Vec::new();
    for s in steps {
        let program = bin_dir.join(s.program);
        if !program.exists() {
            bail!("{} is missing: build first with `cargo build --release --workspace --bins`", program.display());
        }
        settle();
        eprintln!("== {} ({} {})", s.name, s.program, s.args.join(" "));
        let out = std::fs::OpenOptions::new().create(true).append(true).open(log)?;
        let mut cmd = if s.many_files {
            // One socket per simulated node: 1,741 nodes need more than the usual 1,024.
            let mut c = Command::new("bash");
            c.arg("-c").arg("ulimit -n 20000 2>/dev/null || ulimit -n 4096; exec \"$0\" \"$@\"").arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let t = Instant::now();
        let status = cmd
            .args(&s.args)
            .env("VRSBENCH_FIGURES", figures.path())
            .stdout(out.try_clone()?)
            .stderr(out)
            .status()
            .with_context(|| format!("cannot start {}", program.display()))?;
        eprintln!("   {:.0} s, {status}", t.elapsed().as_secs_f64());
        let dash = || "".to_owned();
        let heading = format!("**{}**", s.name);
        table.rows.push(Row {
            figure: heading,
            ours: dash(),
            baseline: dash(),
            ratio: dash(),
            target: dash(),
            met: dash(),
        });
        if !status.success() {
            failed.push(s.name);
            table.plain(&format!("{}: FAILED ({status}), see {}", s.name, log.display()), "-".into());
        }
        table.rows.extend(read_rows(figures.path())?);
        std::fs::write(figures.path(), b"")?;
    }
    if !failed.is_empty() {
        table.notes.push(format!("failed: {}", failed.join(", ")));
    }
    Ok(table)
}

fn read_rows(path: &Path) -> anyhow::Result<Vec<Row>> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).with_context(|| format!("bad figures line: {l}"))?;
            let s = |k: &str| v[k].as_str().unwrap_or("-").to_owned();
            Ok(Row {
                figure: s("figure"),
                ours: s("ours"),
                baseline: s("baseline"),
                ratio: s("ratio"),
                target: s("target"),
                met: s("met"),
            })
        })
        .collect()
}

/// A PostgreSQL server to create benchmark databases on: the one given, or a throwaway
/// cluster started (and stopped on drop) with `scripts/pg-throwaway`.
pub struct PgServer {
    url: String,
    throwaway: Option<(PathBuf, tempfile::TempDir)>,
}

impl PgServer {
    pub fn given(url: &str) -> PgServer {
        PgServer { url: url.to_owned(), throwaway: None }
    }

    pub fn throwaway() -> anyhow::Result<PgServer> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg-throwaway");
        let dir = tempfile::tempdir()?;
        let state = dir.path().join("pg.state");
        let out = Command::new("bash").arg(&script).arg("start").arg(&state).output()?;
        if !out.status.success() {
            bail!("cannot start a throwaway PostgreSQL: {}", String::from_utf8_lossy(&out.stderr).trim());
        }
        let url = String::from_utf8(out.stdout)?.trim().to_owned();
        Ok(PgServer { url, throwaway: Some((script, dir)) })
    }

    /// Drops and creates database `name`, returning its URL.
    pub fn fresh_database(&self, name: &str) -> anyhow::Result<String> {
        for sql in [format!("DROP DATABASE IF EXISTS {name}"), format!("CREATE DATABASE {name}")] {
            let out = Command::new("psql").args(["-q", "-v", "ON_ERROR_STOP=1", &self.url, "-c", &sql]).output()?;
            if !out.status.success() {
                bail!("psql: {}", String::from_utf8_lossy(&out.stderr).trim());
            }
        }
        let (server, _) = self.url.rsplit_once('/').context("a PostgreSQL URL ends in /database")?;
        Ok(format!("{server}/{name}"))
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if let Some((script, dir)) = &self.throwaway {
            let _ = Command::new("bash").arg(script).arg("stop").arg(dir.path().join("pg.state")).output();
        }
    }
}
