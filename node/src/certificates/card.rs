//! The card's content: a FHIR R4 Bundle (Patient + one Immunization per dose) inside the
//! SMART Health Card JWT claims, built from plain values (no I/O), and read back from a
//! verified payload for `vrs-node certificate verify`.

use super::jose::CardError;
use serde::Serialize;
use serde_json::{Value, json};

pub const CVX: &str = "http://hl7.org/fhir/sid/cvx";
/// CVX "SARS-COV-2 (COVID-19) vaccine, UNSPECIFIED FORMULATION", for a product without a code.
pub const CVX_UNSPECIFIED: &str = "213";
const EN_REPRESENTATION: &str = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation";
pub const TYPES: [&str; 2] = ["https://smarthealth.cards#health-card", "https://smarthealth.cards#immunization"];

/// The person as the card names them: the kanji name (JP Core's `IDE` representation) and
/// the katakana reading (`SYL`), so a verifier abroad can show the name it can read.
#[derive(Debug, Clone)]
pub struct Person {
    pub family: String,
    pub given: String,
    pub family_kana: String,
    pub given_kana: String,
    pub birth_date: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dose {
    /// YYYY-MM-DD
    pub date: String,
    pub cvx: String,
    pub lot: String,
    /// Where it was given: the municipality's name, then the site when known.
    pub performer: String,
}

fn human_name(family: &str, given: &str, representation: &str) -> Value {
    let mut name = json!({
        "extension": [{"url": EN_REPRESENTATION, "valueCode": representation}],
        "family": family,
    });
    if !given.is_empty() {
        name["given"] = json!([given]);
    }
    name
}

/// The minified JWT claims of one card.
pub fn claims(iss: &str, nbf: i64, rid: Option<&str>, person: &Person, doses: &[Dose]) -> Vec<u8> {
    let mut names = vec![human_name(&person.family, &person.given, "IDE")];
    if !person.family_kana.is_empty() {
        names.push(human_name(&person.family_kana, &person.given_kana, "SYL"));
    }
    let mut entries = vec![json!({
        "fullUrl": "resource:0",
        "resource": {"resourceType": "Patient", "name": names, "birthDate": person.birth_date},
    })];
    for (i, d) in doses.iter().enumerate() {
        let mut imm = json!({
            "resourceType": "Immunization",
            "status": "completed",
            "vaccineCode": {"coding": [{"system": CVX, "code": d.cvx}]},
            "patient": {"reference": "resource:0"},
            "occurrenceDateTime": d.date,
            "performer": [{"actor": {"display": d.performer}}],
        });
        if !d.lot.is_empty() {
            imm["lotNumber"] = json!(d.lot);
        }
        entries.push(json!({"fullUrl": format!("resource:{}", i + 1), "resource": imm}));
    }
    let mut vc = json!({
        "type": TYPES,
        "credentialSubject": {
            "fhirVersion": "4.0.1",
            "fhirBundle": {"resourceType": "Bundle", "type": "collection", "entry": entries},
        },
    });
    if let Some(rid) = rid {
        vc["rid"] = json!(rid);
    }
    serde_json::to_vec(&json!({"iss": iss, "nbf": nbf, "vc": vc})).unwrap_or_default()
}

/// What a verified card says.
#[derive(Debug, Clone, Serialize)]
pub struct Content {
    pub iss: String,
    pub nbf: i64,
    pub rid: Option<String>,
    pub birth_date: String,
    pub doses: Vec<Dose>,
}

pub fn read(payload: &Value) -> Result<Content, CardError> {
    let bad = |what: &str| CardError::Payload(what.to_owned());
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let vc = &payload["vc"];
    let types: Vec<&str> =
        vc["type"].as_array().ok_or_else(|| bad("vc.type"))?.iter().filter_map(Value::as_str).collect();
    if !types.contains(&TYPES[0]) {
        return Err(bad("vc.type lacks https://smarthealth.cards#health-card"));
    }
    let entries =
        vc["credentialSubject"]["fhirBundle"]["entry"].as_array().ok_or_else(|| bad("no fhirBundle.entry"))?;
    let patient = entries.first().map(|e| &e["resource"]).ok_or_else(|| bad("no Patient"))?;
    if patient["resourceType"] != "Patient" {
        return Err(bad("resource:0 is not a Patient"));
    }
    let mut doses = Vec::new();
    for e in &entries[1..] {
        let r = &e["resource"];
        if r["resourceType"] != "Immunization" {
            continue;
        }
        let coding = &r["vaccineCode"]["coding"][0];
        if coding["system"] != CVX {
            return Err(bad("an Immunization without a CVX code"));
        }
        doses.push(Dose {
            date: s(&r["occurrenceDateTime"]),
            cvx: s(&coding["code"]),
            lot: s(&r["lotNumber"]),
            performer: s(&r["performer"][0]["actor"]["display"]),
        });
    }
    Ok(Content {
        iss: payload["iss"].as_str().ok_or_else(|| bad("iss"))?.to_owned(),
        nbf: payload["nbf"].as_i64().ok_or_else(|| bad("nbf"))?,
        rid: vc["rid"].as_str().map(str::to_owned),
        birth_date: s(&patient["birthDate"]),
        doses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn person() -> Person {
        Person {
            family: "山田".into(),
            given: "太郎".into(),
            family_kana: "ヤマダ".into(),
            given_kana: "タロウ".into(),
            birth_date: "1960-04-01".into(),
        }
    }

    #[test]
    fn claims_read_back() {
        let doses = vec![
            Dose {
                date: "2021-06-01".into(),
                cvx: "208".into(),
                lot: "FA5765".into(),
                performer: "千代田区 会場".into(),
            },
            Dose { date: "2021-06-29".into(), cvx: "207".into(), lot: String::new(), performer: "横浜市".into() },
        ];
        let bytes = claims("https://vrs.example/131016", 1_700_000_000, Some("abc"), &person(), &doses);
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["vc"]["credentialSubject"]["fhirBundle"]["entry"][2]["fullUrl"], "resource:2");
        assert!(v["vc"]["credentialSubject"]["fhirBundle"]["entry"][2]["resource"].get("lotNumber").is_none());
        let c = read(&v).unwrap();
        assert_eq!((c.nbf, c.rid.as_deref(), c.birth_date.as_str()), (1_700_000_000, Some("abc"), "1960-04-01"));
        assert_eq!(c.doses, doses);
    }
}
