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

/// A time-ordered (v7) UUID for a stored record: 48 bits of Unix milliseconds, then 74
/// bits from the system's secure generator, so ids stay unguessable (a site sees them).
/// Ids that grow with time put every new dose at the end of the `vaccinations` key and of
/// the indexes that end in it; random ids put each dose on six random pages of the
/// b-trees, and made ~50 KB of WAL per dose.
pub fn new_id() -> String {
    let mut b = random_16();
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    hyphenated(b, 0x70)
}

/// A random (v4) UUID, for ids that leave the node or open something (message ids the
/// coordinator relays, one-time tickets): they say nothing of when they were made.
pub fn random_id() -> String {
    hyphenated(random_16(), 0x40)
}

fn random_16() -> [u8; 16] {
    let mut b = [0u8; 16];
    // SystemRandom only fails when the OS has no entropy source at all.
    SystemRandom::new().fill(&mut b).unwrap_or_else(|_| panic!("no system randomness"));
    b
}

/// The 8-4-4-4-12 form, with the version nibble and the RFC 9562 variant bits set.
fn hyphenated(mut b: [u8; 16], version: u8) -> String {
    b[6] = (b[6] & 0x0f) | version;
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
    fn ids_are_v7_distinct_and_grow_with_time() {
        let (a, b) = (new_id(), new_id());
        assert!(is_id(&a) && is_id(&b) && a != b);
        assert_eq!(&a[14..15], "7");
        assert!("89ab".contains(&a[19..20]), "variant of {a}");
        assert!(!is_id("not-an-id") && !is_id(&a.to_uppercase()));
        std::thread::sleep(std::time::Duration::from_millis(2));
        let later = new_id();
        assert!(later > a && later > b, "{later} made after {a} and {b}");
        // The first 48 bits are this millisecond.
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
        let ms = u64::from_str_radix(&later[..8], 16).unwrap() << 16 | u64::from_str_radix(&later[9..13], 16).unwrap();
        assert!(now.abs_diff(ms) < 1000, "{later} says {ms}, now is {now}");
    }

    #[test]
    fn random_ids_are_v4_and_distinct() {
        let (a, b) = (random_id(), random_id());
        assert!(is_id(&a) && is_id(&b) && a != b);
        assert_eq!(&a[14..15], "4");
        assert!("89ab".contains(&a[19..20]), "variant of {a}");
    }
}
