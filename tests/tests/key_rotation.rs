//! Issue 9's key rotation through the registry, with real processes: `vrs-node keys rotate`
//! registers a node's new signing and encryption keys with the coordinator; doses sealed to
//! the old key while the node was away still open when it returns; peers seal to the new key
//! as soon as they have the new registry; a serving node switches keys without a restart;
//! and checkpoints signed by the old keys still verify.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use vrs_protocol::RecipientKey;
use vrs_tests::{CoordinatorProcess, NodeProcess, binary, desk, sqlite, sqlite_file};

fn rotate(dir: &Path) -> String {
    let out =
        Command::new(binary("vrs-node").unwrap()).args(["keys", "rotate", "--data-dir"]).arg(dir).output().unwrap();
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "keys rotate failed: {text}");
    text
}

/// The key id (hex) of the encryption key a JSON document with `encryption_key` names.
fn key_id(doc: &Value) -> String {
    let bytes: [u8; 32] = hex::decode(doc["encryption_key"].as_str().unwrap()).unwrap().try_into().unwrap();
    hex::encode(RecipientKey::from_bytes(&bytes).unwrap().key_id().0).to_uppercase()
}

fn enrollment(dir: &Path) -> Value {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("enrollment.json")).unwrap()).unwrap();
    doc["enrollment"].clone()
}

/// The keys node `code` has in `dir`'s registry.json.
fn registered(dir: &Path, code: &str) -> Value {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("registry.json")).unwrap()).unwrap();
    doc["registry"]["nodes"].as_array().unwrap().iter().find(|n| n["municipality"] == code).unwrap().clone()
}

#[test]
fn rotated_keys_reach_peers_and_what_was_sealed_to_the_old_ones_still_opens() {
    let root = tempfile::tempdir().unwrap();
    let coordinator = CoordinatorProcess::start(root.path()).unwrap();
    let fast = [("audit", "checkpoint_interval_secs", "1")];
    let mut home = NodeProcess::start_tuned(root.path(), "131016", 60, None, Some(&coordinator), &fast).unwrap();
    let site = NodeProcess::start_with(root.path(), "141003", 0, None, Some(&coordinator)).unwrap();
    home.wait_connected(Duration::from_secs(30)).unwrap();
    site.wait_connected(Duration::from_secs(30)).unwrap();
    let coupons: Vec<String> = desk::demo_residents(&home).unwrap().into_iter().map(|r| r.coupon).collect();
    // Something in the access log, and a checkpoint of it signed with the first keys.
    let auditor = desk::add_user(&home, "auditor", "auditor").unwrap();
    desk::audit(&home, &auditor).unwrap();
    wait_until("a first checkpoint", || {
        sqlite(&home.data_dir, "SELECT COUNT(*) FROM audit_checkpoints WHERE acknowledged_at IS NOT NULL").unwrap()
            != "0"
    });
    home.stop().unwrap();

    // While the home node is away, doses for its residents are sealed to its first key.
    let give = |coupon: &str, dose: u8| {
        desk::give_dose(&site, &site.staff_token, "131016", coupon, dose, "2024-10-01").unwrap()
    };
    for c in &coupons[..10] {
        let (status, body) = give(c, 1);
        assert_eq!((status, body["status"].as_str()), (202, Some("queued")), "{body}");
    }
    let old_key = key_id(&enrollment(&home.data_dir));

    // Rotate while it is away: the registry carries the new keys, the site gets them.
    assert!(rotate(&home.data_dir).contains("registry version"));
    let new_keys = enrollment(&home.data_dir);
    let new_key = key_id(&new_keys);
    assert_ne!(old_key, new_key);
    assert!(std::fs::read_dir(home.data_dir.join("keys/retired")).unwrap().count() >= 2, "old keys retired");
    wait_until("the site has the new registry", || {
        registered(&site.data_dir, "131016")["encryption_key"] == new_keys["encryption_key"]
    });
    assert_eq!(registered(&site.data_dir, "131016")["signing_key"], new_keys["signing_key"]);

    // From then on the site seals to the new key: new doses, and its retries of the
    // earlier ones (which went out to the old key before).
    std::thread::sleep(Duration::from_secs(1));
    let since = vrs_protocol::now_ms();
    for c in &coupons[10..20] {
        let (status, body) = give(c, 1);
        assert_eq!((status, body["status"].as_str()), (202, Some("queued")), "{body}");
    }
    let queue = coordinator.data_dir.join("coordinator.sqlite");
    let keys_in_queue = |after: u64| -> BTreeMap<String, usize> {
        let q = format!(
            "SELECT hex(substr(envelope, 35, 8)) FROM queue WHERE recipient = '131016' AND kind = 1 AND enqueued_at_ms > {after}"
        );
        sqlite_file(&queue, &q).unwrap().lines().fold(BTreeMap::new(), |mut m, k| {
            *m.entry(k.to_owned()).or_default() += 1;
            m
        })
    };
    let all = keys_in_queue(0);
    assert!(all.get(&old_key).is_some_and(|n| *n >= 10), "sealed to the old key while it was current: {all:?}");
    let later = keys_in_queue(since);
    assert!(later.keys().all(|k| *k == new_key), "sealed to the old key after the new registry: {later:?}");
    assert!(later.get(&new_key).is_some_and(|n| *n >= 10), "{later:?}");

    // Back: both kinds open, every dose is there and acknowledged to the site.
    home.restart().unwrap();
    wait_until("all twenty doses at the home node", || {
        sqlite(&home.data_dir, "SELECT COUNT(*) FROM vaccinations").unwrap() == "20"
    });
    wait_until("the site hears the acknowledgements", || {
        sqlite(&site.data_dir, "SELECT COUNT(*) FROM outbox WHERE state != 'acknowledged'").unwrap() == "0"
    });

    // Rotate again while the home node serves: it switches keys without a restart, and a
    // dose the site forwards is answered directly again.
    rotate(&home.data_dir);
    let newest = enrollment(&home.data_dir);
    wait_until("the serving node switched keys", || {
        std::fs::read_to_string(home.data_dir.join("node.log"))
            .unwrap()
            .contains("signing and sealing with the rotated keys")
    });
    wait_until("the site has the newest registry", || {
        registered(&site.data_dir, "131016")["signing_key"] == newest["signing_key"]
    });
    let mut next = coupons[20..].iter();
    wait_until("a dose forwarded and answered under the newest keys", || {
        let (status, body) = give(next.next().unwrap(), 1);
        status == 202 && body["status"] == "forwarded"
    });
    wait_until("every dose acknowledged", || {
        sqlite(&site.data_dir, "SELECT COUNT(*) FROM outbox WHERE state != 'acknowledged'").unwrap() == "0"
    });

    // Checkpoints signed by the first and second keys still verify, beside the newest.
    desk::audit(&home, &auditor).unwrap();
    wait_until("a checkpoint under the newest keys", || {
        sqlite(
            &home.data_dir,
            "SELECT COUNT(*) FROM audit_checkpoints a, access_log_chain c \
                                WHERE a.acknowledged_at IS NOT NULL AND a.entries = c.head_seq",
        )
        .unwrap()
            != "0"
    });
    let out = Command::new(binary("vrs-node").unwrap())
        .args(["audit", "verify", "--data-dir"])
        .arg(&home.data_dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("OK: the access log is intact"), "{text}");
}

fn wait_until(what: &str, done: impl FnMut() -> bool) {
    vrs_tests::wait_until(what, Duration::from_secs(60), done);
}
