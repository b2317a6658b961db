//! Seal/open round trips and every way an envelope can be wrong.

use crate::fixtures::*;
use vrs_protocol::envelope::{ENC_LEN, HEADER_LEN};
use vrs_protocol::{
    Address, Envelope, EnvelopeError, Kind, Message, MessageId, OpenError, ReplayError, ReplayGuard, SealParams,
    WireErrorCode,
};

/// Yokohama (key 1) seals a message to Chiyoda (key 2).
fn sealed(msg: &Message, created: u64) -> Envelope {
    let to = decryption(2).public_key();
    Envelope::seal(&signer(1), SealParams::new(yokohama(), chiyoda(), to).created_at_ms(created), msg).unwrap()
}

fn open(env: &Envelope, guard: &mut ReplayGuard, now: u64) -> Result<vrs_protocol::Opened, OpenError> {
    env.open(chiyoda(), &decryption(2), &signer(1).public_key(), guard, now)
}

#[test]
fn every_kind_round_trips() {
    let mut guard = ReplayGuard::default();
    for msg in every_kind() {
        let env = sealed(&msg, T0);
        assert_eq!(env.header().kind, msg.kind());
        let back = Envelope::from_bytes(&env.to_bytes()).unwrap();
        assert_eq!(back, env);
        back.verify_sender(&signer(1).public_key()).unwrap();
        let opened = open(&back, &mut guard, T0 + 10).unwrap();
        assert_eq!(opened.message, msg);
        assert_eq!(opened.header.sender, yokohama());
    }
    assert_eq!(guard.len(), Kind::ALL.len());
}

#[test]
fn two_seals_of_one_message_differ() {
    let msg = Message::DoseDelivery(dose_delivery());
    let (a, b) = (sealed(&msg, T0), sealed(&msg, T0));
    assert_ne!(a.header().message_id, b.header().message_id);
    assert_ne!(a.to_bytes()[HEADER_LEN..HEADER_LEN + ENC_LEN], b.to_bytes()[HEADER_LEN..HEADER_LEN + ENC_LEN]);
}

#[test]
fn any_flipped_byte_is_rejected() {
    let env = sealed(&Message::DoseDelivery(dose_delivery()), T0);
    let bytes = env.to_bytes();
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x01;
        // Either it no longer parses, or the signature catches it; it never opens.
        if let Ok(e) = Envelope::from_bytes(&b) {
            assert_eq!(e.verify_sender(&signer(1).public_key()), Err(EnvelopeError::BadSignature), "byte {i}");
            assert!(open(&e, &mut ReplayGuard::default(), T0).is_err(), "byte {i}");
        }
    }
}

#[test]
fn header_swap_with_a_valid_signature_does_not_open() {
    // A sender that re-signs another envelope's ciphertext under a changed header (here:
    // a new message id, to dodge the replay guard) still fails: the header is the aad.
    let env = sealed(&Message::DoseDelivery(dose_delivery()), T0);
    let mut b = env.to_bytes();
    b[6] ^= 0xff;
    let resigned = resign(&b);
    let e = Envelope::from_bytes(&resigned).unwrap();
    e.verify_sender(&signer(1).public_key()).unwrap();
    let err = open(&e, &mut ReplayGuard::default(), T0).unwrap_err();
    assert!(matches!(err, OpenError::Hpke(_)), "{err:?}");
    assert_eq!(err.wire_code(), WireErrorCode::Undecryptable);
}

/// Replaces the signature of `b` with signer 1's signature over its other bytes.
fn resign(b: &[u8]) -> Vec<u8> {
    let body = &b[..b.len() - 64];
    let sig = signer(1).sign(vrs_protocol::keys::SigContext::Envelope, body);
    [body, &sig.0].concat()
}

#[test]
fn wrong_keys_and_wrong_recipient() {
    let env = sealed(
        &Message::DoseAck(vrs_protocol::messages::DoseAck {
            dose_id: rid(1),
            outcome: vrs_protocol::messages::DoseOutcome::Recorded,
        }),
        T0,
    );
    let mut g = ReplayGuard::default();
    // Another sender's key: bad signature.
    let err = env.open(chiyoda(), &decryption(2), &signer(3).public_key(), &mut g, T0).unwrap_err();
    assert_eq!(err.wire_code(), WireErrorCode::BadSignature);
    // Another node's decryption key: the key id does not match.
    let err = env.open(chiyoda(), &decryption(3), &signer(1).public_key(), &mut g, T0).unwrap_err();
    assert_eq!(err, OpenError::UnknownKey);
    // Addressed to Chiyoda, opened as Sapporo.
    let sapporo = Address::Node(code("011002"));
    assert_eq!(
        env.open(sapporo, &decryption(2), &signer(1).public_key(), &mut g, T0).unwrap_err(),
        OpenError::WrongRecipient
    );
    assert!(g.is_empty(), "failed opens must record nothing");
    open(&env, &mut g, T0).unwrap();
}

#[test]
fn wrong_key_with_forged_key_id_fails_decryption() {
    // Sealed to key 3 but the header claims key 2's id: signature fine, HPKE refuses.
    let to = decryption(3).public_key();
    let env = Envelope::seal(
        &signer(1),
        SealParams::new(yokohama(), chiyoda(), to).created_at_ms(T0),
        &Message::CheckpointAck(vrs_protocol::messages::CheckpointAck { seq: 1 }),
    )
    .unwrap();
    let mut b = env.to_bytes();
    b[34..42].copy_from_slice(&decryption(2).key_id().0);
    let e = Envelope::from_bytes(&resign(&b)).unwrap();
    assert!(matches!(open(&e, &mut ReplayGuard::default(), T0), Err(OpenError::Hpke(_))));
}

#[test]
fn replayed_stale_and_future_are_distinct() {
    let mut g = ReplayGuard::default();
    let env = sealed(&Message::InquiryRequest(inquiry(&signer(1))), T0);
    open(&env, &mut g, T0).unwrap();
    let dup = open(&env, &mut g, T0 + 1).unwrap_err();
    assert!(dup.is_duplicate());
    assert_eq!(dup.wire_code(), WireErrorCode::Replayed);

    let old = sealed(&Message::InquiryRequest(inquiry(&signer(1))), T0 - 6 * 60_000);
    assert_eq!(open(&old, &mut g, T0).unwrap_err(), OpenError::Replay(ReplayError::Stale));
    let future = sealed(&Message::InquiryRequest(inquiry(&signer(1))), T0 + 6 * 60_000);
    let err = open(&future, &mut g, T0).unwrap_err();
    assert_eq!(err, OpenError::Replay(ReplayError::Future));
    assert_eq!(err.wire_code(), WireErrorCode::Expired);
    assert!(!err.is_duplicate());
}

#[test]
fn queued_doses_survive_a_day_offline_but_inquiries_do_not() {
    let day = 24 * 60 * 60_000;
    let mut g = ReplayGuard::default();
    open(&sealed(&Message::DoseDelivery(dose_delivery()), T0), &mut g, T0 + day).unwrap();
    let q = sealed(&Message::InquiryRequest(inquiry(&signer(1))), T0);
    assert_eq!(open(&q, &mut g, T0 + day).unwrap_err(), OpenError::Replay(ReplayError::Stale));
}

#[test]
fn caller_chosen_id_is_kept() {
    let id = MessageId::from_bytes([0xab; 16]);
    let to = decryption(2).public_key();
    let env = Envelope::seal(
        &signer(1),
        SealParams::new(yokohama(), chiyoda(), to).message_id(id),
        &Message::DoseDelivery(dose_delivery()),
    )
    .unwrap();
    assert_eq!(env.header().message_id, id);
}

#[test]
fn invalid_messages_are_not_sealed() {
    let mut d = dose_delivery();
    d.product = "Comirnaty!".into();
    let to = decryption(2).public_key();
    let r = Envelope::seal(&signer(1), SealParams::new(yokohama(), chiyoda(), to), &Message::DoseDelivery(d));
    assert!(r.is_err());
}

#[test]
fn debug_output_has_no_personal_data() {
    for msg in every_kind() {
        let shown = format!("{msg:?}");
        for secret in ["123456789018", "12345678", "1960-04-01", "ヤマダ", "タロウ"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        let env = sealed(&msg, T0);
        let shown = format!("{env:?}");
        assert!(shown.contains("Envelope") && !shown.contains("ciphertext:") && !shown.contains("enc:"), "{shown}");
    }
}

#[test]
fn reply_goes_back_to_the_sender() {
    let mut g = ReplayGuard::default();
    let req = open(&sealed(&Message::InquiryRequest(inquiry(&signer(1))), T0), &mut g, T0).unwrap();
    let yokohama_key = decryption(1);
    let params = SealParams::reply_to(&req.header, yokohama_key.public_key()).created_at_ms(T0);
    let answer = Message::InquiryAnswer(found_answer());
    let reply = Envelope::seal(&signer(2), params, &answer).unwrap();
    assert_eq!((reply.header().sender, reply.header().recipient), (chiyoda(), yokohama()));
    let got = reply.open(yokohama(), &yokohama_key, &signer(2).public_key(), &mut g, T0).unwrap();
    assert_eq!(got.message, answer);
}
