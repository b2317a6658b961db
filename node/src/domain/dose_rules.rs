//! The data-quality rules that need a person's look (vrs-primer.md, "Data quality"): they
//! never refuse a dose, they flag it `needs_review` with the rules that fired. The one
//! exception is the same dose twice, which is a duplicate (409), not a second dose.

use super::resident_row::ResidentStatus;
use crate::products::Product;
use serde::Serialize;
use vrs_protocol::CivilDate;

/// A rule that fired. Messages name doses and intervals, never a date of birth or name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub code: &'static str,
    pub message: String,
}

/// Every warning code, for metrics and the OpenAPI enum.
pub const RULES: [&str; 8] = [
    "dose_order",
    "dose_number_used",
    "dose_number_mismatch",
    "interval_too_short",
    "age_below_minimum",
    "age_above_maximum",
    "after_moved_out_or_deceased",
    "resident_removed",
];

/// What the register knows about the person.
#[derive(Debug, Clone, Copy)]
pub struct Person {
    pub birth_date: CivilDate,
    pub status: ResidentStatus,
    /// When the current status was recorded (the resident row's last update).
    pub status_since: CivilDate,
}

/// A dose already held for the person (cancelled ones are left out by the caller).
#[derive(Debug, Clone)]
pub struct PriorDose<'a> {
    pub id: &'a str,
    pub dose: u8,
    pub on: CivilDate,
    /// Its product's minimum interval to the next dose (0 when the product is unknown now).
    pub min_interval_days: u32,
}

/// The dose being recorded.
#[derive(Debug, Clone, Copy)]
pub struct NewDose<'a> {
    pub dose: u8,
    pub on: CivilDate,
    pub product: &'a Product,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The same dose (number and date) is already held: the id of that record.
    Duplicate(String),
    /// Accepted; flagged for review when the list is not empty.
    Accept(Vec<Warning>),
}

pub fn check(new: NewDose<'_>, person: Option<&Person>, history: &[PriorDose<'_>]) -> Verdict {
    if let Some(same) = history.iter().find(|p| p.dose == new.dose && p.on == new.on) {
        return Verdict::Duplicate(same.id.to_owned());
    }
    let mut w = Vec::new();
    dose_number(new, history, &mut w);
    interval(new, history, &mut w);
    if let Some(person) = person {
        age(new, person, &mut w);
        status(new, person, &mut w);
    }
    Verdict::Accept(w)
}

fn warn(w: &mut Vec<Warning>, code: &'static str, message: impl Into<String>) {
    w.push(Warning { code, message: message.into() });
}

fn dose_number(new: NewDose<'_>, history: &[PriorDose<'_>], w: &mut Vec<Warning>) {
    let out_of_order =
        history.iter().any(|p| (p.dose < new.dose && p.on > new.on) || (p.dose > new.dose && p.on < new.on));
    if out_of_order {
        warn(w, "dose_order", format!("dose {} is dated out of order with the doses already recorded", new.dose));
    }
    if history.iter().any(|p| p.dose == new.dose) {
        warn(w, "dose_number_used", format!("dose {} is already recorded on another date", new.dose));
    } else {
        // Counted by date, so a late record of an early dose is not a mismatch.
        let earlier = history.iter().filter(|p| p.on <= new.on).count();
        if usize::from(new.dose) != earlier + 1 {
            warn(
                w,
                "dose_number_mismatch",
                format!("the coupon says dose {} but {earlier} earlier doses are recorded", new.dose),
            );
        }
    }
}

fn interval(new: NewDose<'_>, history: &[PriorDose<'_>], w: &mut Vec<Warning>) {
    let days = |a: CivilDate, b: CivilDate| b.to_unix_days() - a.to_unix_days();
    let before = history.iter().filter(|p| p.on <= new.on).max_by_key(|p| p.on);
    let after = history.iter().filter(|p| p.on > new.on).min_by_key(|p| p.on);
    let short_before = before.filter(|p| days(p.on, new.on) < i64::from(p.min_interval_days));
    let short_after = after.filter(|p| days(new.on, p.on) < i64::from(new.product.min_interval_days));
    if let Some(p) = short_before {
        warn(
            w,
            "interval_too_short",
            format!("{} days after the previous dose; the minimum is {} days", days(p.on, new.on), p.min_interval_days),
        );
    } else if let Some(p) = short_after {
        warn(
            w,
            "interval_too_short",
            format!(
                "{} days before the next recorded dose; {} needs {} days",
                days(new.on, p.on),
                new.product.code,
                new.product.min_interval_days
            ),
        );
    }
}

/// Completed months of age on `on`; `None` before birth.
pub fn age_months(birth: CivilDate, on: CivilDate) -> Option<u32> {
    if on < birth {
        return None;
    }
    let months = (i32::from(on.year()) - i32::from(birth.year())) * 12 + i32::from(on.month())
        - i32::from(birth.month())
        - i32::from(on.day() < birth.day());
    u32::try_from(months).ok()
}

fn age(new: NewDose<'_>, person: &Person, w: &mut Vec<Warning>) {
    let p = new.product;
    match age_months(person.birth_date, new.on) {
        Some(m) if m >= p.min_age_months && p.max_age_months.is_none_or(|max| m <= max) => {}
        Some(m) if m >= p.min_age_months => warn(
            w,
            "age_above_maximum",
            format!("the person is older than {} allows ({} months)", p.code, p.max_age_months.unwrap_or(0)),
        ),
        _ => warn(
            w,
            "age_below_minimum",
            format!("the person is younger than {} allows ({} months)", p.code, p.min_age_months),
        ),
    }
}

fn status(new: NewDose<'_>, person: &Person, w: &mut Vec<Warning>) {
    match person.status {
        ResidentStatus::Active => {}
        ResidentStatus::MovedOut | ResidentStatus::Deceased if new.on >= person.status_since => warn(
            w,
            "after_moved_out_or_deceased",
            format!("the person was recorded as {} before this date", person.status.as_str()),
        ),
        ResidentStatus::MovedOut | ResidentStatus::Deceased => {}
        ResidentStatus::Removed => warn(w, "resident_removed", "the person is removed from the register"),
    }
}

#[cfg(test)]
#[path = "dose_rules_tests.rs"]
mod tests;
