//! API tokens: `vrs_` + 64 hex digits (256 random bits), shown once to whoever creates
//! them and stored only as their SHA-256. A slow KDF adds nothing here: nobody can guess
//! among 2^256 values, so a stolen table of hashes yields no token (passwords, which
//! people choose, are another matter and get a memory-hard hash elsewhere).

use ring::rand::{SecureRandom, SystemRandom};
use std::fmt;

const PREFIX: &str = "vrs_";

/// The longest `Authorization` value looked at; a real token is 68 characters.
pub const MAX_TOKEN_LEN: usize = 256;

/// A freshly issued token and the hash to store. The token does not print.
pub struct Issued {
    pub token: String,
    pub hash: [u8; 32],
}

impl fmt::Debug for Issued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Issued(vrs_****)")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the system random generator failed")]
pub struct RandomFailed;

/// Issues a new token from the system's CSPRNG.
pub fn issue() -> Result<Issued, RandomFailed> {
    let mut raw = [0u8; 32];
    SystemRandom::new().fill(&mut raw).map_err(|_| RandomFailed)?;
    let token = format!("{PREFIX}{}", hex::encode(raw));
    Ok(Issued { hash: hash(&token), token })
}

/// The stored form of a token.
pub fn hash(token: &str) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// What looking a presented token up found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenState<U> {
    Valid(U),
    /// Known, not revoked, but past its expiry (Unix seconds).
    Expired {
        at: i64,
    },
    /// Never issued, or revoked.
    Unknown,
}

impl<U> TokenState<U> {
    /// Decides from a stored row: `None` (no such hash, or revoked) is unknown; a row past
    /// `expires_at` is expired; otherwise the user.
    pub fn from_row(row: Option<(U, i64)>, now: i64) -> Self {
        match row {
            None => TokenState::Unknown,
            Some((_, expires_at)) if expires_at <= now => TokenState::Expired { at: expires_at },
            Some((user, _)) => TokenState::Valid(user),
        }
    }
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The expiry of a token issued at `now` (Unix seconds) for `days`.
pub fn expires_at(now: i64, days: u32) -> i64 {
    now.saturating_add(i64::from(days) * 86_400)
}

/// A UTC `YYYY-MM-DD` for messages and listings.
pub fn utc_date(unix_secs: i64) -> String {
    chrono::DateTime::from_timestamp(unix_secs, 0).map_or_else(|| "never".into(), |d| d.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_hash_to_what_is_stored() {
        let a = issue().unwrap();
        let b = issue().unwrap();
        assert_ne!(a.token, b.token);
        assert!(a.token.starts_with("vrs_") && a.token.len() == 68);
        assert!(a.token[4..].bytes().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(hash(&a.token), a.hash);
        assert!(!format!("{a:?}").contains(&a.token[4..]));
    }

    #[test]
    fn state_from_a_stored_row() {
        assert_eq!(TokenState::<u8>::from_row(None, 100), TokenState::Unknown);
        assert_eq!(TokenState::from_row(Some((7u8, 101)), 100), TokenState::Valid(7));
        assert_eq!(TokenState::from_row(Some((7u8, 100)), 100), TokenState::Expired { at: 100 });
    }

    #[test]
    fn expiry_and_dates() {
        assert_eq!(expires_at(0, 90), 90 * 86_400);
        assert_eq!(expires_at(i64::MAX - 5, 1), i64::MAX);
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_735_689_599), "2024-12-31");
    }
}
