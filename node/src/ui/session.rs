//! Browser sessions: the decisions, apart from storage (`db::web_sessions`) and HTTP.
//!
//! The cookie carries 32 random bytes; the database keeps only their SHA-256, so a copy of
//! it opens no session. Everything else a session needs is derived from the token with
//! HMAC-SHA256 under a label: the CSRF token put in every form (the synchronizer-token
//! pattern without storage: an attacker's page can neither read it nor compute it) and
//! the key that seals the opaque resident handles of the pages' URLs (`handles`). A
//! session ends when idle for `idle_secs` or `absolute_secs` after sign-in.

use crate::config::WebSettings;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use std::fmt;

/// The session cookie.
pub const COOKIE: &str = "vrs_session";
/// The sign-in form's own token (double-submit: the form field must equal this cookie),
/// so another site cannot sign a browser in to an account of its choosing.
pub const PRE_COOKIE: &str = "vrs_pre";
/// The form field (and the `X-CSRF-Token` header for uploads) carrying the CSRF token.
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "X-CSRF-Token";
/// `last_seen_at` is written at most this often, not on every page.
const TOUCH_EVERY_SECS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub idle_secs: i64,
    pub absolute_secs: i64,
}

impl Policy {
    pub fn from_settings(s: &WebSettings) -> Self {
        Policy { idle_secs: s.idle_timeout_secs, absolute_secs: s.absolute_timeout_secs }
    }

    pub fn expires_at(&self, signed_in_at: i64) -> i64 {
        signed_in_at + self.absolute_secs
    }

    /// A session last used at or before this time is over.
    pub fn idle_since(&self, now: i64) -> i64 {
        now - self.idle_secs
    }

    /// Whether a session last used at `last_seen` (at `signed_in_at`) is still live.
    pub fn is_live(&self, signed_in_at: i64, last_seen: i64, now: i64) -> bool {
        now < self.expires_at(signed_in_at) && last_seen > self.idle_since(now)
    }

    /// Whether this use should be written back (so the idle clock restarts).
    pub fn needs_touch(&self, last_seen: i64, now: i64) -> bool {
        now - last_seen >= TOUCH_EVERY_SECS.min(self.idle_secs / 4).max(1)
    }
}

/// A session's secret token, as in the cookie. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

impl Token {
    pub fn generate() -> Result<Self, ring::error::Unspecified> {
        let mut raw = [0u8; 32];
        SystemRandom::new().fill(&mut raw)?;
        Ok(Token(hex::encode(raw)))
    }

    /// A cookie value of the right form (64 lower-case hex digits); anything else is no session.
    pub fn from_cookie(value: &str) -> Option<Self> {
        (value.len() == 64 && value.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
            .then(|| Token(value.to_owned()))
    }

    pub fn cookie_value(&self) -> &str {
        &self.0
    }

    /// What the database stores.
    pub fn hash(&self) -> Vec<u8> {
        ring::digest::digest(&ring::digest::SHA256, self.0.as_bytes()).as_ref().to_vec()
    }

    fn derive(&self, label: &str) -> hmac::Tag {
        hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, self.0.as_bytes()), label.as_bytes())
    }

    /// The CSRF token of this session.
    pub fn csrf(&self) -> String {
        hex::encode(&self.derive("vrs ui csrf v1").as_ref()[..16])
    }

    /// Compares in constant time.
    pub fn csrf_matches(&self, presented: &str) -> bool {
        equal_constant_time(self.csrf().as_bytes(), presented.as_bytes())
    }

    /// The key sealing this session's resident handles.
    pub fn handle_key(&self) -> [u8; 32] {
        let mut k = [0u8; 32];
        k.copy_from_slice(self.derive("vrs ui handles v1").as_ref());
        k
    }
}

/// A fresh random value for the sign-in form's double-submit cookie.
pub fn pre_token() -> Result<String, ring::error::Unspecified> {
    Ok(Token::generate()?.0)
}

/// Byte equality whose time does not depend on where the first difference is.
pub fn equal_constant_time(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Policy = Policy { idle_secs: 1800, absolute_secs: 36_000 };

    #[test]
    fn idle_and_absolute_expiry() {
        let t0 = 1_000_000;
        assert!(P.is_live(t0, t0, t0 + 1));
        assert!(P.is_live(t0, t0, t0 + 1799));
        assert!(!P.is_live(t0, t0, t0 + 1800), "idle for exactly the timeout");
        // Used every 20 minutes: alive until the absolute limit, not after.
        assert!(P.is_live(t0, t0 + 35_000, t0 + 35_999));
        assert!(!P.is_live(t0, t0 + 35_999, t0 + 36_000));
        assert_eq!(P.expires_at(t0), t0 + 36_000);
    }

    #[test]
    fn touches_at_most_once_a_minute() {
        assert!(!P.needs_touch(100, 159));
        assert!(P.needs_touch(100, 160));
        let short = Policy { idle_secs: 20, absolute_secs: 100 };
        assert!(short.needs_touch(100, 105), "a short idle timeout is refreshed more often");
    }

    #[test]
    fn tokens_are_random_and_checked_in_form() {
        let (a, b) = (Token::generate().unwrap(), Token::generate().unwrap());
        assert_ne!(a, b);
        assert_eq!(Token::from_cookie(a.cookie_value()), Some(a.clone()));
        assert_eq!(Token::from_cookie(&a.cookie_value().to_uppercase()), None);
        assert_eq!(Token::from_cookie(&a.cookie_value()[1..]), None);
        assert_eq!(Token::from_cookie(""), None);
        assert_eq!(a.hash().len(), 32);
        assert!(!format!("{a:?}").contains(a.cookie_value()));
    }

    #[test]
    fn csrf_is_per_session_and_checked() {
        let (a, b) = (Token::generate().unwrap(), Token::generate().unwrap());
        assert_eq!(a.csrf().len(), 32);
        assert_eq!(a.csrf(), a.csrf(), "stable within a session");
        assert_ne!(a.csrf(), b.csrf());
        assert!(a.csrf_matches(&a.csrf()));
        assert!(!a.csrf_matches(&b.csrf()));
        assert!(!a.csrf_matches(""));
        assert!(!a.csrf_matches(&a.csrf()[..31]));
        assert_ne!(a.handle_key(), b.handle_key());
    }

    #[test]
    fn constant_time_equality() {
        assert!(equal_constant_time(b"abc", b"abc"));
        assert!(!equal_constant_time(b"abc", b"abd"));
        assert!(!equal_constant_time(b"abc", b"abcd"));
    }
}
