//! The answer to a bulk inquiry, one result per data row in the file's order, written as
//! it is produced (so the desk sees progress): JSON `{"batch_id":..,"results":[..]}` or CSV
//! (`specs/inquiries-bulk.md`). Found persons carry only what the single answer carries.

use vrs_protocol::messages::FoundPerson;
use vrs_protocol::{MunicipalityCode, RecordId};

/// One row's result.
#[derive(Debug, Clone)]
pub struct RowResult {
    pub line: u64,
    pub municipality: Option<MunicipalityCode>,
    pub status: &'static str,
    pub inquiry_id: Option<RecordId>,
    pub found: Option<FoundPerson>,
    /// Why a row was not asked or not answered (never personal data).
    pub reason: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }

    pub fn start(self, batch_id: RecordId) -> String {
        match self {
            Format::Json => format!("{{\"batch_id\":\"{batch_id}\",\"results\":["),
            Format::Csv => CSV_HEADER.to_owned(),
        }
    }

    /// `first` is whether this is the first result of the answer (JSON needs commas between).
    pub fn row(self, r: &RowResult, first: bool) -> String {
        match self {
            Format::Json => {
                let sep = if first { "" } else { "," };
                format!("{sep}{}", json(r))
            }
            Format::Csv => csv_line(r),
        }
    }

    pub fn end(self) -> &'static str {
        match self {
            Format::Json => "]}",
            Format::Csv => "",
        }
    }
}

const CSV_HEADER: &str =
    "line,municipality,status,inquiry_id,family_kana,given_kana,birth_date,sex,vaccinations,reason\r\n";

fn json(r: &RowResult) -> serde_json::Value {
    let mut v = serde_json::json!({
        "line": r.line,
        "municipality": r.municipality.map(|m| m.as_str().to_owned()),
        "status": r.status,
    });
    if let Some(id) = r.inquiry_id {
        v["inquiry_id"] = id.to_string().into();
    }
    if let Some(found) = &r.found {
        v["person"] = super::inquiries::person_json(found);
        v["vaccinations"] = super::inquiries::doses_json(found);
    }
    if let Some(reason) = r.reason {
        v["reason"] = reason.into();
    }
    v
}

fn csv_line(r: &RowResult) -> String {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let (family, given, birth, sex, doses) = match &r.found {
        Some(f) => (
            f.person.family_kana.clone(),
            f.person.given_kana.clone(),
            f.person.birth_date.iso(),
            f.person.sex.letter().to_owned(),
            doses_cell(f),
        ),
        None => Default::default(),
    };
    let fields = [
        r.line.to_string(),
        r.municipality.map(|m| m.as_str().to_owned()).unwrap_or_default(),
        r.status.to_owned(),
        r.inquiry_id.map(|i| i.to_string()).unwrap_or_default(),
        family,
        given,
        birth,
        sex,
        doses,
        r.reason.unwrap_or_default().to_owned(),
    ];
    // Writing strings to a Vec cannot fail.
    let _ = w.write_record(&fields);
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Doses oldest first, `;` between them, each `dose:date:product:municipality:lot`. The lot
/// is free text from the former municipality, so it comes last and `%` and `;` in it are
/// percent-encoded: the cell splits back without loss.
fn doses_cell(found: &FoundPerson) -> String {
    let one = |d: &vrs_protocol::messages::PriorDose| {
        let lot = d.lot.replace('%', "%25").replace(';', "%3B");
        format!("{}:{}:{}:{}:{lot}", d.dose_number, d.vaccinated_on.iso(), d.product, d.given_in.as_str())
    };
    found.doses.iter().map(one).collect::<Vec<_>>().join(";")
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrs_protocol::messages::{PersonSummary, PriorDose};
    use vrs_protocol::{CivilDate, Sex};

    fn found() -> FoundPerson {
        let code = MunicipalityCode::parse("131016").unwrap();
        let dose = |n, on, lot: &str| PriorDose {
            dose_number: n,
            vaccinated_on: CivilDate::parse_iso(on).unwrap(),
            product: "comirnaty".into(),
            lot: lot.into(),
            given_in: code,
        };
        FoundPerson {
            person: PersonSummary {
                family_kana: "ヤマダ".into(),
                given_kana: "タロウ".into(),
                birth_date: CivilDate::parse_iso("1950-01-02").unwrap(),
                sex: Sex::from_iso_code(1).unwrap(),
            },
            doses: vec![dose(1, "2021-06-01", "FA5765"), dose(2, "2021-06-29", "A;B%,C")],
        }
    }

    fn row(found: Option<FoundPerson>, status: &'static str) -> RowResult {
        RowResult {
            line: 7,
            municipality: MunicipalityCode::parse("131016").ok(),
            status,
            inquiry_id: None,
            found,
            reason: None,
        }
    }

    #[test]
    fn a_csv_row_holds_every_dose_and_splits_back() {
        let line = Format::Csv.row(&row(Some(found()), "found"), true);
        let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
        let rec = r.records().next().unwrap().unwrap();
        assert_eq!(&rec[0], "7");
        assert_eq!(&rec[2], "found");
        assert_eq!(&rec[4], "ヤマダ");
        let doses: Vec<&str> = rec[8].split(';').collect();
        assert_eq!(doses[0], "1:2021-06-01:comirnaty:131016:FA5765");
        let lot = doses[1].splitn(5, ':').nth(4).unwrap().replace("%3B", ";").replace("%25", "%");
        assert_eq!(lot, "A;B%,C");
        assert_eq!(rec.len(), CSV_HEADER.split(',').count());
    }

    #[test]
    fn json_rows_join_into_one_document() {
        let mut doc = Format::Json.start(RecordId::random().unwrap());
        doc += &Format::Json.row(&row(Some(found()), "found"), true);
        doc += &Format::Json.row(&row(None, "not_found"), false);
        doc += Format::Json.end();
        let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
        let results = v["results"].as_array().unwrap();
        assert_eq!(results.len(), 2);
        assert_eq!(results[0]["vaccinations"].as_array().unwrap().len(), 2);
        assert_eq!(results[0]["person"]["family_kana"], "ヤマダ");
        assert_eq!(results[1]["status"], "not_found");
        assert!(results[1].get("person").is_none());
    }
}
