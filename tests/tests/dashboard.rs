//! The national dashboard in a real headless Chromium: served by a real coordinator over
//! real nodes, it shows the same numbers as `/api/v1/stats` and `/api/v1/nodes` — the
//! totals, a bar per day, a row and a bar per prefecture, coverage per age band, and each
//! municipality's freshness, a stopped node marked.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use serde_json::{Value, json};
use std::time::Duration;
use vrs_tests::LocalFederation;
use vrs_tests::webdriver::Browser;

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build().unwrap()
}

fn national(fed: &LocalFederation, method: &str, path: &str) -> Value {
    let c = &fed.coordinator;
    let url = format!("{}{path}", c.url);
    let req = if method == "POST" { client().post(url) } else { client().get(url) };
    req.bearer_auth(&c.national_token).send().unwrap().json().unwrap()
}

/// Doses for the first residents of every node, on three days.
fn give_doses(fed: &LocalFederation) {
    for node in &fed.nodes {
        let csv = std::fs::read_to_string(node.data_dir.join("demo-residents.csv")).unwrap();
        for (i, line) in csv.lines().skip(1).take(12).enumerate() {
            let f: Vec<&str> = line.split(',').collect();
            if !f[9].is_empty() || f[6] > "20080000" {
                continue;
            }
            let body = json!({"ocr_line": format!("11{}{}", node.municipality, f[8]),
                "vaccinated_on": format!("2021-07-0{}", 1 + i % 3), "product": "comirnaty", "lot": "FA5765",
                "site": "会場", "doctor": "医師"});
            let res = client()
                .post(format!("{}/api/v1/vaccinations", node.url))
                .bearer_auth(&node.staff_token)
                .json(&body)
                .send()
                .unwrap();
            assert_eq!(res.status(), 201);
        }
    }
}

#[test]
fn the_dashboard_shows_what_the_api_says() {
    let root = tempfile::tempdir().unwrap();
    let mut fed = LocalFederation::start(root.path(), 40, |_| {}).unwrap();
    give_doses(&fed);
    national(&fed, "POST", "/api/v1/stats/refresh");
    let stopped = "011002";
    let i = fed.nodes.iter().position(|n| n.municipality == stopped).unwrap();
    fed.nodes[i].stop().unwrap();
    national(&fed, "POST", "/api/v1/stats/refresh");
    let stats = national(&fed, "GET", "/api/v1/stats");
    let nodes = national(&fed, "GET", "/api/v1/nodes");

    let browser = Browser::start().unwrap();
    let url = format!("{}/dashboard#token={}", fed.coordinator.url, fed.coordinator.national_token);
    browser.goto(&url).unwrap();
    let ready = browser.wait_for("return document.body.dataset.ready", Duration::from_secs(20)).unwrap();
    assert_eq!(ready, "1", "{}", browser.eval("return document.getElementById('error').textContent").unwrap());
    // The token left the address bar.
    assert!(!browser.eval("return location.href").unwrap().as_str().unwrap().contains("token"));

    let text = |id: &str| browser.eval(&format!("return document.getElementById('{id}').textContent")).unwrap();
    let total = stats["total_doses"].as_u64().unwrap();
    assert!(total > 0);
    assert_eq!(text("total-doses"), json!(total.to_string()));
    assert_eq!(text("nodes-reported"), json!(stats["nodes_reported"].to_string()));
    assert_eq!(text("nodes-missing"), json!("1"));
    assert_eq!(text("as-of"), stats["as_of"]);

    // One bar per day, each as high as the API's count for it.
    let bars = browser
        .eval("return [...document.querySelectorAll('#chart-daily rect')].map(r => [r.dataset.key, +r.dataset.count])")
        .unwrap();
    let expect: Vec<Value> = stats["by_date"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(d, v)| json!([d, v.as_object().unwrap().values().map(|n| n.as_u64().unwrap()).sum::<u64>()]))
        .collect();
    assert_eq!(bars, json!(expect));

    // A row per prefecture with its dose-1 count, and a bar each.
    let rows = browser
        .eval("return [...document.querySelectorAll('#prefectures tbody tr')].map(r => [r.dataset.pref, r.cells[2].textContent])")
        .unwrap();
    let expect: Vec<Value> = stats["by_prefecture"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(p, v)| json!([p, v["1"].as_u64().unwrap().to_string()]))
        .collect();
    assert_eq!(rows, json!(expect));
    let pref_bars = browser.eval("return document.querySelectorAll('#chart-prefecture rect').length").unwrap();
    assert_eq!(pref_bars, json!(expect.len()));

    // Coverage: the dose-1 count shown per band is the API's.
    let coverage = browser
        .eval("return Object.fromEntries([...document.querySelectorAll('#coverage tbody tr')].map(r => [r.dataset.band, +r.cells[2].dataset.count]))")
        .unwrap();
    for (band, v) in stats["by_age_band"].as_object().unwrap() {
        assert_eq!(coverage[band], v["1"], "band {band}");
    }

    // Freshness: every node, with its as_of; the stopped one marked stale.
    let fresh = browser
        .eval("return [...document.querySelectorAll('#freshness tbody tr')].map(r => [r.dataset.municipality, r.cells[3].textContent, r.cells[4].textContent])")
        .unwrap();
    let expect: Vec<Value> = nodes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let code = n["municipality"].as_str().unwrap();
            json!([code, n["stats_as_of"], if code == stopped { "stale" } else { "ok" }])
        })
        .collect();
    assert_eq!(fresh, json!(expect));
}
