//! End-to-end federation: a real coordinator and real nodes on loopback, set up with the
//! operator commands. A dose given in Yokohama to a resident of Chiyoda reaches Chiyoda's
//! node exactly once — also when Chiyoda's node or the coordinator is down for a while —
//! and the coordinator never holds anything personal.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use serde_json::{Value, json};
use std::process::Command;
use std::time::{Duration, Instant};
use vrs_tests::{LocalFederation, NodeProcess, binary, run};

const HOME: &str = "131016";
const SITE: &str = "141003";

/// (atena, coupon) of the i-th generated resident of a node.
fn resident(node: &NodeProcess, i: usize) -> (String, String) {
    let csv = std::fs::read_to_string(node.data_dir.join("demo-residents.csv")).unwrap();
    let f: Vec<String> = csv.lines().nth(i + 1).unwrap().split(',').map(str::to_owned).collect();
    (f[0].clone(), f[8].clone())
}

fn site_token(node: &NodeProcess) -> String {
    run(Command::new(binary("vrs-node").unwrap())
        .args(["user", "add", "--name", "site-desk", "--role", "site"])
        .arg("--data-dir")
        .arg(&node.data_dir))
    .unwrap()
    .trim()
    .to_owned()
}

/// Posts dose `dose` of a HOME coupon at the SITE node; returns (http status, body).
fn give_dose(site: &NodeProcess, token: &str, coupon: &str, dose: u8, on: &str) -> (u16, Value) {
    let body = json!({"ocr_line": format!("1{dose}{HOME}{coupon}"), "vaccinated_on": on, "product": "comirnaty",
                      "lot": "FA5765", "site": "横浜市集団接種会場", "doctor": "担当医"});
    let res = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/vaccinations", site.url))
        .bearer_auth(token)
        .json(&body)
        .send()
        .unwrap();
    (res.status().as_u16(), res.json().unwrap())
}

/// The ids of the doses the home node holds for a resident.
fn doses_at_home(home: &NodeProcess, atena: &str) -> Vec<String> {
    let person: Value = reqwest::blocking::Client::new()
        .get(format!("{}/api/v1/residents/{atena}", home.url))
        .bearer_auth(&home.staff_token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    person["vaccinations"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap().to_owned()).collect()
}

fn wait_until(what: &str, within: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("timed out waiting until {what}");
}

#[test]
fn doses_reach_the_home_node_exactly_once_through_outages() {
    let root = tempfile::tempdir().unwrap();
    let mut fed = LocalFederation::start(root.path(), 200, |_| {}).unwrap();
    let token = site_token(fed.node(SITE));
    let (atena, coupon) = resident(fed.node(HOME), 3);

    // Both nodes up: the site is told `forwarded` once the home node acknowledged.
    let (status, answer) = give_dose(fed.node(SITE), &token, &coupon, 1, "2021-06-01");
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["status"], "forwarded", "{answer}");
    let first = answer["id"].as_str().unwrap().to_owned();
    assert_eq!(doses_at_home(fed.node(HOME), &atena), vec![first.clone()]);

    // The home node down: the dose waits (queued), then arrives once it is back.
    let home = fed.nodes.iter().position(|n| n.municipality == HOME).unwrap();
    fed.nodes[home].stop().unwrap();
    let (status, answer) = give_dose(fed.node(SITE), &token, &coupon, 2, "2021-06-29");
    assert_eq!((status, answer["status"].as_str()), (202, Some("queued")), "{answer}");
    let second = answer["id"].as_str().unwrap().to_owned();
    fed.nodes[home].restart().unwrap();
    wait_until("the queued dose reaches home", Duration::from_secs(60), || {
        doses_at_home(fed.node(HOME), &atena).len() == 2
    });

    // The coordinator killed (-9) with doses in flight, then restarted: nothing lost or doubled.
    fed.coordinator.kill_hard().unwrap();
    let mut later = Vec::new();
    for i in 10..15 {
        let (other_atena, other_coupon) = resident(fed.node(HOME), i);
        let (status, answer) = give_dose(fed.node(SITE), &token, &other_coupon, 1, "2021-07-01");
        assert_eq!(status, 202, "{answer}");
        later.push((other_atena, answer["id"].as_str().unwrap().to_owned()));
    }
    fed.coordinator.restart().unwrap();
    wait_until("doses given while the coordinator was down arrive", Duration::from_secs(90), || {
        later.iter().all(|(a, _)| !doses_at_home(fed.node(HOME), a).is_empty())
    });
    // A little longer, for any duplicate to show up if it were going to.
    std::thread::sleep(Duration::from_secs(3));
    for (a, id) in &later {
        assert_eq!(doses_at_home(fed.node(HOME), a), vec![id.clone()], "exactly once");
    }
    let mut both = doses_at_home(fed.node(HOME), &atena);
    both.sort();
    let mut expected = vec![first, second];
    expected.sort();
    assert_eq!(both, expected);

    // Nothing personal anywhere in the coordinator's data dir (database, logs, files).
    let residents = std::fs::read_to_string(fed.node(HOME).data_dir.join("demo-residents.csv")).unwrap();
    let mut scan = vrs_tests::leaks::Scanner::default();
    for line in residents.lines().skip(1).take(30) {
        let f: Vec<&str> = line.split(',').collect();
        for personal in [f[1], f[2], f[4], f[6], f[8]] {
            if personal.len() >= 4 {
                scan.text("personal", personal);
            }
        }
    }
    scan.scan_tree(&fed.coordinator.data_dir, |_| true).unwrap();
    assert!(scan.hits.is_empty(), "personal data in the coordinator's data dir:\n{}", scan.report());
}

#[test]
fn an_unenrolled_node_cannot_connect_and_a_revoked_one_is_cut_off() {
    let root = tempfile::tempdir().unwrap();
    let fed = LocalFederation::start(root.path(), 20, |_| {}).unwrap();
    // A node that has the federation file but was never enrolled.
    let stranger_root = root.path().join("stranger");
    let node = binary("vrs-node").unwrap();
    let port = vrs_tests::free_port().unwrap();
    run(Command::new(&node)
        .args(["init", "--municipality", "271004", "--http-listen", &format!("127.0.0.1:{port}")])
        .arg("--federation")
        .arg(fed.coordinator.federation_file())
        .arg("--data-dir")
        .arg(&stranger_root))
    .unwrap();
    let mut stranger = NodeProcess::attach_serve(&stranger_root, "271004", port).unwrap();
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(stranger.health().unwrap()["coordinator"], "disconnected");
    stranger.stop().unwrap();

    fed.coordinator.revoke("011002").unwrap();
    wait_until("the revoked node is cut off", Duration::from_secs(15), || {
        fed.node("011002").health().is_ok_and(|h| h["coordinator"] == "disconnected")
    });
    // The others stay connected.
    assert_eq!(fed.node(HOME).health().unwrap()["coordinator"], "connected");
}
