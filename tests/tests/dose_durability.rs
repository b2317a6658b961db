//! Issue 3's durability promise: a `kill -9` of the node while sites are posting doses
//! loses no dose that was acknowledged (201), because each answer waits for its commit.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use serde_json::{Value, json};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use vrs_tests::NodeProcess;

#[test]
fn kill_9_during_a_load_loses_no_acknowledged_dose() {
    let root = tempfile::tempdir().unwrap();
    let mut node = NodeProcess::start(root.path(), "131016", 400, None).unwrap();
    let csv = std::fs::read_to_string(node.data_dir.join("demo-residents.csv")).unwrap();
    let coupons: Vec<String> = csv.lines().skip(1).map(|l| l.split(',').nth(8).unwrap().to_owned()).collect();
    let acknowledged = Mutex::new(Vec::<String>::new());
    let killed = AtomicBool::new(false);
    let finished = AtomicUsize::new(0);
    let (url, token) = (node.url.clone(), node.staff_token.clone());
    std::thread::scope(|s| {
        for t in 0..8 {
            let (url, token, coupons) = (&url, &token, &coupons);
            let (acknowledged, killed, finished) = (&acknowledged, &killed, &finished);
            s.spawn(move || {
                // Counted even if the thread panics, so the main thread never waits forever.
                let _done = Done(finished);
                let client = reqwest::blocking::Client::new();
                for coupon in coupons.iter().skip(t).step_by(8) {
                    let body = json!({"ocr_line": format!("11131016{coupon}"), "vaccinated_on": "2021-06-01",
                                      "product": "comirnaty", "lot": "EY0779", "site": "test"});
                    let sent = client.post(format!("{url}/api/v1/vaccinations")).bearer_auth(token).json(&body).send();
                    // After the kill, requests fail: the client never got an answer for those.
                    let Ok(res) = sent else { break };
                    if res.status().as_u16() != 201 {
                        assert!(killed.load(Ordering::SeqCst), "a dose failed before the kill: {}", res.status());
                        break;
                    }
                    let Ok(answer) = res.json::<Value>() else { break };
                    acknowledged.lock().unwrap().push(answer["id"].as_str().unwrap().to_owned());
                }
            });
        }
        // Kill once a good number of doses were acknowledged, with requests still in flight.
        while acknowledged.lock().unwrap().len() < 100 && finished.load(Ordering::SeqCst) < 8 {
            std::thread::yield_now();
        }
        killed.store(true, Ordering::SeqCst);
        node.kill_hard().unwrap();
    });
    let acknowledged = acknowledged.into_inner().unwrap();
    assert!(acknowledged.len() >= 100);
    node.restart().unwrap();
    let client = reqwest::blocking::Client::new();
    for id in &acknowledged {
        let res =
            client.get(format!("{}/api/v1/vaccinations/{id}", node.url)).bearer_auth(&node.staff_token).send().unwrap();
        assert_eq!(res.status().as_u16(), 200, "acknowledged dose {id} is lost after kill -9");
    }
}

struct Done<'a>(&'a AtomicUsize);

impl Drop for Done<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}
