//! Key rotation at the coordinator: a node's request, signed with its current registry key
//! and carrying the enrollment of its new keys (self-signed with the new signing key),
//! publishes a registry version with them; every other shape is refused.

use crate::support::*;
use vrs_link::Keypair;
use vrs_protocol::messages::{KeyRotation, KeyRotationAck};
use vrs_protocol::{
    DecryptionKey, Enrollment, Message, PeerIdBytes, RegistryResponse, SignedEnrollment, SigningKey, WireErrorCode,
};

fn new_keys(
    code: vrs_protocol::MunicipalityCode,
    peer: &Keypair,
    signing: &SigningKey,
    dec: &DecryptionKey,
) -> Message {
    let e = Enrollment {
        municipality: code,
        peer_id: PeerIdBytes::new(peer.public().to_peer_id().to_bytes()).unwrap(),
        signing_key: signing.public_key(),
        encryption_key: dec.public_key(),
        created_at_ms: vrs_protocol::now_ms(),
    };
    Message::KeyRotation(KeyRotation { enrollment: SignedEnrollment::sign(signing, e).unwrap() })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_rotates_its_keys_through_the_registry() {
    let (c, chiyoda, yokohama) = connected_pair().await;
    let party = coordinator_keys(&chiyoda, &c).await;
    let (signing, dec) = (SigningKey::generate().unwrap(), DecryptionKey::generate().unwrap());
    let request = new_keys(chiyoda.code, &chiyoda.keypair, &signing, &dec);

    // Refused: asked with the new key (the current one must ask), a forged self-signature,
    // another peer id, another municipality's keys.
    assert_eq!(ask(&chiyoda, &c, &party, &request, &signing).await, Err(WireErrorCode::BadSignature));
    let Message::KeyRotation(mut forged) = request.clone() else { unreachable!() };
    forged.enrollment.signature =
        SigningKey::generate().unwrap().sign(vrs_protocol::keys::SigContext::Enrollment, b"x");
    assert_eq!(
        ask(&chiyoda, &c, &party, &Message::KeyRotation(forged), &chiyoda.signing).await,
        Err(WireErrorCode::BadSignature)
    );
    let other_peer = new_keys(chiyoda.code, &Keypair::generate_ed25519(), &signing, &dec);
    assert_eq!(ask(&chiyoda, &c, &party, &other_peer, &chiyoda.signing).await, Err(WireErrorCode::Malformed));
    let theirs = new_keys(yokohama.code, &chiyoda.keypair, &signing, &dec);
    assert_eq!(ask(&chiyoda, &c, &party, &theirs, &chiyoda.signing).await, Err(WireErrorCode::NotEnrolled));

    // Accepted: version 4 carries the new keys; the answer is sealed to the new key.
    let ack = ask_opening_with(&chiyoda, &c, &party, &request, &chiyoda.signing, &dec).await;
    assert_eq!(ack, Ok(Message::KeyRotationAck(KeyRotationAck { version: 4 })));
    // Published: the other nodes get version 4 with the new keys.
    eventually("version 4 is served", || async {
        matches!(yokohama.fetch_registry(&c, 3).await, RegistryResponse::Current(_))
    })
    .await;
    let RegistryResponse::Current(signed) = yokohama.fetch_registry(&c, 3).await else { unreachable!() };
    let entry = signed.registry.node(chiyoda.code).unwrap();
    assert_eq!((entry.signing_key, entry.encryption_key), (signing.public_key(), dec.public_key()));
    assert_eq!(signed.registry.version, 4);
    // A resend (now signed with the new key, which the registry lists) changes nothing.
    eventually("the coordinator follows version 4", || async {
        ask_opening_with(&chiyoda, &c, &party, &request, &signing, &dec).await
            == Ok(Message::KeyRotationAck(KeyRotationAck { version: 4 }))
    })
    .await;
    // From then on the old key signs nothing the coordinator accepts.
    eventually("the coordinator follows version 4", || async {
        let probe = new_keys(chiyoda.code, &chiyoda.keypair, &signing, &dec);
        ask(&chiyoda, &c, &party, &probe, &chiyoda.signing).await == Err(WireErrorCode::BadSignature)
    })
    .await;
}
