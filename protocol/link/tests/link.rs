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
