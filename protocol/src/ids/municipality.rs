//! 全国地方公共団体コード: 5 digits and a check digit. Existence in the municipality
//! master is checked by the node, which ships the master; this type checks the form.

use super::{IdError, digits};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MunicipalityCode([u8; 6]);

impl MunicipalityCode {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        digits(s, 6, 6, "6")?;
        let mut out = [0u8; 6];
        out.copy_from_slice(s.as_bytes());
        let body: &[u8; 5] = out[..5].try_into().map_err(|_| IdError::NotDigits)?;
        if check_digit(body) != out[5] - b'0' {
            return Err(IdError::CheckDigit);
        }
        Ok(MunicipalityCode(out))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The two-digit prefecture code (JIS X 0401), e.g. "13" for Tokyo.
    pub fn prefecture(&self) -> &str {
        &self.as_str()[..2]
    }
}

/// s = 6a + 5b + 4c + 3d + 2e; check = (11 − s mod 11) mod 10.
pub fn check_digit(body: &[u8; 5]) -> u8 {
    let s: u32 = body.iter().zip([6u32, 5, 4, 3, 2]).map(|(d, w)| u32::from(d - b'0') * w).sum();
    ((11 - s % 11) % 10) as u8
}

impl fmt::Display for MunicipalityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for MunicipalityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MunicipalityCode({})", self.as_str())
    }
}

impl TryFrom<String> for MunicipalityCode {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}

impl From<MunicipalityCode> for String {
    fn from(c: MunicipalityCode) -> String {
        c.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn primer_examples() {
        for code in ["131016", "011002", "141003", "271004", "130001"] {
            assert!(MunicipalityCode::parse(code).is_ok(), "{code}");
        }
        assert_eq!(MunicipalityCode::parse("131017"), Err(IdError::CheckDigit));
        assert_eq!(MunicipalityCode::parse("131016").unwrap().prefecture(), "13");
    }

    proptest! {
        #[test]
        fn every_body_has_one_valid_code(body in 0u32..100_000) {
            let s = format!("{body:05}");
            let valid = (0..10).filter(|d| MunicipalityCode::parse(&format!("{s}{d}")).is_ok()).count();
            prop_assert_eq!(valid, 1);
        }

        #[test]
        fn serde_round_trip(body in 0u32..100_000) {
            let s = format!("{body:05}");
            let b: &[u8; 5] = s.as_bytes().try_into().unwrap();
            let code = MunicipalityCode::parse(&format!("{s}{}", check_digit(b))).unwrap();
            let json = format!("\"{code}\"");
            let back: MunicipalityCode = serde_json_like(&json);
            prop_assert_eq!(back, code);
        }

        #[test]
        fn never_panics(s in "\\PC{0,10}") {
            let _ = MunicipalityCode::parse(&s);
        }
    }

    // The protocol crate has no JSON dependency; round-trip through String instead.
    fn serde_json_like(quoted: &str) -> MunicipalityCode {
        MunicipalityCode::try_from(quoted.trim_matches('"').to_owned()).unwrap()
    }
}
