//! The identifiers of the i-th person (個別宛名番号, 券番号, My Number): pure functions of the
//! municipality and the index, bijective so that they never collide.

use crate::rng::mix64;
use vrs_protocol::{MunicipalityCode, MyNumber};

/// The first five digits of the municipality code, as a number.
pub(crate) fn code5(m: &MunicipalityCode) -> u64 {
    m.as_str().bytes().take(5).fold(0, |acc, b| acc * 10 + u64::from(b.wrapping_sub(b'0') % 10))
}

/// 個別宛名番号: 100000000 + i (9 digits up to i < 900,000,000, longer after that).
pub(crate) fn atena(i: u64) -> u128 {
    100_000_000 + u128::from(i)
}

const COUPON_SPACE: u64 = 10_000_000_000;
const MY_NUMBER_SPACE: u64 = 100_000_000_000;
/// How many My Number slots each municipality owns before the next one's begin.
pub(crate) const MY_NUMBER_BLOCK: u64 = 2_000_000;

/// 券番号 as a number below 10^10: a bijection of `i mod 10^10` keyed by the municipality,
/// so numbers are distinct within a municipality and do not look sequential.
pub(crate) fn coupon(code5: u64, i: u64) -> u64 {
    let key = mix64(code5 ^ 0xC0_0B07);
    permute(i % COUPON_SPACE, 100_000, 100_000, 7_919_836_253, key % COUPON_SPACE, key)
}

/// The 11-digit My Number body: one fixed bijection mod 10^11 of
/// `code5 * 2,000,000 + i`. Unique within a municipality for every count, and across
/// municipalities while counts stay below 2,000,000 (for every real code, whose first
/// five digits are below 50,000, the inputs do not wrap).
pub(crate) fn my_number_body(code5: u64, i: u64) -> u64 {
    let x = ((u128::from(code5) * u128::from(MY_NUMBER_BLOCK) + u128::from(i)) % u128::from(MY_NUMBER_SPACE)) as u64;
    permute(x, 1_000_000, 100_000, 48_271_518_397, 31_415_926_535, 0x4D79_4E75_6D62_6572)
}

/// The My Number built from [`my_number_body`] with its check digit.
pub(crate) fn my_number(code5: u64, i: u64) -> MyNumber {
    match MyNumber::from_body(my_number_body(code5, i)) {
        Some(n) => n,
        None => unreachable!("my_number_body is below 10^11"),
    }
}

/// A bijection of `0..lo_mod*hi_mod`: an affine map (`mult` coprime with 10), then two
/// keyed Feistel-style rounds on the (high, low) digit halves, each invertible.
fn permute(x: u64, lo_mod: u64, hi_mod: u64, mult: u64, add: u64, key: u64) -> u64 {
    let n = lo_mod * hi_mod;
    let y = ((u128::from(x) * u128::from(mult) + u128::from(add)) % u128::from(n)) as u64;
    let (mut hi, mut lo) = (y / lo_mod, y % lo_mod);
    lo = (lo + mix64(hi ^ key) % lo_mod) % lo_mod;
    hi = (hi + mix64(lo ^ key.rotate_left(29)) % hi_mod) % hi_mod;
    hi * lo_mod + lo
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn unpermute(z: u64, lo_mod: u64, hi_mod: u64, mult: u64, add: u64, key: u64) -> u64 {
        let n = lo_mod * hi_mod;
        let (mut hi, mut lo) = (z / lo_mod, z % lo_mod);
        hi = (hi + hi_mod - mix64(lo ^ key.rotate_left(29)) % hi_mod) % hi_mod;
        lo = (lo + lo_mod - mix64(hi ^ key) % lo_mod) % lo_mod;
        let y = hi * lo_mod + lo;
        // x = (y - add) * mult^-1 mod n, with the inverse found by the extended Euclid.
        let inv = mod_inverse(mult, n);
        let d = (u128::from(y) + u128::from(n) - u128::from(add % n)) % u128::from(n);
        ((d * u128::from(inv)) % u128::from(n)) as u64
    }

    fn mod_inverse(a: u64, n: u64) -> u64 {
        let (mut t, mut new_t, mut r, mut new_r) = (0i128, 1i128, i128::from(n), i128::from(a));
        while new_r != 0 {
            let q = r / new_r;
            (t, new_t) = (new_t, t - q * new_t);
            (r, new_r) = (new_r, r - q * new_r);
        }
        assert_eq!(r, 1, "not invertible");
        t.rem_euclid(i128::from(n)) as u64
    }

    #[test]
    fn code5_of_yokohama() {
        assert_eq!(code5(&MunicipalityCode::parse("141003").unwrap()), 14100);
    }

    #[test]
    fn distinct_over_a_range() {
        let (mut c, mut m) = (HashSet::new(), HashSet::new());
        for i in 0..200_000 {
            assert!(c.insert(coupon(13101, i)));
            assert!(m.insert(my_number_body(13101, i)));
            assert!(m.insert(my_number_body(14100, i)), "collision across municipalities");
        }
        // Not sequential: neighbours differ by more than a few.
        assert!((0..1000).filter(|i| coupon(13101, i + 1).abs_diff(coupon(13101, *i)) < 1000).count() < 10);
    }

    proptest! {
        #[test]
        fn coupon_is_a_bijection(code in 1000u64..48_000, i in 0u64..COUPON_SPACE) {
            let key = mix64(code ^ 0xC0_0B07);
            let z = coupon(code, i);
            prop_assert!(z < COUPON_SPACE);
            prop_assert_eq!(unpermute(z, 100_000, 100_000, 7_919_836_253, key % COUPON_SPACE, key), i);
        }

        #[test]
        fn my_number_is_a_bijection(code in 1000u64..48_000, i in 0u64..MY_NUMBER_BLOCK) {
            let z = my_number_body(code, i);
            prop_assert!(z < MY_NUMBER_SPACE);
            let x = unpermute(z, 1_000_000, 100_000, 48_271_518_397, 31_415_926_535, 0x4D79_4E75_6D62_6572);
            prop_assert_eq!(x, code * MY_NUMBER_BLOCK + i);
        }
    }
}
