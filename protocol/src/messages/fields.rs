//! Serde for identifier types that deliberately have no serde of their own (a `MyNumber`
//! must not serialise into a log or an API answer by accident), and field checks shared by
//! the messages. Only sealed payloads use these.

use crate::ids::{CouponNumber, MyNumber, Sex};
use serde::de::Error;
use serde::{Deserialize, Deserializer, Serializer};

pub mod my_number {
    use super::*;
    pub fn serialize<S: Serializer>(n: &MyNumber, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(n.expose())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<MyNumber, D::Error> {
        let s = String::deserialize(d)?;
        // The refused value is never put in the error: it may be a real My Number.
        MyNumber::parse(&s).map_err(|_| D::Error::custom("invalid my_number"))
    }
}

pub mod coupon {
    use super::*;
    pub fn serialize<S: Serializer>(c: &CouponNumber, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(c.as_str())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<CouponNumber, D::Error> {
        let s = String::deserialize(d)?;
        CouponNumber::parse(&s).map_err(|_| D::Error::custom("invalid coupon number"))
    }
}

/// ISO 5218 code (0, 1, 2, 9) as one number.
pub mod sex {
    use super::*;
    pub fn serialize<S: Serializer>(x: &Sex, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(x.iso_code())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Sex, D::Error> {
        let n = u8::deserialize(d)?;
        Sex::from_iso_code(i16::from(n)).ok_or_else(|| D::Error::custom("invalid sex code"))
    }
}

/// Why a decoded message was refused after parsing. Names the field, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid field `{0}`")]
pub struct FieldError(pub &'static str);

/// Non-empty (when `required`), at most `max` bytes, no control characters.
pub(crate) fn check_text(field: &'static str, s: &str, max: usize, required: bool) -> Result<(), FieldError> {
    let bad = (required && s.trim().is_empty()) || s.len() > max || s.chars().any(char::is_control);
    if bad { Err(FieldError(field)) } else { Ok(()) }
}

/// Product codes are stable lower-case ASCII (`comirnaty`, `spikevax`, ...).
pub(crate) fn check_product(s: &str) -> Result<(), FieldError> {
    let ok =
        !s.is_empty() && s.len() <= 32 && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok { Ok(()) } else { Err(FieldError("product")) }
}

/// COVID-19 dose numbers as the coupon prints them: 1 to 9.
pub(crate) fn check_dose_number(n: u8) -> Result<(), FieldError> {
    if (1..=9).contains(&n) { Ok(()) } else { Err(FieldError("dose_number")) }
}
