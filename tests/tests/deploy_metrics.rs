//! End-to-end: every metric that `deploy/prometheus/alerts.yml` and the Grafana dashboards
//! in `deploy/grafana/dashboards/` name is exported by a real running node or coordinator,
//! so a renamed metric breaks this test rather than an alert that silently never fires.
//! Also: on a non-loopback listener /metrics asks for a token, and a `monitoring` user's
//! token reads /metrics and nothing else.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use reqwest::blocking::Client;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use vrs_tests::{CoordinatorProcess, NodeProcess, binary, free_port, run};

const ALERTS: &str = include_str!("../../deploy/prometheus/alerts.yml");
const DASHBOARDS: [(&str, &str); 2] = [
    ("node.json", include_str!("../../deploy/grafana/dashboards/node.json")),
    ("coordinator.json", include_str!("../../deploy/grafana/dashboards/coordinator.json")),
];

#[test]
fn alerts_and_dashboards_name_only_exported_metrics() {
    let root = tempfile::tempdir().unwrap();
    let coordinator = CoordinatorProcess::start(root.path()).unwrap();
    let (node, monitoring) = node_on_all_interfaces(root.path(), &coordinator);
    node.wait_connected(Duration::from_secs(20)).unwrap();
    let client = Client::new();

    let metrics = |url: &str, token: Option<&str>| {
        let mut req = client.get(format!("{url}/metrics"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().unwrap();
        assert_eq!(res.status(), 200, "{url}/metrics");
        res.text().unwrap()
    };
    // Not loopback: no token, no metrics; a monitoring token reads them but nothing else.
    assert_eq!(client.get(format!("{}/metrics", node.url)).send().unwrap().status(), 401);
    let residents = client.get(format!("{}/api/v1/residents/1", node.url)).bearer_auth(&monitoring).send().unwrap();
    assert_eq!(residents.status(), 403);
    let products = client.get(format!("{}/api/v1/products", node.url)).bearer_auth(&monitoring).send().unwrap();
    assert_eq!(products.status(), 403, "monitoring reads /metrics and nothing else");
    let node_text = metrics(&node.url, Some(&monitoring));
    let exported: BTreeSet<String> =
        exported_names(&node_text).union(&exported_names(&metrics(&coordinator.url, None))).cloned().collect();
    assert!(node_text.contains("vrs_node_coordinator_connected 1"), "the link gauge says connected");
    assert!(node_text.contains("vrs_node_federation_joined 1"));
    let key_made = gauge(&node_text, "vrs_node_certificate_signing_key_created_timestamp_seconds");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    assert!((now - key_made).abs() < 600.0, "the key was made at init, moments ago: {key_made}");

    let in_alerts = vrs_names(ALERTS);
    assert!(in_alerts.len() >= 10, "the alert rules name the metrics they watch: {in_alerts:?}");
    let unknown: Vec<_> = in_alerts.difference(&exported).collect();
    assert!(unknown.is_empty(), "alerts.yml names metrics nobody exports: {unknown:?}");
    for (file, json) in DASHBOARDS {
        let exprs = dashboard_exprs(&serde_json::from_str(json).unwrap());
        assert!(!exprs.is_empty(), "{file} has no queries");
        let names = vrs_names(&exprs.join("\n"));
        let unknown: Vec<_> = names.difference(&exported).collect();
        assert!(unknown.is_empty(), "{file} queries metrics nobody exports: {unknown:?}");
    }
}

/// Initialises a node listening on 0.0.0.0 (so /metrics wants a token), enrolled, with a
/// monitoring user; serves it and returns it with that user's token.
fn node_on_all_interfaces(root: &Path, coordinator: &CoordinatorProcess) -> (NodeProcess, String) {
    let node = binary("vrs-node").unwrap();
    let dir = root.join("131016");
    let port = free_port().unwrap();
    run(Command::new(&node)
        .args(["init", "--municipality", "131016", "--http-listen", &format!("0.0.0.0:{port}")])
        // Plain HTTP on 0.0.0.0 (as behind a TLS proxy) keeps this test about tokens.
        .arg("--allow-plaintext")
        .arg("--data-dir")
        .arg(&dir)
        .arg("--federation")
        .arg(coordinator.federation_file()))
    .unwrap();
    coordinator.enroll(&dir.join("enrollment.json")).unwrap();
    let token = run(Command::new(&node)
        .args(["user", "add", "--name", "prometheus", "--role", "monitoring"])
        .arg("--data-dir")
        .arg(&dir))
    .unwrap();
    (NodeProcess::attach_serve(&dir, "131016", port).unwrap(), token.trim().to_owned())
}

/// The series names a Prometheus text exposition offers (a histogram's as PromQL sees them).
fn exported_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in text.lines().filter_map(|l| l.strip_prefix("# TYPE ")) {
        let mut parts = line.split_whitespace();
        let (Some(name), Some(kind)) = (parts.next(), parts.next()) else { continue };
        if kind == "histogram" {
            names.extend(["_bucket", "_sum", "_count"].map(|s| format!("{name}{s}")));
        } else {
            names.insert(name.to_owned());
        }
    }
    names
}

fn gauge(text: &str, name: &str) -> f64 {
    let line = text.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap_or_else(|| panic!("no {name}"));
    line[name.len() + 1..].trim().parse().unwrap()
}

/// Every `vrs_...` identifier in some PromQL (or YAML holding PromQL).
fn vrs_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while let Some(pos) = text[i..].find("vrs_").map(|p| p + i) {
        let mut end = pos;
        while end < bytes.len() && word(bytes[end]) {
            end += 1;
        }
        if pos == 0 || !word(bytes[pos - 1]) {
            names.insert(text[pos..end].to_owned());
        }
        i = end;
    }
    names
}

/// Every query of a dashboard: targets' `expr`, template variables' `query`/`definition`.
fn dashboard_exprs(dashboard: &serde_json::Value) -> Vec<String> {
    let mut exprs = Vec::new();
    let mut stack: Vec<&serde_json::Value> = vec![dashboard];
    while let Some(v) = stack.pop() {
        for key in ["expr", "query", "definition"] {
            if let Some(e) = v.get(key).and_then(|e| e.as_str()) {
                exprs.push(e.to_owned());
            }
        }
        match v {
            serde_json::Value::Object(m) => stack.extend(m.values()),
            serde_json::Value::Array(a) => stack.extend(a.iter()),
            _ => {}
        }
    }
    exprs
}
