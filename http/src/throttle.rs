//! A limiter of failed attempts per key (a client address), held in memory and bounded.
//!
//! It is the generic cell rate algorithm: each failure pushes the key's "theoretical
//! arrival time" (`tat`) one emission interval (`window / max_failures`) into the future;
//! a key is blocked while `tat` lies more than `window - interval` ahead. So `max_failures`
//! failures may come at once, then one more per interval, and an idle key is forgotten as
//! soon as its `tat` has passed. One `Instant` per key: a million tracked addresses would
//! cost ~40 MB, and the table is capped well below that.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys tracked at most; when full, forgotten keys are purged, then the quietest dropped.
pub const DEFAULT_MAX_KEYS: usize = 65_536;

#[derive(Debug)]
pub struct Throttle<K> {
    interval: Duration,
    /// How far ahead of now `tat` may be and still let an attempt through.
    tolerance: Duration,
    max_keys: usize,
    tat: Mutex<HashMap<K, Instant>>,
}

/// What recording a failure did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The key may still try.
    Counted,
    /// This failure used the key's last allowance: it is blocked from now on.
    NowBlocked,
}

impl<K: Hash + Eq + Clone> Throttle<K> {
    /// Allows `max_failures` failures at once and `max_failures` per `window` after that.
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self::with_capacity(max_failures, window, DEFAULT_MAX_KEYS)
    }

    pub fn with_capacity(max_failures: u32, window: Duration, max_keys: usize) -> Self {
        let interval = window / max_failures.max(1);
        Throttle {
            interval,
            tolerance: window.saturating_sub(interval),
            max_keys: max_keys.max(1),
            tat: Mutex::default(),
        }
    }

    /// `Some(wait)` while `key` is blocked: how long until it may try again.
    pub fn blocked(&self, key: &K) -> Option<Duration> {
        self.blocked_at(key, Instant::now())
    }

    pub fn blocked_at(&self, key: &K, now: Instant) -> Option<Duration> {
        let table = self.lock();
        let allowed_from = table.get(key)?.checked_sub(self.tolerance)?;
        (allowed_from > now).then(|| allowed_from - now)
    }

    /// Counts one failed attempt by `key`.
    pub fn fail(&self, key: &K) -> Failure {
        self.fail_at(key, Instant::now())
    }

    pub fn fail_at(&self, key: &K, now: Instant) -> Failure {
        let mut table = self.lock();
        if !table.contains_key(key) && table.len() >= self.max_keys {
            make_room(&mut table, now, self.max_keys);
        }
        let tat = table.entry(key.clone()).or_insert(now);
        *tat = (*tat).max(now) + self.interval;
        if *tat > now + self.tolerance { Failure::NowBlocked } else { Failure::Counted }
    }

    /// Keys tracked now (forgotten ones included until the next purge).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Instant>> {
        // The table holds no invariant a panicking holder could break: keep using it.
        self.tat.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Purges every key whose failures have all expired; if none has, drops the key that would
/// be unblocked soonest (an attacker cycling addresses loses its oldest, not our memory).
fn make_room<K: Hash + Eq + Clone>(table: &mut HashMap<K, Instant>, now: Instant, max_keys: usize) {
    table.retain(|_, tat| *tat > now);
    if table.len() >= max_keys
        && let Some(victim) = table.iter().min_by_key(|(_, tat)| **tat).map(|(k, _)| k.clone())
    {
        table.remove(&victim);
    }
}

/// The key a client address is throttled under: IPv4 as it is; IPv6 by its /64, the
/// block one subscriber usually holds (an attacker gets 2^64 addresses, not 2^64 tries).
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn a_burst_of_max_failures_then_one_per_interval() {
        let t = Throttle::new(10, MINUTE);
        let now = Instant::now();
        for i in 0..9 {
            assert_eq!(t.fail_at(&"a", now), Failure::Counted, "failure {i}");
            assert_eq!(t.blocked_at(&"a", now), None);
        }
        assert_eq!(t.fail_at(&"a", now), Failure::NowBlocked);
        assert_eq!(t.blocked_at(&"a", now), Some(Duration::from_secs(6)));
        assert_eq!(t.blocked_at(&"a", now + Duration::from_secs(5)), Some(Duration::from_secs(1)));
        // Other keys are not affected.
        assert_eq!(t.blocked_at(&"b", now), None);
        // One interval later one more try is allowed; failing it blocks again.
        let later = now + Duration::from_secs(6);
        assert_eq!(t.blocked_at(&"a", later), None);
        assert_eq!(t.fail_at(&"a", later), Failure::NowBlocked);
        assert_eq!(t.blocked_at(&"a", later), Some(Duration::from_secs(6)));
    }

    #[test]
    fn failures_spread_over_the_window_never_block() {
        let t = Throttle::new(10, MINUTE);
        let start = Instant::now();
        for i in 0..100 {
            let at = start + Duration::from_secs(6 * i);
            assert_eq!(t.fail_at(&1u8, at), Failure::Counted);
            assert_eq!(t.blocked_at(&1u8, at), None);
        }
    }

    #[test]
    fn the_table_stays_bounded() {
        let t = Throttle::with_capacity(3, MINUTE, 100);
        let now = Instant::now();
        for k in 0..10_000u32 {
            t.fail_at(&k, now + Duration::from_millis(u64::from(k)));
            assert!(t.len() <= 100);
        }
        // The newest keys are still tracked.
        assert_eq!(t.fail_at(&9_999, now + Duration::from_secs(10)), Failure::Counted);
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_bit_prefix() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(client_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }
}
