//! Durability under `kill -9` (issues 3 and 9): nothing a site was told is stored — a 201
//! or a 202 — is lost when the node or the coordinator is killed while sites post doses,
//! and a dose forwarded to another municipality arrives there exactly once.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::BTreeSet;
use std::time::Duration;
use vrs_tests::load::{Acked, Dose, DoseLoad};
use vrs_tests::{CoordinatorProcess, NodeProcess, desk, sqlite, sqlite_file};

#[test]
fn kill_9_during_a_load_loses_no_acknowledged_dose() {
    let root = tempfile::tempdir().unwrap();
    let mut node = NodeProcess::start(root.path(), "131016", 400, None).unwrap();
    let coupons: Vec<String> = desk::demo_residents(&node).unwrap().into_iter().map(|r| r.coupon).collect();
    let load = DoseLoad::start(&node.url, &node.staff_token, Dose::for_coupons("131016", &coupons[..]), 8);
    // Kill once a good number of doses were acknowledged, with requests still in flight.
    load.wait_for(100);
    node.kill_hard().unwrap();
    let acknowledged = load.stop();
    assert!(acknowledged.len() >= 100);
    node.restart().unwrap();
    for a in &acknowledged {
        let res = desk::http()
            .get(format!("{}/api/v1/vaccinations/{}", node.url, a.id))
            .bearer_auth(&node.staff_token)
            .send()
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "acknowledged dose {} is lost after kill -9", a.id);
    }
}

/// Doses for 141003's residents posted at 131016 while 141003 is offline wait in the
/// coordinator's queue. The coordinator is killed (-9) while more are posted, then the site
/// node too; the coordinator restarted alone must still deliver everything it had queued
/// (only its queue holds them now), and once the site node is back, every dose it
/// acknowledged arrives at 141003, none twice.
#[test]
fn kill_9_of_the_coordinator_and_the_site_loses_no_forwarded_dose() {
    let root = tempfile::tempdir().unwrap();
    let mut coordinator = CoordinatorProcess::start(root.path()).unwrap();
    let mut site = NodeProcess::start_with(root.path(), "131016", 0, None, Some(&coordinator)).unwrap();
    let mut home = NodeProcess::start_with(root.path(), "141003", 300, None, Some(&coordinator)).unwrap();
    site.wait_connected(Duration::from_secs(30)).unwrap();
    home.stop().unwrap();
    let coupons: Vec<String> = desk::demo_residents(&home).unwrap().into_iter().map(|r| r.coupon).collect();
    let doses = Dose::for_coupons("141003", &coupons);
    let (first, second) = doses.split_at(200);

    // Phase 1: queued at the coordinator, every one handed over at least once.
    let queued = DoseLoad::start(&site.url, &site.staff_token, first.to_vec(), 4);
    queued.wait_for(first.len());
    let queued = queued.stop();
    assert_eq!(queued.len(), first.len());
    assert!(queued.iter().all(|a| a.status == "queued"), "the home node is offline: all queued");
    wait_until("every phase-1 dose handed to the coordinator", || {
        sql(&site, "SELECT COUNT(*) FROM outbox WHERE attempts = 0") == "0"
    });
    assert_ne!(
        sqlite_file(&coordinator.data_dir.join("coordinator.sqlite"), "SELECT COUNT(*) FROM queue").unwrap(),
        "0"
    );

    // Phase 2: kill -9 the coordinator while sites post, then the site node.
    let load = DoseLoad::start(&site.url, &site.staff_token, second.to_vec(), 4);
    load.wait_for(40);
    coordinator.kill_hard().unwrap();
    load.wait_for(80);
    site.kill_hard().unwrap();
    let during = load.stop();
    assert!(during.len() >= 80, "acknowledged while the coordinator was down: {}", during.len());

    // The coordinator alone delivers what it had queued before it was killed.
    coordinator.restart().unwrap();
    home.restart().unwrap();
    wait_until("the coordinator's queue reaches the home node", || held_at(&home, &queued).is_empty());

    // The site node back: its outbox delivers the rest; nothing arrives twice.
    site.restart().unwrap();
    let all: Vec<Acked> = queued.iter().chain(&during).cloned().collect();
    wait_until("every acknowledged dose reaches the home node", || held_at(&home, &all).is_empty());
    // Exactly what the site committed arrived (a superset of what it acknowledged: the
    // kill may cut an answer off after its commit), and no dose is there twice.
    wait_until("every dose the site committed reaches the home node", || {
        let stored: BTreeSet<String> = sql(&home, "SELECT id FROM vaccinations").lines().map(str::to_owned).collect();
        let committed: BTreeSet<String> =
            sql(&site, "SELECT vaccination_id FROM outbox").lines().map(str::to_owned).collect();
        stored == committed
    });
    let twice = "SELECT COUNT(*) FROM (SELECT coupon_number, dose_number FROM vaccinations \
                 GROUP BY coupon_number, dose_number HAVING COUNT(*) > 1)";
    assert_eq!(sql(&home, twice), "0", "a dose arrived twice");
    wait_until("the site hears every acknowledgement", || {
        sql(&site, "SELECT COUNT(*) FROM outbox WHERE state != 'acknowledged'") == "0"
    });
}

/// The acknowledged doses not (yet) at `home`.
fn held_at<'a>(home: &NodeProcess, doses: &'a [Acked]) -> Vec<&'a Acked> {
    let stored: BTreeSet<String> = sql(home, "SELECT id FROM vaccinations").lines().map(str::to_owned).collect();
    doses.iter().filter(|a| !stored.contains(&a.id)).collect()
}

fn sql(node: &NodeProcess, query: &str) -> String {
    sqlite(&node.data_dir, query).unwrap()
}

fn wait_until(what: &str, done: impl FnMut() -> bool) {
    vrs_tests::wait_until(what, Duration::from_secs(90), done);
}
