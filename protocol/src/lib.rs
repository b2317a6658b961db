#![doc = include_str!("../README.md")]

pub mod date;
pub mod ids;
pub mod kana;

pub use date::CivilDate;
pub use ids::{Atena, CouponNumber, IdError, MunicipalityCode, MyNumber, OcrError, OcrLine, Sex};
