//! Issue 9: `kill -9` during a resident import leaves the database holding all of the file
//! or none of it — for a first load (which drops and rebuilds indexes inside its
//! transaction) and for an import that updates every resident — and the node serves
//! afterwards from an intact file.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use vrs_tests::{NodeProcess, binary, run, sqlite};

const ROWS: u64 = 100_000;

fn demo(out: &Path, seed: u64) {
    run(Command::new(binary("vrs-node").unwrap())
        .args(["demo-data", "--municipality", "131016", "--count", &ROWS.to_string(), "--seed", &seed.to_string()])
        .arg("--out")
        .arg(out))
    .unwrap();
}

fn import(data_dir: &Path, csv: &Path) -> Child {
    Command::new(binary("vrs-node").unwrap())
        .args(["import", "residents", "--data-dir"])
        .arg(data_dir)
        .arg(csv)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Starts an import and kills it with SIGKILL once it has read half the file (the parser
/// reads only a few batches ahead of the writer), asserting it was still running.
fn kill_mid_import(data_dir: &Path, csv: &Path) {
    let half = std::fs::metadata(csv).unwrap().len() / 2;
    let mut child = import(data_dir, csv);
    let deadline = Instant::now() + Duration::from_secs(120);
    while read_bytes(child.id()) < half {
        assert!(child.try_wait().unwrap().is_none(), "the import finished before it could be killed");
        assert!(Instant::now() < deadline, "the import made no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(child.try_wait().unwrap().is_none(), "the import finished before it could be killed");
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Bytes the process has read so far (Linux: /proc/PID/io `rchar`).
fn read_bytes(pid: u32) -> u64 {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).unwrap_or_default();
    io.lines().find_map(|l| l.strip_prefix("rchar: ")?.trim().parse().ok()).unwrap_or(0)
}

fn sql(dir: &Path, q: &str) -> String {
    sqlite(dir, q).unwrap()
}

fn indexes(dir: &Path) -> String {
    sql(
        dir,
        "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type = 'index' AND name IN \
              ('residents_coupon', 'my_numbers_lookup', 'residents_birth_kana') ORDER BY name)",
    )
}

#[test]
fn kill_9_during_an_import_leaves_all_of_it_or_none() {
    let root = tempfile::tempdir().unwrap();
    let mut node = NodeProcess::start(root.path(), "131016", 0, None).unwrap();
    node.stop().unwrap();
    let dir = node.data_dir.clone();
    let (first, second) = (root.path().join("a.csv"), root.path().join("b.csv"));
    demo(&first, 1);
    demo(&second, 2);
    let all_indexes = "my_numbers_lookup,residents_birth_kana,residents_coupon";

    // A first load killed part-way: nothing of it, and the indexes it dropped are back.
    kill_mid_import(&dir, &first);
    assert_eq!(sql(&dir, "SELECT COUNT(*) FROM residents"), "0");
    assert_eq!(sql(&dir, "SELECT COUNT(*) FROM my_numbers"), "0");
    assert_eq!(indexes(&dir), all_indexes);

    // The same file to the end: all of it.
    assert!(import(&dir, &first).wait().unwrap().success());
    assert_eq!(sql(&dir, "SELECT COUNT(*) FROM residents"), ROWS.to_string());
    let before = sql(&dir, "SELECT COUNT(*) FROM my_numbers");

    // An import that changes every resident, killed part-way: no row carries its changes.
    kill_mid_import(&dir, &second);
    let killed = sql(&dir, "SELECT MAX(id) FROM imports");
    assert_eq!(sql(&dir, &format!("SELECT COUNT(*) FROM residents WHERE import_id = {killed}")), "0");
    assert_eq!(sql(&dir, "SELECT COUNT(*) FROM residents"), ROWS.to_string());
    assert_eq!(sql(&dir, "SELECT COUNT(*) FROM my_numbers"), before);
    assert_eq!(indexes(&dir), all_indexes);
    assert_eq!(sql(&dir, "PRAGMA integrity_check"), "ok");

    // And the node serves from it.
    node.restart().unwrap();
    assert_eq!(node.health().unwrap()["status"], "ok");
}
