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
    // together on /vrs/envelope-batch/1.
    let config = LinkConfig { envelope_slots_per_peer: 1, ..LinkConfig::default() };
    let (hub, mut hub_events) = start(Keypair::generate_ed25519(), config.clone()).unwrap();
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
