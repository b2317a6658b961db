//! The federation path end to end: admission, refusals, forwarding, store-and-forward,
//! revocation, and a coordinator killed with SIGKILL.

use crate::support::*;
use std::time::Duration;
use vrs_link::Channel;
use vrs_protocol::messages::{DoseDelivery, StatsRequest};
use vrs_protocol::{
    CivilDate, CouponNumber, Envelope, EnvelopeResponse, Message, RecordId, RegistryResponse, SigningKey, WireErrorCode,
};

/// A coordinator with Chiyoda and Yokohama enrolled; serving.
async fn federation() -> (Coordinator, FakeNode, FakeNode) {
    let mut c = Coordinator::init();
    let chiyoda = FakeNode::new("131016");
    let yokohama = FakeNode::new("141003");
    assert!(c.enroll(&chiyoda).status.success());
    assert!(c.enroll(&yokohama).status.success());
    c.start().await;
    (c, chiyoda, yokohama)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrolled_node_connects_gets_the_registry_and_a_stranger_cannot_connect() {
    let (c, mut chiyoda, _) = federation().await;
    chiyoda.connect(&c, accept_all()).await;
    chiyoda.wait_connected(&c).await;
    // The coordinator pushes the current registry on connect, and answers a fetch.
    let pushed = tokio::time::timeout(WAIT, chiyoda.pushes.recv()).await.unwrap().unwrap();
    assert_eq!(pushed, 3);
    match chiyoda.fetch_registry(&c, 0).await {
        RegistryResponse::Current(signed) => {
            signed.verify(&c.federation.registry_key).unwrap();
            assert_eq!(signed.registry.version, 3);
        }
        other => panic!("expected the registry, got {other:?}"),
    }
    assert_eq!(chiyoda.fetch_registry(&c, 3).await, RegistryResponse::UpToDate);
    eventually("health counts the node", || async { c.health().await["nodes_connected"] == 1 }).await;

    let mut stranger = FakeNode::new("011002");
    stranger.connect(&c, accept_all()).await;
    // Give the stranger time to try (it redials with backoff); it must never get in. The
    // coordinator closes each of its connections as soon as the handshake ends, so the
    // stranger's own link may hold one for an instant between redials: what counts is
    // that it is never served and never counted.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for _ in 0..3 {
        let attempt = stranger.link().request(c.peer_id(), Channel::Envelope, vec![1]).await;
        assert!(attempt.is_err(), "the stranger was answered: {attempt:?}");
    }
    eventually("the stranger is not connected", || async { !stranger.is_connected_to(&c).await }).await;
    assert_eq!(c.health().await["nodes_connected"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forwarded_envelope_arrives_byte_for_byte_and_the_answer_is_relayed() {
    let (c, mut chiyoda, mut yokohama) = federation().await;
    chiyoda.connect(&c, accept_all()).await;
    yokohama.connect(&c, accept_all()).await;
    chiyoda.wait_connected(&c).await;
    yokohama.wait_connected(&c).await;
    eventually("both connected", || async { c.health().await["nodes_connected"] == 2 }).await;
    let env = chiyoda.seal_ack(&yokohama);
    assert_eq!(chiyoda.send(&c, env.to_bytes()).await, EnvelopeResponse::Accepted);
    let got = tokio::time::timeout(WAIT, yokohama.received.recv()).await.unwrap().unwrap();
    assert_eq!(got, env.to_bytes());
    let metrics = c.http_client.get(format!("{}/metrics", c.http)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("vrs_coordinator_messages_total{kind=\"dose_ack\",outcome=\"forwarded\"} 1"), "{metrics}");
    assert!(metrics.contains("vrs_coordinator_routing_seconds_bucket"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_sender_mismatch_bad_signature_unknown_recipient_malformed() {
    let (c, mut chiyoda, yokohama) = federation().await;
    chiyoda.connect(&c, accept_all()).await;
    chiyoda.wait_connected(&c).await;
    let refused = |code| EnvelopeResponse::Error(code);

    // Chiyoda's peer claims to be Yokohama (even with Yokohama's real key).
    let forged = yokohama.seal_ack(&chiyoda);
    assert_eq!(chiyoda.send(&c, forged.to_bytes()).await, refused(WireErrorCode::SenderMismatch));

    // Chiyoda's header, someone else's signature.
    let msg = Message::StatsRequest(StatsRequest { through: None });
    let bad = chiyoda.seal(&yokohama, &msg, &SigningKey::generate().unwrap());
    assert_eq!(chiyoda.send(&c, bad.to_bytes()).await, refused(WireErrorCode::BadSignature));

    // A flipped ciphertext byte breaks the signature too.
    let mut tampered = chiyoda.seal_ack(&yokohama).to_bytes();
    tampered[100] ^= 1;
    assert_eq!(chiyoda.send(&c, tampered).await, refused(WireErrorCode::BadSignature));

    let sapporo = FakeNode::new("011002");
    let nowhere = chiyoda.seal_ack(&sapporo);
    assert_eq!(chiyoda.send(&c, nowhere.to_bytes()).await, refused(WireErrorCode::UnknownRecipient));
    assert_eq!(chiyoda.send(&c, b"garbage".to_vec()).await, refused(WireErrorCode::Malformed));

    // Interactive kinds are not stored for an offline recipient.
    let inquiry = chiyoda.seal(&yokohama, &msg, &chiyoda.signing);
    assert_eq!(chiyoda.send(&c, inquiry.to_bytes()).await, refused(WireErrorCode::Unavailable));
    assert_eq!(c.health().await["queue_depth"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_to_an_offline_node_is_queued_and_delivered_once_when_it_connects() {
    let (c, mut chiyoda, mut yokohama) = federation().await;
    chiyoda.connect(&c, accept_all()).await;
    chiyoda.wait_connected(&c).await;
    let env = chiyoda.seal(&yokohama, &dose(&yokohama, &chiyoda), &chiyoda.signing);
    assert_eq!(chiyoda.send(&c, env.to_bytes()).await, EnvelopeResponse::Queued);
    // A retry of the same envelope (lost answer) is stored once.
    assert_eq!(chiyoda.send(&c, env.to_bytes()).await, EnvelopeResponse::Queued);
    assert_eq!(c.health().await["queue_depth"], 1);

    yokohama.connect(&c, accept_all()).await;
    let got = tokio::time::timeout(WAIT, yokohama.received.recv()).await.unwrap().unwrap();
    assert_eq!(got, env.to_bytes());
    // Several retry periods pass: nothing arrives a second time.
    assert!(yokohama.drain(Duration::from_millis(1500)).await.is_empty(), "delivered twice");
    eventually("the queue empties", || async { c.health().await["queue_depth"] == 0 }).await;
    // The coordinator stored and logged the sealed dose; nothing of its content is legible.
    for secret in [&b"0000123456"[..], "接種会場ひみつ".as_bytes(), b"EY1234"] {
        assert!(!c.data_dir_contains(secret), "{} found in the data dir", String::from_utf8_lossy(secret));
    }
}

fn dose(home: &FakeNode, site: &FakeNode) -> Message {
    Message::DoseDelivery(DoseDelivery {
        dose_id: RecordId::random().unwrap(),
        coupon_municipality: home.code,
        coupon: CouponNumber::parse("0000123456").unwrap(),
        dose_number: 1,
        vaccinated_on: CivilDate::new(2021, 6, 14).unwrap(),
        product: "comirnaty".into(),
        lot: "EY1234".into(),
        site: "接種会場ひみつ".into(),
        given_in: site.code,
        recorded_at_ms: vrs_protocol::now_ms(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_to_a_queued_delivery_is_routed_back_to_the_sender() {
    let (c, mut chiyoda, mut yokohama) = federation().await;
    chiyoda.connect(&c, accept_all()).await;
    chiyoda.wait_connected(&c).await;
    let dose = chiyoda.seal_ack(&yokohama);
    assert_eq!(chiyoda.send(&c, dose.to_bytes()).await, EnvelopeResponse::Queued);

    // Yokohama answers the delivery with its own sealed ack, addressed to Chiyoda.
    let ack = yokohama.seal_ack(&chiyoda);
    let reply = EnvelopeResponse::Reply(Box::new(ack.clone())).to_bytes();
    yokohama.connect(&c, std::sync::Arc::new(move |_: &[u8]| reply.clone())).await;
    let back = tokio::time::timeout(WAIT, chiyoda.received.recv()).await.unwrap().unwrap();
    assert_eq!(Envelope::from_bytes(&back).unwrap(), ack);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_node_is_cut_off_at_once() {
    let (c, mut chiyoda, mut yokohama) = federation().await;
    chiyoda.connect(&c, accept_all()).await;
    yokohama.connect(&c, accept_all()).await;
    chiyoda.wait_connected(&c).await;
    yokohama.wait_connected(&c).await;
    assert!(c.revoke("141003").status.success());
    eventually("the revoked node loses its connection", || async { !yokohama.is_connected_to(&c).await }).await;
    // The remaining node hears of the new version.
    let pushed = tokio::time::timeout(WAIT, async {
        while let Some(v) = chiyoda.pushes.recv().await {
            if v == 4 {
                return true;
            }
        }
        false
    });
    assert!(pushed.await.unwrap(), "chiyoda gets version 4");
    let env = chiyoda.seal_ack(&yokohama);
    assert_eq!(chiyoda.send(&c, env.to_bytes()).await, EnvelopeResponse::Error(WireErrorCode::UnknownRecipient));
    let health = c.health().await;
    assert_eq!(health["nodes_enrolled"], 1);
    // It keeps redialling and is refused each time: the coordinator never counts it again.
    // (Asked of the coordinator: the refused node's own side may see each redial's TLS
    // handshake succeed for a moment before the coordinator closes it.)
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(c.health().await["nodes_connected"], 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_traffic_loses_nothing_and_doubles_nothing() {
    let (mut c, mut chiyoda, mut yokohama) = federation().await;
    chiyoda.connect(&c, accept_all()).await;
    chiyoda.wait_connected(&c).await;
    let mut sent = std::collections::HashSet::new();
    for _ in 0..20 {
        let env = chiyoda.seal_ack(&yokohama);
        sent.insert(env.header().message_id.to_string());
        assert_eq!(chiyoda.send(&c, env.to_bytes()).await, EnvelopeResponse::Queued);
    }
    c.kill9();
    c.start().await;
    assert_eq!(c.health().await["queue_depth"], 20, "every queued envelope survived SIGKILL");
    yokohama.connect(&c, accept_all()).await;
    let mut got = Vec::new();
    while got.len() < 20 {
        got.push(tokio::time::timeout(WAIT, yokohama.received.recv()).await.unwrap().unwrap());
    }
    got.extend(yokohama.drain(Duration::from_millis(1500)).await);
    assert_eq!(got.len(), 20, "nothing delivered twice");
    assert_eq!(message_ids(&got), sent);
    assert!(c.terminate().success(), "SIGTERM exits 0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_burst_on_envelope_streams_only_the_envelope_with_a_bad_signature_is_refused() {
    burst_with_one_bad_signature(vrs_link::LinkConfig::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_burst_that_travels_as_batches_only_the_envelope_with_a_bad_signature_is_refused() {
    // Nodes without envelope streams: 8 envelope requests in flight per peer, the rest
    // wait and leave as batches (`/vrs/envelope-batch/1`), on both hops.
    burst_with_one_bad_signature(vrs_link::LinkConfig { envelope_stream: false, ..Default::default() }).await;
}

/// 40 envelopes from Chiyoda to Yokohama at once, one signed with a foreign key: that one
/// is refused `bad_signature`, the 39 others are forwarded byte for byte.
async fn burst_with_one_bad_signature(config: vrs_link::LinkConfig) {
    let (c, mut chiyoda, mut yokohama) = federation().await;
    chiyoda.connect_with(&c, accept_all(), config.clone()).await;
    yokohama.connect_with(&c, accept_all(), config).await;
    chiyoda.wait_connected(&c).await;
    yokohama.wait_connected(&c).await;
    eventually("both connected", || async { c.health().await["nodes_connected"] == 2 }).await;
    // Let the links settle (envelope streams open just after the connection).
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut envelopes: Vec<Vec<u8>> = (0..40).map(|_| chiyoda.seal_ack(&yokohama).to_bytes()).collect();
    let bad = 23;
    let msg = Message::DoseAck(vrs_protocol::messages::DoseAck {
        dose_id: RecordId::random().unwrap(),
        outcome: vrs_protocol::messages::DoseOutcome::Recorded,
    });
    envelopes[bad] = chiyoda.seal(&yokohama, &msg, &SigningKey::generate().unwrap()).to_bytes();
    let answers = futures_util::future::join_all(envelopes.iter().map(|e| chiyoda.send(&c, e.clone()))).await;
    for (i, answer) in answers.iter().enumerate() {
        let want =
            if i == bad { EnvelopeResponse::Error(WireErrorCode::BadSignature) } else { EnvelopeResponse::Accepted };
        assert_eq!(answer, &want, "envelope {i}");
    }
    // Yokohama received the 39 others byte for byte, and not the forged one.
    let mut got = yokohama.drain(Duration::from_millis(500)).await;
    let mut want: Vec<Vec<u8>> =
        envelopes.iter().enumerate().filter(|(i, _)| *i != bad).map(|(_, e)| e.clone()).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    let metrics = c.http_client.get(format!("{}/metrics", c.http)).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains("vrs_coordinator_messages_total{kind=\"dose_ack\",outcome=\"forwarded\"} 39"),
        "{metrics}"
    );
}
