//! End-to-end: real `vrs-node` processes, started the way an operator would.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use serde_json::Value;
use std::process::Command;
use vrs_tests::{NodeProcess, binary, run};

#[test]
fn a_node_serves_its_generated_residents_and_stops_cleanly_on_sigterm() {
    let root = tempfile::tempdir().unwrap();
    let mut node = NodeProcess::start(root.path(), "131016", 500, None).unwrap();
    let client = reqwest::blocking::Client::new();
    let health: Value = client.get(format!("{}/health", node.url)).send().unwrap().json().unwrap();
    assert_eq!(health["municipality"], "131016");
    let person: Value = client
        .get(format!("{}/api/v1/residents/{}", node.url, first_atena(&node)))
        .bearer_auth(&node.staff_token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(person["status"], "active");
    assert!(person["my_number"].as_str().is_none_or(|m| m.starts_with("********")));
    let status = node.stop().unwrap();
    assert!(status.success(), "SIGTERM must stop the node with exit 0, got {status}");
    // Nothing personal in the node's log.
    let log = std::fs::read_to_string(node.data_dir.join("node.log")).unwrap();
    let csv = std::fs::read_to_string(node.data_dir.join("demo-residents.csv")).unwrap();
    for line in csv.lines().skip(1).take(50) {
        let f: Vec<&str> = line.split(',').collect();
        for personal in [f[1], f[2], f[6]] {
            assert!(personal.is_empty() || !log.contains(personal), "personal data in the node log");
        }
    }
}

#[test]
fn operator_commands_fail_with_one_line_reasons() {
    let root = tempfile::tempdir().unwrap();
    let node = binary("vrs-node").unwrap();
    let dir = root.path().join("n");
    let bad = Command::new(&node)
        .args(["init", "--municipality", "131017", "--http-listen", "127.0.0.1:1"])
        .arg("--data-dir")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let err = String::from_utf8(bad.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("check digit"), "{err}");
    run(Command::new(&node)
        .args(["init", "--municipality", "131016", "--http-listen", "127.0.0.1:1"])
        .arg("--data-dir")
        .arg(&dir))
    .unwrap();
    let again = Command::new(&node)
        .args(["init", "--municipality", "131016", "--http-listen", "127.0.0.1:1"])
        .arg("--data-dir")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!again.status.success(), "init must refuse an initialised dir");
    let role = Command::new(&node)
        .args(["user", "add", "--name", "x", "--role", "root"])
        .arg("--data-dir")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!role.status.success());
    let token =
        run(Command::new(&node).args(["user", "add", "--name", "x", "--role", "site"]).arg("--data-dir").arg(&dir))
            .unwrap();
    assert!(token.trim().starts_with("vrs_") && token.lines().count() == 1, "token alone on stdout: {token}");
}

fn first_atena(node: &NodeProcess) -> String {
    let csv = std::fs::read_to_string(node.data_dir.join("demo-residents.csv")).unwrap();
    csv.lines().nth(1).unwrap().split(',').next().unwrap().to_owned()
}
