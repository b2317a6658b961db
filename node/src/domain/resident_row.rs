//! One row of the residents CSV (vrs-primer.md, specs/residents-csv.md), validated.

use super::text::{TextProblem, check_name};
use serde::Serialize;
use vrs_protocol::date::DateError;
use vrs_protocol::kana::normalize_kana;
use vrs_protocol::{Atena, CivilDate, CouponNumber, IdError, MyNumber, Sex};

pub const COLUMNS: [&str; 10] = [
    "個別宛名番号",
    "マイナンバー",
    "氏名(姓)",
    "氏名(名)",
    "氏名(セイ)",
    "氏名(メイ)",
    "生年月日",
    "性別",
    "券番号",
    "転出/死亡フラグ",
];

/// 転出/死亡フラグ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResidentStatus {
    Active = 0,
    MovedOut = 1,
    Deceased = 2,
    Removed = 3,
}

impl ResidentStatus {
    pub fn parse_flag(s: &str) -> Option<Self> {
        match s {
            "" => Some(ResidentStatus::Active),
            "1" => Some(ResidentStatus::MovedOut),
            "2" => Some(ResidentStatus::Deceased),
            "3" => Some(ResidentStatus::Removed),
            _ => None,
        }
    }

    pub fn from_code(code: i16) -> Option<Self> {
        [Self::Active, Self::MovedOut, Self::Deceased, Self::Removed].into_iter().find(|s| *s as i16 == code)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ResidentStatus::Active => "active",
            ResidentStatus::MovedOut => "moved_out",
            ResidentStatus::Deceased => "deceased",
            ResidentStatus::Removed => "removed",
        }
    }
}

/// A validated row. Kana are normalised; kanji names are kept exactly as written.
#[derive(Debug, Clone)]
pub struct ResidentRow {
    pub line: u64,
    pub atena: Atena,
    pub my_number: Option<MyNumber>,
    pub family_name: String,
    pub given_name: String,
    pub family_kana: String,
    pub given_kana: String,
    pub birth_date: CivilDate,
    pub sex: Sex,
    pub coupon: CouponNumber,
    pub status: ResidentStatus,
}

/// Why a row (or the file) was refused. The message never quotes the value.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Rejection {
    pub line: u64,
    pub column: Option<&'static str>,
    pub error: &'static str,
    pub message: String,
}

impl Rejection {
    pub fn new(line: u64, column: Option<usize>, error: &'static str, message: impl Into<String>) -> Self {
        Rejection { line, column: column.map(|c| COLUMNS[c]), error, message: message.into() }
    }
}

/// Validates the decoded fields of one record starting at physical line `line`.
/// Every problem in the row is reported, one rejection per column.
pub fn validate(line: u64, f: &[&str], today: CivilDate) -> Result<ResidentRow, Vec<Rejection>> {
    if f.len() != COLUMNS.len() {
        return Err(vec![Rejection::new(
            line,
            None,
            "wrong_column_count",
            format!("expected {} columns, found {}", COLUMNS.len(), f.len()),
        )]);
    }
    let mut errs = Vec::new();
    let mut err = |col: usize, code: &'static str, msg: &str| errs.push(Rejection::new(line, Some(col), code, msg));

    let atena = Atena::parse(f[0])
        .map_err(|e| err(0, "invalid_atena", &format!("個別宛名番号 {}", id_msg(e, "1 to 15 digits"))));
    let my_number = match f[1] {
        "" => Ok(None),
        s => MyNumber::parse(s).map(Some).map_err(|e| match e {
            IdError::CheckDigit => err(1, "invalid_check_digit", "マイナンバー check digit does not match"),
            e => err(1, "invalid_my_number", &format!("マイナンバー {}", id_msg(e, "12 digits"))),
        }),
    };
    let family_name = name(f[2], true).map_err(|(c, m)| err(2, c, m));
    let given_name = name(f[3], false).map_err(|(c, m)| err(3, c, m));
    let family_kana = kana(f[4], true).map_err(|(c, m)| err(4, c, m));
    let given_kana = kana(f[5], false).map_err(|(c, m)| err(5, c, m));
    let birth_date = birth_date(f[6], today).map_err(|(c, m)| err(6, c, m));
    let sex = Sex::parse(f[7]).map_err(|_| err(7, "invalid_sex", "性別 must be 1, 2, 0 or 9 (ISO 5218)"));
    let coupon =
        CouponNumber::parse(f[8]).map_err(|e| err(8, "invalid_coupon", &format!("券番号 {}", id_msg(e, "10 digits"))));
    let status = ResidentStatus::parse_flag(f[9])
        .ok_or(())
        .map_err(|_| err(9, "invalid_flag", "転出/死亡フラグ must be empty, 1, 2 or 3"));

    match (atena, my_number, family_name, given_name, family_kana, given_kana, birth_date, sex, coupon, status) {
        (
            Ok(atena),
            Ok(my_number),
            Ok(family_name),
            Ok(given_name),
            Ok(family_kana),
            Ok(given_kana),
            Ok(birth_date),
            Ok(sex),
            Ok(coupon),
            Ok(status),
        ) => Ok(ResidentRow {
            line,
            atena,
            my_number,
            family_name,
            given_name,
            family_kana,
            given_kana,
            birth_date,
            sex,
            coupon,
            status,
        }),
        _ => Err(errs),
    }
}

fn id_msg(e: IdError, expected: &str) -> String {
    match e {
        IdError::NotDigits => format!("must be {expected} (ASCII digits only)"),
        _ => format!("must be {expected}"),
    }
}

type FieldError = (&'static str, &'static str);

fn name(s: &str, required: bool) -> Result<String, FieldError> {
    if s.is_empty() {
        return if required { Err(("missing_value", "a value is required")) } else { Ok(String::new()) };
    }
    check_name(s).map_err(|p| match p {
        TextProblem::TooLong => ("too_long", "longer than 50 characters"),
        TextProblem::ControlCharacter => ("control_character", "contains a control character"),
        TextProblem::FormulaLike => ("formula_like", "starts with = + - @ or a tab (spreadsheet formula)"),
    })?;
    Ok(s.to_owned())
}

fn kana(s: &str, required: bool) -> Result<String, FieldError> {
    // Normalised once (NFKC was a fifth of the import's parser thread when done twice).
    let normalized = normalize_kana(s);
    if normalized.as_ref().is_ok_and(|k| k.is_empty()) {
        return if required { Err(("missing_value", "a value is required")) } else { Ok(String::new()) };
    }
    if super::text::is_formula_like(s) {
        return Err(("formula_like", "starts with = + - @ or a tab (spreadsheet formula)"));
    }
    let k = normalized.map_err(|_| ("invalid_kana", "must be katakana (half- or full-width)"))?;
    if k.chars().count() > super::text::MAX_NAME_CHARS {
        return Err(("too_long", "longer than 50 characters"));
    }
    Ok(k)
}

fn birth_date(s: &str, today: CivilDate) -> Result<CivilDate, FieldError> {
    let d = CivilDate::parse(s).map_err(|e| match e {
        DateError::Format => ("invalid_date", "must be YYYYMMDD, YYYY-MM-DD or YYYY/MM/DD"),
        DateError::NotACalendarDate => ("invalid_date", "not a real calendar date"),
    })?;
    if d > today {
        return Err(("date_out_of_range", "is in the future"));
    }
    if d < CivilDate::new(1900, 1, 1).unwrap_or(d) {
        return Err(("date_out_of_range", "is before 1900-01-01"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> CivilDate {
        CivilDate::new(2026, 11, 21).unwrap()
    }

    const GOOD: [&str; 10] =
        ["1001", "123456789018", "山田", "太郎", "ﾔﾏﾀﾞ", "タロウ", "19800401", "1", "0000000001", ""];

    fn with(col: usize, value: &str) -> Vec<&str> {
        let mut v = GOOD.to_vec();
        v[col] = value;
        v
    }

    fn only_error(fields: &[&str]) -> (Option<&'static str>, &'static str) {
        let errs = validate(7, fields, today()).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].line, 7);
        (errs[0].column, errs[0].error)
    }

    #[test]
    fn a_good_row() {
        let r = validate(2, &GOOD, today()).unwrap();
        assert_eq!(r.family_kana, "ヤマダ");
        assert_eq!(r.birth_date.iso(), "1980-04-01");
        assert_eq!(r.status, ResidentStatus::Active);
    }

    #[test]
    fn each_bad_column_is_named() {
        let cases: &[(usize, &str, &str)] = &[
            (0, "12a", "invalid_atena"),
            (0, "1234567890123456", "invalid_atena"),
            (1, "123456789017", "invalid_check_digit"),
            (1, "12345", "invalid_my_number"),
            (2, "", "missing_value"),
            (2, "=cmd|' /C calc'!A0", "formula_like"),
            (4, "やまだ", "invalid_kana"),
            (4, "", "missing_value"),
            (6, "20230230", "invalid_date"),
            (6, "2023-2-3", "invalid_date"),
            (6, "21000101", "date_out_of_range"),
            (6, "18991231", "date_out_of_range"),
            (7, "3", "invalid_sex"),
            (8, "123456789", "invalid_coupon"),
            (9, "4", "invalid_flag"),
        ];
        for (col, value, code) in cases {
            assert_eq!(only_error(&with(*col, value)), (Some(COLUMNS[*col]), *code), "{value}");
        }
    }

    #[test]
    fn messages_never_quote_the_value() {
        let errs = validate(3, &with(6, "20230230"), today()).unwrap_err();
        assert!(!errs[0].message.contains("20230230"));
        let errs = validate(3, &with(1, "123456789017"), today()).unwrap_err();
        assert!(!errs[0].message.contains("123456789017"));
    }

    #[test]
    fn wrong_column_count_is_one_rejection() {
        assert_eq!(only_error(&GOOD[..9]), (None, "wrong_column_count"));
    }

    #[test]
    fn several_bad_columns_are_all_reported() {
        let mut v = with(6, "20230230");
        v[7] = "x";
        assert_eq!(validate(4, &v, today()).unwrap_err().len(), 2);
    }
}
