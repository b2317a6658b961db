//! One generated resident: drawing the person from the row's random stream and writing
//! the ten CSV fields.

use crate::DemoOptions;
use crate::framing::{Row, push_padded};
use crate::ids::{atena, code5, coupon, my_number};
use crate::names::{GivenName, Surname, draw_given, draw_surname, push_half_width};
use crate::population::{BirthWindows, draw_age_sex};
use crate::rng::{Rng, Stream};
use vrs_protocol::{CivilDate, MyNumber};

/// Share of rows whose kana columns are written in half-width katakana.
const HALF_WIDTH_PER_MILLE: u64 = 30;
/// Share of rows with no My Number yet.
const NO_MY_NUMBER_PER_MILLE: u64 = 20;
/// Share of rows with sex code 9 (not applicable).
const SEX_NINE_PER_MILLE: u64 = 2;

/// A person as drawn, before any injected error.
pub(crate) struct Person {
    pub(crate) surname: &'static Surname,
    pub(crate) given: &'static GivenName,
    pub(crate) birth: CivilDate,
    pub(crate) sex_code: u8,
    pub(crate) half_width: bool,
    pub(crate) has_my_number: bool,
}

/// Everything that is fixed for one output file.
pub(crate) struct Generator {
    seed: u64,
    code5: u64,
    today: CivilDate,
    windows: BirthWindows,
}

impl Generator {
    pub(crate) fn new(opts: &DemoOptions) -> Self {
        Generator {
            seed: opts.seed,
            code5: code5(&opts.municipality),
            today: opts.today,
            windows: BirthWindows::new(opts.today),
        }
    }

    /// The i-th person. Depends only on the seed, `today` and `i`.
    pub(crate) fn person(&self, i: u64) -> Person {
        let mut rng = Rng::for_row(self.seed, Stream::Person, i);
        let (age, female) = draw_age_sex(&mut rng);
        let birth_days = self.windows.draw(&mut rng, age);
        // Always Some: the windows lie between 1900-01-01 and `today`.
        let birth = CivilDate::from_unix_days(birth_days).unwrap_or(self.today);
        let sex_code = if rng.per_mille(SEX_NINE_PER_MILLE) {
            9
        } else if female {
            2
        } else {
            1
        };
        let surname = draw_surname(&mut rng);
        let given = draw_given(&mut rng, female, birth.year());
        let half_width = rng.per_mille(HALF_WIDTH_PER_MILLE);
        let has_my_number = !rng.per_mille(NO_MY_NUMBER_PER_MILLE);
        Person { surname, given, birth, sex_code, half_width, has_my_number }
    }

    pub(crate) fn my_number(&self, i: u64) -> MyNumber {
        my_number(self.code5, i)
    }

    pub(crate) fn coupon(&self, i: u64) -> u64 {
        coupon(self.code5, i)
    }

    /// Writes person `p` (the i-th) into `row`, replacing what was there.
    pub(crate) fn render(&self, i: u64, p: &Person, row: &mut Row) {
        row.clear();
        let [atena_f, my_number_f, family, given, family_kana, given_kana, birth, sex, coupon_f, _flag] =
            &mut row.fields;
        push_padded(atena_f, atena(i), 1);
        if p.has_my_number {
            my_number_f.push_str(self.my_number(i).expose());
        }
        family.push_str(p.surname.0);
        given.push_str(p.given.0);
        push_kana(family_kana, p.surname.1, p.half_width);
        push_kana(given_kana, p.given.1, p.half_width);
        push_date(birth, p.birth);
        sex.push(char::from(b'0' + p.sex_code));
        push_padded(coupon_f, u128::from(self.coupon(i)), 10);
    }
}

fn push_kana(out: &mut String, kana: &str, half_width: bool) {
    if half_width {
        push_half_width(out, kana);
    } else {
        out.push_str(kana);
    }
}

/// Appends `d` as `YYYYMMDD`.
pub(crate) fn push_date(out: &mut String, d: CivilDate) {
    push_padded(out, u128::from(d.year()), 4);
    push_padded(out, u128::from(d.month()), 2);
    push_padded(out, u128::from(d.day()), 2);
}
