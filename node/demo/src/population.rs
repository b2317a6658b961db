//! Ages and sexes drawn from Japan's population pyramid, and birth dates that give the
//! drawn age on the reference day.

use crate::names::Weighted;
use crate::rng::Rng;
use std::sync::LazyLock;
use vrs_protocol::CivilDate;

/// Residents by 5-year age band (0–4, 5–9, …, 95–99, 100+), thousands, 2020 census
/// (令和2年国勢調査, 不詳補完値), rounded: males then females. Totals 61.5 M and 64.8 M.
const MALES_K: [u64; 21] = [
    2325, 2619, 2753, 2929, 3243, 3279, 3417, 3800, 4289, 4988, 4394, 3962, 3677, 4004, 4357, 3198, 2259, 1335, 516,
    99, 11,
];
const FEMALES_K: [u64; 21] = [
    2216, 2495, 2623, 2777, 3077, 3105, 3297, 3698, 4187, 4880, 4344, 3978, 3765, 4232, 4832, 3867, 3145, 2407, 1353,
    414, 69,
];

/// Centenarians by age 100, 101, …: each year roughly two thirds of the one before.
const CENTENARIAN_TAIL: [u64; 9] = [340, 240, 160, 110, 70, 40, 22, 12, 6];

/// The oldest age generated.
pub(crate) const MAX_AGE: u16 = 100 + CENTENARIAN_TAIL.len() as u16 - 1;

/// 1900-01-01 as days since 1970-01-01: no birth date may be earlier.
pub(crate) const DAYS_1900: i64 = -25_567;

struct Pyramid {
    /// Indexed band * 2 + (1 if female).
    cells: Weighted,
    tail: Weighted,
}

static PYRAMID: LazyLock<Pyramid> = LazyLock::new(|| Pyramid {
    cells: Weighted::from_weights(MALES_K.iter().zip(FEMALES_K.iter()).flat_map(|(m, f)| [*m, *f])),
    tail: Weighted::from_weights(CENTENARIAN_TAIL),
});

/// Draws (age in completed years, is female).
pub(crate) fn draw_age_sex(rng: &mut Rng) -> (u16, bool) {
    let cell = PYRAMID.cells.draw(rng);
    let (band, female) = ((cell / 2) as u16, cell % 2 == 1);
    let age = if band < 20 { band * 5 + rng.below(5) as u16 } else { 100 + PYRAMID.tail.draw(rng) as u16 };
    (age.min(MAX_AGE), female)
}

/// For each age, the range of birth dates (as unix days, inclusive) that gives exactly
/// that age on `today`, limited to 1900-01-01 ..= the day before `today`.
pub(crate) struct BirthWindows {
    windows: Vec<(i64, i64)>,
}

impl BirthWindows {
    pub(crate) fn new(today: CivilDate) -> Self {
        let today_days = today.to_unix_days();
        let latest_allowed = (today_days - 1).max(DAYS_1900);
        let windows = (0..=MAX_AGE)
            .map(|age| {
                let latest = years_before(today, age).min(latest_allowed);
                let earliest = (years_before(today, age + 1) + 1).max(DAYS_1900);
                let latest = latest.max(earliest);
                (earliest, latest)
            })
            .collect();
        BirthWindows { windows }
    }

    /// A birth date (unix days) uniform within the window for `age`.
    pub(crate) fn draw(&self, rng: &mut Rng, age: u16) -> i64 {
        let (lo, hi) = self.windows[usize::from(age.min(MAX_AGE))];
        lo + rng.below((hi - lo + 1) as u64) as i64
    }
}

/// The same month and day `years` years before `d` (28 February for 29 February in a
/// common year), as unix days; 1900-01-01 if that is before year 1.
fn years_before(d: CivilDate, years: u16) -> i64 {
    let Some(year) = d.year().checked_sub(years).filter(|y| *y >= 1) else {
        return DAYS_1900;
    };
    CivilDate::new(year, d.month(), d.day())
        .or_else(|_| CivilDate::new(year, d.month(), d.day() - 1))
        .map_or(DAYS_1900, CivilDate::to_unix_days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn constants() {
        assert_eq!(CivilDate::new(1900, 1, 1).unwrap().to_unix_days(), DAYS_1900);
        assert_eq!(MAX_AGE, 108);
    }

    #[test]
    fn birth_dates_give_the_drawn_age() {
        for today in [
            CivilDate::new(2021, 4, 12).unwrap(),
            CivilDate::new(2024, 2, 29).unwrap(),
            CivilDate::new(2023, 3, 1).unwrap(),
            CivilDate::new(2000, 1, 1).unwrap(),
        ] {
            let w = BirthWindows::new(today);
            let mut rng = Rng::for_row(3, Stream::Person, 0);
            for age in 0..=MAX_AGE {
                for _ in 0..50 {
                    let b = CivilDate::from_unix_days(w.draw(&mut rng, age)).unwrap();
                    assert!(b < today && b.year() >= 1900, "{b} {today}");
                    if i32::from(today.year()) - i32::from(age) > 1901 {
                        assert_eq!(b.age_on(today), Some(age), "{b} on {today}");
                    }
                }
            }
        }
    }

    #[test]
    fn pyramid_shape() {
        let mut rng = Rng::for_row(5, Stream::Person, 0);
        let n = 200_000;
        let (mut old, mut female, mut centenarians) = (0, 0, 0);
        for _ in 0..n {
            let (age, f) = draw_age_sex(&mut rng);
            old += u32::from(age >= 65);
            female += u32::from(f);
            centenarians += u32::from(age >= 100);
        }
        // 2020 census: 28.6% aged 65+, 51.4% female, 0.06% aged 100+.
        assert!((0.27..0.30).contains(&(f64::from(old) / f64::from(n))), "{old}");
        assert!((0.50..0.53).contains(&(f64::from(female) / f64::from(n))), "{female}");
        assert!((20..300).contains(&centenarians), "{centenarians}");
    }
}
