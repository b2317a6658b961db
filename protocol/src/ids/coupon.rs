//! 券番号: the 10-digit coupon number, unique within its municipality only.

use super::{IdError, digits};
use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CouponNumber([u8; 10]);

impl CouponNumber {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        digits(s, 10, 10, "10")?;
        let mut out = [0u8; 10];
        out.copy_from_slice(s.as_bytes());
        Ok(CouponNumber(out))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for CouponNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CouponNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CouponNumber({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn ten_digits_round_trip(n in 0u64..10_000_000_000) {
            let s = format!("{n:010}");
            let c = CouponNumber::parse(&s).unwrap();
            prop_assert_eq!(c.as_str(), s.as_str());
        }

        #[test]
        fn other_shapes_refused(s in "[0-9]{0,9}|[0-9]{11,14}|[0-9]{4}[a-z ][0-9]{5}") {
            prop_assert!(CouponNumber::parse(&s).is_err());
        }
    }
}
