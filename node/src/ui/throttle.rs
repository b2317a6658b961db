//! Throttling failed sign-ins, per user name and per client address: after `limit`
//! failures within a window, further attempts are refused, without checking the password,
//! until the window has passed. Kept in memory (one node is one process): a failure costs
//! no database write, and the maps are bounded so that a flood of addresses cannot grow them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_user: u32,
    pub per_address: u32,
    pub window_secs: i64,
    /// Entries kept per map.
    pub capacity: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { per_user: 5, per_address: 20, window_secs: 15 * 60, capacity: 10_000 }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    window_start: i64,
}

#[derive(Debug, Default)]
struct Counter {
    map: HashMap<String, Entry>,
}

impl Counter {
    /// Seconds until `key` may try again, when it is at its limit.
    fn wait(&self, key: &str, limit: u32, window: i64, now: i64) -> Option<i64> {
        let e = self.map.get(key)?;
        let ends = e.window_start + window;
        (e.failures >= limit && now < ends).then_some(ends - now)
    }

    fn fail(&mut self, key: String, window: i64, now: i64, capacity: usize) {
        if !self.map.contains_key(&key) && self.map.len() >= capacity {
            self.map.retain(|_, e| now < e.window_start + window);
            if self.map.len() >= capacity
                && let Some(oldest) = self.map.iter().min_by_key(|(_, e)| e.window_start).map(|(k, _)| k.clone())
            {
                self.map.remove(&oldest);
            }
        }
        let e = self.map.entry(key).or_insert(Entry { failures: 0, window_start: now });
        if now >= e.window_start + window {
            *e = Entry { failures: 0, window_start: now };
        }
        e.failures = e.failures.saturating_add(1);
    }
}

#[derive(Debug, Default)]
pub struct Throttle {
    limits: Limits,
    users: Mutex<Counter>,
    addresses: Mutex<Counter>,
}

fn lock(m: &Mutex<Counter>) -> MutexGuard<'_, Counter> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// User names compare as the sign-in form compares them.
fn user_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// An IPv6 client is counted by its /64 (one host usually holds a whole /64).
pub fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

impl Throttle {
    pub fn new(limits: Limits) -> Self {
        Throttle { limits, ..Throttle::default() }
    }

    /// Seconds to wait before this user name (if any) from this address may try again.
    pub fn wait(&self, user: Option<&str>, address: &str, now: i64) -> Option<i64> {
        let l = &self.limits;
        let by_user = user.and_then(|u| lock(&self.users).wait(&user_key(u), l.per_user, l.window_secs, now));
        let by_addr = lock(&self.addresses).wait(address, l.per_address, l.window_secs, now);
        by_user.max(by_addr)
    }

    pub fn failed(&self, user: Option<&str>, address: &str, now: i64) {
        let l = &self.limits;
        if let Some(u) = user {
            lock(&self.users).fail(user_key(u), l.window_secs, now, l.capacity);
        }
        lock(&self.addresses).fail(address.to_owned(), l.window_secs, now, l.capacity);
    }

    /// A successful sign-in clears the user's count (not the address's: one success
    /// must not reopen an address that guesses at other accounts).
    pub fn succeeded(&self, user: &str) {
        lock(&self.users).map.remove(&user_key(user));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Throttle {
        Throttle::new(Limits { per_user: 3, per_address: 5, window_secs: 100, capacity: 4 })
    }

    #[test]
    fn a_user_is_locked_after_the_limit_until_the_window_ends() {
        let t = small();
        for i in 0..3 {
            assert_eq!(t.wait(Some("clerk"), "10.0.0.1", 1000 + i), None);
            t.failed(Some("clerk"), "10.0.0.1", 1000 + i);
        }
        assert_eq!(t.wait(Some("clerk"), "10.0.0.2", 1010), Some(90), "from any address");
        assert_eq!(t.wait(Some(" CLERK "), "10.0.0.2", 1010), Some(90), "names compare as typed");
        assert_eq!(t.wait(Some("other"), "10.0.0.2", 1010), None);
        assert_eq!(t.wait(Some("clerk"), "10.0.0.2", 1100), None, "the window has passed");
        t.failed(Some("clerk"), "10.0.0.2", 1100);
        assert_eq!(t.wait(Some("clerk"), "10.0.0.2", 1101), None, "a new window starts from one failure");
    }

    #[test]
    fn an_address_is_locked_across_user_names() {
        let t = small();
        for i in 0..5 {
            t.failed(Some(&format!("user{i}")), "10.0.0.9", 2000);
        }
        assert_eq!(t.wait(Some("fresh"), "10.0.0.9", 2001), Some(99));
        assert_eq!(t.wait(None, "10.0.0.9", 2001), Some(99), "token sign-in counts by address alone");
        assert_eq!(t.wait(Some("fresh"), "10.0.0.8", 2001), None);
    }

    #[test]
    fn success_clears_the_user_but_not_the_address() {
        let t = small();
        for _ in 0..3 {
            t.failed(Some("clerk"), "10.0.0.1", 0);
        }
        t.succeeded("clerk");
        assert_eq!(t.wait(Some("clerk"), "10.0.0.3", 1), None);
        t.failed(None, "10.0.0.1", 1);
        t.failed(None, "10.0.0.1", 1);
        assert_eq!(t.wait(None, "10.0.0.1", 2), Some(98));
    }

    #[test]
    fn maps_stay_bounded() {
        let t = small();
        for i in 0..50 {
            t.failed(None, &format!("10.0.1.{i}"), i);
        }
        assert!(lock(&t.addresses).map.len() <= 4);
        assert!(lock(&t.addresses).map.contains_key("10.0.1.49"), "the newest is kept");
    }

    #[test]
    fn ipv6_by_prefix() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_eq!(address_key("::ffff:10.1.2.3".parse().unwrap()), "10.1.2.3");
    }
}
