//! One row of the vaccinations batch CSV (specs/vaccinations-csv.md): the same fields and
//! hard checks as `POST /api/v1/vaccinations`, with rejections naming line and column.

use super::dose::{DoseFields, ValidDose, validate};
use super::resident_row::Rejection;
use crate::products::ProductMaster;
use vrs_protocol::{CivilDate, MunicipalityCode};

pub const COLUMNS: [&str; 6] = ["OCRライン", "接種日", "ワクチン", "ロット番号", "接種場所", "医師名"];

/// A header row is one whose first field is not an 18-digit OCR line.
pub fn is_header(first_field: &str) -> bool {
    let f = first_field.trim_start_matches('\u{feff}').trim();
    !(f.len() == 18 && f.bytes().all(|b| b.is_ascii_digit()))
}

fn column_of(field: &str) -> &'static str {
    match field {
        "ocr_line" => COLUMNS[0],
        "vaccinated_on" => COLUMNS[1],
        "product" => COLUMNS[2],
        "lot" => COLUMNS[3],
        "site" => COLUMNS[4],
        _ => COLUMNS[5],
    }
}

pub fn parse_row(
    line: u64,
    fields: &[&str],
    today: CivilDate,
    products: &ProductMaster,
    known: impl Fn(MunicipalityCode) -> bool,
) -> Result<ValidDose, Rejection> {
    if !(5..=6).contains(&fields.len()) {
        return Err(Rejection {
            line,
            column: None,
            error: "wrong_field_count",
            message: format!("a row has 5 or 6 fields ({}); this one has {}", COLUMNS.join(","), fields.len()),
        });
    }
    let f = DoseFields {
        ocr_line: fields[0],
        vaccinated_on: fields[1],
        product: fields[2],
        lot: fields[3],
        site: fields[4],
        doctor: fields.get(5).copied().unwrap_or(""),
    };
    validate(f, today, products, known).map_err(|r| Rejection {
        line,
        column: Some(column_of(r.field)),
        error: r.code,
        message: r.message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(fields: &[&str]) -> Result<ValidDose, Rejection> {
        let m = ProductMaster::shipped().unwrap();
        parse_row(7, fields, CivilDate::new(2026, 11, 21).unwrap(), &m, |c| crate::municipalities::lookup(c).is_some())
    }

    #[test]
    fn columns_are_named_in_rejections() {
        assert!(parse(&["111310160000000001", "20210601", "comirnaty", "EY0779", "会場"]).is_ok());
        let r = parse(&["111310160000000001", "20210631", "comirnaty", "EY0779", "会場", "医師"]).unwrap_err();
        assert_eq!((r.line, r.column, r.error), (7, Some("接種日"), "invalid_date"));
        let r = parse(&["111310160000000001", "20210601", "x", "EY0779", "会場"]).unwrap_err();
        assert_eq!((r.column, r.error), (Some("ワクチン"), "unknown_product"));
        let r = parse(&["111310160000000001"]).unwrap_err();
        assert_eq!((r.column, r.error), (None, "wrong_field_count"));
        assert!(is_header("OCRライン") && is_header("\u{feff}ocr") && !is_header("111310160000000001"));
    }

    proptest! {
        #[test]
        fn never_panics(fields in proptest::collection::vec("\\PC{0,24}", 0..8)) {
            let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
            let _ = parse(&refs);
            let _ = is_header(refs.first().copied().unwrap_or(""));
        }

        #[test]
        fn valid_rows_round_trip(coupon in 0u64..10_000_000_000, dose in 1u8..10, day in 1u8..29) {
            let ocr = format!("1{dose}131016{coupon:010}");
            let date = format!("2022-03-{day:02}");
            let v = parse(&[&ocr, &date, "spikevax", "abc-1", "", ""]).unwrap();
            prop_assert_eq!(v.ocr.to_digits(), ocr);
            prop_assert_eq!(v.vaccinated_on.iso(), date);
            prop_assert_eq!(v.lot, "ABC-1");
        }
    }
}
