//! End-to-end transfer-in inquiries: Yokohama's desk asks Chiyoda's node about a person who
//! moved, with consent, through a real coordinator. Chiyoda checks the consent itself,
//! answers only what the desk needs, and both nodes log it; no My Number reaches a log file.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use serde_json::{Value, json};
use std::process::Command;
use std::time::{Duration, Instant};
use vrs_tests::desk::{add_user, audit, consent, give_dose, http};
use vrs_tests::{LocalFederation, NodeProcess, run};

const HOLDER: &str = "131016";
const ASKER: &str = "141003";

/// (atena, my_number, coupon) of the first generated HOLDER resident with a My Number.
fn person_with_my_number(node: &NodeProcess) -> (String, String, String) {
    let csv = std::fs::read_to_string(node.data_dir.join("demo-residents.csv")).unwrap();
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect::<Vec<_>>())
        .find(|f| f[1].len() == 12 && f[9].is_empty())
        .map(|f| (f[0].clone(), f[1].clone(), f[8].clone()))
        .unwrap()
}

fn inquire(asker: &NodeProcess, body: &Value) -> (u16, Value) {
    let res = http()
        .post(format!("{}/api/v1/inquiries", asker.url))
        .bearer_auth(&asker.staff_token)
        .json(body)
        .send()
        .unwrap();
    (res.status().as_u16(), res.json().unwrap())
}

fn with_action<'a>(rows: &'a [Value], action: &str) -> Vec<&'a Value> {
    rows.iter().filter(|r| r["action"] == action).collect()
}

#[test]
fn a_desk_asks_the_former_municipality_with_consent() {
    let root = tempfile::tempdir().unwrap();
    let mut fed = LocalFederation::start(root.path(), 50, |_| {}).unwrap();
    let (atena, my_number, coupon) = person_with_my_number(fed.node(HOLDER));

    // Two doses given at the holder's own site.
    let site = add_user(fed.node(HOLDER), "site-desk", "site").unwrap();
    for (dose, on) in [(1, "2021-06-01"), (2, "2021-06-29")] {
        let body = json!({"ocr_line": format!("1{dose}{HOLDER}{coupon}"), "vaccinated_on": on, "product": "comirnaty",
                          "lot": "FA5765", "site": "千代田区役所", "doctor": "担当医"});
        let res = http()
            .post(format!("{}/api/v1/vaccinations", fed.node(HOLDER).url))
            .bearer_auth(&site)
            .json(&body)
            .send()
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
    }
    let person: Value = http()
        .get(format!("{}/api/v1/residents/{atena}", fed.node(HOLDER).url))
        .bearer_auth(&fed.node(HOLDER).staff_token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let birth_date = person["birth_date"].as_str().unwrap().to_owned();

    // Found by My Number: only the kana name, birth date, sex and the doses.
    let asker = fed.node(ASKER);
    let (status, found) =
        inquire(asker, &json!({"municipality": HOLDER, "my_number": my_number, "consent": consent()}));
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["status"], "found");
    assert_eq!(found["person"]["family_kana"], person["name"]["family_kana"]);
    assert_eq!(found["person"]["given_kana"], person["name"]["given_kana"]);
    assert_eq!(found["person"]["birth_date"], person["birth_date"]);
    assert_eq!(found["person"]["sex"], person["sex"]);
    assert_eq!(found["person"].as_object().unwrap().len(), 4, "nothing else of the person: {found}");
    let doses = found["vaccinations"].as_array().unwrap();
    assert_eq!(doses.len(), 2);
    assert_eq!(
        doses[0],
        json!({"dose": 1, "vaccinated_on": "2021-06-01", "product": "comirnaty", "lot": "FA5765", "municipality": HOLDER})
    );
    assert_eq!(doses[1]["dose"], 2);
    let first_id = found["inquiry_id"].as_str().unwrap().to_owned();

    // Found by coupon + birth date; the wrong birth date finds nobody.
    let (status, by_coupon) = inquire(
        asker,
        &json!({"municipality": HOLDER, "coupon": coupon, "birth_date": birth_date, "consent": consent()}),
    );
    assert_eq!((status, &by_coupon["vaccinations"]), (200, &found["vaccinations"]), "{by_coupon}");
    let (status, wrong) = inquire(
        asker,
        &json!({"municipality": HOLDER, "coupon": coupon, "birth_date": "1900-01-01", "consent": consent()}),
    );
    assert_eq!((status, wrong["status"].as_str()), (200, Some("not_found")), "{wrong}");

    // Not found: a valid My Number nobody in Chiyoda has.
    let stranger = "123456789018";
    assert_ne!(stranger, my_number);
    let impracticable = json!({"basis": "consent_impracticable", "method": "none", "obtained_at": "2024-04-01T10:00:00Z",
                               "reason": "本人が意識不明のため"});
    let (status, none) =
        inquire(asker, &json!({"municipality": HOLDER, "my_number": stranger, "consent": impracticable}));
    assert_eq!((status, none["status"].as_str()), (200, Some("not_found")), "{none}");

    // Refusals before anything is sent.
    let (status, e) = inquire(asker, &json!({"municipality": HOLDER, "my_number": my_number}));
    assert_eq!((status, e["error"].as_str()), (403, Some("consent_required")));
    let mut no_reason = impracticable.clone();
    no_reason.as_object_mut().unwrap().remove("reason");
    let (status, e) = inquire(asker, &json!({"municipality": HOLDER, "my_number": my_number, "consent": no_reason}));
    assert_eq!((status, e["error"].as_str(), e["field"].as_str()), (422, Some("invalid_consent"), Some("reason")));
    let (status, e) =
        inquire(asker, &json!({"municipality": HOLDER, "my_number": "123456789012", "consent": consent()}));
    assert_eq!((status, e["error"].as_str()), (422, Some("invalid_my_number")));
    assert!(!e.to_string().contains("123456789012"));
    let (status, e) = inquire(asker, &json!({"municipality": "271004", "my_number": my_number, "consent": consent()}));
    assert_eq!((status, e["error"].as_str()), (404, Some("unknown_municipality")));
    let (status, e) = inquire(asker, &json!({"municipality": ASKER, "my_number": my_number, "consent": consent()}));
    assert_eq!((status, e["error"].as_str()), (404, Some("unknown_municipality")), "own municipality");

    // Both sides logged it. The holder names the resident disclosed, to whom, on what basis.
    let holder_audit = audit(fed.node(HOLDER), &add_user(fed.node(HOLDER), "auditor", "auditor").unwrap()).unwrap();
    let disclosed = with_action(&holder_audit, "inquiry.disclosed");
    assert_eq!(disclosed.len(), 2, "{holder_audit:?}");
    let first = disclosed.iter().find(|r| r["detail"].as_str().unwrap().contains(&first_id)).unwrap();
    assert_eq!(first["atena"], atena.as_str());
    assert_eq!(first["actor"], format!("node:{ASKER}"));
    let detail = first["detail"].as_str().unwrap();
    assert!(detail.contains("basis=consent ") && detail.contains("outcome=found"), "{detail}");
    assert_eq!(with_action(&holder_audit, "inquiry.answered").len(), 2, "the two misses");
    assert!(with_action(&holder_audit, "inquiry.answered").iter().all(|r| r["atena"].is_null()));
    let asker_audit = audit(asker, &add_user(asker, "auditor", "auditor").unwrap()).unwrap();
    let asked = with_action(&asker_audit, "inquiry.ask");
    assert_eq!(asked.len(), 4, "refused-before-sending inquiries are not inquiries: {asker_audit:?}");
    assert!(asked.iter().all(|r| r["actor"] == "staff" && r["atena"].is_null()));
    assert!(asked.iter().any(|r| {
        let d = r["detail"].as_str().unwrap();
        d.contains(&first_id) && d.contains(&format!("municipality={HOLDER}")) && d.contains("outcome=found")
    }));
    for row in holder_audit.iter().chain(asker_audit.iter()) {
        assert!(!row.to_string().contains(&my_number), "My Number in an access-log row");
    }

    // The holder paused (connected but silent): 504 once the asker's timeout (5 s) passes.
    let holder = fed.nodes.iter().position(|n| n.municipality == HOLDER).unwrap();
    let pid = fed.nodes[holder].pid().to_string();
    run(Command::new("kill").args(["-STOP", &pid])).unwrap();
    let started = Instant::now();
    let (status, e) =
        inquire(fed.node(ASKER), &json!({"municipality": HOLDER, "my_number": my_number, "consent": consent()}));
    let waited = started.elapsed();
    run(Command::new("kill").args(["-CONT", &pid])).unwrap();
    assert_eq!((status, e["error"].as_str()), (504, Some("node_unreachable")), "{e}");
    assert!(waited >= Duration::from_secs(5), "answered before the timeout: {waited:?}");

    // The holder stopped: the coordinator says so and the desk gets 504 as well.
    fed.nodes[holder].stop().unwrap();
    let (status, e) =
        inquire(fed.node(ASKER), &json!({"municipality": HOLDER, "my_number": my_number, "consent": consent()}));
    assert_eq!((status, e["error"].as_str()), (504, Some("node_unreachable")), "{e}");

    // No My Number in either node's log file.
    for code in [HOLDER, ASKER] {
        let log = std::fs::read(fed.node(code).data_dir.join("node.log")).unwrap();
        assert!(!log.windows(12).any(|w| w == my_number.as_bytes()), "My Number in {code}'s node.log");
    }
}

/// (atena, coupon) of the i-th generated resident of a node.
fn resident(node: &NodeProcess, i: usize) -> (String, String) {
    let csv = std::fs::read_to_string(node.data_dir.join("demo-residents.csv")).unwrap();
    let f: Vec<String> = csv.lines().nth(i + 1).unwrap().split(',').map(str::to_owned).collect();
    (f[0].clone(), f[8].clone())
}

/// Posts dose `dose` of `coupon` (of `code`) at `node`; returns the answer.
fn give(node: &NodeProcess, token: &str, code: &str, coupon: &str, dose: u8, on: &str) -> Value {
    let (status, answer) = give_dose(node, token, code, coupon, dose, on).unwrap();
    assert!((200..300).contains(&status), "{status} {answer}");
    answer
}

fn doses_of(node: &NodeProcess, atena: &str) -> Vec<Value> {
    let person: Value = http()
        .get(format!("{}/api/v1/residents/{atena}", node.url))
        .bearer_auth(&node.staff_token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    person["vaccinations"].as_array().unwrap().clone()
}

#[test]
fn answered_doses_are_brought_into_the_new_residents_history_once() {
    let root = tempfile::tempdir().unwrap();
    let fed = LocalFederation::start(root.path(), 30, |_| {}).unwrap();
    let (_, my_number, coupon) = person_with_my_number(fed.node(HOLDER));
    let holder_site = add_user(fed.node(HOLDER), "site-desk", "site").unwrap();
    give(fed.node(HOLDER), &holder_site, HOLDER, &coupon, 1, "2021-06-01");
    give(fed.node(HOLDER), &holder_site, HOLDER, &coupon, 2, "2021-06-29");

    // The person has moved to ASKER and is registered there.
    let asker = fed.node(ASKER);
    let (moved_in, new_coupon) = resident(asker, 0);
    let ask = json!({"municipality": HOLDER, "my_number": my_number, "consent": consent(), "bring_in_for": moved_in});
    let (status, found) = inquire(asker, &ask);
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["brought_in"], 2, "{found}");
    let history = doses_of(asker, &moved_in);
    assert_eq!(history.len(), 2);
    let source = format!("inquiry:{}", found["inquiry_id"].as_str().unwrap());
    assert!(history.iter().all(|d| d["source"] == source && d["municipality"] == HOLDER), "{history:?}");

    // Asking again brings nothing twice.
    let (status, again) = inquire(asker, &ask);
    assert_eq!((status, &again["brought_in"]), (200, &json!(0)), "{again}");
    assert_eq!(doses_of(asker, &moved_in).len(), 2);

    // The dose rules see the history: dose 3 is in order for the moved-in person, while the
    // same dose for a neighbour with no history is flagged.
    let asker_site = add_user(asker, "site-desk", "site").unwrap();
    let third = give(asker, &asker_site, ASKER, &new_coupon, 3, "2022-01-10");
    assert_eq!(third["needs_review"], false, "{third}");
    let (_, neighbour_coupon) = resident(asker, 1);
    let flagged = give(asker, &asker_site, ASKER, &neighbour_coupon, 3, "2022-01-10");
    assert_eq!(flagged["needs_review"], true, "{flagged}");

    // A resident this node does not have: refused before anything is asked.
    let unknown =
        json!({"municipality": HOLDER, "my_number": my_number, "consent": consent(), "bring_in_for": "999999999"});
    let (status, refused) = inquire(asker, &unknown);
    assert_eq!((status, refused["error"].as_str()), (404, Some("not_found")), "{refused}");
}
