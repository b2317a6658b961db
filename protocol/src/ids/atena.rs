//! 個別宛名番号: the municipality's own person id, 1–15 digits, kept exactly as written
//! (leading zeros are significant in some municipal systems).

use super::{IdError, digits};
use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Atena(String);

impl Atena {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        digits(s, 1, 15, "1 to 15")?;
        Ok(Atena(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// The atena is a municipal reference, not an identifier usable outside the node; staff
/// and the access log use it to say which record was touched.
impl fmt::Display for Atena {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Atena {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Atena({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn digits_round_trip(s in "[0-9]{1,15}") {
            let a = Atena::parse(&s).unwrap();
            prop_assert_eq!(a.as_str(), s.as_str());
        }

        #[test]
        fn others_refused(s in "|[0-9]{16,20}|[0-9]*[^0-9][0-9]*") {
            prop_assert!(Atena::parse(&s).is_err());
        }
    }
}
