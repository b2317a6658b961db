//! Error codes sent between peers. Deliberately a small closed enum apart from the local
//! `thiserror` errors: a peer learns what to do (retry, re-fetch the registry, give up),
//! never why in detail, and never anything about a person.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A wire error. The number is what goes on the wire (big-endian `u16`); the snake_case
/// name is what logs, metrics and JSON show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WireErrorCode {
    /// No enrolled node has the recipient's municipality code.
    UnknownRecipient,
    /// The peer (or the envelope's sender) is not in the registry, or was revoked.
    NotEnrolled,
    /// The envelope signature does not verify against the sender's registry key.
    BadSignature,
    /// This message id from this sender was already accepted (an idempotent duplicate).
    Replayed,
    /// `created_at` is outside the accepted time window (too old or in the future).
    Expired,
    /// Over a size limit.
    TooLarge,
    /// An inquiry without a verifiable consent statement.
    ConsentRequired,
    /// Could not be decoded, or a field is invalid.
    Malformed,
    /// The recipient is not reachable now; try later.
    Unavailable,
    /// Something went wrong on the answering side; nothing more is said.
    Internal,
    /// The envelope's sender code differs from the authenticated peer's code.
    SenderMismatch,
    /// The envelope reached a node that is not its recipient.
    WrongRecipient,
    /// Sealed to a key the recipient does not hold (e.g. before a key rotation): re-fetch
    /// the registry and seal again.
    Undecryptable,
    /// The version byte or protocol is not one this peer speaks.
    UnsupportedVersion,
    /// The peer sends faster than allowed.
    RateLimited,
    /// The recipient did not answer in time.
    Timeout,
    /// Contradicts what the receiver already holds (an audit checkpoint whose number is
    /// taken by a different one): not retried as is; the sender fetches the receiver's
    /// state and continues from it.
    Conflict,
}

const ALL: [WireErrorCode; 17] = {
    use WireErrorCode::*;
    [
        UnknownRecipient,
        NotEnrolled,
        BadSignature,
        Replayed,
        Expired,
        TooLarge,
        ConsentRequired,
        Malformed,
        Unavailable,
        Internal,
        SenderMismatch,
        WrongRecipient,
        Undecryptable,
        UnsupportedVersion,
        RateLimited,
        Timeout,
        Conflict,
    ]
};

impl WireErrorCode {
    /// Every code, in wire-number order.
    pub fn all() -> &'static [WireErrorCode] {
        &ALL
    }

    /// The wire number: 1-based position in [`all`](Self::all). Never reused.
    pub fn number(self) -> u16 {
        // `ALL` lists each variant once, so the position is always found.
        ALL.iter().position(|c| *c == self).map_or(0, |i| i as u16 + 1)
    }

    pub fn from_number(n: u16) -> Option<Self> {
        ALL.get(usize::from(n).checked_sub(1)?).copied()
    }

    pub fn as_str(self) -> &'static str {
        use WireErrorCode::*;
        match self {
            UnknownRecipient => "unknown_recipient",
            NotEnrolled => "not_enrolled",
            BadSignature => "bad_signature",
            Replayed => "replayed",
            Expired => "expired",
            TooLarge => "too_large",
            ConsentRequired => "consent_required",
            Malformed => "malformed",
            Unavailable => "unavailable",
            Internal => "internal",
            SenderMismatch => "sender_mismatch",
            WrongRecipient => "wrong_recipient",
            Undecryptable => "undecryptable",
            UnsupportedVersion => "unsupported_version",
            RateLimited => "rate_limited",
            Timeout => "timeout",
            Conflict => "conflict",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// Whether the sender should try again later with the same message (as opposed to
    /// fixing something first or giving up).
    pub fn is_transient(self) -> bool {
        matches!(self, WireErrorCode::Unavailable | WireErrorCode::Timeout | WireErrorCode::RateLimited)
    }
}

impl fmt::Display for WireErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Binary formats carry the number, human-readable ones the name.
impl Serialize for WireErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() { s.serialize_str(self.as_str()) } else { s.serialize_u16(self.number()) }
    }
}

impl<'de> Deserialize<'de> for WireErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        if d.is_human_readable() {
            let s = String::deserialize(d)?;
            Self::parse(&s).ok_or_else(|| D::Error::custom("unknown wire error code"))
        } else {
            let n = u16::deserialize(d)?;
            Self::from_number(n).ok_or_else(|| D::Error::custom("unknown wire error code"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_round_trip_and_are_unique() {
        let mut names = std::collections::HashSet::new();
        for (i, c) in WireErrorCode::all().iter().enumerate() {
            assert_eq!(usize::from(c.number()), i + 1);
            assert_eq!(WireErrorCode::from_number(c.number()), Some(*c));
            assert_eq!(WireErrorCode::parse(c.as_str()), Some(*c));
            assert!(names.insert(c.as_str()));
        }
        assert_eq!(WireErrorCode::from_number(0), None);
        assert_eq!(WireErrorCode::from_number(18), None);
        assert_eq!(WireErrorCode::Replayed.number(), 4);
    }

    #[test]
    fn serde_forms() {
        let json = serde_json::to_string(&WireErrorCode::ConsentRequired).unwrap();
        assert_eq!(json, "\"consent_required\"");
        let bin = postcard::to_allocvec(&WireErrorCode::ConsentRequired).unwrap();
        assert_eq!(bin, [7]);
        assert!(postcard::from_bytes::<WireErrorCode>(&[99]).is_err());
    }
}
