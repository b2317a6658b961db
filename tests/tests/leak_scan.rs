//! Leak scan: a known test population goes through a realistic day of a federation —
//! imports (one refused), doses at home, out-of-town doses forwarded home, single and
//! bulk inquiries, searches, a certificate, a statistics refresh — on a real coordinator
//! and real nodes logging at debug level. Then every log line of every process, the
//! coordinator's whole data dir (database, WAL, keys, settings), the metrics and the
//! national outputs are searched for the population's My Numbers, names (kanji and kana,
//! full- and half-width) and birth dates; each node's database files for My Numbers.
//! Any hit fails the test, naming what was found where.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;
use vrs_tests::desk::{add_user, consent, give_dose, http};
use vrs_tests::leaks::{Person, Scanner, residents_csv};
use vrs_tests::{LocalFederation, NodeProcess};

const HOME: &str = "131016";
const AWAY: &str = "141003";
const CONSENT: &str = "consent_basis=consent&consent_method=written&consent_obtained_at=2024-04-01T10:00:00%2B09:00";

/// Restarts every process with debug logging: the more a process says, the more a scan
/// of its log proves.
fn log_at_debug(fed: &mut LocalFederation) {
    let set = |file: &Path| {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(text.contains("level = \"info\""), "{}", file.display());
        std::fs::write(file, text.replace("level = \"info\"", "level = \"debug\"")).unwrap();
    };
    fed.coordinator.stop().unwrap();
    set(&fed.coordinator.data_dir.join("coordinator.toml"));
    fed.coordinator.restart().unwrap();
    for node in &mut fed.nodes {
        node.stop().unwrap();
        set(&node.data_dir.join("node.toml"));
        node.restart().unwrap();
    }
    for node in &fed.nodes {
        node.wait_connected(Duration::from_secs(60)).unwrap();
    }
}

fn import(node: &NodeProcess, csv: &str) -> (u16, Value) {
    let res = http()
        .post(format!("{}/api/v1/residents/import", node.url))
        .bearer_auth(&node.staff_token)
        .header("Content-Type", "text/csv")
        .body(csv.to_owned())
        .send()
        .unwrap();
    (res.status().as_u16(), res.json().unwrap())
}

fn staff_post(node: &NodeProcess, path: &str, body: &Value) -> (u16, Value) {
    let res = http().post(format!("{}{path}", node.url)).bearer_auth(&node.staff_token).json(body).send().unwrap();
    (res.status().as_u16(), res.json().unwrap_or(Value::Null))
}

fn staff_get(node: &NodeProcess, path: &str) -> (u16, String) {
    let res = http().get(format!("{}{path}", node.url)).bearer_auth(&node.staff_token).send().unwrap();
    (res.status().as_u16(), res.text().unwrap())
}

fn text(url: String, token: Option<&str>) -> String {
    let mut req = http().get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().unwrap();
    assert!(res.status().is_success(), "{}", res.url());
    res.text().unwrap()
}

/// The day's work; returns what the national office and a metrics scraper saw.
fn a_day_of_work(fed: &LocalFederation, home_people: &[Person], away_people: &[Person]) -> Vec<(String, String)> {
    let (home, away) = (fed.node(HOME), fed.node(AWAY));
    let (status, body) = import(home, &residents_csv(home_people));
    assert_eq!((status, body["inserted"].as_u64()), (200, Some(home_people.len() as u64)), "{body}");
    assert_eq!(import(away, &residents_csv(away_people)).0, 200);
    // A file with a bad row is refused whole; its rejections go back to the desk only.
    let mut bad = residents_csv(&home_people[..2]);
    bad.push_str(&home_people[2].csv_row(2).replace(&home_people[2].birth, "19991340"));
    let (status, body) = import(home, &bad);
    assert_eq!((status, body["error"].as_str()), (422, Some("invalid_csv")), "{body}");

    let (home_site, away_site) =
        (add_user(home, "site-home", "site").unwrap(), add_user(away, "site-away", "site").unwrap());
    for p in &home_people[..6] {
        let (status, body) = give_dose(home, &home_site, HOME, &p.coupon, 1, "2021-06-01").unwrap();
        assert_eq!(status, 201, "{body}");
    }
    for p in &home_people[..3] {
        let (status, body) = give_dose(away, &away_site, HOME, &p.coupon, 2, "2021-06-29").unwrap();
        assert_eq!((status, body["status"].as_str()), (202, Some("forwarded")), "{body}");
    }
    let (status, body) = give_dose(home, &home_site, HOME, "0000000001", 1, "2021-06-01").unwrap();
    assert_eq!((status, body["status"].as_str()), (201, Some("unmatched")), "{body}");

    // Transfer-in inquiries from the away desk: by My Number, by coupon and birth date,
    // for nobody, and a bulk file.
    let p = &home_people[0];
    let (status, found) = staff_post(
        away,
        "/api/v1/inquiries",
        &json!({"municipality": HOME, "my_number": p.my_number, "consent": consent()}),
    );
    assert_eq!((status, found["status"].as_str()), (200, Some("found")), "{found}");
    assert_eq!(found["vaccinations"].as_array().map(Vec::len), Some(2), "{found}");
    let by_coupon = json!({"municipality": HOME, "coupon": home_people[1].coupon, "birth_date": home_people[1].birth_iso(), "consent": consent()});
    assert_eq!(staff_post(away, "/api/v1/inquiries", &by_coupon).1["status"], "found");
    let nobody = json!({"municipality": HOME, "my_number": away_people[0].my_number, "consent": consent()});
    assert_eq!(staff_post(away, "/api/v1/inquiries", &nobody).1["status"], "not_found");
    let mut file = "municipality,my_number\n".to_owned();
    for q in home_people[1..5].iter().chain(&away_people[1..2]) {
        file.push_str(&format!("{HOME},{}\n", q.my_number));
    }
    let res = http()
        .post(format!("{}/api/v1/inquiries/bulk?{CONSENT}", away.url))
        .bearer_auth(&away.staff_token)
        .header("Content-Type", "text/csv")
        .header("Accept", "application/json")
        .body(file)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let results: Value = res.json().unwrap();
    assert_eq!(results["results"].as_array().map(Vec::len), Some(5), "{results}");

    // The home desk looks people up and issues a certificate.
    let q = &home_people[3];
    assert_eq!(staff_post(home, "/api/v1/residents/search", &json!({"my_number": q.my_number})).0, 200);
    let by_kana = json!({"family_kana": q.family_kana, "birth_date": q.birth_iso()});
    assert_eq!(staff_post(home, "/api/v1/residents/search", &by_kana).0, 200);
    assert_eq!(staff_get(home, &format!("/api/v1/residents/{}", q.atena)).0, 200);
    let (status, card) = staff_get(home, &format!("/api/v1/certificates/{}", p.atena));
    assert_eq!(status, 200, "{card}");

    // The national office refreshes and reads; a scraper reads every /metrics.
    let c = &fed.coordinator;
    let res = http().post(format!("{}/api/v1/stats/refresh", c.url)).bearer_auth(&c.national_token).send().unwrap();
    assert_eq!(res.status(), 200);
    let mut seen = vec![
        ("national stats".to_owned(), text(format!("{}/api/v1/stats", c.url), Some(&c.national_token))),
        ("national nodes".to_owned(), text(format!("{}/api/v1/nodes", c.url), Some(&c.national_token))),
        ("open data".to_owned(), text(format!("{}/opendata/prefecture.ndjson", c.url), None)),
        ("coordinator metrics".to_owned(), text(format!("{}/metrics", c.url), None)),
    ];
    for node in &fed.nodes {
        seen.push((format!("{} metrics", node.municipality), text(format!("{}/metrics", node.url), None)));
    }
    seen
}

#[test]
fn no_log_storage_or_metric_holds_the_population_s_identifiers() {
    let root = tempfile::tempdir().unwrap();
    let mut fed = LocalFederation::start(root.path(), 0, |_| {}).unwrap();
    log_at_debug(&mut fed);
    let home_people: Vec<Person> = (0..12).map(|i| Person::new(1_000, i)).collect();
    let away_people: Vec<Person> = (0..4).map(|i| Person::new(9_000, i)).collect();
    let everyone: Vec<Person> = home_people.iter().chain(&away_people).cloned().collect();

    let outputs = a_day_of_work(&fed, &home_people, &away_people);
    // The nodes' database files while they run (the WAL holds the day's writes).
    let mut at_rest = Scanner::for_people(&everyone).only(|what| what.starts_with("My Number"));
    let mut register = Scanner::coupons(&everyone);
    for node in &fed.nodes {
        let is_db = |p: &Path| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("vrs.sqlite"));
        at_rest.scan_tree(&node.data_dir, is_db).unwrap();
        register.scan_tree(&node.data_dir, is_db).unwrap();
    }
    for node in &mut fed.nodes {
        assert!(node.stop().unwrap().success());
    }
    assert!(fed.coordinator.stop().unwrap().success());

    let mut scan = Scanner::for_people(&everyone);
    for (what, text) in &outputs {
        scan.scan(what, text.as_bytes());
    }
    scan.scan_tree(root.path(), |p| p.extension().is_some_and(|e| e == "log")).unwrap();
    scan.scan_tree(&fed.coordinator.data_dir, |_| true).unwrap();
    let mut coupons = Scanner::coupons(&everyone);
    coupons.scan_tree(&fed.coordinator.data_dir, |_| true).unwrap();

    // The scans read real material: every log has the day in it, the register was seen.
    let logs: std::collections::BTreeSet<&(String, usize)> =
        scan.scanned.iter().filter(|(p, _)| p.ends_with(".log")).collect();
    assert_eq!(logs.len(), 4, "three node logs and the coordinator's: {logs:?}");
    assert!(logs.iter().all(|(_, size)| *size > 10_000), "debug logs of a whole day: {logs:?}");
    assert!(
        scan.scanned.iter().any(|(p, _)| p.ends_with("coordinator.sqlite-wal") || p.ends_with("coordinator.sqlite"))
    );
    assert!(!register.hits.is_empty(), "the node scan saw no coupon number: it read nothing");

    assert!(scan.hits.is_empty(), "personal data found:\n{}", scan.report());
    assert!(coupons.hits.is_empty(), "coupon numbers in the coordinator's storage:\n{}", coupons.report());
    assert!(at_rest.hits.is_empty(), "a My Number in clear in a node's database:\n{}", at_rest.report());
}
