//! Error injection: with the configured probability a row gets exactly one deliberate
//! data-quality error, of the kinds the 2021 VRS data and municipal exports showed.

use crate::DemoOptions;
use crate::framing::{COLUMNS, Row, Shape, push_padded};
use crate::names::push_hiragana;
use crate::person::{Generator, Person, push_date};
use crate::population::DAYS_1900;
use crate::rng::{Rng, Stream};
use vrs_protocol::CivilDate;

/// The injected error kinds, in the order [`crate::DemoSummary::injected_by_kind`] lists them.
pub const ERROR_KINDS: [&str; 11] = [
    "bad_my_number_check_digit",
    "impossible_date",
    "future_birth_date",
    "pre_1900_birth_date",
    "non_katakana_kana",
    "unknown_sex_code",
    "wrong_column_count",
    "duplicate_atena",
    "duplicate_coupon",
    "formula_family_name",
    "eleven_digit_coupon",
];

/// Indexes into [`ERROR_KINDS`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    BadMyNumberCheckDigit,
    ImpossibleDate,
    FutureBirthDate,
    Pre1900BirthDate,
    NonKatakanaKana,
    UnknownSexCode,
    WrongColumnCount,
    DuplicateAtena,
    DuplicateCoupon,
    FormulaFamilyName,
    ElevenDigitCoupon,
}

const ALL: [Kind; 11] = [
    Kind::BadMyNumberCheckDigit,
    Kind::ImpossibleDate,
    Kind::FutureBirthDate,
    Kind::Pre1900BirthDate,
    Kind::NonKatakanaKana,
    Kind::UnknownSexCode,
    Kind::WrongColumnCount,
    Kind::DuplicateAtena,
    Kind::DuplicateCoupon,
    Kind::FormulaFamilyName,
    Kind::ElevenDigitCoupon,
];

/// Month-day pairs that no year has.
const IMPOSSIBLE_MMDD: [&str; 10] = ["0230", "0231", "0431", "0631", "0931", "1131", "1301", "0000", "1232", "0100"];
/// Sex codes outside ISO 5218 as municipal systems have been seen to write them.
const BAD_SEX: [&str; 8] = ["3", "4", "5", "6", "7", "8", "M", "F"];
/// Spreadsheet formula payloads (CSV injection); the second needs CSV quoting.
const FORMULAS: [&str; 4] =
    ["=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x.example/\",\"詳細\")", "+SUM(1+1)*cmd|' /C calc'!A0", "@SUM(A1:A9)"];
/// 1800-01-01 as unix days; pre-1900 dates are drawn from 1800-01-01 ..= 1899-12-31.
const DAYS_1800: i64 = DAYS_1900 - 36_524;

pub(crate) struct Injector {
    rate: f64,
    seed: u64,
    today_days: i64,
    counts: [u64; ALL.len()],
    /// The atena and coupon of the most recent row written without an injected error.
    last_atena: String,
    last_coupon: String,
    has_clean: bool,
}

impl Injector {
    pub(crate) fn new(opts: &DemoOptions) -> Self {
        let rate = if opts.error_rate.is_nan() { 0.0 } else { opts.error_rate.clamp(0.0, 1.0) };
        Injector {
            rate,
            seed: opts.seed,
            today_days: opts.today.to_unix_days(),
            counts: [0; ALL.len()],
            last_atena: String::new(),
            last_coupon: String::new(),
            has_clean: false,
        }
    }

    /// With probability `rate`, changes `row` (person `p`, the i-th, already rendered) so
    /// that it breaks exactly one rule.
    ///
    /// Duplicates repeat the atena or coupon of the most recent *clean* row (normally the
    /// previous one), so the duplicate is an error whether or not the importer keeps rows
    /// that fail other checks; before any clean row exists another kind is chosen.
    pub(crate) fn apply(&mut self, generator: &Generator, i: u64, p: &Person, row: &mut Row) {
        if self.rate <= 0.0 {
            return;
        }
        let mut rng = Rng::for_row(self.seed, Stream::Errors, i);
        if !rng.chance(self.rate) {
            self.last_atena.clone_from(&row.fields[0]);
            self.last_coupon.clone_from(&row.fields[8]);
            self.has_clean = true;
            return;
        }
        let mut kind = ALL[rng.below(ALL.len() as u64) as usize];
        if !self.has_clean && matches!(kind, Kind::DuplicateAtena | Kind::DuplicateCoupon) {
            const OTHERS: [Kind; 9] = [
                Kind::BadMyNumberCheckDigit,
                Kind::ImpossibleDate,
                Kind::FutureBirthDate,
                Kind::Pre1900BirthDate,
                Kind::NonKatakanaKana,
                Kind::UnknownSexCode,
                Kind::WrongColumnCount,
                Kind::FormulaFamilyName,
                Kind::ElevenDigitCoupon,
            ];
            kind = OTHERS[rng.below(OTHERS.len() as u64) as usize];
        }
        self.inject(kind, &mut rng, generator, i, p, row);
        self.counts[kind as usize] += 1;
    }

    fn inject(&self, kind: Kind, rng: &mut Rng, generator: &Generator, i: u64, p: &Person, row: &mut Row) {
        let f = &mut row.fields;
        match kind {
            Kind::BadMyNumberCheckDigit => {
                let n = generator.my_number(i);
                let digits = n.expose().as_bytes();
                let check = digits[11] - b'0';
                let wrong = (u64::from(check) + 1 + rng.below(9)) % 10;
                f[1].clear();
                f[1].push_str(&n.expose()[..11]);
                f[1].push(char::from(b'0' + wrong as u8));
            }
            Kind::ImpossibleDate => {
                f[6].clear();
                push_padded(&mut f[6], u128::from(p.birth.year()), 4);
                f[6].push_str(IMPOSSIBLE_MMDD[rng.below(IMPOSSIBLE_MMDD.len() as u64) as usize]);
            }
            Kind::FutureBirthDate => {
                let days = self.today_days + 1 + rng.below(3650) as i64;
                set_date(&mut f[6], days, "99991231");
            }
            Kind::Pre1900BirthDate => {
                let days = DAYS_1800 + rng.below((DAYS_1900 - DAYS_1800) as u64) as i64;
                set_date(&mut f[6], days, "18991231");
            }
            Kind::NonKatakanaKana => {
                f[4].clear();
                match rng.below(4) {
                    0 => f[4].push_str(p.surname.2),
                    1 => f[4].push_str(&p.surname.2.to_ascii_uppercase()),
                    _ => push_hiragana(&mut f[4], p.surname.1),
                }
            }
            Kind::UnknownSexCode => {
                f[7].clear();
                f[7].push_str(BAD_SEX[rng.below(BAD_SEX.len() as u64) as usize]);
            }
            Kind::WrongColumnCount => {
                row.shape = if rng.below(2) == 0 {
                    Shape::Without(rng.below(COLUMNS as u64) as usize)
                } else {
                    Shape::WithExtra
                };
            }
            Kind::DuplicateAtena => f[0].clone_from(&self.last_atena),
            Kind::DuplicateCoupon => f[8].clone_from(&self.last_coupon),
            Kind::FormulaFamilyName => {
                f[2].clear();
                f[2].push_str(FORMULAS[rng.below(FORMULAS.len() as u64) as usize]);
            }
            Kind::ElevenDigitCoupon => {
                f[8].insert(0, char::from(b'1' + rng.below(9) as u8));
            }
        }
    }

    /// Injected errors so far: the total and the count of every kind (zeros included).
    pub(crate) fn counts(&self) -> (u64, Vec<(&'static str, u64)>) {
        let total = self.counts.iter().sum();
        (total, ERROR_KINDS.iter().copied().zip(self.counts).collect())
    }
}

fn set_date(field: &mut String, days: i64, fallback: &str) {
    field.clear();
    match CivilDate::from_unix_days(days) {
        Some(d) => push_date(field, d),
        None => field.push_str(fallback),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants() {
        assert_eq!(CivilDate::new(1800, 1, 1).unwrap().to_unix_days(), DAYS_1800);
        for mmdd in IMPOSSIBLE_MMDD {
            for year in [1999, 2000, 2023, 2024] {
                assert!(CivilDate::parse(&format!("{year}{mmdd}")).is_err(), "{year}{mmdd}");
            }
        }
        for (k, name) in ALL.iter().zip(ERROR_KINDS) {
            assert_eq!(ERROR_KINDS[*k as usize], name);
        }
    }
}
