//! End-to-end bulk inquiries and protected persons: Yokohama's desk sends one file of
//! `municipality,my_number` rows for Chiyoda and Sapporo through a real coordinator. Every
//! row gets a result in order (bad rows included); a protected person is withheld and
//! waits in the holder's review queue; the holder lists each disclosure per person.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use serde_json::{Value, json};
use vrs_tests::desk::{add_user, askable, audit, consent, give_dose, http};
use vrs_tests::{LocalFederation, NodeProcess};

const CHIYODA: &str = "131016";
const YOKOHAMA: &str = "141003";
const SAPPORO: &str = "011002";
/// A valid My Number nobody in the demo population has (the generator's numbers are random
/// 11-digit bodies; this one is checked absent below).
const STRANGER: &str = "123456789018";

const CONSENT: &str = "consent_basis=consent&consent_method=written&consent_obtained_at=2024-04-01T10:00:00%2B09:00";

fn bulk(asker: &NodeProcess, query: &str, csv: &str, json: bool) -> reqwest::blocking::Response {
    http()
        .post(format!("{}/api/v1/inquiries/bulk?{query}", asker.url))
        .bearer_auth(&asker.staff_token)
        .header("Content-Type", "text/csv")
        .header("Accept", if json { "application/json" } else { "text/csv" })
        .body(csv.to_owned())
        .send()
        .unwrap()
}

fn get(node: &NodeProcess, token: &str, path: &str) -> (u16, Value) {
    let res = http().get(format!("{}{path}", node.url)).bearer_auth(token).send().unwrap();
    (res.status().as_u16(), res.json().unwrap())
}

fn post(node: &NodeProcess, token: &str, path: &str, body: &Value) -> (u16, Value) {
    let res = http().post(format!("{}{path}", node.url)).bearer_auth(token).json(body).send().unwrap();
    (res.status().as_u16(), res.json().unwrap())
}

fn statuses(results: &[Value]) -> Vec<(u64, String)> {
    results.iter().map(|r| (r["line"].as_u64().unwrap(), r["status"].as_str().unwrap().to_owned())).collect()
}

#[test]
fn a_bulk_file_gets_one_result_per_row_and_protected_persons_are_withheld() {
    let root = tempfile::tempdir().unwrap();
    let mut fed = LocalFederation::start(root.path(), 40, |_| {}).unwrap();
    let chiyoda = askable(fed.node(CHIYODA)).unwrap();
    let sapporo = askable(fed.node(SAPPORO)).unwrap();
    let everyone: Vec<&str> = chiyoda.iter().chain(&sapporo).map(|r| r.my_number.as_str()).collect();
    assert!(!everyone.contains(&STRANGER));
    let (given, protected, found_in_sapporo) = (&chiyoda[0], &chiyoda[1], &sapporo[0]);

    // One dose at Chiyoda for `given`; `protected` is put under a support measure.
    let site = add_user(fed.node(CHIYODA), "site-desk", "site").unwrap();
    let (status, _) = give_dose(fed.node(CHIYODA), &site, CHIYODA, &given.coupon, 1, "2021-06-01").unwrap();
    assert_eq!(status, 201);
    let holder_staff = fed.node(CHIYODA).staff_token.clone();
    let res = http()
        .put(format!("{}/api/v1/residents/{}/protection", fed.node(CHIYODA).url, protected.atena))
        .bearer_auth(&holder_staff)
        .json(&json!({"protected": true}))
        .send()
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);

    let file = format!(
        "municipality,my_number\n\
         {CHIYODA},{}\n\
         {SAPPORO},{}\n\
         {CHIYODA},{}\n\
         {CHIYODA},{STRANGER}\n\
         131017,{STRANGER}\n\
         {CHIYODA},123456789012\n\
         \n\
         271004,{STRANGER}\n\
         {YOKOHAMA},{STRANGER}\n\
         {CHIYODA}\n",
        given.my_number, found_in_sapporo.my_number, protected.my_number
    );
    let expected: Vec<(u64, String)> = [
        (2, "found"),
        (3, "found"),
        (4, "withheld"),
        (5, "not_found"),
        (6, "invalid"),
        (7, "invalid"),
        (9, "unknown_municipality"),
        (10, "unknown_municipality"),
        (11, "invalid"),
    ]
    .iter()
    .map(|(l, s)| (*l, (*s).to_owned()))
    .collect();

    // JSON: every row in order; found rows carry the person and the doses, nothing else.
    let asker = fed.node(YOKOHAMA);
    let res = bulk(asker, CONSENT, &file, true);
    assert_eq!(res.status().as_u16(), 200);
    let answer: Value = res.json().unwrap();
    let results = answer["results"].as_array().unwrap();
    assert_eq!(statuses(results), expected, "{answer}");
    assert_eq!(results[0]["municipality"], CHIYODA);
    assert_eq!(results[0]["vaccinations"][0]["vaccinated_on"], "2021-06-01");
    assert_eq!(results[0]["person"].as_object().unwrap().len(), 4);
    assert_eq!(results[1]["vaccinations"], json!([]));
    assert!(results[2].get("person").is_none(), "nothing of a withheld person: {}", results[2]);
    assert_eq!(results[4]["municipality"], Value::Null, "an invalid code is not echoed");
    assert!(results[5]["reason"].as_str().unwrap().contains("my_number"));
    assert!(!answer.to_string().contains("123456789012"), "a bad My Number is never echoed");

    // CSV: the same rows, and the batch's progress can be read afterwards.
    let res = bulk(asker, CONSENT, &file, false);
    assert_eq!(res.status().as_u16(), 200);
    let batch_id = res.headers()["X-Batch-Id"].to_str().unwrap().to_owned();
    let text = res.text().unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<(u64, String)> =
        reader.records().map(|r| r.unwrap()).map(|r| (r[0].parse().unwrap(), r[2].to_owned())).collect();
    assert_eq!(rows, expected, "{text}");
    assert!(text.contains(&format!("1:2021-06-01:comirnaty:{CHIYODA}:FA5765")), "{text}");
    let (status, progress) = get(asker, &asker.staff_token, &format!("/api/v1/inquiries/bulk/{batch_id}"));
    assert_eq!(status, 200);
    assert_eq!((progress["total"].as_u64(), progress["done"].as_u64()), (Some(9), Some(9)), "{progress}");
    assert_eq!(progress["finished"], true);
    assert_eq!(progress["by_status"]["found"], 2);

    // Refused whole: no consent, a consent that does not hold, a file with no rows.
    let res = bulk(asker, "", &file, true);
    assert_eq!(res.status().as_u16(), 403);
    let res = bulk(
        asker,
        "consent_basis=consent_impracticable&consent_method=none&consent_obtained_at=2024-04-01T00:00:00Z",
        &file,
        true,
    );
    assert_eq!(res.status().as_u16(), 422, "consent_impracticable needs a reason");
    let res = bulk(asker, CONSENT, "municipality,my_number\n", true);
    assert_eq!(res.status().as_u16(), 422);

    // A single inquiry about the protected person is withheld too.
    let (status, single) = post(
        asker,
        &asker.staff_token,
        "/api/v1/inquiries",
        &json!({"municipality": CHIYODA, "my_number": protected.my_number, "consent": consent()}),
    );
    assert_eq!((status, single["status"].as_str()), (200, Some("withheld")), "{single}");

    // The holder: each disclosure per person, withheld ones in the review queue.
    let holder = fed.node(CHIYODA);
    let (status, d) = get(holder, &holder_staff, &format!("/api/v1/residents/{}/disclosures", given.atena));
    assert_eq!(status, 200);
    let list = d["disclosures"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{d}");
    assert!(list.iter().all(|x| x["asker"] == YOKOHAMA && x["outcome"] == "disclosed" && x["doses"] == 1));
    assert!(list.iter().all(|x| x["basis"] == "consent" && x["method"] == "written" && x["asker_staff"] == "staff"));
    let (_, d) = get(holder, &holder_staff, &format!("/api/v1/residents/{}/disclosures", protected.atena));
    assert_eq!(d["protected"], true);
    assert_eq!(d["disclosures"].as_array().unwrap().len(), 3);
    assert!(d["disclosures"].as_array().unwrap().iter().all(|x| x["outcome"] == "withheld" && x["doses"] == 0));
    let (_, queue) = get(holder, &holder_staff, "/api/v1/inquiries/withheld");
    let pending = queue["withheld"].as_array().unwrap();
    assert_eq!(pending.len(), 3);
    let first = pending[0]["id"].as_i64().unwrap();
    let (status, _) = post(holder, &holder_staff, &format!("/api/v1/inquiries/withheld/{first}/resolve"), &json!({}));
    assert_eq!(status, 422, "a review needs a note");
    let note = json!({"note": "支援措置中: 転入先へ電話で確認済み"});
    let (status, _) = post(holder, &holder_staff, &format!("/api/v1/inquiries/withheld/{first}/resolve"), &note);
    assert_eq!(status, 200);
    let (status, _) = post(holder, &holder_staff, &format!("/api/v1/inquiries/withheld/{first}/resolve"), &note);
    assert_eq!(status, 404, "already resolved");
    let (_, queue) = get(holder, &holder_staff, "/api/v1/inquiries/withheld");
    assert_eq!(queue["withheld"].as_array().unwrap().len(), 2);

    // Both logs: the asker one `inquiry.ask` per row sent (4 a batch: lines 2-5; 271004 is
    // not enrolled and 141003 is the asker itself, so neither is sent) and one per batch;
    // the holder one per withholding.
    let auditor = add_user(asker, "auditor", "auditor").unwrap();
    let asker_log = audit(asker, &auditor).unwrap();
    let asked: Vec<&Value> = asker_log
        .iter()
        .filter(|r| r["action"] == "inquiry.ask" && r["detail"].as_str().unwrap().contains("batch_id="))
        .collect();
    assert_eq!(asked.len(), 8, "4 rows sent per batch, 2 batches");
    assert_eq!(asker_log.iter().filter(|r| r["action"] == "inquiry.bulk").count(), 2);
    let holder_log = audit(holder, &add_user(holder, "auditor", "auditor").unwrap()).unwrap();
    let withheld: Vec<&Value> = holder_log.iter().filter(|r| r["action"] == "inquiry.withheld").collect();
    assert_eq!(withheld.len(), 3);
    assert!(withheld.iter().all(|r| r["atena"] == protected.atena.as_str()));
    // The holder answered each batch's Chiyoda rows (lines 2, 4, 5) as one chunk under one
    // signed statement: one row per question, each naming its own inquiry (the asker's id
    // for that row) and the chunk (`batch_id`).
    let chunked: Vec<&str> = holder_log
        .iter()
        .filter(|r| r["action"].as_str().is_some_and(|a| a.starts_with("inquiry.")))
        .map(|r| r["detail"].as_str().unwrap())
        .filter(|d| d.contains(" batch_id="))
        .collect();
    assert_eq!(chunked.len(), 6, "3 rows per batch, 2 batches: {chunked:?}");
    for d in &chunked {
        let id = d.split_whitespace().find_map(|w| w.strip_prefix("inquiry_id=")).unwrap();
        let named = asked.iter().filter(|r| r["detail"].as_str().unwrap().contains(&format!("inquiry_id={id} ")));
        assert_eq!(named.count(), 1, "the asker logged {id} once");
    }
    let outcomes: Vec<&str> =
        chunked.iter().filter_map(|d| d.split_whitespace().find_map(|w| w.strip_prefix("outcome="))).collect();
    assert_eq!(outcomes.iter().filter(|o| **o == "found").count(), 2);
    assert_eq!(outcomes.iter().filter(|o| **o == "withheld").count(), 2);
    assert_eq!(outcomes.iter().filter(|o| **o == "not_found").count(), 2);
    for row in asker_log.iter().chain(&holder_log) {
        for n in &everyone {
            assert!(!row.to_string().contains(n), "My Number in an access-log row");
        }
    }

    // Sapporo stops: its rows are reported node_unreachable, the others still answered.
    let sapporo_at = fed.nodes.iter().position(|n| n.municipality == SAPPORO).unwrap();
    fed.nodes[sapporo_at].stop().unwrap();
    let file = format!(
        "{SAPPORO},{}\n{CHIYODA},{}\n{SAPPORO},{}\n",
        found_in_sapporo.my_number, given.my_number, sapporo[1].my_number
    );
    let res = bulk(fed.node(YOKOHAMA), CONSENT, &file, true);
    let answer: Value = res.json().unwrap();
    let got = statuses(answer["results"].as_array().unwrap());
    let want: Vec<(u64, String)> = [(1, "node_unreachable"), (2, "found"), (3, "node_unreachable")]
        .iter()
        .map(|(l, s)| (*l, (*s).to_owned()))
        .collect();
    assert_eq!(got, want, "{answer}");

    // Sapporo revoked: once the registry reaches the asker, it is unknown, single or bulk.
    fed.coordinator.revoke(SAPPORO).unwrap();
    let ask = json!({"municipality": SAPPORO, "my_number": found_in_sapporo.my_number, "consent": consent()});
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (status, e) = post(fed.node(YOKOHAMA), &fed.node(YOKOHAMA).staff_token, "/api/v1/inquiries", &ask);
        if status == 404 {
            assert_eq!(e["error"], "unknown_municipality");
            break;
        }
        assert_eq!(status, 504, "{e}");
        assert!(std::time::Instant::now() < deadline, "the revocation never reached the asker");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let answer: Value = bulk(fed.node(YOKOHAMA), CONSENT, &format!("{SAPPORO},{STRANGER}\n"), true).json().unwrap();
    assert_eq!(answer["results"][0]["status"], "unknown_municipality");

    // No My Number in either node's log file.
    for code in [CHIYODA, YOKOHAMA] {
        let log = std::fs::read(fed.node(code).data_dir.join("node.log")).unwrap();
        for n in &everyone {
            assert!(!log.windows(12).any(|w| w == n.as_bytes()), "My Number in {code}'s node.log");
        }
    }
}
