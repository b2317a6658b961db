//! Issue 9's retention, on a served node: the scheduled purge removes the doses given more
//! than five years ago (予防接種法) and keeps the rest, its receipt in the access log holds the
//! cut-off and counts only, and the access log still verifies.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::process::Command;
use std::time::{Duration, Instant};
use vrs_tests::{NodeProcess, binary, desk, sqlite};

#[test]
fn the_scheduled_purge_removes_doses_past_five_years_with_a_receipt() {
    let root = tempfile::tempdir().unwrap();
    let settings = [("retention", "interval_secs", "2")];
    let node = NodeProcess::start_tuned(root.path(), "131016", 10, None, None, &settings).unwrap();
    // An adult, so that no age rule stands in the way of either dose.
    let csv = std::fs::read_to_string(node.data_dir.join("demo-residents.csv")).unwrap();
    let adult =
        csv.lines().skip(1).map(|l| l.split(',').collect::<Vec<_>>()).find(|f| f[6] < "19900101" && f[9].is_empty());
    let coupon = adult.unwrap()[8].to_owned();
    let days = |back: i64| {
        let today = i64::try_from(vrs_protocol::now_ms() / 86_400_000).unwrap();
        vrs_protocol::CivilDate::from_unix_days(today - back).unwrap().iso()
    };
    let (long_ago, recent) = (days(5 * 366), days(30));
    let (status, old) = desk::give_dose(&node, &node.staff_token, "131016", &coupon, 1, &long_ago).unwrap();
    assert_eq!(status, 201, "{old}");
    let (status, new) = desk::give_dose(&node, &node.staff_token, "131016", &coupon, 2, &recent).unwrap();
    assert_eq!(status, 201, "{new}");

    let deadline = Instant::now() + Duration::from_secs(30);
    while sqlite(&node.data_dir, "SELECT COUNT(*) FROM retention_runs").unwrap() == "0" {
        assert!(Instant::now() < deadline, "no purge ran");
        std::thread::sleep(Duration::from_millis(200));
    }
    let get = |id: &serde_json::Value| {
        let url = format!("{}/api/v1/vaccinations/{}", node.url, id.as_str().unwrap());
        desk::http().get(url).bearer_auth(&node.staff_token).send().unwrap().status().as_u16()
    };
    assert_eq!(get(&old["id"]), 404, "a dose past five years was kept");
    assert_eq!(get(&new["id"]), 200, "a recent dose was purged");

    let auditor = desk::add_user(&node, "auditor", "auditor").unwrap();
    let log = desk::audit(&node, &auditor).unwrap();
    let receipt = log.iter().find(|e| e["action"] == "retention.purged").expect("a purge receipt");
    assert_eq!(receipt["atena"], serde_json::Value::Null);
    let detail = receipt["detail"].as_str().unwrap();
    assert!(detail.contains(" vaccinations=1 "), "{detail}");
    assert!(detail.starts_with("cutoff="), "{detail}");

    let out = Command::new(binary("vrs-node").unwrap())
        .args(["audit", "verify", "--data-dir"])
        .arg(&node.data_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}
