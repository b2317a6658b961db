//! End-to-end vaccination certificates (issue 7): a person who moved from Chiyoda (131016)
//! to Yokohama (141003) has doses given in both municipalities — two brought in by a
//! transfer-in inquiry, one given at a Chiyoda site on the Yokohama coupon and delivered
//! through the federation, one given in Yokohama. Yokohama issues one SMART Health Card of
//! all four, and a verifier the project did not write (scripts/verify-shc.py: Python
//! joserfc + zlib) accepts it and reads the same doses. Without python3 or joserfc this
//! test fails; it never skips.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::time::Instant;
use vrs_tests::desk::{add_user, askable, audit, consent, give_dose, http};
use vrs_tests::{LocalFederation, NodeProcess, binary};

const FORMER: &str = "131016";
const HOME: &str = "141003";

fn get(node: &NodeProcess, path: &str) -> reqwest::blocking::Response {
    http().get(format!("{}{path}", node.url)).bearer_auth(&node.staff_token).send().unwrap()
}

/// Runs the independent verifier on a card file; (exit ok, stdout lines as JSON, stderr).
fn python_verify(jwks: &Path, card: &Path) -> (bool, Vec<Value>, String) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/verify-shc.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(jwks)
        .arg(card)
        .output()
        .expect("python3 must be installed (the independent SHC verifier is part of the suite)");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("No module named"), "the verifier's module is missing (pip install joserfc): {stderr}");
    let lines = String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (out.status.success(), lines, stderr)
}

/// Decodes a QR image with ZBar's `zbarimg` (Debian zbar-tools, installed by .ci/run).
fn zbar_read(png: &Path) -> String {
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(png)
        .output()
        .expect("zbarimg must be installed (apt-get install zbar-tools): the QR image is read back independently");
    assert!(out.status.success(), "zbarimg could not read the QR code: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn one_card_covers_doses_from_two_municipalities_and_an_independent_verifier_accepts_it() {
    let root = tempfile::tempdir().unwrap();
    let fed = LocalFederation::start(root.path(), 30, |_| {}).unwrap();
    let (former, home) = (fed.node(FORMER), fed.node(HOME));
    let before = askable(former).unwrap()[0].clone();
    let person = askable(home).unwrap()[0].clone();

    // Doses 1 and 2 given in Chiyoda before the move, brought into Yokohama by an inquiry.
    let former_site = add_user(former, "site-chiyoda", "site").unwrap();
    for (dose, on) in [(1, "2021-06-01"), (2, "2021-06-29")] {
        let (status, v) = give_dose(former, &former_site, FORMER, &before.coupon, dose, on).unwrap();
        assert_eq!(status, 201, "{v}");
    }
    let ask = json!({"municipality": FORMER, "my_number": before.my_number, "consent": consent(),
                     "bring_in_for": person.atena});
    let found: Value = http()
        .post(format!("{}/api/v1/inquiries", home.url))
        .bearer_auth(&home.staff_token)
        .json(&ask)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(found["brought_in"], 2, "{found}");
    // Dose 3 at a Chiyoda site on the Yokohama coupon, delivered home through the federation.
    let (status, v) = give_dose(former, &former_site, HOME, &person.coupon, 3, "2021-12-20").unwrap();
    assert_eq!((status, v["status"].as_str()), (202, Some("forwarded")), "{v}");
    // Dose 4 in Yokohama, another product.
    let home_site = add_user(home, "site-yokohama", "site").unwrap();
    let body = json!({"ocr_line": format!("14{HOME}{}", person.coupon), "vaccinated_on": "2022-06-10",
                      "product": "spikevax", "lot": "3003226", "site": "みなとみらい会場", "doctor": "担当医"});
    let res =
        http().post(format!("{}/api/v1/vaccinations", home.url)).bearer_auth(&home_site).json(&body).send().unwrap();
    assert_eq!(res.status().as_u16(), 201);

    // The card, timed end to end over HTTP.
    let t = Instant::now();
    let res = get(home, &format!("/api/v1/certificates/{}", person.atena));
    let wall = t.elapsed();
    assert_eq!(res.status().as_u16(), 200);
    let server = res.headers().get("server-timing").map(|h| h.to_str().unwrap().to_owned()).unwrap_or_default();
    let card: Value = res.json().unwrap();
    eprintln!("certificate issued in {:.1} ms over HTTP (server: {server})", wall.as_secs_f64() * 1000.0);
    let jws = card["jws"].as_str().unwrap();
    assert!(card["shc"].as_str().unwrap().starts_with("shc:/"));
    assert_eq!(card["chunks"].as_array().unwrap().len(), 1, "four doses fit one QR code");

    let jwks_res = http().get(format!("{}/.well-known/jwks.json", home.url)).send().unwrap();
    assert_eq!(jwks_res.status().as_u16(), 200, "no auth needed");
    let jwks: Value = jwks_res.json().unwrap();
    let dir = root.path();
    std::fs::write(dir.join("jwks.json"), jwks.to_string()).unwrap();
    std::fs::write(dir.join("card.jws"), jws).unwrap();
    std::fs::write(dir.join("card.shc"), card["shc"].as_str().unwrap()).unwrap();

    // The independent verifier, from the JWS and from the shc:/ numeric form.
    let expected = [
        json!({"date": "2021-06-01", "cvx": "208", "lot": "FA5765", "performer": "千代田区"}),
        json!({"date": "2021-06-29", "cvx": "208", "lot": "FA5765", "performer": "千代田区"}),
        json!({"date": "2021-12-20", "cvx": "208", "lot": "FA5765", "performer": "千代田区 会場"}),
        json!({"date": "2022-06-10", "cvx": "207", "lot": "3003226", "performer": "横浜市 みなとみらい会場"}),
    ];
    for file in ["card.jws", "card.shc"] {
        let (ok, lines, stderr) = python_verify(&dir.join("jwks.json"), &dir.join(file));
        assert!(ok, "the independent verifier refused the card: {stderr}");
        assert_eq!(lines[0]["kid"], jwks["keys"][0]["kid"]);
        assert_eq!(lines[0]["iss"].as_str().unwrap(), home.url.trim_end_matches('/'));
        assert_eq!(lines[1..], expected[..], "{file}");
    }

    // Our own verifier agrees, and both refuse a tampered card.
    let ours = Command::new(binary("vrs-node").unwrap())
        .args(["certificate", "verify", "--json", "--jwks"])
        .arg(dir.join("jwks.json"))
        .arg(card["shc"].as_str().unwrap())
        .output()
        .unwrap();
    assert!(ours.status.success(), "{}", String::from_utf8_lossy(&ours.stderr));
    let ours: Value = serde_json::from_slice(&ours.stdout).unwrap();
    assert_eq!(ours["doses"].as_array().unwrap()[..], expected[..]);
    let mut tampered = jws.to_owned().into_bytes();
    let at = jws.find('.').unwrap() + 40;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    std::fs::write(dir.join("tampered.jws"), &tampered).unwrap();
    let (ok, _, stderr) = python_verify(&dir.join("jwks.json"), &dir.join("tampered.jws"));
    assert!(!ok && stderr.contains("refused"), "{stderr}");
    let refused = Command::new(binary("vrs-node").unwrap())
        .args(["certificate", "verify", "--jwks"])
        .arg(dir.join("jwks.json"))
        .arg(dir.join("tampered.jws"))
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("card refused"));

    // The QR code, as PNG and SVG.
    let png = get(home, &format!("/api/v1/certificates/{}/qr.png", person.atena));
    assert_eq!(png.headers()["content-type"], "image/png");
    let png = png.bytes().unwrap();
    assert_eq!(&png[1..4], b"PNG");
    // A QR reader the project did not write (ZBar) reads the image back to the card.
    std::fs::write(dir.join("qr.png"), &png).unwrap();
    let scanned = zbar_read(&dir.join("qr.png"));
    assert!(scanned.starts_with("shc:/"), "{scanned}");
    let scanned_file = dir.join("scanned.shc");
    std::fs::write(&scanned_file, &scanned).unwrap();
    let (ok, lines, stderr) = python_verify(&dir.join("jwks.json"), &scanned_file);
    assert!(ok, "the card read from the QR image was refused: {stderr}");
    assert_eq!(lines[1..], expected[..], "the QR image carries the same doses");
    let svg = get(home, &format!("/api/v1/certificates/{}/qr.svg", person.atena));
    assert!(svg.text().unwrap().contains("<svg"));

    // A correction revokes the earlier cards: the person's rid is on the list.
    let doses: Value = get(home, &format!("/api/v1/residents/{}", person.atena)).json().unwrap();
    let own = doses["vaccinations"].as_array().unwrap().iter().find(|d| d["product"] == "spikevax").unwrap();
    let fix = json!({"lot": "3003227", "reason": "lot misread"});
    let res = http()
        .post(format!("{}/api/v1/vaccinations/{}/corrections", home.url, own["id"].as_str().unwrap()))
        .bearer_auth(&home.staff_token)
        .json(&fix)
        .send()
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let kid = jwks["keys"][0]["kid"].as_str().unwrap();
    let crl: Value = http().get(format!("{}/.well-known/crl/{kid}.json", home.url)).send().unwrap().json().unwrap();
    let rid = python_verify(&dir.join("jwks.json"), &dir.join("card.jws")).1[0]["rid"].as_str().unwrap().to_owned();
    assert_eq!((crl["method"].as_str(), crl["ctr"].as_i64()), (Some("rid"), Some(1)), "{crl}");
    let entry = crl["rids"][0].as_str().unwrap();
    let (listed, at) = entry.split_once('.').unwrap();
    assert_eq!(listed, rid);
    assert!(at.parse::<i64>().unwrap() > card["nbf"].as_i64().unwrap(), "the earlier card is revoked");
    let again: Value = get(home, &format!("/api/v1/certificates/{}", person.atena)).json().unwrap();
    assert!(again["nbf"].as_i64().unwrap() >= at.parse::<i64>().unwrap(), "a new card is not");
    // `certificate verify --crl` refuses the revoked card and accepts the new one.
    std::fs::write(dir.join("crl.json"), crl.to_string()).unwrap();
    let with_crl = |card: &str| {
        Command::new(binary("vrs-node").unwrap())
            .args(["certificate", "verify", "--jwks"])
            .arg(dir.join("jwks.json"))
            .arg("--crl")
            .arg(dir.join("crl.json"))
            .arg(card)
            .output()
            .unwrap()
    };
    let revoked = with_crl(card["shc"].as_str().unwrap());
    assert!(!revoked.status.success());
    assert!(String::from_utf8_lossy(&revoked.stderr).contains("revoked"), "{revoked:?}");
    let fresh = with_crl(again["shc"].as_str().unwrap());
    assert!(fresh.status.success(), "{}", String::from_utf8_lossy(&fresh.stderr));

    // A protected person: only on the holder's own request.
    let res = http()
        .put(format!("{}/api/v1/residents/{}/protection", home.url, person.atena))
        .bearer_auth(&home.staff_token)
        .json(&json!({"protected": true}))
        .send()
        .unwrap();
    assert!(res.status().is_success());
    let refused: Value = get(home, &format!("/api/v1/certificates/{}", person.atena)).json().unwrap();
    assert_eq!(refused["error"], "protected_person");
    assert_eq!(get(home, &format!("/api/v1/certificates/{}?holder_request=true", person.atena)).status().as_u16(), 200);

    // Staff only; each card logged without personal data.
    let site_try = http()
        .get(format!("{}/api/v1/certificates/{}", home.url, person.atena))
        .bearer_auth(&home_site)
        .send()
        .unwrap();
    assert_eq!(site_try.status().as_u16(), 403);
    let auditor = add_user(home, "auditor", "auditor").unwrap();
    let issued: Vec<Value> =
        audit(home, &auditor).unwrap().into_iter().filter(|r| r["action"] == "certificate.issued").collect();
    assert_eq!(issued.len(), 5, "json, png, svg, after the correction, holder request");
    assert!(issued.iter().all(|r| r["atena"] == person.atena.as_str()));
    assert!(issued.iter().all(|r| !r["detail"].as_str().unwrap_or_default().contains(&person.my_number)));
}

#[test]
fn a_rotated_signing_key_is_used_at_once_and_cards_of_the_old_key_still_verify() {
    let root = tempfile::tempdir().unwrap();
    let node = NodeProcess::start(root.path(), HOME, 5, None).unwrap();
    let person = askable(&node).unwrap()[0].clone();
    let site = add_user(&node, "site", "site").unwrap();
    let (status, v) = give_dose(&node, &site, HOME, &person.coupon, 1, "2021-07-01").unwrap();
    assert_eq!(status, 201, "{v}");
    let card =
        |node: &NodeProcess| -> Value { get(node, &format!("/api/v1/certificates/{}", person.atena)).json().unwrap() };
    let before = card(&node);

    // Rotated by the operator's command while the node runs; no restart.
    let out = Command::new(binary("vrs-node").unwrap())
        .args(["certificate", "rotate-key", "--data-dir"])
        .arg(&node.data_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let new_kid = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_ne!(new_kid, before["kid"].as_str().unwrap());

    let after = card(&node);
    assert_eq!(after["kid"].as_str(), Some(new_kid.as_str()), "the next card is signed with the new key");
    let jwks: Value = http().get(format!("{}/.well-known/jwks.json", node.url)).send().unwrap().json().unwrap();
    let kids: Vec<&str> = jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert_eq!(kids, [new_kid.as_str(), before["kid"].as_str().unwrap()], "current key first, the retired one kept");

    let dir = root.path();
    std::fs::write(dir.join("jwks.json"), jwks.to_string()).unwrap();
    for (name, c) in [("old.shc", &before), ("new.shc", &after)] {
        std::fs::write(dir.join(name), c["shc"].as_str().unwrap()).unwrap();
        let (ok, lines, stderr) = python_verify(&dir.join("jwks.json"), &dir.join(name));
        assert!(ok, "{name} refused after the rotation: {stderr}");
        assert_eq!(lines[0]["kid"], c["kid"]);
    }
}
