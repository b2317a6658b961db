#![doc = include_str!("../README.md")]

mod framing;
mod ids;
mod inject;
mod names;
mod person;
mod population;
mod rng;
#[cfg(test)]
mod tests;

use std::io::{self, Write};
use vrs_protocol::{CivilDate, MunicipalityCode, MyNumber};

pub use inject::ERROR_KINDS;

/// The header row (the primer's column names), written first when
/// [`DemoOptions::header`] is set.
pub const HEADER: [&str; 10] = [
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

/// Output character encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 without BOM.
    #[default]
    Utf8,
    /// CP932 (Windows Shift_JIS), what municipal systems export by default.
    Cp932,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub municipality: MunicipalityCode,
    pub count: u64,
    pub seed: u64,
    pub encoding: Encoding,
    /// Write the Japanese header row first.
    pub header: bool,
    /// 0.0..=1.0: fraction of rows given exactly one injected error (clamped; NaN = 0).
    pub error_rate: f64,
    /// Birth dates are generated relative to this (all before it, none before 1900).
    pub today: CivilDate,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DemoSummary {
    /// Data rows (the header row not counted).
    pub rows: u64,
    pub injected_errors: u64,
    /// Every kind of [`ERROR_KINDS`], in that order, with its count (zeros included).
    pub injected_by_kind: Vec<(&'static str, u64)>,
}

/// Writes `opts.count` residents as a residents CSV (10 columns, CRLF) to `out`.
///
/// Streams in constant memory (text is handed to `out` in ~64 KiB chunks, so `out` need
/// not be buffered) and flushes `out` at the end. The same options give the same bytes.
pub fn write_residents<W: Write>(opts: &DemoOptions, out: W) -> io::Result<DemoSummary> {
    let generator = person::Generator::new(opts);
    let mut injector = inject::Injector::new(opts);
    let mut sink = framing::Sink::new(out, opts.encoding);
    if opts.header {
        let text = sink.text();
        for (i, h) in HEADER.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(h);
        }
        text.push_str("\r\n");
    }
    let mut row = framing::Row::new();
    for i in 0..opts.count {
        let p = generator.person(i);
        generator.render(i, &p, &mut row);
        injector.apply(&generator, i, &p, &mut row);
        row.push_to(sink.text());
        sink.maybe_flush()?;
    }
    sink.finish()?;
    let (injected_errors, injected_by_kind) = injector.counts();
    Ok(DemoSummary { rows: opts.count, injected_errors, injected_by_kind })
}

/// The i-th generated person's 個別宛名番号, so tests can look people up without
/// re-parsing the file: `100000000 + i`. Depends on `i` only.
pub fn atena_of(_opts: &DemoOptions, i: u64) -> String {
    ids::atena(i).to_string()
}

/// The i-th person's My Number: a fixed bijection of `code5 * 2,000,000 + i` (code5 = the
/// first five digits of the municipality code), so unique within a municipality, and
/// across municipalities for counts under 2,000,000. Independent of the seed. About 2% of
/// rows leave the column empty (see [`resident_of`]); this is the number they would have.
pub fn my_number_of(opts: &DemoOptions, i: u64) -> MyNumber {
    ids::my_number(ids::code5(&opts.municipality), i)
}

/// The i-th person's 10-digit 券番号: a keyed bijection of `i mod 10^10` per
/// municipality, so distinct within the municipality. Independent of the seed.
pub fn coupon_of(opts: &DemoOptions, i: u64) -> String {
    let mut s = String::with_capacity(10);
    framing::push_padded(&mut s, u128::from(ids::coupon(ids::code5(&opts.municipality), i)), 10);
    s
}

/// A generated person as the file writes them when no error was injected into the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resident {
    pub atena: String,
    /// `None` for the ~2% of rows written without a My Number.
    pub my_number: Option<MyNumber>,
    pub family_name: &'static str,
    pub given_name: &'static str,
    /// As written: full-width katakana, or half-width in ~3% of rows.
    pub family_kana: String,
    pub given_kana: String,
    pub birth_date: CivilDate,
    /// ISO 5218: 1, 2, or (rarely) 9.
    pub sex: u8,
    pub coupon: String,
}

/// The i-th generated person in full (names and birth date depend on the seed and
/// `today`), without re-generating the rows before it.
pub fn resident_of(opts: &DemoOptions, i: u64) -> Resident {
    let generator = person::Generator::new(opts);
    let p = generator.person(i);
    let mut row = framing::Row::new();
    generator.render(i, &p, &mut row);
    let [atena, _, _, _, family_kana, given_kana, _, _, coupon, _] = row.fields;
    Resident {
        atena,
        my_number: p.has_my_number.then(|| generator.my_number(i)),
        family_name: p.surname.0,
        given_name: p.given.0,
        family_kana,
        given_kana,
        birth_date: p.birth,
        sex: p.sex_code,
        coupon,
    }
}
