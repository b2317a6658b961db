//! Calendar dates without a time zone, as municipal files and the API write them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A proleptic Gregorian date. Field order makes the derived `Ord` chronological.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CivilDate {
    year: u16,
    month: u8,
    day: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("must be YYYYMMDD, YYYY-MM-DD or YYYY/MM/DD")]
    Format,
    #[error("not a real calendar date")]
    NotACalendarDate,
}

impl CivilDate {
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, DateError> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(DateError::NotACalendarDate);
        }
        Ok(CivilDate { year, month, day })
    }

    /// Accepts `YYYYMMDD`, `YYYY-MM-DD` and `YYYY/MM/DD`.
    pub fn parse(s: &str) -> Result<Self, DateError> {
        let b = s.as_bytes();
        let (y, m, d) = match b.len() {
            8 => (&b[0..4], &b[4..6], &b[6..8]),
            10 if b[4] == b[7] && (b[4] == b'-' || b[4] == b'/') => (&b[0..4], &b[5..7], &b[8..10]),
            _ => return Err(DateError::Format),
        };
        let num = |x: &[u8]| -> Result<u16, DateError> {
            x.iter().try_fold(0u16, |acc, c| {
                if c.is_ascii_digit() { Ok(acc * 10 + u16::from(c - b'0')) } else { Err(DateError::Format) }
            })
        };
        let (y, m, d) = (num(y)?, num(m)?, num(d)?);
        Self::new(y, m as u8, d as u8)
    }

    /// Only the ISO form (`YYYY-MM-DD`), for API input.
    pub fn parse_iso(s: &str) -> Result<Self, DateError> {
        if s.len() != 10 || s.as_bytes()[4] != b'-' {
            return Err(DateError::Format);
        }
        Self::parse(s)
    }

    pub fn year(self) -> u16 {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    pub fn to_unix_days(self) -> i64 {
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The inverse of [`to_unix_days`](Self::to_unix_days); `None` outside years 0..=9999.
    pub fn from_unix_days(days: i64) -> Option<Self> {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        let year = u16::try_from(y).ok().filter(|y| *y <= 9999)?;
        Self::new(year, m as u8, d as u8).ok()
    }

    /// Completed years of age on `on` (a 29 February birthday counts on 1 March in
    /// common years, as 年齢計算ニ関スル法律 effectively does for civil purposes).
    pub fn age_on(self, on: CivilDate) -> Option<u16> {
        if on < self {
            return None;
        }
        let had_birthday = (on.month, on.day) >= (self.month, self.day);
        Some(on.year - self.year - u16::from(!had_birthday))
    }

    pub fn iso(self) -> String {
        // Digit by digit: through the formatter this was ~4% of an import's parser thread
        // (one call per row). A year past 9999 goes through the formatter, which writes it
        // whole.
        if self.year > 9999 {
            return self.to_string();
        }
        let digit = |v: u16| char::from(b'0' + (v % 10) as u8);
        let (y, m, d) = (self.year, u16::from(self.month), u16::from(self.day));
        [
            digit(y / 1000),
            digit(y / 100),
            digit(y / 10),
            digit(y),
            '-',
            digit(m / 10),
            digit(m),
            '-',
            digit(d / 10),
            digit(d),
        ]
        .into_iter()
        .collect()
    }
}

pub fn is_leap(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for CivilDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Debug for CivilDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CivilDate({self})")
    }
}

impl TryFrom<String> for CivilDate {
    type Error = DateError;
    fn try_from(s: String) -> Result<Self, DateError> {
        Self::parse_iso(&s)
    }
}

impl From<CivilDate> for String {
    fn from(d: CivilDate) -> String {
        d.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn forms_and_impossible_dates() {
        let d = CivilDate::new(1990, 4, 1).unwrap();
        for s in ["19900401", "1990-04-01", "1990/04/01"] {
            assert_eq!(CivilDate::parse(s), Ok(d), "{s}");
        }
        assert_eq!(CivilDate::parse("20230230"), Err(DateError::NotACalendarDate));
        assert_eq!(CivilDate::parse("20230229"), Err(DateError::NotACalendarDate));
        assert!(CivilDate::parse("20240229").is_ok());
        assert_eq!(CivilDate::parse("19001301"), Err(DateError::NotACalendarDate));
        for bad in ["1990-0401", "1990.04.01", "90-04-01", "", "１９９０0401", "1990-04/01"] {
            assert!(CivilDate::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(CivilDate::parse_iso("19900401"), Err(DateError::Format));
    }

    #[test]
    fn ages() {
        let b = CivilDate::new(2000, 2, 29).unwrap();
        assert_eq!(b.age_on(CivilDate::new(2021, 2, 28).unwrap()), Some(20));
        assert_eq!(b.age_on(CivilDate::new(2021, 3, 1).unwrap()), Some(21));
        assert_eq!(b.age_on(CivilDate::new(1999, 1, 1).unwrap()), None);
    }

    proptest! {
        #[test]
        fn unix_days_round_trip(days in -25_567i64..2_932_896) {
            let d = CivilDate::from_unix_days(days).unwrap();
            prop_assert_eq!(d.to_unix_days(), days);
            prop_assert_eq!(CivilDate::parse(&d.iso()), Ok(d));
        }

        #[test]
        fn iso_writes_what_the_formatter_writes(year in prop_oneof![3 => 0u16..=9999, 1 => 10_000u16..=u16::MAX], month in 1u8..=12, day in 1u8..=31) {
            if let Ok(d) = CivilDate::new(year, month, day) {
                prop_assert_eq!(d.iso(), d.to_string());
            }
        }

        #[test]
        fn never_panics(s in "\\PC{0,12}") {
            let _ = CivilDate::parse(&s);
        }
    }
}
