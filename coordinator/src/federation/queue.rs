//! Delivering the store-and-forward queue. When a node connects, and every
//! `queue_retry_ms` for every connected node with envelopes waiting, its envelopes are
//! sent oldest first, one at a time. An entry is deleted only once the recipient has
//! answered for it:
//!
//! | recipient's answer | entry | log |
//! |---|---|---|
//! | `accepted` | deleted | `delivered` |
//! | `reply(envelope)` | the reply is routed like any envelope from that node, then deleted | `delivered` |
//! | `error(replayed)` | deleted: it had arrived before (e.g. before a crash) | `delivered_before` |
//! | `error(unavailable / rate_limited / timeout)` | kept; this round stops | — |
//! | any other error | deleted: retrying cannot help | `dropped:<code>` |
//! | no answer, or an undecodable one | kept; this round stops | — |
//!
//! Entries older than `queue_max_age_secs` (the protocol's 7-day window) are dropped
//! with outcome `expired`, connected recipient or not.

use super::Federation;
use super::outcome::Outcome;
use super::routing;
use crate::db::queue::{self, Queued};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use vrs_link::Channel;
use vrs_protocol::{Envelope, EnvelopeResponse, MunicipalityCode, WireErrorCode};

/// The periodic task: expiry, retries, queue depth, routing-log retention.
pub async fn run(fed: Arc<Federation>, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_millis(fed.settings.queue_retry_ms));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_prune = Instant::now();
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return,
        }
        expire(&fed).await;
        retry_connected(&fed).await;
        if last_prune.elapsed() > Duration::from_secs(3600) {
            last_prune = Instant::now();
            prune_log(&fed).await;
        }
    }
}

async fn retry_connected(fed: &Arc<Federation>) {
    let waiting = match fed.with_db(|c| Ok((queue::recipients(c)?, queue::depth(c)?))).await {
        Ok((recipients, depth)) => {
            fed.metrics.queue_depth.set(depth);
            recipients
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot read the queue");
            return;
        }
    };
    for (code, _) in fed.peers.connected_members() {
        if waiting.iter().any(|r| r == code.as_str()) {
            spawn_delivery(fed, code);
        }
    }
}

/// Starts delivering `code`'s queue unless a delivery to it is already running.
pub fn spawn_delivery(fed: &Arc<Federation>, code: MunicipalityCode) {
    if let Some(claim) = fed.claim_delivery(code) {
        let fed = fed.clone();
        tokio::spawn(async move {
            deliver(&fed, code).await;
            drop(claim);
        });
    }
}

/// Sends `code`'s queued envelopes until the queue is empty or a transient failure.
async fn deliver(fed: &Arc<Federation>, code: MunicipalityCode) {
    let batch_size = fed.settings.queue_batch;
    loop {
        let recipient = code.as_str().to_owned();
        let batch = match fed.with_db(move |c| queue::oldest_for(c, &recipient, batch_size)).await {
            Ok(b) if b.is_empty() => return,
            Ok(b) => b,
            Err(e) => return tracing::error!(error = %e, "cannot read the queue"),
        };
        for item in batch {
            if !deliver_one(fed, code, item).await {
                return;
            }
        }
    }
}

/// Offers one entry; false when this round should stop (transient failure).
async fn deliver_one(fed: &Arc<Federation>, code: MunicipalityCode, item: Queued) -> bool {
    let start = Instant::now();
    let Ok(env) = Envelope::from_bytes(&item.envelope) else {
        // Only decoded envelopes are queued; this is a damaged row.
        tracing::error!(seq = item.seq, "undecodable queue entry deleted");
        return remove(fed, item.seq).await;
    };
    if is_expired(fed, &item) {
        let ok = remove(fed, item.seq).await;
        routing::record(fed, &env, Outcome::Expired, start).await;
        return ok;
    }
    let snap = fed.peers.snapshot();
    let Some(member) = snap.by_code.get(&code) else { return false };
    if !fed.peers.is_connected(&member.peer) {
        return false;
    }
    let seq = item.seq;
    if let Err(e) = fed.with_db(move |c| queue::record_attempt(c, seq)).await {
        tracing::error!(error = %e, "cannot record a delivery attempt");
        return false;
    }
    let answer = match fed.client.request(member.peer, Channel::Envelope, item.envelope).await {
        Ok(a) => a,
        Err(e) => {
            tracing::debug!(recipient = %code, error = %e, "queued delivery failed; will retry");
            return false;
        }
    };
    let outcome = match EnvelopeResponse::from_bytes(&answer) {
        Ok(EnvelopeResponse::Accepted) => Outcome::Delivered,
        Ok(EnvelopeResponse::Reply(reply)) => {
            route_reply(fed, code, &reply, reply.to_bytes()).await;
            Outcome::Delivered
        }
        Ok(EnvelopeResponse::Error(WireErrorCode::Replayed)) => Outcome::DeliveredBefore,
        Ok(EnvelopeResponse::Error(c)) if c.is_transient() => return false,
        Ok(EnvelopeResponse::Error(c)) => Outcome::Dropped(c),
        Ok(EnvelopeResponse::Queued) | Err(_) => {
            tracing::warn!(recipient = %code, "recipient gave a response that makes no sense for a delivery");
            return false;
        }
    };
    let ok = remove(fed, seq).await;
    routing::record(fed, &env, outcome, start).await;
    ok
}

/// A recipient answered a queued envelope with its own sealed reply (a dose ack for the
/// site node): route it as an envelope from that recipient, to be forwarded or queued.
async fn route_reply(fed: &Arc<Federation>, from: MunicipalityCode, reply: &Envelope, bytes: Vec<u8>) {
    let start = Instant::now();
    let snap = fed.peers.snapshot();
    let routed = routing::route(fed, &snap, from, reply, bytes).await;
    routing::record(fed, reply, routed.outcome, start).await;
}

fn is_expired(fed: &Federation, item: &Queued) -> bool {
    let max_age_ms = i64::try_from(fed.settings.queue_max_age_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    crate::db::now_ms().saturating_sub(item.created_at_ms) > max_age_ms
}

async fn remove(fed: &Federation, seq: i64) -> bool {
    match fed.with_db(move |c| queue::delete(c, seq)).await {
        Ok(()) => {
            fed.metrics.queue_depth.dec();
            true
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot delete a delivered queue entry");
            false
        }
    }
}

/// Drops every entry past the window, recipient connected or not.
async fn expire(fed: &Federation) {
    let max_age_ms = i64::try_from(fed.settings.queue_max_age_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    let cutoff = crate::db::now_ms().saturating_sub(max_age_ms);
    let expired = match fed.with_db(move |c| queue::take_expired(c, cutoff)).await {
        Ok(rows) => rows,
        Err(e) => return tracing::error!(error = %e, "cannot expire queue entries"),
    };
    for item in expired {
        if let Ok(env) = Envelope::from_bytes(&item.envelope) {
            routing::record(fed, &env, Outcome::Expired, Instant::now()).await;
        }
    }
}

async fn prune_log(fed: &Federation) {
    let days = i64::try_from(fed.settings.routing_log_retention_days).unwrap_or(i64::MAX);
    let cutoff = crate::db::now_ms().saturating_sub(days.saturating_mul(86_400_000));
    match fed.with_db(move |c| crate::db::routing_log::prune(c, cutoff)).await {
        Ok(n) if n > 0 => tracing::info!(rows = n, "routing log pruned"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "cannot prune the routing log"),
    }
}
