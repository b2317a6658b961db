//! Validated identifiers. Each `parse` accepts exactly the documented form and returns
//! an [`IdError`] whose `code()` is a stable snake_case string for API errors.

mod atena;
mod coupon;
mod municipality;
mod my_number;
mod ocr;
mod sex;

pub use atena::Atena;
pub use coupon::CouponNumber;
pub use municipality::MunicipalityCode;
pub use my_number::MyNumber;
pub use ocr::{OcrError, OcrLine};
pub use sex::Sex;

/// Why an identifier was refused. Messages never contain the refused value, because the
/// value may be personal data that would otherwise reach an error log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("must be {expected} digits")]
    WrongLength { expected: &'static str },
    #[error("must contain digits only")]
    NotDigits,
    #[error("check digit does not match")]
    CheckDigit,
    #[error("unknown code")]
    UnknownCode,
}

impl IdError {
    /// A stable code for the error envelope.
    pub fn code(&self) -> &'static str {
        match self {
            IdError::WrongLength { .. } | IdError::NotDigits => "invalid_format",
            IdError::CheckDigit => "invalid_check_digit",
            IdError::UnknownCode => "unknown_code",
        }
    }
}

/// Checks that `s` is ASCII digits only with a length in `min..=max`.
pub(crate) fn digits(s: &str, min: usize, max: usize, expected: &'static str) -> Result<(), IdError> {
    if s.len() < min || s.len() > max {
        // A non-ASCII digit string can have a byte length in range but not be digits;
        // report length first only when it is clearly wrong in characters too.
        if s.chars().count() < min || s.chars().count() > max {
            return Err(IdError::WrongLength { expected });
        }
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdError::NotDigits);
    }
    if s.len() < min || s.len() > max {
        return Err(IdError::WrongLength { expected });
    }
    Ok(())
}
