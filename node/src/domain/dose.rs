//! One dose as a site or a municipal file reports it, checked for the hard errors that
//! refuse it outright (422): the OCR line, a real municipality, a known product, a real
//! date neither in the future nor before the product's approval, a plausible lot.
//! Doubtful-but-possible doses are [`super::dose_rules`]' business.

use crate::products::{Product, ProductMaster};
use vrs_protocol::{CivilDate, MunicipalityCode, OcrError, OcrLine};

/// A dose that passed every hard check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidDose {
    pub ocr: OcrLine,
    pub vaccinated_on: CivilDate,
    pub product: String,
    pub lot: String,
    pub site: String,
    pub doctor: String,
}

/// The raw fields, as strings, from JSON or a CSV row.
#[derive(Debug, Clone, Copy, Default)]
pub struct DoseFields<'a> {
    pub ocr_line: &'a str,
    pub vaccinated_on: &'a str,
    pub product: &'a str,
    pub lot: &'a str,
    pub site: &'a str,
    pub doctor: &'a str,
}

/// Why a dose is refused. `field` names the JSON field (the CSV maps it to a column).
/// Messages never quote the value: an OCR line finds a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub field: &'static str,
    pub message: String,
}

fn refuse(code: &'static str, field: &'static str, message: impl Into<String>) -> Refusal {
    Refusal { code, field, message: message.into() }
}

pub const MAX_LOT: usize = 30;
pub const MAX_SITE: usize = 100;
pub const MAX_DOCTOR: usize = 50;

/// Checks every hard rule. `known` says whether a municipality code is in the master.
/// Dates are accepted as `YYYY-MM-DD` (and, for municipal files, `YYYYMMDD`/`YYYY/MM/DD`).
pub fn validate(
    f: DoseFields<'_>,
    today: CivilDate,
    products: &ProductMaster,
    known: impl Fn(MunicipalityCode) -> bool,
) -> Result<ValidDose, Refusal> {
    let ocr =
        OcrLine::parse(f.ocr_line).map_err(|e: OcrError| refuse("invalid_ocr_line", "ocr_line", e.to_string()))?;
    if !known(ocr.municipality) {
        return Err(refuse("invalid_ocr_line", "ocr_line", "the municipality code (digits 3-8) is not a municipality"));
    }
    let product = products
        .get(f.product.trim())
        .ok_or_else(|| refuse("unknown_product", "product", "not a product code of the product master"))?;
    let vaccinated_on = check_date(f.vaccinated_on, today, product)?;
    let lot = check_lot(f.lot)?;
    let site = free_text(f.site, "site", MAX_SITE)?;
    let doctor = free_text(f.doctor, "doctor", MAX_DOCTOR)?;
    Ok(ValidDose { ocr, vaccinated_on, product: product.code.clone(), lot, site, doctor })
}

/// A plausible lot number, upper-cased (also what the site menu checks when it is set).
pub fn check_lot(lot: &str) -> Result<String, Refusal> {
    let lot = lot.trim();
    if lot.is_empty() || lot.len() > MAX_LOT || !lot.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(refuse("invalid_lot", "lot", format!("lot must be 1-{MAX_LOT} ASCII letters, digits or '-'")));
    }
    Ok(lot.to_ascii_uppercase())
}

fn check_date(s: &str, today: CivilDate, product: &Product) -> Result<CivilDate, Refusal> {
    let date = CivilDate::parse(s.trim())
        .map_err(|e| refuse("invalid_date", "vaccinated_on", format!("vaccinated_on: {e}")))?;
    if date > today {
        return Err(refuse("invalid_date", "vaccinated_on", "vaccinated_on is in the future"));
    }
    if date < product.approved_on {
        return Err(refuse(
            "invalid_date",
            "vaccinated_on",
            format!("vaccinated_on is before {} was approved ({})", product.code, product.approved_on),
        ));
    }
    Ok(date)
}

/// Free text (site, doctor): trimmed, bounded, no control characters.
pub fn free_text(s: &str, field: &'static str, max: usize) -> Result<String, Refusal> {
    let t = s.trim();
    if t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(refuse(
            "invalid_text",
            field,
            format!("{field} must be at most {max} characters, no control characters"),
        ));
    }
    Ok(t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> CivilDate {
        CivilDate::new(2026, 11, 21).unwrap()
    }

    fn fields(ocr_line: &'static str, vaccinated_on: &'static str, product: &'static str) -> DoseFields<'static> {
        DoseFields { ocr_line, vaccinated_on, product, lot: "ey0779", site: " 区役所 ", doctor: "" }
    }

    fn check(f: DoseFields<'_>) -> Result<ValidDose, &'static str> {
        let m = ProductMaster::shipped().unwrap();
        validate(f, today(), &m, |c| crate::municipalities::lookup(c).is_some()).map_err(|r| r.code)
    }

    #[test]
    fn each_hard_error() {
        let ok = check(fields("111310160000000001", "2021-06-01", "comirnaty")).unwrap();
        assert_eq!((ok.lot.as_str(), ok.site.as_str(), ok.ocr.dose), ("EY0779", "区役所", 1));
        assert_eq!(check(fields("11131016000000001", "2021-06-01", "comirnaty")), Err("invalid_ocr_line"));
        assert_eq!(check(fields("111310160000000001", "2021-06-01", "pfizer")), Err("unknown_product"));
        // 東京都 itself passes its check digit but is not a municipality.
        assert_eq!(check(fields("111300010000000001", "2021-06-01", "comirnaty")), Err("invalid_ocr_line"));
        assert_eq!(check(fields("111310160000000001", "2021-02-30", "comirnaty")), Err("invalid_date"));
        assert_eq!(check(fields("111310160000000001", "2026-11-22", "comirnaty")), Err("invalid_date"));
        assert_eq!(check(fields("111310160000000001", "2021-06-01", "nuvaxovid")), Err("invalid_date"));
        let mut f = fields("111310160000000001", "2021-06-01", "comirnaty");
        f.lot = "";
        assert_eq!(check(f), Err("invalid_lot"));
        f.lot = "ロット";
        assert_eq!(check(f), Err("invalid_lot"));
        f.lot = "A1";
        f.doctor = "a\u{0}b";
        assert_eq!(check(f), Err("invalid_text"));
    }
}
