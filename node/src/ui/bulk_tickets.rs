//! The consent statements of bulk inquiries between the two steps of the page: the desk
//! states the batch's consent (a form, checked), then uploads the file to a one-time
//! ticket URL. The statement never travels in a URL; a ticket is random, bound to its
//! user, used once, and forgotten after an hour. Bounded, in memory.

use crate::api::inquiry_input::Consent;
use std::collections::HashMap;
use std::sync::Mutex;

const TTL_SECS: i64 = 3600;
const CAPACITY: usize = 1000;

#[derive(Debug, Default)]
pub struct BulkTickets {
    map: Mutex<HashMap<String, (i64, Consent, i64)>>,
}

impl BulkTickets {
    /// Keeps `consent` for `user_id`; the ticket to upload with.
    pub fn issue(&self, user_id: i64, consent: Consent, now: i64) -> Option<String> {
        let ticket = crate::vaccinations::random_id();
        let mut map = self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.retain(|_, (_, _, at)| now - *at < TTL_SECS);
        if map.len() >= CAPACITY {
            return None;
        }
        map.insert(ticket.clone(), (user_id, consent, now));
        Some(ticket)
    }

    /// The consent of a live ticket of this user, which is used up.
    pub fn take(&self, ticket: &str, user_id: i64, now: i64) -> Option<Consent> {
        let mut map = self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match map.get(ticket) {
            Some((owner, _, at)) if *owner == user_id && now - *at < TTL_SECS => map.remove(ticket).map(|(_, c, _)| c),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrs_protocol::messages::ConsentBasis;

    fn consent() -> Consent {
        Consent { basis: ConsentBasis::Consent, method: "written".into(), obtained_at_ms: 1, reason: None }
    }

    #[test]
    fn a_ticket_is_its_users_once_within_the_hour() {
        let t = BulkTickets::default();
        let a = t.issue(1, consent(), 100).unwrap();
        assert!(t.take(&a, 2, 101).is_none(), "another user");
        assert!(t.take(&a, 1, 101).is_some());
        assert!(t.take(&a, 1, 102).is_none(), "used up");
        let b = t.issue(1, consent(), 100).unwrap();
        assert!(t.take(&b, 1, 100 + TTL_SECS).is_none(), "expired");
    }
}
