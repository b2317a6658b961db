//! Routing one envelope, in the order specs/protocol.md §3.3 gives:
//!
//! 1. decode (`malformed`, `too_large`, `unsupported_version`);
//! 2. the header's sender is the municipality of the authenticated peer
//!    (`sender_mismatch`), which is enrolled (`not_enrolled`);
//! 3. the signature verifies with that municipality's registry key (`bad_signature`);
//! 4. the recipient is enrolled (`unknown_recipient`), or is the coordinator (its inbox);
//! 5. recipient connected: forward the same bytes and relay its answer verbatim;
//!    otherwise, or if the forward fails: store-and-forward kinds are queued durably and
//!    answered `queued`; interactive kinds are answered `unavailable` (`timeout` when the
//!    recipient was asked but did not answer).
//!
//! Nothing here opens an envelope: the coordinator holds no key that could.

use super::Federation;
use super::outcome::Outcome;
use super::peers::Snapshot;
use crate::db::{queue, routing_log};
use std::sync::Arc;
use std::time::Instant;
use vrs_link::{Channel, LinkError};
use vrs_protocol::messages::Delivery;
use vrs_protocol::{Address, Envelope, EnvelopeResponse, MunicipalityCode, WireErrorCode};

/// What the sender is answered, and how the routing ended.
#[derive(Debug)]
pub struct Routed {
    pub answer: Vec<u8>,
    pub outcome: Outcome,
}

impl Routed {
    fn refused(code: WireErrorCode) -> Self {
        Routed { answer: EnvelopeResponse::Error(code).to_bytes(), outcome: Outcome::Refused(code) }
    }
}

/// Handles an envelope request from the authenticated `peer`; returns the answer frame.
pub async fn on_envelope(fed: &Arc<Federation>, peer: vrs_link::PeerId, bytes: Vec<u8>) -> Vec<u8> {
    let start = Instant::now();
    let snap = fed.peers.snapshot();
    let Some(from) = snap.code_of(&peer) else {
        // The allow-list should have closed the connection; a registry change raced it.
        fed.metrics.routed("unknown", "refused:not_enrolled");
        return EnvelopeResponse::Error(WireErrorCode::NotEnrolled).to_bytes();
    };
    fed.peers.touch(from, crate::db::now_ms());
    let env = match Envelope::from_bytes(&bytes) {
        Ok(env) => env,
        Err(e) => {
            let code = e.wire_code();
            tracing::info!(%from, size = bytes.len(), error = %e, "undecodable envelope refused");
            fed.metrics.routed("unknown", &Outcome::Refused(code).label());
            return EnvelopeResponse::Error(code).to_bytes();
        }
    };
    let routed = route(fed, &snap, from, &env, bytes).await;
    record(fed, &env, routed.outcome, start).await;
    routed.answer
}

/// Checks and routes a decoded envelope that arrived from (the node of) `from`. Also used
/// for a reply that a recipient returned to a queued delivery.
pub async fn route(
    fed: &Arc<Federation>,
    snap: &Snapshot,
    from: MunicipalityCode,
    env: &Envelope,
    bytes: Vec<u8>,
) -> Routed {
    if let Err(code) = admit(snap, from, env) {
        return Routed::refused(code);
    }
    match env.header().recipient {
        Address::Coordinator => {
            let Some(sender) = snap.by_code.get(&from) else {
                return Routed::refused(WireErrorCode::NotEnrolled);
            };
            let answer = fed.inbox.handle(from, &sender.entry, env).await;
            let outcome = match answer {
                EnvelopeResponse::Error(c) => Outcome::Refused(c),
                _ => Outcome::Forwarded,
            };
            Routed { answer: answer.to_bytes(), outcome }
        }
        Address::Node(to) => forward_or_queue(fed, snap, to, env, bytes).await,
    }
}

/// Steps 2 and 3: the sender is the authenticated peer's municipality and signed it.
pub fn admit(snap: &Snapshot, from: MunicipalityCode, env: &Envelope) -> Result<(), WireErrorCode> {
    if env.header().sender != Address::Node(from) {
        return Err(WireErrorCode::SenderMismatch);
    }
    let member = snap.by_code.get(&from).ok_or(WireErrorCode::NotEnrolled)?;
    env.verify_sender(&member.entry.signing_key).map_err(|_| WireErrorCode::BadSignature)
}

async fn forward_or_queue(
    fed: &Arc<Federation>,
    snap: &Snapshot,
    to: MunicipalityCode,
    env: &Envelope,
    bytes: Vec<u8>,
) -> Routed {
    let Some(member) = snap.by_code.get(&to) else {
        return Routed::refused(WireErrorCode::UnknownRecipient);
    };
    let kind = env.header().kind;
    let store_and_forward = kind.delivery() == Delivery::StoreAndForward;
    let mut failure = WireErrorCode::Unavailable;
    if fed.peers.is_connected(&member.peer) {
        match fed.client.request(member.peer, Channel::Envelope, bytes.clone()).await {
            Ok(answer) => match EnvelopeResponse::from_bytes(&answer) {
                // The recipient is busy: a dose waits in the queue instead.
                Ok(EnvelopeResponse::Error(c)) if store_and_forward && c.is_transient() => {}
                Ok(EnvelopeResponse::Error(c)) => return Routed { answer, outcome: Outcome::RecipientRefused(c) },
                Ok(_) => return Routed { answer, outcome: Outcome::Forwarded },
                Err(_) if store_and_forward => {
                    tracing::warn!(recipient = %to, "recipient answered an undecodable response; queueing");
                }
                Err(_) => return Routed { answer, outcome: Outcome::Forwarded },
            },
            Err(e) => {
                tracing::debug!(recipient = %to, error = %e, "forward failed");
                if e == LinkError::Timeout {
                    failure = WireErrorCode::Timeout;
                }
            }
        }
    }
    if !store_and_forward {
        return Routed::refused(failure);
    }
    enqueue(fed, env, bytes).await
}

/// Commits the envelope to the queue before the sender hears `queued`.
async fn enqueue(fed: &Arc<Federation>, env: &Envelope, bytes: Vec<u8>) -> Routed {
    let stored = env.clone();
    match fed.with_db(move |c| queue::enqueue(c, &stored, &bytes)).await {
        Ok(inserted) => {
            if inserted {
                fed.metrics.queue_depth.inc();
            }
            let outcome = if inserted { Outcome::Queued } else { Outcome::QueuedAgain };
            Routed { answer: EnvelopeResponse::Queued.to_bytes(), outcome }
        }
        Err(e) => {
            tracing::error!(error = %e, "could not queue an envelope");
            Routed::refused(WireErrorCode::Internal)
        }
    }
}

/// Counts the outcome, observes the latency, and writes the routing log row.
pub async fn record(fed: &Federation, env: &Envelope, outcome: Outcome, start: Instant) {
    let h = env.header();
    let label = outcome.label();
    let elapsed = start.elapsed();
    fed.metrics.routed(h.kind.as_str(), &label);
    fed.metrics.routing_seconds.with_label_values(&[h.kind.as_str()]).observe(elapsed.as_secs_f64());
    tracing::debug!(
        message_id = %h.message_id, kind = h.kind.as_str(), sender = %h.sender, recipient = %h.recipient,
        size = env.len(), outcome = %label, "routed"
    );
    let entry = routing_log::Entry {
        message_id: h.message_id.to_bytes(),
        kind: h.kind.as_str(),
        sender: wire(h.sender),
        recipient: wire(h.recipient),
        size: i64::try_from(env.len()).unwrap_or(i64::MAX),
        at_ms: crate::db::now_ms(),
        elapsed_ms: i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX),
        outcome: label,
    };
    fed.log.record(entry).await;
}

/// An address as its six wire digits (`000000` for the coordinator), as stored.
pub fn wire(a: Address) -> String {
    String::from_utf8_lossy(&a.to_wire()).into_owned()
}
