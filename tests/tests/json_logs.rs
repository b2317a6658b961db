//! End-to-end: a real `vrs-node` with `log.format = "json"` writes one JSON object a line;
//! every request has an id (a sane incoming `X-Request-Id` kept, anything else replaced),
//! echoed in the response and carried by the request's log line; and no identifier sent
//! in a path, a body or a header reaches the log.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use reqwest::blocking::{Client, RequestBuilder};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::process::Command;
use vrs_tests::{NodeProcess, binary, free_port, run};

const ATENA: &str = "900000123";
const MY_NUMBER: &str = "123456789018";
const COUPON: &str = "9876543210";
const BIRTH: &str = "19800401";
/// Every identifier the requests carry, in each spelling a log could use.
const PERSONAL: [&str; 9] = [ATENA, MY_NUMBER, COUPON, BIRTH, "1980-04-01", "山田", "花子", "ヤマダ", "ハナコ"];

#[test]
fn json_logs_carry_request_ids_and_no_personal_data() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("131016");
    let node = binary("vrs-node").unwrap();
    let port = free_port().unwrap();
    let listen = format!("127.0.0.1:{port}");
    run(Command::new(&node)
        .args(["init", "--municipality", "131016", "--http-listen", &listen])
        .arg("--data-dir")
        .arg(&dir))
    .unwrap();
    let settings = std::fs::read_to_string(dir.join("node.toml")).unwrap();
    let json_settings = settings.replace("format = \"text\"", "format = \"json\"");
    assert_ne!(settings, json_settings, "node.toml has no log.format to switch");
    std::fs::write(dir.join("node.toml"), json_settings).unwrap();
    let token = run(Command::new(&node)
        .args(["user", "add", "--name", "clerk", "--role", "staff"])
        .arg("--data-dir")
        .arg(&dir))
    .unwrap()
    .trim()
    .to_owned();
    let mut served = NodeProcess::attach_serve(&dir, "131016", port).unwrap();

    let client = Client::new();
    let base = served.url.clone();
    let api = |b: RequestBuilder| b.bearer_auth(&token);
    let csv = format!("{ATENA},{MY_NUMBER},山田,花子,ヤマダ,ハナコ,{BIRTH},2,{COUPON},\n");
    let bad_csv = format!("{ATENA},{},山田,花子,ヤマダ,ハナコ,{BIRTH},2,{COUPON},\n", &MY_NUMBER[..11]);
    let ocr = format!("11131016{COUPON}");
    let requests: Vec<(&str, RequestBuilder)> = vec![
        ("log-health", client.get(format!("{base}/health"))),
        (
            "log-import",
            api(client.post(format!("{base}/api/v1/residents/import"))).header("Content-Type", "text/csv").body(csv),
        ),
        (
            "log-bad-import",
            api(client.post(format!("{base}/api/v1/residents/import")))
                .header("Content-Type", "text/csv")
                .body(bad_csv),
        ),
        ("log-resident", api(client.get(format!("{base}/api/v1/residents/{ATENA}")))),
        ("log-unknown-resident", api(client.get(format!("{base}/api/v1/residents/{MY_NUMBER}")))),
        ("log-certificate", api(client.get(format!("{base}/api/v1/certificates/{ATENA}")))),
        (
            "log-dose",
            api(client.post(format!("{base}/api/v1/vaccinations"))).json(&json!({
                "ocr_line": ocr, "vaccinated_on": "2021-06-01", "product": "comirnaty",
                "lot": "FA1234", "site": "区役所", "doctor": "医師"})),
        ),
        (
            "log-inquiry",
            api(client.post(format!("{base}/api/v1/inquiries"))).json(&json!({
                "municipality": "141003", "my_number": MY_NUMBER,
                "consent": {"basis": "consent", "method": "written", "obtained_at": "2021-06-01T09:00:00+09:00"}})),
        ),
        ("log-no-route", client.get(format!("{base}/nowhere/{MY_NUMBER}"))),
        ("log-no-token", client.get(format!("{base}/api/v1/residents/{ATENA}"))),
    ];
    let mut ids = BTreeSet::new();
    for (id, request) in requests {
        let res = request.header("X-Request-Id", id).send().unwrap();
        assert_eq!(echoed(&res), id, "a sane X-Request-Id is kept and echoed");
        ids.insert(id.to_owned());
    }
    // An id that could carry an identifier is replaced by a fresh one; none given: a fresh one.
    let replaced = client.get(format!("{base}/health")).header("X-Request-Id", MY_NUMBER).send().unwrap();
    let fresh = client.get(format!("{base}/health")).send().unwrap();
    for res in [replaced, fresh] {
        let id = echoed(&res);
        assert!(id.len() >= 32 && id != MY_NUMBER, "{id}");
        assert!(ids.insert(id), "generated ids differ");
    }
    assert!(served.stop().unwrap().success());

    let log = std::fs::read_to_string(dir.join("node.log")).unwrap();
    let mut logged = std::collections::BTreeMap::new();
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let entry: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(entry["timestamp"].is_string() && entry["level"].is_string(), "{line}");
        for personal in PERSONAL {
            assert!(!line.contains(personal), "{personal} in the log: {line}");
        }
        if entry["message"] == "request" {
            let id = entry["span"]["request_id"].as_str().unwrap_or_else(|| panic!("no request id: {line}"));
            assert!(entry["route"].is_string() && entry["status"].is_u64(), "{line}");
            assert!(logged.insert(id.to_owned(), entry["route"].clone()).is_none(), "one line per request: {line}");
        }
    }
    for id in &ids {
        assert!(logged.contains_key(id), "request {id} not logged with its id:\n{log}");
    }
    // The rest are the harness's own /health polls while the node started.
    assert!(logged.iter().all(|(id, route)| ids.contains(id) || route == "/health"), "{log}");
    assert!(log.contains("\"route\":\"/api/v1/residents/{atena}\""), "routes are logged as patterns");
}

fn echoed(res: &reqwest::blocking::Response) -> String {
    res.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}
