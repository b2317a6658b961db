//! Issue 9's tamper-evident access log, end to end with real processes: a node sends
//! signed checkpoints of its access-log chain to the coordinator, `vrs-node audit verify`
//! passes on the untouched log (also while the node serves), and finds an edited row and a
//! tail cut off after a checkpoint even when the local checkpoint copies were removed too.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use vrs_tests::{CoordinatorProcess, NodeProcess, binary};

fn verify(data_dir: &Path, extra: &[&str]) -> Output {
    Command::new(binary("vrs-node").unwrap())
        .args(["audit", "verify", "--data-dir"])
        .arg(data_dir)
        .args(extra)
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn read_residents(node: &NodeProcess, n: usize) {
    let csv = std::fs::read_to_string(node.data_dir.join("demo-residents.csv")).unwrap();
    let client = reqwest::blocking::Client::new();
    for line in csv.lines().skip(1).take(n) {
        let atena = line.split(',').next().unwrap();
        let res =
            client.get(format!("{}/api/v1/residents/{atena}", node.url)).bearer_auth(&node.staff_token).send().unwrap();
        assert_eq!(res.status().as_u16(), 200);
    }
}

/// Waits until the coordinator has confirmed a checkpoint covering the whole log.
fn wait_checkpointed(node: &NodeProcess) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let head = sql(&node.data_dir, "SELECT head_seq FROM access_log_chain");
        let confirmed = sql(
            &node.data_dir,
            "SELECT COALESCE(MAX(entries), 0) FROM audit_checkpoints WHERE acknowledged_at IS NOT NULL",
        );
        if head == confirmed && head != "0" {
            return;
        }
        assert!(Instant::now() < deadline, "no confirmed checkpoint (head {head}, confirmed {confirmed})");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn checkpoints_at_the_coordinator_expose_a_rewritten_access_log() {
    let root = tempfile::tempdir().unwrap();
    let coordinator = CoordinatorProcess::start(root.path()).unwrap();
    let settings = [("audit", "checkpoint_interval_secs", "1")];
    let mut node = NodeProcess::start_tuned(root.path(), "131016", 20, None, Some(&coordinator), &settings).unwrap();
    node.wait_connected(Duration::from_secs(30)).unwrap();
    read_residents(&node, 10);
    wait_checkpointed(&node);

    // Untouched: verifies, against the coordinator's copies, while the node serves.
    let out = verify(&node.data_dir, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("OK: the access log is intact"), "{}", text(&out));
    assert!(text(&out).contains("the coordinator's and the local copies"), "{}", text(&out));
    assert!(!text(&out).contains(" 0 match"), "{}", text(&out));

    // More reads after the checkpoint, then the operator cuts the last entries off, moves
    // the head back so that the log is consistent in itself, and removes the local
    // checkpoint copies as well.
    read_residents(&node, 5);
    wait_checkpointed(&node);
    node.stop().unwrap();
    let head: i64 = sql(&node.data_dir, "SELECT head_seq FROM access_log_chain").parse().unwrap();
    let keep = head - 3;
    sql(
        &node.data_dir,
        &format!(
            "DELETE FROM access_log WHERE seq > {keep}; \
             UPDATE access_log_chain SET head_seq = {keep}, head_hash = (SELECT hash FROM access_log WHERE seq = {keep}); \
             DELETE FROM audit_checkpoints;"
        ),
    );
    let offline = verify(&node.data_dir, &["--offline"]);
    assert!(offline.status.success(), "locally consistent, as intended: {}", text(&offline));
    let out = verify(&node.data_dir, &[]);
    assert!(!out.status.success(), "the truncation went unnoticed: {}", text(&out));
    let expected = format!("entries {} to {head} were deleted", keep + 1);
    assert!(text(&out).contains(&expected), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("vrs-node: the access log does not verify"));

    // An edited row is named by its position.
    sql(&node.data_dir, "UPDATE access_log SET action = 'nothing' WHERE seq = 3");
    let out = verify(&node.data_dir, &["--offline"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("BROKEN: entry 3 (id"), "{}", text(&out));
}

fn sql(data_dir: &Path, query: &str) -> String {
    vrs_tests::sqlite(data_dir, query).unwrap()
}
