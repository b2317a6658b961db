//! Recording doses: one code path (`record::record_many`, a batch decided against
//! set-wise reads; `record_one` is a batch of one) behind the site API (through the
//! group-committing [`writer`]), the batch CSV upload and, for matching, the residents
//! import. Everything here runs inside a caller's transaction.

pub mod batch;
pub mod delivered;
mod known;
pub mod ledger;
pub mod matching;
pub mod prior;
pub mod record;
pub mod review;
pub mod writer;

use ring::rand::{SecureRandom, SystemRandom};

/// The lifecycle of a dose record (`vaccinations.status`). Review is a separate flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Recorded,
    Unmatched,
    Queued,
    Forwarded,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 5] =
        [Status::Recorded, Status::Unmatched, Status::Queued, Status::Forwarded, Status::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Recorded => "recorded",
            Status::Unmatched => "unmatched",
            Status::Queued => "queued",
            Status::Forwarded => "forwarded",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// A random (v4) UUID from the system's secure generator: record and message ids must
/// not be guessable, since a site sees them.
pub fn new_id() -> String {
    let mut b = [0u8; 16];
    // SystemRandom only fails when the OS has no entropy source at all.
    SystemRandom::new().fill(&mut b).unwrap_or_else(|_| panic!("no system randomness"));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// True for the 8-4-4-4-12 lower-case hex form that [`new_id`] produces.
pub fn is_id(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| {
            if [8, 13, 18, 23].contains(&i) { b == b'-' } else { b.is_ascii_digit() || (b'a'..=b'f').contains(&b) }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_v4_and_distinct() {
        let (a, b) = (new_id(), new_id());
        assert!(is_id(&a) && is_id(&b) && a != b);
        assert_eq!(&a[14..15], "4");
        assert!(!is_id("not-an-id") && !is_id(&a.to_uppercase()));
    }
}
