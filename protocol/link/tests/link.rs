//! Two real links on loopback: TLS-authenticated peers, requests both ways on the one
//! connection the node dialled, and a peer off the allow-list refused.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::HashSet;
use std::time::Duration;
use tokio::time::timeout;
use vrs_link::{Channel, Event, Keypair, LinkConfig, LinkError, start};

const WAIT: Duration = Duration::from_secs(20);

async fn echo_requests(mut events: tokio::sync::mpsc::Receiver<Event>, tag: &'static [u8]) {
    while let Some(event) = events.recv().await {
        if let Event::Request { channel, frame, responder, .. } = event {
            let mut answer = tag.to_vec();
            answer.push(if channel == Channel::Envelope { b'e' } else { b'r' });
            answer.extend_from_slice(&frame);
            let _ = responder.respond(answer).await;
        }
    }
}

async fn wait_connected(client: &vrs_link::Client, peer: vrs_link::PeerId) {
    timeout(WAIT, async {
        while !client.connected_peers().await.unwrap().contains(&peer) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the peers connect");
}

#[tokio::test]
async fn both_sides_send_requests_down_the_connection_the_node_dialled() {
    let (hub, hub_events) = start(Keypair::generate_ed25519(), LinkConfig::default()).unwrap();
    let (node, node_events) = start(Keypair::generate_ed25519(), LinkConfig::default()).unwrap();
    hub.allow_only(HashSet::from([node.peer_id()])).await.unwrap();
    let addr = hub.listen("/ip4/127.0.0.1/tcp/0".parse().unwrap()).await.unwrap();
    tokio::spawn(echo_requests(hub_events, b"hub:"));
    tokio::spawn(echo_requests(node_events, b"node:"));

    node.keep_connected(hub.peer_id(), addr).await.unwrap();
    wait_connected(&node, hub.peer_id()).await;
    assert_eq!(node.request(hub.peer_id(), Channel::Envelope, b"up".to_vec()).await.unwrap(), b"hub:eup");
    assert_eq!(node.request(hub.peer_id(), Channel::Registry, b"up".to_vec()).await.unwrap(), b"hub:rup");
    // The node never listens: the hub's request travels on the node's own connection.
    assert_eq!(hub.request(node.peer_id(), Channel::Envelope, b"down".to_vec()).await.unwrap(), b"node:edown");
}

#[tokio::test]
async fn a_peer_off_the_allow_list_is_refused_and_a_removed_one_is_cut_off() {
    let (hub, hub_events) = start(Keypair::generate_ed25519(), LinkConfig::default()).unwrap();
    let (stranger, _stranger_events) = start(Keypair::generate_ed25519(), LinkConfig::default()).unwrap();
    let (member, member_events) = start(Keypair::generate_ed25519(), LinkConfig::default()).unwrap();
    hub.allow_only(HashSet::from([member.peer_id()])).await.unwrap();
    let addr = hub.listen("/ip4/127.0.0.1/tcp/0".parse().unwrap()).await.unwrap();
    tokio::spawn(echo_requests(hub_events, b"hub:"));
    tokio::spawn(echo_requests(member_events, b"member:"));

    stranger.keep_connected(hub.peer_id(), addr.clone()).await.unwrap();
    member.keep_connected(hub.peer_id(), addr).await.unwrap();
    wait_connected(&member, hub.peer_id()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!hub.connected_peers().await.unwrap().contains(&stranger.peer_id()));
    assert_eq!(stranger.request(hub.peer_id(), Channel::Envelope, b"x".to_vec()).await, Err(LinkError::Unreachable));

    hub.allow_only(HashSet::new()).await.unwrap();
    timeout(WAIT, async {
        while hub.connected_peers().await.unwrap().contains(&member.peer_id()) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the removed peer is disconnected");
    assert_eq!(hub.request(member.peer_id(), Channel::Envelope, b"x".to_vec()).await, Err(LinkError::Unreachable));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn envelopes_waiting_for_a_slot_travel_as_a_batch_and_each_gets_its_own_answer() {
    // One slot per peer: while the first envelope is out, the others wait and leave
    // together on /vrs/envelope-batch/1. The hub speaks no envelope stream (an older
    // version), so the node falls back to request-response and batches.
    let config = LinkConfig { envelope_slots_per_peer: 1, ..LinkConfig::default() };
    let old = LinkConfig { envelope_stream: false, ..config.clone() };
    let (hub, mut hub_events) = start(Keypair::generate_ed25519(), old).unwrap();
    let (node, node_events) = start(Keypair::generate_ed25519(), config).unwrap();
    hub.allow_only(HashSet::from([node.peer_id()])).await.unwrap();
    let addr = hub.listen("/ip4/127.0.0.1/tcp/0".parse().unwrap()).await.unwrap();
    tokio::spawn(echo_requests(node_events, b"node:"));
    // The hub holds the first answer back a little, and leaves "drop" requests unanswered.
    tokio::spawn(async move {
        while let Some(event) = hub_events.recv().await {
            if let Event::Request { frame, responder, .. } = event {
                if frame.starts_with(b"drop") {
                    drop(responder);
                    continue;
                }
                tokio::spawn(async move {
                    if frame == b"0" {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    let _ = responder.respond([b"hub:".as_slice(), &frame].concat()).await;
                });
            }
        }
    });
    node.keep_connected(hub.peer_id(), addr).await.unwrap();
    wait_connected(&node, hub.peer_id()).await;

    let first = node.request(hub.peer_id(), Channel::Envelope, b"0".to_vec());
    let rest = (1..60).map(|i| {
        let frame = if i % 10 == 0 { format!("drop{i}") } else { i.to_string() };
        node.request(hub.peer_id(), Channel::Envelope, frame.into_bytes())
    });
    let (first, rest) = tokio::join!(first, futures::future::join_all(rest));
    assert_eq!(first.unwrap(), b"hub:0");
    for (i, answer) in (1..60).zip(rest) {
        if i % 10 == 0 {
            assert!(matches!(answer, Err(LinkError::Io(_))), "unanswered request {i}: {answer:?}");
        } else {
            assert_eq!(answer.unwrap(), format!("hub:{i}").into_bytes(), "request {i}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_peer_is_redialled_when_it_comes_up_late_and_after_it_restarts() {
    // The loop has no periodic tick: redials must be woken by their own deadlines.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr: vrs_link::Multiaddr = format!("/ip4/127.0.0.1/tcp/{port}").parse().unwrap();
    let hub_key = Keypair::generate_ed25519();
    let config = LinkConfig {
        redial_min: Duration::from_millis(50),
        redial_max: Duration::from_millis(400),
        ..LinkConfig::default()
    };
    let (node, node_events) = start(Keypair::generate_ed25519(), config.clone()).unwrap();
    tokio::spawn(echo_requests(node_events, b"node:"));
    let hub_peer = hub_key.public().to_peer_id();
    // Nobody listens yet: the first dials fail and are retried with backoff.
    node.keep_connected(hub_peer, addr.clone()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(node.connected_peers().await.unwrap().is_empty());

    for round in 0..2 {
        let (hub, hub_events) = start(hub_key.clone(), config.clone()).unwrap();
        hub.allow_only(HashSet::from([node.peer_id()])).await.unwrap();
        hub.listen(addr.clone()).await.unwrap();
        tokio::spawn(echo_requests(hub_events, b"hub:"));
        wait_connected(&node, hub_peer).await;
        assert_eq!(
            node.request(hub_peer, Channel::Envelope, b"up".to_vec()).await.unwrap(),
            b"hub:eup",
            "round {round}"
        );
        // The hub goes away (its last client dropped) and comes back in the next round.
        drop(hub);
        timeout(WAIT, async {
            while node.connected_peers().await.unwrap().contains(&hub_peer) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("the node sees the hub go");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_the_envelope_stream_answers_come_in_any_order_and_a_closed_connection_fails_what_waits() {
    let (hub, mut hub_events) = start(Keypair::generate_ed25519(), LinkConfig::default()).unwrap();
    let (node, node_events) = start(Keypair::generate_ed25519(), LinkConfig::default()).unwrap();
    hub.allow_only(HashSet::from([node.peer_id()])).await.unwrap();
    let addr = hub.listen("/ip4/127.0.0.1/tcp/0".parse().unwrap()).await.unwrap();
    tokio::spawn(echo_requests(node_events, b"node:"));
    // The hub answers later requests first, leaves "drop" ones unanswered and holds
    // "hold" ones until the connection is gone.
    let (held_tx, mut held) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        while let Some(event) = hub_events.recv().await {
            let Event::Request { frame, responder, .. } = event else { continue };
            if frame.starts_with(b"drop") {
                continue;
            }
            if frame == b"hold" {
                let _ = held_tx.send(responder).await;
                continue;
            }
            let n: u64 = std::str::from_utf8(&frame).unwrap().parse().unwrap();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(200 - 2 * n)).await;
                let _ = responder.respond([b"hub:".as_slice(), &frame].concat()).await;
            });
        }
    });
    node.keep_connected(hub.peer_id(), addr).await.unwrap();
    wait_connected(&node, hub.peer_id()).await;
    // Let the streams open (until then envelopes take request-response, also correct).
    tokio::time::sleep(Duration::from_millis(200)).await;

    let requests = (0..80).map(|i| {
        let frame = if i % 10 == 5 { format!("drop{i}") } else { i.to_string() };
        node.request(hub.peer_id(), Channel::Envelope, frame.into_bytes())
    });
    let down = (0..40).map(|i| hub.request(node.peer_id(), Channel::Envelope, format!("d{i}").into_bytes()));
    let (up, down) = tokio::join!(futures::future::join_all(requests), futures::future::join_all(down));
    for (i, answer) in up.into_iter().enumerate() {
        if i % 10 == 5 {
            assert!(matches!(answer, Err(LinkError::Io(_))), "unanswered request {i}: {answer:?}");
        } else {
            assert_eq!(answer.unwrap(), format!("hub:{i}").into_bytes(), "request {i}");
        }
    }
    for (i, answer) in down.into_iter().enumerate() {
        assert_eq!(answer.unwrap(), format!("node:ed{i}").into_bytes(), "request down {i}");
    }

    // A request waiting for an answer fails as soon as the connection closes, not at its
    // timeout (10 s).
    let waiting = tokio::spawn({
        let node = node.clone();
        let hub_peer = hub.peer_id();
        async move { node.request(hub_peer, Channel::Envelope, b"hold".to_vec()).await }
    });
    let _held = timeout(WAIT, held.recv()).await.unwrap().unwrap();
    let cut = std::time::Instant::now();
    hub.allow_only(HashSet::new()).await.unwrap();
    let answer = timeout(WAIT, waiting).await.unwrap().unwrap();
    assert_eq!(answer, Err(LinkError::ConnectionClosed));
    assert!(cut.elapsed() < Duration::from_secs(5), "failed after {:?}", cut.elapsed());
}
