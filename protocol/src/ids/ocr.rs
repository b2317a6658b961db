//! The 18-digit OCR line printed on a vaccination coupon (接種券):
//! `券種(1) 回数(1) 市町村コード(6) 券番号(10)`. Sites read it by camera, barcode or hand,
//! so every part is checked here; whether the municipality exists is the node's question
//! (it ships the municipality master).

use super::{CouponNumber, IdError, MunicipalityCode};
use std::fmt;

/// A parsed OCR line. The coupon number is personal (it finds a person), so `Debug`
/// shows the municipality and dose only.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct OcrLine {
    pub coupon_type: u8,
    pub dose: u8,
    pub municipality: MunicipalityCode,
    pub coupon: CouponNumber,
}

/// Why an OCR line was refused. Messages never quote the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OcrError {
    #[error("the OCR line must be 18 digits")]
    WrongLength,
    #[error("the OCR line must contain digits only")]
    NotDigits,
    #[error("the dose number (回数, 2nd digit) must be 1 or more")]
    DoseZero,
    #[error("the municipality code (digits 3-8) fails its check digit")]
    MunicipalityCheckDigit,
}

impl OcrLine {
    /// Accepts exactly 18 ASCII digits (surrounding whitespace is ignored: barcode
    /// readers often append a newline).
    pub fn parse(s: &str) -> Result<Self, OcrError> {
        let s = s.trim();
        if s.chars().count() != 18 {
            return Err(OcrError::WrongLength);
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(OcrError::NotDigits);
        }
        let b = s.as_bytes();
        let dose = b[1] - b'0';
        if dose == 0 {
            return Err(OcrError::DoseZero);
        }
        let municipality = MunicipalityCode::parse(&s[2..8]).map_err(|e| match e {
            IdError::CheckDigit => OcrError::MunicipalityCheckDigit,
            _ => OcrError::NotDigits,
        })?;
        let coupon = CouponNumber::parse(&s[8..18]).map_err(|_| OcrError::NotDigits)?;
        Ok(OcrLine { coupon_type: b[0] - b'0', dose, municipality, coupon })
    }

    /// The line as printed (18 digits).
    pub fn to_digits(&self) -> String {
        format!("{}{}{}{}", self.coupon_type, self.dose, self.municipality, self.coupon)
    }
}

impl fmt::Debug for OcrLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OcrLine(type {}, dose {}, {}, ****)", self.coupon_type, self.dose, self.municipality)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parts_and_each_refusal() {
        let l = OcrLine::parse("121310160000000042").unwrap();
        assert_eq!((l.coupon_type, l.dose, l.municipality.as_str(), l.coupon.as_str()), (1, 2, "131016", "0000000042"));
        assert_eq!(l.to_digits(), "121310160000000042");
        assert_eq!(OcrLine::parse(" 121310160000000042\r\n"), Ok(l));
        assert_eq!(OcrLine::parse("12131016000000004"), Err(OcrError::WrongLength));
        assert_eq!(OcrLine::parse("1213101600000000421"), Err(OcrError::WrongLength));
        assert_eq!(OcrLine::parse(""), Err(OcrError::WrongLength));
        assert_eq!(OcrLine::parse("12131016000000004A"), Err(OcrError::NotDigits));
        assert_eq!(OcrLine::parse("１21310160000000042"), Err(OcrError::NotDigits));
        assert_eq!(OcrLine::parse("121310170000000042"), Err(OcrError::MunicipalityCheckDigit));
        assert_eq!(OcrLine::parse("101310160000000042"), Err(OcrError::DoseZero));
        assert!(!format!("{l:?}").contains("0000000042"), "Debug must not show the coupon number");
    }

    proptest! {
        #[test]
        fn valid_lines_round_trip(t in 0u8..10, dose in 1u8..10, body in 0u32..100_000, coupon in 0u64..10_000_000_000) {
            let body = format!("{body:05}");
            let b: &[u8; 5] = body.as_bytes().try_into().unwrap();
            let line = format!("{t}{dose}{body}{}{coupon:010}", crate::ids::municipality::check_digit(b));
            let parsed = OcrLine::parse(&line).unwrap();
            prop_assert_eq!(parsed.to_digits(), line);
            prop_assert_eq!(parsed.dose, dose);
        }

        #[test]
        fn municipality_check_agrees_with_the_code_type(body in 0u32..100_000, pos in 2usize..8, delta in 1u8..10) {
            let body = format!("{body:05}");
            let b: &[u8; 5] = body.as_bytes().try_into().unwrap();
            let mut line = format!("11{body}{}0000000001", crate::ids::municipality::check_digit(b)).into_bytes();
            line[pos] = b'0' + (line[pos] - b'0' + delta) % 10;
            let line = String::from_utf8(line).unwrap();
            // The check digit catches most single-digit misreads, not all (mod 11, then mod 10).
            let code_ok = MunicipalityCode::parse(&line[2..8]).is_ok();
            prop_assert_eq!(OcrLine::parse(&line).is_ok(), code_ok);
            if pos == 7 {
                prop_assert_eq!(OcrLine::parse(&line), Err(OcrError::MunicipalityCheckDigit));
            }
        }

        #[test]
        fn never_panics(s in "\\PC{0,24}") {
            let _ = OcrLine::parse(&s);
        }
    }
}
