//! The `[auth]` settings section, the same on the node and the coordinator.

use crate::throttle::Throttle;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    /// Days an API token stays valid after it is issued or renewed.
    pub token_lifetime_days: u32,
    /// Users with a live (not revoked) token at most; VRS gave each municipality 10 IDs.
    pub max_users: u32,
    /// Wrong tokens one client address may present at once before it is answered 429 ...
    pub max_failed_attempts: u32,
    /// ... and per this many seconds after that.
    pub failed_attempts_window_secs: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            token_lifetime_days: 90,
            max_users: 10,
            max_failed_attempts: 10,
            failed_attempts_window_secs: 60,
        }
    }
}

/// The longest lifetime accepted (`--expires-in-days` too): ten years.
pub const MAX_LIFETIME_DAYS: u32 = 3_650;

impl AuthSettings {
    /// The first invalid field and why, if any.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if !(1..=MAX_LIFETIME_DAYS).contains(&self.token_lifetime_days) {
            return Err(("auth.token_lifetime_days", "must be 1..=3650"));
        }
        if !(1..=10_000).contains(&self.max_users) {
            return Err(("auth.max_users", "must be 1..=10000"));
        }
        if !(1..=10_000).contains(&self.max_failed_attempts) {
            return Err(("auth.max_failed_attempts", "must be 1..=10000"));
        }
        if !(1..=86_400).contains(&self.failed_attempts_window_secs) {
            return Err(("auth.failed_attempts_window_secs", "must be 1..=86400"));
        }
        Ok(())
    }

    /// The throttle of wrong bearer tokens these settings describe.
    pub fn token_throttle(&self) -> Throttle<IpAddr> {
        Throttle::new(self.max_failed_attempts, Duration::from_secs(self.failed_attempts_window_secs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bounds_name_the_field() {
        assert_eq!(AuthSettings::default().validate(), Ok(()));
        let s = AuthSettings { token_lifetime_days: 0, ..AuthSettings::default() };
        assert_eq!(s.validate().unwrap_err().0, "auth.token_lifetime_days");
        let s = AuthSettings { max_users: 0, ..AuthSettings::default() };
        assert_eq!(s.validate().unwrap_err().0, "auth.max_users");
        let s = AuthSettings { failed_attempts_window_secs: 0, ..AuthSettings::default() };
        assert_eq!(s.validate().unwrap_err().0, "auth.failed_attempts_window_secs");
    }
}
