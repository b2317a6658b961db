//! End-to-end national statistics: three real nodes with generated residents and doses,
//! a real coordinator. The national figures and the open data equal the truth computed
//! here from the same residents and doses (exact counts per cell); no output carries
//! anything that identifies a person; a node that is down shows in `nodes_missing` and
//! keeps its last figures, marked stale.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use vrs_tests::leaks::Scanner;
use vrs_tests::{LocalFederation, NodeProcess};

const RESIDENTS: u64 = 120;
const PRODUCTS: [&str; 2] = ["comirnaty", "spikevax"];

/// One generated resident, as the CSV has it.
struct Resident {
    birth: (u16, u8, u8),
    sex: &'static str,
    coupon: String,
    active: bool,
    /// My Number, birth date (as in the CSV), coupon: never in any output.
    ids: Vec<String>,
    /// Names and kana: never in the statistics or the coordinator's files (the CSVs with
    /// place names are left out of this check: 千葉県 holds the family name 千葉).
    names: Vec<String>,
}

fn residents(node: &NodeProcess) -> Vec<Resident> {
    let csv = std::fs::read_to_string(node.data_dir.join("demo-residents.csv")).unwrap();
    csv.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let b = f[6];
            Resident {
                birth: (b[0..4].parse().unwrap(), b[4..6].parse().unwrap(), b[6..8].parse().unwrap()),
                sex: match f[7] {
                    "1" => "M",
                    "2" => "F",
                    _ => "U",
                },
                coupon: f[8].to_owned(),
                active: f[9].is_empty(),
                ids: [f[1], f[6], f[8]].iter().map(|s| s.to_string()).collect(),
                names: [f[2], f[3], f[4], f[5]].iter().map(|s| s.to_string()).collect(),
            }
        })
        .collect()
}

fn age_on(birth: (u16, u8, u8), on: (u16, u8, u8)) -> u16 {
    on.0 - birth.0 - u16::from((on.1, on.2) < (birth.1, birth.2))
}

fn band(age: Option<u16>) -> String {
    match age {
        None => "UNK".into(),
        Some(a) if a >= 100 => "100-".into(),
        Some(a) => format!("{}-{}", a / 5 * 5, a / 5 * 5 + 4),
    }
}

fn open_band(age: Option<u16>) -> &'static str {
    match age {
        None => "UNK",
        Some(a) if a < 65 => "-64",
        Some(_) => "65-",
    }
}

/// A dose given: (where the coupon is from, date, dose number, product, sex, age).
#[derive(Debug, Clone)]
struct Dose {
    home: String,
    on: (u16, u8, u8),
    dose: u8,
    product: &'static str,
    sex: &'static str,
    age: Option<u16>,
}

impl Dose {
    fn date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.on.0, self.on.1, self.on.2)
    }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().timeout(Duration::from_secs(120)).build().unwrap()
}

/// Posts a dose at `site`; returns the HTTP status.
fn give(site: &NodeProcess, home: &str, coupon: &str, d: &Dose) -> u16 {
    let body = json!({"ocr_line": format!("1{}{home}{coupon}", d.dose), "vaccinated_on": d.date(),
                      "product": d.product, "lot": "FA5765", "site": "集団接種会場", "doctor": "担当医"});
    let res =
        client().post(format!("{}/api/v1/vaccinations", site.url)).bearer_auth(&site.staff_token).json(&body).send();
    res.unwrap().status().as_u16()
}

/// Gives the planned doses of every node's residents at their own node: resident i gets
/// i % 4 doses (0 to 3), on dates and products that vary with i.
fn give_doses(fed: &LocalFederation) -> Vec<Dose> {
    let mut given = Vec::new();
    for node in &fed.nodes {
        // Adults only: a child born after 2021 cannot have had a 2021 dose.
        for (i, r) in residents(node).iter().enumerate().filter(|(_, r)| r.active && r.birth.0 < 2009) {
            for dose in 1..=(i % 4) as u8 {
                let day = 1 + (i % 7) as u8 + (dose - 1) * 9;
                let on = (2021, 6 + dose - 1, day);
                let d = Dose {
                    home: node.municipality.clone(),
                    on,
                    dose,
                    product: PRODUCTS[(i + usize::from(dose)) % 2],
                    sex: r.sex,
                    age: Some(age_on(r.birth, on)),
                };
                let status = give(node, &node.municipality, &r.coupon, &d);
                assert!(status == 201, "dose {dose} of resident {i} at {}: {status}", node.municipality);
                given.push(d);
            }
        }
    }
    given
}

fn national(fed: &LocalFederation, path: &str) -> Value {
    let c = &fed.coordinator;
    let res = client().get(format!("{}{path}", c.url)).bearer_auth(&c.national_token).send().unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.json().unwrap()
}

fn refresh(fed: &LocalFederation) -> Value {
    let c = &fed.coordinator;
    let res = client().post(format!("{}/api/v1/stats/refresh", c.url)).bearer_auth(&c.national_token).send().unwrap();
    assert_eq!(res.status(), 200);
    res.json().unwrap()
}

fn public(fed: &LocalFederation, path: &str) -> String {
    let res = client().get(format!("{}{path}", fed.coordinator.url)).send().unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.text().unwrap()
}

fn count_by<K: Ord>(doses: &[Dose], key: impl Fn(&Dose) -> K) -> BTreeMap<K, u64> {
    let mut m = BTreeMap::new();
    doses.iter().for_each(|d| *m.entry(key(d)).or_default() += 1);
    m
}

/// `{"k": {"1": n, ...}}` of the API as (k, dose) → n.
fn nested(v: &Value) -> BTreeMap<(String, u8), u64> {
    let mut m = BTreeMap::new();
    for (k, inner) in v.as_object().unwrap() {
        for (dose, n) in inner.as_object().unwrap() {
            m.insert((k.clone(), dose.parse().unwrap()), n.as_u64().unwrap());
        }
    }
    m
}

#[test]
fn national_figures_equal_the_truth_and_a_missing_node_is_marked() {
    let root = tempfile::tempdir().unwrap();
    let mut fed = LocalFederation::start(root.path(), RESIDENTS, |_| {}).unwrap();
    let mut truth = give_doses(&fed);
    // Given in Yokohama to a Chiyoda resident: counted once, by the home node.
    let chiyoda = residents(fed.node("131016"));
    let (i, r) = chiyoda.iter().enumerate().find(|(i, r)| r.active && r.birth.0 < 2009 && i % 4 == 0).unwrap();
    let away = Dose { home: "131016".into(), on: (2021, 8, 2), dose: 1, product: "comirnaty", sex: r.sex, age: None };
    let away = Dose { age: Some(age_on(r.birth, away.on)), ..away };
    assert_eq!(give(fed.node("141003"), "131016", &r.coupon, &away), 202, "resident {i}");
    truth.push(away);
    // A coupon Sapporo has not registered yet: counted, sex and age unknown.
    let unmatched = Dose { home: "011002".into(), on: (2021, 8, 3), dose: 1, product: "spikevax", sex: "U", age: None };
    assert_eq!(give(fed.node("011002"), "011002", "9999999999", &unmatched), 201);
    truth.push(unmatched);

    let out = refresh(&fed);
    assert_eq!(out["nodes_reported"], 3, "{out}");
    assert_eq!(out["nodes_missing"], json!([]), "{out}");
    let stats = national(&fed, "/api/v1/stats");
    check_against_truth(&stats, &truth, &fed);
    check_open_data(&fed, &truth);
    check_nothing_personal(&fed, &stats);

    // Sapporo's node down: missing, and its last figures kept (stale), so totals stand.
    let sapporo = fed.nodes.iter().position(|n| n.municipality == "011002").unwrap();
    fed.nodes[sapporo].stop().unwrap();
    let out = refresh(&fed);
    assert_eq!((out["nodes_reported"].clone(), out["nodes_missing"].clone()), (json!(2), json!(["011002"])));
    let stale = national(&fed, "/api/v1/stats");
    assert_eq!(stale["nodes_missing"], json!(["011002"]));
    assert_eq!(stale["nodes_stale"], json!(["011002"]));
    assert_eq!(stale["total_doses"], stats["total_doses"]);
    let nodes = national(&fed, "/api/v1/nodes");
    for n in nodes.as_array().unwrap() {
        assert!(n["stats_as_of"].is_string(), "{n}");
    }
    // Sapporo revoked: no longer enrolled, so not missing, but its figures (kept in the
    // sums: the doses were given) are still marked stale.
    fed.coordinator.revoke("011002").unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let out = loop {
        let out = refresh(&fed);
        if out["nodes_missing"] == json!([]) || std::time::Instant::now() > deadline {
            break out;
        }
        std::thread::sleep(std::time::Duration::from_millis(200)); // the registry poll
    };
    assert_eq!((out["nodes_reported"].clone(), out["nodes_missing"].clone()), (json!(2), json!([])), "{out}");
    let revoked = national(&fed, "/api/v1/stats");
    assert_eq!(revoked["nodes_stale"], json!(["011002"]), "{revoked}");
    assert_eq!(revoked["total_doses"], stats["total_doses"]);
    // Without a token: 401.
    let res = client().get(format!("{}/api/v1/stats", fed.coordinator.url)).send().unwrap();
    assert_eq!(res.status(), 401);
}

fn check_against_truth(stats: &Value, truth: &[Dose], fed: &LocalFederation) {
    assert_eq!(stats["nodes_reported"], 3);
    assert_eq!(stats["total_doses"], truth.len() as u64);
    let by_dose: BTreeMap<String, u64> = count_by(truth, |d| d.dose.to_string());
    assert_eq!(stats["by_dose"], json!(by_dose));
    let expect = count_by(truth, |d| (d.home[..2].to_owned(), d.dose));
    assert_eq!(nested(&stats["by_prefecture"]), expect);
    let expect = count_by(truth, |d| (d.date(), d.dose));
    assert_eq!(nested(&stats["by_date"]), expect);
    let expect = count_by(truth, |d| (band(d.age), d.dose));
    assert_eq!(nested(&stats["by_age_band"]), expect);
    let expect = count_by(truth, |d| (open_band(d.age).to_owned(), d.dose));
    assert_eq!(nested(&stats["by_age_open_data"]), expect);
    assert_eq!(stats["by_sex"], json!(count_by(truth, |d| d.sex.to_owned())));
    assert_eq!(stats["by_product"], json!(count_by(truth, |d| d.product.to_owned())));
    // Denominators: active residents by band of their age today.
    let active: Vec<Resident> = fed.nodes.iter().flat_map(residents).filter(|r| r.active).collect();
    assert_eq!(stats["population"]["total"], active.len() as u64);
    let today = chrono_today();
    let mut pop: BTreeMap<String, u64> = BTreeMap::new();
    active.iter().for_each(|r| *pop.entry(band(Some(age_on(r.birth, today)))).or_default() += 1);
    assert_eq!(stats["population"]["by_age_band"], json!(pop));
}

/// Today in JST, as the nodes count ages.
fn chrono_today() -> (u16, u8, u8) {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let d = vrs_protocol::CivilDate::from_unix_days((secs + 9 * 3600).div_euclid(86_400)).unwrap();
    (d.year(), d.month(), d.day())
}

fn check_open_data(fed: &LocalFederation, truth: &[Dose]) {
    let mut got: BTreeMap<(String, String, String, String, u8), u64> = BTreeMap::new();
    for line in public(fed, "/opendata/prefecture.ndjson").lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 7, "{line}");
        assert_eq!(v["medical_worker"], false);
        let k = (
            v["date"].as_str().unwrap().to_owned(),
            v["prefecture"].as_str().unwrap().to_owned(),
            v["gender"].as_str().unwrap().to_owned(),
            v["age"].as_str().unwrap().to_owned(),
            v["status"].as_u64().unwrap() as u8,
        );
        assert!(got.insert(k, v["count"].as_u64().unwrap()).is_none(), "one line per cell: {line}");
    }
    let expect =
        count_by(truth, |d| (d.date(), d.home[..2].to_owned(), d.sex.to_owned(), open_band(d.age).to_owned(), d.dose));
    assert_eq!(got, expect);
    let gz = client().get(format!("{}/opendata/prefecture.ndjson.gz", fed.coordinator.url)).send().unwrap();
    assert_eq!(gz.bytes().unwrap()[..2], [0x1f, 0x8b]);

    let by_date = public(fed, "/opendata/summary_by_date.csv");
    let mut lines = by_date.lines();
    assert_eq!(
        lines.next().unwrap(),
        "date,count_first_shot_general,count_second_shot_general,count_third_shot_general"
    );
    let expect = count_by(truth, |d| (d.date(), d.dose));
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        for dose in 1..=3u8 {
            let n: u64 = f[usize::from(dose)].parse().unwrap();
            assert_eq!(n, expect.get(&(f[0].to_owned(), dose)).copied().unwrap_or(0), "{line}");
        }
    }
    let by_pref = public(fed, "/opendata/summary_by_prefecture.csv");
    assert!(by_pref.starts_with("prefecture_name,population,date,count_first_shot_general,"));
    assert_eq!(by_pref.lines().count(), 48, "every prefecture");
    let tokyo = by_pref.lines().find(|l| l.starts_with("東京都,")).unwrap();
    let first: u64 = tokyo.split(',').nth(3).unwrap().parse().unwrap();
    assert_eq!(first, truth.iter().filter(|d| d.home == "131016" && d.dose == 1).count() as u64);
    // Per municipality: a published cell is 0 or at least 10; small ones are "X".
    let by_muni = public(fed, "/opendata/summary_by_municipality.csv");
    for line in by_muni.lines().skip(1) {
        for cell in line.split(',').skip(4) {
            assert!(cell == "X" || cell.parse::<u64>().is_ok_and(|n| n == 0 || n >= 10), "{line}");
        }
    }
}

/// Nothing any resident could be recognised by: atena, My Number, names, birth date
/// (either form), coupon — in the API, the open data and the coordinator's data dir.
fn check_nothing_personal(fed: &LocalFederation, stats: &Value) {
    let mut unnamed = stats.to_string();
    for path in ["/opendata/prefecture.ndjson", "/opendata/summary_by_date.csv"] {
        unnamed.push_str(&public(fed, path));
    }
    let mut all = unnamed.clone();
    for path in ["/opendata/summary_by_prefecture.csv", "/opendata/summary_by_municipality.csv"] {
        all.push_str(&public(fed, path));
    }
    let (mut ids, mut names) = (Scanner::default(), Scanner::default());
    for node in &fed.nodes {
        for r in residents(node) {
            let b = &r.ids[1];
            ids.text("birth date", &format!("{}-{}-{}", &b[0..4], &b[4..6], &b[6..8]));
            r.ids.iter().filter(|p| !p.is_empty()).for_each(|p| ids.text("identifier or birth date", p));
            r.names.iter().filter(|n| n.len() >= 6).for_each(|n| names.text("name", n));
        }
    }
    ids.scan("the statistics output", all.as_bytes());
    names.scan("the statistics output without place names", unnamed.as_bytes());
    for scan in [&mut ids, &mut names] {
        scan.scan_tree(&fed.coordinator.data_dir, |_| true).unwrap();
        assert!(scan.hits.is_empty(), "personal data found:\n{}", scan.report());
    }
}
