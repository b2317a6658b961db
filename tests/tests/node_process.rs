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

#[test]
fn tokens_are_listed_revoked_renewed_and_capped_from_the_command_line() {
    let root = tempfile::tempdir().unwrap();
    let node = NodeProcess::start(root.path(), "131016", 0, None).unwrap();
    let bin = binary("vrs-node").unwrap();
    let user = |args: &[&str]| Command::new(&bin).arg("user").args(args).arg("--data-dir").arg(&node.data_dir).output();
    let status = |token: &str| {
        let res = reqwest::blocking::Client::new()
            .get(format!("{}/api/v1/residents/1", node.url))
            .bearer_auth(token)
            .send()
            .unwrap();
        res.status().as_u16()
    };
    assert_eq!(status(&node.staff_token), 404, "the staff token works");

    // Revoked while the node serves: refused at the next request.
    let out = user(&["revoke-token", "--name", "staff"]).unwrap();
    assert!(out.status.success() && out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(status(&node.staff_token), 401);
    let renewed = run(Command::new(&bin)
        .args(["user", "renew-token", "--name", "staff", "--expires-in-days", "1"])
        .arg("--data-dir")
        .arg(&node.data_dir))
    .unwrap();
    assert_eq!(status(renewed.trim()), 404, "the renewed token works");
    assert_eq!(status(&node.staff_token), 401, "the old one stays dead");

    // Ten users with a live token at most (VRS's limit), with a one-line reason.
    for i in 1..10 {
        user(&["add", "--name", &format!("desk{i}"), "--role", "site"]).unwrap();
    }
    let out = user(&["add", "--name", "eleventh", "--role", "site"]).unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("auth.max_users = 10"), "{err}");

    let listing = String::from_utf8(user(&["list"]).unwrap().stdout).unwrap();
    assert_eq!(listing.lines().count(), 11, "a header and ten users: {listing}");
    assert!(listing.lines().any(|l| l.starts_with("staff ") && l.ends_with("active")), "{listing}");
    assert!(!listing.contains("vrs_"), "a listing never shows a token");
    for bad in
        [&["revoke-token", "--name", "nobody"][..], &["add", "--name", "x", "--role", "site", "--expires-in-days", "0"]]
    {
        let out = user(bad).unwrap();
        assert!(!out.status.success(), "{bad:?}");
        assert_eq!(String::from_utf8(out.stderr).unwrap().trim().lines().count(), 1);
    }
}

fn first_atena(node: &NodeProcess) -> String {
    let csv = std::fs::read_to_string(node.data_dir.join("demo-residents.csv")).unwrap();
    csv.lines().nth(1).unwrap().split(',').next().unwrap().to_owned()
}
