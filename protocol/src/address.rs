//! Who a message is from or for: a municipality's node, or the coordinator itself (which
//! asks nodes for statistics and receives audit checkpoints).

use crate::ids::MunicipalityCode;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// An envelope endpoint. On the wire, six ASCII digits: the municipality code, or
/// `000000` for the coordinator (its check digit is wrong, so no municipality has it).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Address {
    Coordinator,
    Node(MunicipalityCode),
}

pub(crate) const COORDINATOR_WIRE: [u8; 6] = *b"000000";

impl Address {
    pub fn to_wire(self) -> [u8; 6] {
        match self {
            Address::Coordinator => COORDINATOR_WIRE,
            Address::Node(code) => {
                let mut out = [0u8; 6];
                out.copy_from_slice(code.as_str().as_bytes());
                out
            }
        }
    }

    pub fn from_wire(b: &[u8; 6]) -> Option<Self> {
        if *b == COORDINATOR_WIRE {
            return Some(Address::Coordinator);
        }
        let s = std::str::from_utf8(b).ok()?;
        MunicipalityCode::parse(s).ok().map(Address::Node)
    }

    pub fn municipality(self) -> Option<MunicipalityCode> {
        match self {
            Address::Node(c) => Some(c),
            Address::Coordinator => None,
        }
    }
}

impl From<MunicipalityCode> for Address {
    fn from(c: MunicipalityCode) -> Self {
        Address::Node(c)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Coordinator => f.write_str("coordinator"),
            Address::Node(c) => f.write_str(c.as_str()),
        }
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({self})")
    }
}

/// Always the six-digit wire form, in every format.
impl Serialize for Address {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let w = self.to_wire();
        s.serialize_str(std::str::from_utf8(&w).unwrap_or("000000"))
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let b: [u8; 6] = s.as_bytes().try_into().map_err(|_| serde::de::Error::custom("address must be 6 digits"))?;
        Address::from_wire(&b).ok_or_else(|| serde::de::Error::custom("invalid address"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn coordinator_is_not_a_municipality() {
        assert!(MunicipalityCode::parse("000000").is_err());
        assert_eq!(Address::from_wire(b"000000"), Some(Address::Coordinator));
        let chiyoda = Address::Node(MunicipalityCode::parse("131016").unwrap());
        assert_eq!(Address::from_wire(&chiyoda.to_wire()), Some(chiyoda));
        assert_eq!(Address::from_wire(b"131017"), None);
        assert_eq!(serde_json::to_string(&chiyoda).unwrap(), "\"131016\"");
    }

    proptest! {
        #[test]
        fn from_wire_never_panics(b in any::<[u8; 6]>()) {
            if let Some(a) = Address::from_wire(&b) { prop_assert_eq!(a.to_wire(), b); }
        }
    }
}
