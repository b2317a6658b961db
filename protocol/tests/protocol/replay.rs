//! The replay guard on its own: windows, eviction, the memory cap.

use crate::fixtures::*;
use vrs_protocol::{Kind, MessageId, ReplayError, ReplayGuard, ReplayPolicy};

fn id(n: u32) -> MessageId {
    let mut b = [0u8; 16];
    b[..4].copy_from_slice(&n.to_be_bytes());
    MessageId::from_bytes(b)
}

#[test]
fn ids_are_forgotten_once_their_window_closes() {
    let mut g = ReplayGuard::default();
    let five_min = g.policy().interactive_max_age_ms;
    g.record(yokohama(), id(1), Kind::InquiryRequest, T0, T0).unwrap();
    g.record(yokohama(), id(2), Kind::DoseDelivery, T0, T0).unwrap();
    assert_eq!(g.len(), 2);
    g.evict(T0 + five_min + 1);
    assert_eq!(g.len(), 1, "the inquiry id is forgotten, the dose id is not");
    // A forgotten id is refused as stale, never accepted twice.
    assert_eq!(g.check(yokohama(), id(1), Kind::InquiryRequest, T0, T0 + five_min + 1), Err(ReplayError::Stale));
    assert_eq!(g.check(yokohama(), id(2), Kind::DoseDelivery, T0, T0 + five_min + 1), Err(ReplayError::Duplicate));
}

#[test]
fn same_id_from_another_sender_is_not_a_replay() {
    let mut g = ReplayGuard::default();
    g.record(yokohama(), id(1), Kind::DoseAck, T0, T0).unwrap();
    g.record(chiyoda(), id(1), Kind::DoseAck, T0, T0).unwrap();
    assert_eq!(g.record(chiyoda(), id(1), Kind::DoseAck, T0, T0), Err(ReplayError::Duplicate));
}

#[test]
fn memory_is_capped() {
    let mut g = ReplayGuard::new(ReplayPolicy { max_entries: 3, ..ReplayPolicy::default() });
    for n in 0..3 {
        g.record(yokohama(), id(n), Kind::StatsRequest, T0, T0).unwrap();
    }
    assert_eq!(g.record(yokohama(), id(9), Kind::StatsRequest, T0, T0), Err(ReplayError::Saturated));
    // Once the window passes, room is made again.
    g.record(yokohama(), id(9), Kind::StatsRequest, T0 + 6 * 60_000, T0 + 6 * 60_000).unwrap();
    assert_eq!(g.len(), 1);
}

#[test]
fn remembered_ids_count_after_a_restart() {
    let mut g = ReplayGuard::default();
    g.remember(yokohama(), id(1), Kind::DoseDelivery, T0, T0 + 1);
    g.remember(yokohama(), id(2), Kind::InquiryRequest, T0 - 3_600_000, T0); // long closed: ignored
    assert_eq!(g.len(), 1);
    assert_eq!(g.check(yokohama(), id(1), Kind::DoseDelivery, T0, T0 + 2), Err(ReplayError::Duplicate));
}

#[test]
fn window_edges() {
    let g = ReplayGuard::default();
    let p = *g.policy();
    let k = Kind::InquiryAnswer;
    assert!(g.check(yokohama(), id(1), k, T0 - p.interactive_max_age_ms, T0).is_ok());
    assert_eq!(g.check(yokohama(), id(1), k, T0 - p.interactive_max_age_ms - 1, T0), Err(ReplayError::Stale));
    assert!(g.check(yokohama(), id(1), k, T0 + p.max_future_skew_ms, T0).is_ok());
    assert_eq!(g.check(yokohama(), id(1), k, T0 + p.max_future_skew_ms + 1, T0), Err(ReplayError::Future));
    // Extreme clocks do not overflow.
    assert!(g.check(yokohama(), id(1), k, u64::MAX, 0).is_err());
    assert!(g.check(yokohama(), id(1), k, 0, u64::MAX).is_err());
}
