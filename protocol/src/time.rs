//! Timestamps on the wire are unix milliseconds (`u64`), UTC.

use std::time::{SystemTime, UNIX_EPOCH};

/// The current time in unix milliseconds; 0 if the clock is before 1970.
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)).unwrap_or(0)
}
