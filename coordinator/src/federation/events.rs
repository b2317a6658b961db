//! The link's event loop. It never waits on the network or the database itself: each
//! request gets its own task (under the `max_concurrent_requests` semaphore; beyond it the
//! peer is told `rate_limited` at once), and connection changes trigger tasks.

use super::Federation;
use super::{queue, registry_sync, routing};
use std::sync::Arc;
use tokio::sync::{mpsc, watch};
use vrs_link::{Channel, Event, PeerId, Responder};
use vrs_protocol::{EnvelopeResponse, RegistryResponse, WireErrorCode};

pub async fn run(fed: Arc<Federation>, mut events: mpsc::Receiver<Event>, mut stop: watch::Receiver<bool>) {
    loop {
        let event = tokio::select! {
            e = events.recv() => match e {
                Some(e) => e,
                None => return,
            },
            _ = stop.changed() => return,
        };
        match event {
            Event::Connected(peer) => on_connected(&fed, peer),
            Event::Disconnected(peer) => on_disconnected(&fed, peer),
            Event::Request { peer, channel, frame, responder } => on_request(&fed, peer, channel, frame, responder),
        }
    }
}

fn on_connected(fed: &Arc<Federation>, peer: PeerId) {
    fed.peers.set_connected(peer, true);
    update_connected_gauge(fed);
    let snapshot = fed.peers.snapshot();
    let Some(code) = snapshot.code_of(&peer) else { return };
    tracing::info!(municipality = %code, %peer, "node connected");
    persist_last_seen(fed, code);
    registry_sync::spawn_push(fed, code, peer, snapshot.clone());
    queue::spawn_delivery(fed, code);
}

fn on_disconnected(fed: &Arc<Federation>, peer: PeerId) {
    fed.peers.set_connected(peer, false);
    update_connected_gauge(fed);
    if let Some(code) = fed.peers.snapshot().code_of(&peer) {
        tracing::info!(municipality = %code, %peer, "node disconnected");
        persist_last_seen(fed, code);
    }
}

fn update_connected_gauge(fed: &Federation) {
    fed.metrics.nodes_connected.set(i64::try_from(fed.peers.connected_members().len()).unwrap_or(i64::MAX));
}

fn persist_last_seen(fed: &Arc<Federation>, code: vrs_protocol::MunicipalityCode) {
    let now = crate::db::now_ms();
    fed.peers.touch(code, now);
    let fed = fed.clone();
    tokio::spawn(async move {
        if let Err(e) = fed.with_db(move |c| crate::db::nodes::set_last_seen(c, code, now)).await {
            tracing::warn!(error = %e, "cannot record last_seen");
        }
    });
}

fn on_request(fed: &Arc<Federation>, peer: PeerId, channel: Channel, frame: Vec<u8>, responder: Responder) {
    let Ok(permit) = fed.limiter.clone().try_acquire_owned() else {
        fed.metrics.routed("unknown", "refused:rate_limited");
        let busy = match channel {
            Channel::Envelope => EnvelopeResponse::Error(WireErrorCode::RateLimited).to_bytes(),
            Channel::Registry => RegistryResponse::Error(WireErrorCode::RateLimited).to_bytes(),
        };
        tokio::spawn(respond(responder, busy));
        return;
    };
    let fed = fed.clone();
    tokio::spawn(async move {
        let label = if channel == Channel::Envelope { "envelope" } else { "registry" };
        let gauge = fed.metrics.inflight.with_label_values(&[label]);
        gauge.inc();
        let answer = match channel {
            Channel::Envelope => routing::on_envelope(&fed, peer, frame).await,
            Channel::Registry => registry_sync::answer(&fed, &frame),
        };
        respond(responder, answer).await;
        gauge.dec();
        drop(permit);
    });
}

async fn respond(responder: Responder, frame: Vec<u8>) {
    if let Err(e) = responder.respond(frame).await {
        tracing::debug!(error = %e, "answer not sent");
    }
}
