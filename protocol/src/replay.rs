//! Replay protection: a message is accepted once, and only inside its time window.
//!
//! The window depends on the kind's [`Delivery`]: interactive kinds (inquiries, stats)
//! must be no older than 5 minutes; store-and-forward kinds (doses, acks, checkpoints) may
//! wait in the coordinator's queue up to 7 days. Either may be at most 5 minutes in the
//! future (clock skew). The guard remembers `(sender, message id)` until the message would
//! be stale anyway, then forgets it, so memory is bounded by traffic × window and capped
//! by `max_entries`.
//!
//! The guard is in memory. A node that restarts should [`ReplayGuard::remember`] the ids
//! it accepted within the window (it stores them with the messages anyway); doses are
//! also idempotent by `dose_id`, so a replay across a restart changes nothing.

use crate::address::Address;
use crate::id16::MessageId;
use crate::messages::{Delivery, Kind};
use crate::wire_error::WireErrorCode;
use std::collections::{BTreeSet, HashMap};

const MINUTE_MS: u64 = 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayPolicy {
    pub max_future_skew_ms: u64,
    pub interactive_max_age_ms: u64,
    pub store_and_forward_max_age_ms: u64,
    pub max_entries: usize,
}

impl Default for ReplayPolicy {
    fn default() -> Self {
        ReplayPolicy {
            max_future_skew_ms: 5 * MINUTE_MS,
            interactive_max_age_ms: 5 * MINUTE_MS,
            store_and_forward_max_age_ms: 7 * 24 * 60 * MINUTE_MS,
            max_entries: 1 << 20,
        }
    }
}

impl ReplayPolicy {
    pub fn max_age_ms(&self, kind: Kind) -> u64 {
        match kind.delivery() {
            Delivery::Interactive => self.interactive_max_age_ms,
            Delivery::StoreAndForward => self.store_and_forward_max_age_ms,
        }
    }
}

/// Why the guard refused a message. Each is distinct on the wire too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// Already accepted from this sender: a redelivery, answer idempotently.
    #[error("message id already accepted")]
    Duplicate,
    /// Older than the kind's window.
    #[error("message too old")]
    Stale,
    /// Further in the future than the allowed skew.
    #[error("message dated in the future")]
    Future,
    /// `max_entries` ids are inside their windows: refuse rather than grow without bound.
    #[error("replay guard full")]
    Saturated,
}

impl ReplayError {
    pub fn wire_code(self) -> WireErrorCode {
        match self {
            ReplayError::Duplicate => WireErrorCode::Replayed,
            ReplayError::Stale | ReplayError::Future => WireErrorCode::Expired,
            ReplayError::Saturated => WireErrorCode::Unavailable,
        }
    }
}

type Key = (Address, MessageId);

#[derive(Debug, Default)]
pub struct ReplayGuard {
    policy: ReplayPolicy,
    /// key -> the time after which it can be forgotten.
    seen: HashMap<Key, u64>,
    /// (forget_at, key), oldest first, for eviction.
    by_expiry: BTreeSet<(u64, Key)>,
}

impl ReplayGuard {
    pub fn new(policy: ReplayPolicy) -> Self {
        ReplayGuard { policy, seen: HashMap::new(), by_expiry: BTreeSet::new() }
    }

    pub fn policy(&self) -> &ReplayPolicy {
        &self.policy
    }

    /// Ids currently remembered.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// Whether a message would be accepted now. Records nothing.
    pub fn check(
        &self,
        sender: Address,
        id: MessageId,
        kind: Kind,
        created_at_ms: u64,
        now_ms: u64,
    ) -> Result<(), ReplayError> {
        if created_at_ms > now_ms.saturating_add(self.policy.max_future_skew_ms) {
            return Err(ReplayError::Future);
        }
        if now_ms.saturating_sub(created_at_ms) > self.policy.max_age_ms(kind) {
            return Err(ReplayError::Stale);
        }
        if self.seen.contains_key(&(sender, id)) {
            return Err(ReplayError::Duplicate);
        }
        Ok(())
    }

    /// Checks, then remembers the id until its window closes.
    pub fn record(
        &mut self,
        sender: Address,
        id: MessageId,
        kind: Kind,
        created_at_ms: u64,
        now_ms: u64,
    ) -> Result<(), ReplayError> {
        self.evict(now_ms);
        self.check(sender, id, kind, created_at_ms, now_ms)?;
        if self.seen.len() >= self.policy.max_entries {
            return Err(ReplayError::Saturated);
        }
        self.insert(sender, id, kind, created_at_ms);
        Ok(())
    }

    /// Remembers an id accepted earlier (e.g. reloaded from the database at start-up),
    /// without time checks. Ignores ids whose window has closed.
    pub fn remember(&mut self, sender: Address, id: MessageId, kind: Kind, created_at_ms: u64, now_ms: u64) {
        let forget_at = created_at_ms.saturating_add(self.policy.max_age_ms(kind));
        if forget_at >= now_ms && self.seen.len() < self.policy.max_entries {
            self.insert(sender, id, kind, created_at_ms);
        }
    }

    fn insert(&mut self, sender: Address, id: MessageId, kind: Kind, created_at_ms: u64) {
        let forget_at = created_at_ms.saturating_add(self.policy.max_age_ms(kind));
        if let Some(old) = self.seen.insert((sender, id), forget_at) {
            self.by_expiry.remove(&(old, (sender, id)));
        }
        self.by_expiry.insert((forget_at, (sender, id)));
    }

    /// Forgets ids whose window has closed: they would be refused as stale anyway.
    pub fn evict(&mut self, now_ms: u64) {
        while let Some(first) = self.by_expiry.first().copied() {
            if first.0 >= now_ms {
                break;
            }
            self.by_expiry.pop_first();
            self.seen.remove(&first.1);
        }
    }
}
