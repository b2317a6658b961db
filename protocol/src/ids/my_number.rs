//! 個人番号 (My Number): 12 digits, the last a check digit over the first 11.

use super::{IdError, digits};
use std::fmt;

/// A validated My Number. Deliberately has no `Display`; `Debug` masks all but the
/// check digit block so that an accidental `{:?}` cannot leak it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MyNumber([u8; 12]);

impl MyNumber {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        digits(s, 12, 12, "12")?;
        let mut out = [0u8; 12];
        out.copy_from_slice(s.as_bytes());
        let body: &[u8; 11] = out[..11].try_into().map_err(|_| IdError::NotDigits)?;
        if check_digit(body) != out[11] - b'0' {
            return Err(IdError::CheckDigit);
        }
        Ok(MyNumber(out))
    }

    /// Builds a valid My Number from an 11-digit body (used by generators and tests).
    pub fn from_body(body: u64) -> Option<Self> {
        if body >= 100_000_000_000 {
            return None;
        }
        let s = format!("{body:011}");
        let mut out = [0u8; 12];
        out[..11].copy_from_slice(s.as_bytes());
        let b: &[u8; 11] = out[..11].try_into().ok()?;
        out[11] = b'0' + check_digit(b);
        Some(MyNumber(out))
    }

    /// The 12 ASCII digits. Only for encryption, keyed hashing and the wire.
    pub fn expose(&self) -> &str {
        // Always ASCII digits by construction.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// `********9018`: the form shown to staff and written anywhere a reference is needed.
    pub fn masked(&self) -> String {
        let last4 = std::str::from_utf8(&self.0[8..]).unwrap_or_default();
        format!("********{last4}")
    }
}

impl fmt::Debug for MyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MyNumber({})", self.masked())
    }
}

/// The check digit of an 11-digit body (ASCII digits), as the 番号法 施行令 defines it.
pub fn check_digit(body: &[u8; 11]) -> u8 {
    let s: u32 = (1..=11u32)
        .map(|n| {
            let p = u32::from(body[11 - n as usize] - b'0');
            let q = if n <= 6 { n + 1 } else { n - 5 };
            p * q
        })
        .sum();
    let r = (s % 11) as u8;
    if r <= 1 { 0 } else { 11 - r }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn primer_example() {
        assert_eq!(check_digit(b"12345678901"), 8);
        assert!(MyNumber::parse("123456789018").is_ok());
        assert_eq!(MyNumber::parse("123456789017"), Err(IdError::CheckDigit));
    }

    #[test]
    fn refuses_wrong_shapes() {
        assert!(matches!(MyNumber::parse("12345678901"), Err(IdError::WrongLength { .. })));
        assert_eq!(MyNumber::parse("12345678901a"), Err(IdError::NotDigits));
        assert!(MyNumber::parse("１２３４５６７８９０１８").is_err());
    }

    #[test]
    fn debug_masks() {
        let n = MyNumber::parse("123456789018").unwrap();
        let shown = format!("{n:?}");
        assert_eq!(shown, "MyNumber(********9018)");
        assert!(!shown.contains("12345678"));
    }

    proptest! {
        #[test]
        fn generated_numbers_parse(body in 0u64..100_000_000_000) {
            let n = MyNumber::from_body(body).unwrap();
            prop_assert_eq!(MyNumber::parse(n.expose()).unwrap(), n);
        }

        #[test]
        fn one_wrong_digit_is_caught(body in 0u64..100_000_000_000, pos in 0usize..12, delta in 1u8..10) {
            let n = MyNumber::from_body(body).unwrap();
            let mut b = n.expose().as_bytes().to_vec();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            let s = String::from_utf8(b).unwrap();
            // A single changed digit always changes the weighted sum mod 11 (weights are
            // 2..7 and 2..6, all coprime with 11), except where the remainder maps to 0 twice.
            if let Ok(m) = MyNumber::parse(&s) { prop_assert_ne!(m, n); }
        }

        #[test]
        fn never_panics(s in "\\PC{0,20}") {
            let _ = MyNumber::parse(&s);
        }
    }
}
