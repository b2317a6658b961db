//! The benchmark suite (issue 11) from end to end at its smoke size: `vrs-bench all --size
//! smoke` runs every benchmark program (import on SQLite and PostgreSQL, doses, federation
//! and statistics, inquiries, certificates) and prints one table. This test keeps the one
//! command working: every benchmark ran, and every figure the issues name is in the table
//! with a measured value. (The figures of a smoke run on a debug build mean nothing; the
//! published ones come from `--size full` on a release build, see specs/benchmarks.md.)
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::process::Command;
use vrs_tests::binary;

#[test]
fn one_command_runs_every_benchmark_and_prints_one_table() {
    let pg = std::env::var("VRS_TEST_POSTGRES_URL")
        .expect("VRS_TEST_POSTGRES_URL is not set: run the tests with scripts/test, which starts PostgreSQL");
    let dir = tempfile::tempdir().unwrap();
    let (log, out) = (dir.path().join("bench.log"), dir.path().join("table.md"));
    let run = Command::new(binary("vrs-bench").unwrap())
        .args(["all", "--size", "smoke", "--postgres-url", &pg])
        .arg("--log")
        .arg(&log)
        .arg("--out")
        .arg(&out)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&run.stdout).into_owned();
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        run.status.success(),
        "the suite failed:\n{table}\n{}\n--- log ---\n{log_text}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), table, "--out holds the printed table");
    let expected = [
        "import, SQLite (rows/s)",
        "import, SQLite, beside its schema (rows/s)",
        "WAL checkpoint after the commit (s)",
        "import, PostgreSQL (rows/s)",
        "doses recorded/s, closed loop",
        "dose p99 ms at",
        "doses stored / acknowledged",
        "CPU taken by the host during the paced dose phases",
        "doses/s via coordinator, 1 pair",
        "stats refresh across 12 nodes (first)",
        "single inquiry p99 (ms)",
        "bulk inquiry: whole file answered",
        "certificates signed/s, one thread",
        "certificate over HTTP, p50 ms",
    ];
    for figure in expected {
        let row =
            table.lines().find(|l| l.contains(figure)).unwrap_or_else(|| panic!("no row {figure:?} in:\n{table}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        // | figure | ours | baseline | ratio | target | met |
        let ours = cells[2].split_whitespace().next().unwrap_or_default();
        assert!(ours.parse::<f64>().is_ok_and(f64::is_finite), "{figure}: no measured value in {row:?}");
        assert!(["yes", "NO", "-"].contains(&cells[6]), "{row}");
    }
    let import = table.lines().find(|l| l.contains("import, SQLite")).unwrap();
    assert!(import.contains("sqlite3 .import"), "the import row carries its same-run baseline: {import}");
    let floor = table.lines().find(|l| l.contains("import, SQLite, beside its schema")).unwrap();
    assert!(floor.contains("sqlite3, same rows+indexes"), "and the schema's own floor: {floor}");
    assert!(table.lines().filter(|l| l.contains("stored / acknowledged")).all(|l| l.contains("| yes |")), "{table}");
}
