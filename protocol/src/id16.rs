//! 16-byte random identifiers, shaped like UUID v4 so the node can store them in the same
//! columns as its record ids (`uuid::Uuid::from_bytes(id.to_bytes())`) without this crate
//! depending on `uuid`.

use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The system random source failed; nothing can be sealed or generated safely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the system random number generator failed")]
pub struct RngError;

pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], RngError> {
    let mut out = [0u8; N];
    SystemRandom::new().fill(&mut out).map_err(|_| RngError)?;
    Ok(out)
}

macro_rules! id16 {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; 16]);

        impl $name {
            /// A fresh random id (UUID v4 layout: version and variant bits set).
            pub fn random() -> Result<Self, RngError> {
                let mut b: [u8; 16] = random_bytes()?;
                b[6] = (b[6] & 0x0f) | 0x40;
                b[8] = (b[8] & 0x3f) | 0x80;
                Ok(Self(b))
            }

            pub const fn from_bytes(b: [u8; 16]) -> Self {
                Self(b)
            }

            pub const fn to_bytes(self) -> [u8; 16] {
                self.0
            }

            /// Parses the hyphenated form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` or 32 hex digits.
            pub fn parse(s: &str) -> Option<Self> {
                let compact: String = s.chars().filter(|c| *c != '-').collect();
                let hyphens_ok = s.len() == 32
                    || (s.len() == 36 && [8, 13, 18, 23].iter().all(|i| s.as_bytes().get(*i) == Some(&b'-')));
                if !hyphens_ok {
                    return None;
                }
                let v = hex::decode(compact).ok()?;
                Some(Self(v.try_into().ok()?))
            }
        }

        /// Hyphenated lowercase hex, as UUIDs print.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let h = hex::encode(self.0);
                write!(f, "{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        /// The hyphenated string in human-readable formats, 16 raw bytes in binary ones.
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if s.is_human_readable() { s.collect_str(self) } else { crate::serde_hex::serialize(&self.0, s) }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                if d.is_human_readable() {
                    let s = String::deserialize(d)?;
                    Self::parse(&s).ok_or_else(|| serde::de::Error::custom(concat!("invalid ", stringify!($name))))
                } else {
                    crate::serde_hex::deserialize(d).map(Self)
                }
            }
        }
    };
}

id16! {
    /// Identifies one envelope. Unique per sender; the replay guard keys on it.
    MessageId
}

id16! {
    /// An application-level id that outlives any one envelope: a dose record's id (the
    /// home node's idempotency key across redeliveries) or an inquiry's id.
    RecordId
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn random_ids_are_v4_shaped_and_differ() {
        let a = MessageId::random().unwrap();
        let b = MessageId::random().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.to_bytes()[6] >> 4, 4);
        assert_eq!(a.to_bytes()[8] >> 6, 0b10);
    }

    proptest! {
        #[test]
        fn text_and_binary_round_trip(b in any::<[u8; 16]>()) {
            let id = RecordId::from_bytes(b);
            prop_assert_eq!(RecordId::parse(&id.to_string()), Some(id));
            let json = serde_json::to_string(&id).unwrap();
            prop_assert_eq!(serde_json::from_str::<RecordId>(&json).unwrap(), id);
            let bin = postcard::to_allocvec(&id).unwrap();
            prop_assert_eq!(bin.len(), 17);
            prop_assert_eq!(postcard::from_bytes::<RecordId>(&bin).unwrap(), id);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = MessageId::parse(&s);
        }
    }
}
