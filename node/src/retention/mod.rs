//! Retention (specs/security.md "Retention"): the records of vaccinations are kept five
//! years from the vaccination (予防接種法施行令 §6-2; the seeds' FAQ A-5: "予防接種法に基づき、
//! データについては5年間保存"), then purged on a schedule, each purge with a receipt in the
//! access log: the cut-off and the counts, nothing about a person.

pub mod purge;
pub mod schedule;

use vrs_protocol::CivilDate;

/// Where retention ends: records older than `date` (doses by their vaccination date) or
/// than `ts` (other records by their last change, in unix seconds) are past it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoff {
    pub date: CivilDate,
    pub ts: i64,
}

impl Cutoff {
    /// `years` before `today` (a 29 February becomes the 28th), at midnight in Japan.
    pub fn years_before(today: CivilDate, years: u16) -> Cutoff {
        let year = today.year().saturating_sub(years).max(1900);
        let date = CivilDate::new(year, today.month(), today.day())
            .or_else(|_| CivilDate::new(year, today.month(), today.day() - 1))
            .unwrap_or(today);
        Cutoff::at(date)
    }

    /// The cut-off at the start of `date`, Japan time (UTC+9).
    pub fn at(date: CivilDate) -> Cutoff {
        Cutoff { date, ts: date.to_unix_days() * 86_400 - 9 * 3600 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_years_back_from_a_leap_day_and_at_midnight_in_japan() {
        let d = |s: &str| CivilDate::parse_iso(s).unwrap();
        assert_eq!(Cutoff::years_before(d("2026-12-20"), 5).date, d("2021-12-20"));
        assert_eq!(Cutoff::years_before(d("2028-02-29"), 5).date, d("2023-02-28"));
        assert_eq!(Cutoff::years_before(d("2028-02-29"), 4).date, d("2024-02-29"));
        // 2021-12-20 00:00 JST = 2021-12-19 15:00 UTC.
        assert_eq!(Cutoff::at(d("2021-12-20")).ts, 1_639_926_000);
    }
}
