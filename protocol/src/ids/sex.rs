//! 性別 as ISO 5218: 1 male, 2 female, 0 not known, 9 not applicable.

use super::IdError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
    /// ISO 5218 code 0 (not known) or 9 (not applicable); the code is kept.
    Unknown(u8),
}

impl Sex {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        match s {
            "1" => Ok(Sex::Male),
            "2" => Ok(Sex::Female),
            "0" => Ok(Sex::Unknown(0)),
            "9" => Ok(Sex::Unknown(9)),
            _ => Err(IdError::UnknownCode),
        }
    }

    pub fn iso_code(self) -> u8 {
        match self {
            Sex::Male => 1,
            Sex::Female => 2,
            Sex::Unknown(c) => c,
        }
    }

    pub fn from_iso_code(code: i16) -> Option<Self> {
        u8::try_from(code).ok().and_then(|c| Self::parse(&c.to_string()).ok())
    }

    /// "M" / "F" / "U", as the API and the open data write it.
    pub fn letter(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
            Sex::Unknown(_) => "U",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        for (s, l) in [("1", "M"), ("2", "F"), ("0", "U"), ("9", "U")] {
            let sex = Sex::parse(s).unwrap();
            assert_eq!(sex.letter(), l);
            assert_eq!(Sex::from_iso_code(i16::from(sex.iso_code())), Some(sex));
        }
        for bad in ["", "3", "M", "01", " 1"] {
            assert!(Sex::parse(bad).is_err(), "{bad:?}");
        }
    }
}
