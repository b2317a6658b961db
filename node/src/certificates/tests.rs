//! A card end to end: issue, numeric form, chunks, verify; and tampering anywhere refused.

use super::card::{Dose, Person};
use super::jose::{CardError, Jwk, Signer};
use super::keys::IssuerKeys;
use super::{Issuer, numeric, verify};
use proptest::prelude::*;

fn issuer() -> Issuer {
    let signer = Signer::from_pkcs8(&Signer::generate_pkcs8().unwrap()).unwrap();
    Issuer::fixed(IssuerKeys { signer, retired: Vec::new(), created: None }, "https://vrs.example/131016".into())
}

fn person() -> Person {
    Person {
        family: "山田".into(),
        given: "太郎".into(),
        family_kana: "ヤマダ".into(),
        given_kana: "タロウ".into(),
        birth_date: "1960-04-01".into(),
    }
}

fn doses(n: usize) -> Vec<Dose> {
    (0..n)
        .map(|i| Dose {
            date: format!("2021-{:02}-01", 6 + i % 6),
            cvx: ["208", "207", "210"][i % 3].into(),
            lot: format!("LOT{i:04}"),
            performer: format!("千代田区 会場{i}"),
        })
        .collect()
}

fn keys(i: &Issuer) -> Vec<Jwk> {
    i.keys().jwks()
}

#[test]
fn a_card_round_trips_through_its_qr_strings() {
    let i = issuer();
    let card = i.issue(1_700_000_000, Some("rid0"), &person(), &doses(3)).unwrap();
    assert_eq!(card.chunks.len(), 1, "three doses fit one QR code ({} chars)", card.jws.len());
    let (kid, content) = verify(&[card.chunks[0].as_str()], &keys(&i)).unwrap();
    assert_eq!(kid, i.keys().signer.jwk().kid);
    assert_eq!(content.doses, doses(3));
    assert_eq!(content.iss, i.iss);
    assert_eq!((content.nbf, content.rid.as_deref()), (1_700_000_000, Some("rid0")));
    assert_eq!(verify(&[card.shc.as_str()], &keys(&i)).unwrap().1.doses, doses(3));
}

#[test]
fn a_long_card_is_chunked_and_chunk_order_matters() {
    let i = issuer();
    let card = i.issue(1, None, &person(), &doses(40)).unwrap();
    assert!(card.jws.len() > numeric::SINGLE_QR_MAX);
    assert!(card.chunks.len() >= 2);
    let parts: Vec<&str> = card.chunks.iter().map(String::as_str).collect();
    assert_eq!(verify(&parts, &keys(&i)).unwrap().1.doses.len(), 40);
    let mut reversed = parts.clone();
    reversed.reverse();
    assert!(matches!(verify(&reversed, &keys(&i)), Err(CardError::Chunks(_))));
    assert!(matches!(verify(&parts[1..], &keys(&i)), Err(CardError::Chunks(_))));
    for c in &card.chunks {
        super::qr::code(c).unwrap();
    }
}

#[test]
fn each_part_of_the_jws_is_covered() {
    let i = issuer();
    let jws = i.issue(1, None, &person(), &doses(2)).unwrap().jws;
    let parts: Vec<&str> = jws.split('.').collect();
    let other = issuer().issue(1, None, &person(), &doses(3)).unwrap().jws;
    let o: Vec<&str> = other.split('.').collect();
    // A header saying something else, another payload, another signature: all refused.
    let header = super::jose::b64(
        format!(r#"{{"alg":"ES256","zip":"DEF","kid":"{}","x":1}}"#, i.keys().signer.jwk().kid).as_bytes(),
    );
    for forged in [
        format!("{header}.{}.{}", parts[1], parts[2]),
        format!("{}.{}.{}", parts[0], o[1], parts[2]),
        format!("{}.{}.{}", parts[0], parts[1], o[2]),
        format!("{}.{}", parts[0], parts[1]),
    ] {
        let shc = numeric::whole(&forged);
        assert!(verify(&[shc.as_str()], &keys(&i)).is_err(), "{forged}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Changing any one character of the JWS (any part: header, payload, signature) is
    /// refused, and nothing panics.
    #[test]
    fn any_changed_character_is_refused(pos in 0usize..10_000, with in "[A-Za-z0-9_.-]") {
        let i = issuer();
        let jws = i.issue(1, Some("r"), &person(), &doses(2)).unwrap().jws;
        let pos = pos % jws.len();
        let mut bytes = jws.clone().into_bytes();
        let new = with.as_bytes()[0];
        prop_assume!(bytes[pos] != new);
        bytes[pos] = new;
        let forged = String::from_utf8(bytes).unwrap();
        // base64url has slack bits in the last character: a change there may decode to
        // the same bytes, which is not a forgery.
        let same = forged.split('.').map(|p| super::jose::unb64(p).ok()).collect::<Vec<_>>()
            == jws.split('.').map(|p| super::jose::unb64(p).ok()).collect::<Vec<_>>();
        prop_assume!(!same);
        let shc = numeric::whole(&forged);
        prop_assert!(verify(&[shc.as_str()], &keys(&i)).is_err());
    }

    #[test]
    fn random_input_never_panics(s in "\\PC{0,300}") {
        let _ = verify(&[s.as_str()], &[]);
        let _ = super::jose::verify(&s, &[]);
    }
}

/// The card in specs/shc-vector, which scripts/test also gives the Python verifier.
#[test]
fn the_shipped_vector_verifies() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/shc-vector");
    let read = |f: &str| std::fs::read_to_string(format!("{dir}/{f}")).unwrap();
    let set: serde_json::Value = serde_json::from_str(&read("jwks.json")).unwrap();
    let keys: Vec<Jwk> = serde_json::from_value(set["keys"].clone()).unwrap();
    let expected: Vec<serde_json::Value> =
        read("expected.ndjson").lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let shc = read("card.shc");
    let (kid, content) = verify(&[shc.trim()], &keys).unwrap();
    assert_eq!(kid, expected[0]["kid"].as_str().unwrap());
    assert_eq!(content.rid.as_deref(), expected[0]["rid"].as_str());
    assert_eq!(serde_json::to_value(&content.doses).unwrap(), serde_json::Value::Array(expected[1..].to_vec()));
    let jws = numeric::decode(&[shc.trim()]).unwrap();
    assert_eq!(jws, read("card.jws").trim());
    // The kid is the key's RFC 7638 thumbprint.
    assert_eq!(super::jose::thumbprint(&keys[0].x, &keys[0].y), kid);
}
