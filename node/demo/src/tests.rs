//! Whole-file tests: every row checked against the primer's rules by an independent
//! validator, identifier uniqueness, encodings, determinism, error injection, speed.

use crate::*;
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use vrs_protocol::kana::normalize_kana;
use vrs_protocol::{CivilDate, MunicipalityCode, MyNumber};

fn opts(count: u64) -> DemoOptions {
    DemoOptions {
        municipality: MunicipalityCode::parse("131016").unwrap(),
        count,
        seed: 2021,
        encoding: Encoding::Utf8,
        header: false,
        error_rate: 0.0,
        today: CivilDate::new(2021, 4, 12).unwrap(),
    }
}

fn generate(o: &DemoOptions) -> (Vec<u8>, DemoSummary) {
    let mut out = Vec::new();
    let summary = write_residents(o, &mut out).unwrap();
    (out, summary)
}

/// Parses the UTF-8 output into records of fields, checking the line framing first.
fn records(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).unwrap();
    assert!(text.is_empty() || text.ends_with("\r\n"), "last line not CRLF-terminated");
    assert!(!text.replace("\r\n", "").contains(['\r', '\n']), "bare CR or LF");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// Checks rows against the primer's rules, remembering identifiers across rows.
struct Validator {
    today: CivilDate,
    atenas: HashSet<String>,
    coupons: HashSet<String>,
}

impl Validator {
    fn new(today: CivilDate) -> Self {
        Validator { today, atenas: HashSet::new(), coupons: HashSet::new() }
    }

    /// Every rule the row breaks, named like [`ERROR_KINDS`] (other names for breaches
    /// the generator should never produce).
    fn problems(&mut self, f: &[String]) -> Vec<&'static str> {
        if f.len() != 10 {
            return vec!["wrong_column_count"];
        }
        let mut p = Vec::new();
        let digits =
            |s: &str, n: std::ops::RangeInclusive<usize>| n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(&f[0], 1..=15) {
            p.push("bad_atena");
        } else if !self.atenas.insert(f[0].clone()) {
            p.push("duplicate_atena");
        }
        if !f[1].is_empty() {
            if !digits(&f[1], 12..=12) {
                p.push("bad_my_number_format");
            } else if MyNumber::parse(&f[1]).is_err() {
                p.push("bad_my_number_check_digit");
            }
        }
        let family_len = f[2].chars().count();
        if family_len == 0 || family_len > 50 {
            p.push("bad_family_name");
        } else if f[2].starts_with(['=', '+', '-', '@']) {
            p.push("formula_family_name");
        }
        if f[3].chars().count() > 50 || f[3].starts_with(['=', '+', '-', '@']) {
            p.push("bad_given_name");
        }
        if f[4].is_empty() || normalize_kana(&f[4]).is_err() {
            p.push("non_katakana_kana");
        }
        if normalize_kana(&f[5]).is_err() {
            p.push("non_katakana_given_kana");
        }
        if !digits(&f[6], 8..=8) {
            p.push("bad_date_format");
        } else {
            match CivilDate::parse(&f[6]) {
                Err(_) => p.push("impossible_date"),
                Ok(d) if d > self.today => p.push("future_birth_date"),
                Ok(d) if d.year() < 1900 => p.push("pre_1900_birth_date"),
                Ok(_) => {}
            }
        }
        if !["0", "1", "2", "9"].contains(&f[7].as_str()) {
            p.push("unknown_sex_code");
        }
        if digits(&f[8], 11..=11) {
            p.push("eleven_digit_coupon");
        } else if !digits(&f[8], 10..=10) {
            p.push("bad_coupon");
        } else if !self.coupons.insert(f[8].clone()) {
            p.push("duplicate_coupon");
        }
        if !f[9].is_empty() {
            p.push("flag_not_empty");
        }
        p
    }
}

fn assert_all_valid(o: &DemoOptions) -> Vec<Vec<String>> {
    let (bytes, summary) = generate(o);
    assert_eq!(summary.injected_errors, 0);
    let rows = records(&bytes);
    assert_eq!(rows.len() as u64, o.count);
    let mut v = Validator::new(o.today);
    for (i, r) in rows.iter().enumerate() {
        let p = v.problems(r);
        assert!(p.is_empty(), "row {i} {r:?}: {p:?}");
    }
    rows
}

#[test]
fn every_row_is_valid_and_identifiers_are_unique() {
    let o = opts(20_000);
    let rows = assert_all_valid(&o);
    let mut my_numbers = HashSet::new();
    let (mut half, mut no_mn, mut nine) = (0, 0, 0);
    for (i, r) in rows.iter().enumerate() {
        let i = i as u64;
        assert_eq!(r[0], atena_of(&o, i));
        assert!(r[0].len() >= 9);
        assert_eq!(r[8], coupon_of(&o, i));
        if r[1].is_empty() {
            no_mn += 1;
        } else {
            assert_eq!(r[1], my_number_of(&o, i).expose());
            assert!(my_numbers.insert(r[1].clone()), "duplicate My Number");
        }
        if r[4].chars().any(|c| ('\u{FF61}'..='\u{FF9F}').contains(&c)) {
            half += 1;
        }
        nine += u32::from(r[7] == "9");
    }
    assert!((400..800).contains(&half), "half-width rows: {half}");
    assert!((250..550).contains(&no_mn), "rows without My Number: {no_mn}");
    assert!((10..100).contains(&nine), "sex 9: {nine}");
    assert!(!rows.iter().any(|r| r.iter().any(|f| f.contains('"'))));
}

#[test]
fn resident_of_matches_the_file() {
    let o = opts(500);
    let rows = records(&generate(&o).0);
    for (i, r) in rows.iter().enumerate() {
        let p = resident_of(&o, i as u64);
        let birth = format!("{:04}{:02}{:02}", p.birth_date.year(), p.birth_date.month(), p.birth_date.day());
        let mn = p.my_number.as_ref().map(|n| n.expose().to_owned()).unwrap_or_default();
        let expect = [
            &p.atena,
            &mn,
            p.family_name,
            p.given_name,
            &p.family_kana,
            &p.given_kana,
            &birth,
            &p.sex.to_string(),
            &p.coupon,
            "",
        ];
        assert_eq!(r, &expect, "row {i}");
    }
}

#[test]
fn header_row() {
    let o = DemoOptions { header: true, ..opts(3) };
    let (bytes, summary) = generate(&o);
    assert_eq!(summary.rows, 3);
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with(
        "個別宛名番号,マイナンバー,氏名(姓),氏名(名),氏名(セイ),氏名(メイ),生年月日,性別,券番号,転出/死亡フラグ\r\n"
    ));
    assert_eq!(text.lines().count(), 4);
    // The header's first field is not a valid 個別宛名番号, so importers can detect it.
    assert!(vrs_protocol::Atena::parse(HEADER[0]).is_err());
}

#[test]
fn ages_follow_the_pyramid() {
    let o = opts(50_000);
    let (mut old, mut children, mut female) = (0u32, 0u32, 0u32);
    for r in records(&generate(&o).0) {
        let age = CivilDate::parse(&r[6]).unwrap().age_on(o.today).unwrap();
        old += u32::from(age >= 65);
        children += u32::from(age < 15);
        female += u32::from(r[7] == "2");
    }
    let share = |n: u32| f64::from(n) / 50_000.0;
    // 2020 census: 28.6% aged 65+, 11.9% under 15, 51.4% female.
    assert!((0.275..0.297).contains(&share(old)), "65+: {}", share(old));
    assert!((0.11..0.128).contains(&share(children)), "<15: {}", share(children));
    assert!((0.50..0.525).contains(&share(female)), "female: {}", share(female));
}

#[test]
fn my_numbers_unique_across_municipalities() {
    let mut seen = HashSet::new();
    for code in ["131016", "141003", "011002", "271004"] {
        let o = DemoOptions { municipality: MunicipalityCode::parse(code).unwrap(), ..opts(0) };
        for i in 0..20_000 {
            assert!(seen.insert(my_number_of(&o, i).expose().to_owned()), "{code} {i}");
        }
    }
}

#[test]
fn cp932_decodes_to_the_utf8_text() {
    let o = DemoOptions { header: true, error_rate: 0.2, ..opts(30_000) };
    let (utf8, s1) = generate(&o);
    let (sjis, s2) = generate(&DemoOptions { encoding: Encoding::Cp932, ..o.clone() });
    assert_eq!(s1, s2);
    assert_ne!(utf8, sjis);
    let (decoded, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(&sjis);
    assert!(!had_errors);
    assert!(decoded.as_bytes() == utf8.as_slice(), "CP932 output does not decode to the UTF-8 output");
    // Half-width kana are single bytes in CP932.
    assert!(sjis.iter().any(|b| (0xA1..=0xDF).contains(b)));
}

#[test]
fn same_seed_same_bytes_other_seed_other_people() {
    let o = DemoOptions { error_rate: 0.1, ..opts(5_000) };
    let (a, _) = generate(&o);
    let (b, _) = generate(&o);
    assert!(a == b);
    let other = DemoOptions { seed: 2022, ..o.clone() };
    let (c, _) = generate(&other);
    assert!(a != c);
    // Identifiers do not depend on the seed; the people do.
    assert_eq!(coupon_of(&o, 7), coupon_of(&other, 7));
    assert_ne!(
        (0..20).map(|i| resident_of(&o, i).family_name).collect::<Vec<_>>(),
        (0..20).map(|i| resident_of(&other, i).family_name).collect::<Vec<_>>()
    );
    // The people do not depend on the error rate.
    assert_eq!(resident_of(&o, 3), resident_of(&DemoOptions { error_rate: 0.0, ..o.clone() }, 3));
}

/// Counts the validator's findings over a file and checks them against the summary.
fn check_injection(o: &DemoOptions) -> (DemoSummary, u64) {
    let (bytes, summary) = generate(o);
    let rows = records(&bytes);
    assert_eq!(rows.len() as u64, o.count);
    let mut v = Validator::new(o.today);
    let mut found: HashMap<&str, u64> = HashMap::new();
    let mut bad_rows = 0;
    for (i, r) in rows.iter().enumerate() {
        let p = v.problems(r);
        assert!(p.len() <= 1, "row {i} {r:?}: {p:?}");
        if let Some(kind) = p.first() {
            assert!(ERROR_KINDS.contains(kind), "row {i} {r:?}: unexpected {kind}");
            *found.entry(kind).or_default() += 1;
            bad_rows += 1;
        }
    }
    assert_eq!(bad_rows, summary.injected_errors);
    assert_eq!(summary.injected_by_kind.len(), ERROR_KINDS.len());
    for (kind, n) in &summary.injected_by_kind {
        assert_eq!(found.get(kind).copied().unwrap_or(0), *n, "{kind}");
    }
    (summary, bad_rows)
}

#[test]
fn error_rate_one_breaks_every_row_exactly_once() {
    let o = DemoOptions { error_rate: 1.0, ..opts(11_000) };
    let (summary, bad) = check_injection(&o);
    assert_eq!(bad, 11_000);
    for (kind, n) in &summary.injected_by_kind {
        if kind.starts_with("duplicate_") {
            assert_eq!(*n, 0, "no clean row to duplicate");
        } else {
            assert!(*n > 800, "{kind}: {n}");
        }
    }
}

#[test]
fn partial_error_rate_covers_every_kind() {
    let o = DemoOptions { error_rate: 0.3, header: true, ..opts(20_000) };
    let (bytes, _) = generate(&o);
    let (summary, bad) = check_injection(&DemoOptions { header: false, ..o.clone() });
    assert!((5_600..6_400).contains(&bad), "{bad}");
    for (kind, n) in &summary.injected_by_kind {
        assert!(*n > 300, "{kind}: {n}");
    }
    // The formula payload appears as a CSV field, quoted where needed.
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains(",=cmd|' /C calc'!A0,"));
    assert!(text.contains(",\"=HYPERLINK(\"\"http://x.example/\"\",\"\"詳細\"\")\","));
}

#[test]
fn zero_rows_and_odd_rates() {
    let (bytes, s) = generate(&opts(0));
    assert!(bytes.is_empty());
    assert_eq!((s.rows, s.injected_errors), (0, 0));
    for rate in [-1.0, f64::NAN] {
        let (_, s) = generate(&DemoOptions { error_rate: rate, ..opts(100) });
        assert_eq!(s.injected_errors, 0);
    }
    let (_, s) = generate(&DemoOptions { error_rate: 7.0, ..opts(100) });
    assert_eq!(s.injected_errors, 100);
}

fn municipality() -> impl Strategy<Value = MunicipalityCode> {
    prop::sample::select(vec!["131016", "011002", "141003", "271004", "130001", "472018"])
        .prop_map(|c| MunicipalityCode::parse(c).unwrap())
}

fn day() -> impl Strategy<Value = CivilDate> {
    // 1990-01-01 ..= 2099-12-31
    (7_305i64..47_482).prop_map(|d| CivilDate::from_unix_days(d).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn generated_rows_are_valid(seed in any::<u64>(), count in 0u64..400, m in municipality(), today in day(), cp932 in any::<bool>()) {
        let o = DemoOptions {
            municipality: m,
            count,
            seed,
            encoding: if cp932 { Encoding::Cp932 } else { Encoding::Utf8 },
            header: false,
            error_rate: 0.0,
            today,
        };
        let (bytes, _) = generate(&o);
        let bytes = if cp932 {
            encoding_rs::SHIFT_JIS.decode_without_bom_handling(&bytes).0.into_owned().into_bytes()
        } else {
            bytes
        };
        let rows = records(&bytes);
        prop_assert_eq!(rows.len() as u64, count);
        let mut v = Validator::new(today);
        for r in &rows {
            let p = v.problems(r);
            prop_assert!(p.is_empty(), "{:?}: {:?}", r, p);
        }
    }

    #[test]
    fn injected_errors_are_single_and_counted(seed in any::<u64>(), count in 1u64..400, rate in 0.0f64..=1.0, today in day()) {
        let o = DemoOptions { seed, count, error_rate: rate, today, ..opts(0) };
        check_injection(&o);
    }
}
