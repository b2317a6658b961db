//! `specs/protocol-vectors.json`: fixed inputs and the exact bytes they must produce.
//! Every vector in the file is checked, and the test fails if the file holds one that no
//! check used. `VRS_WRITE_VECTORS=1 cargo test -p vrs-protocol vectors` rewrites the file
//! from the fixtures (then review the diff: changed bytes are a wire change).

use crate::fixtures::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use vrs_protocol::envelope::ephemeral_ikm;
use vrs_protocol::keys::SigContext;
use vrs_protocol::messages::*;
use vrs_protocol::*;

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/protocol-vectors.json");
const SENDER: u8 = 0x11;
const RECIPIENT: u8 = 0x22;
const NATIONAL: u8 = 0x33;

fn h(b: &[u8]) -> String {
    hex::encode(b)
}

fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

fn arr32(v: &Value) -> [u8; 32] {
    unhex(v).try_into().expect("32 bytes")
}

fn keys_section() -> Value {
    json!({
        "name": "keys",
        "sender_ed25519_seed": h(&seed(SENDER)),
        "sender_ed25519_public": h(signer(SENDER).public_key().as_bytes()),
        "recipient_x25519_secret": h(&seed(RECIPIENT)),
        "recipient_x25519_public": h(decryption(RECIPIENT).public_key().as_bytes()),
        "recipient_key_id": h(&decryption(RECIPIENT).key_id().0),
        "national_ed25519_seed": h(&seed(NATIONAL)),
        "national_ed25519_public": h(signer(NATIONAL).public_key().as_bytes()),
    })
}

fn envelope_vector(i: usize, msg: &Message) -> Value {
    let hpke_seed = [0x40 + i as u8; 32];
    let id = MessageId::from_bytes([0x50 + i as u8; 16]);
    let (from, to) = match msg.kind() {
        Kind::StatsRequest | Kind::CheckpointList | Kind::KeyRotationAck => (Address::Coordinator, chiyoda()),
        Kind::StatsAnswer | Kind::Checkpoint | Kind::CheckpointFetch | Kind::KeyRotation => {
            (chiyoda(), Address::Coordinator)
        }
        _ => (yokohama(), chiyoda()),
    };
    let to_key = decryption(RECIPIENT).public_key();
    let params = SealParams::new(from, to, to_key).message_id(id).created_at_ms(T0);
    let env = Envelope::seal_with_seed(&signer(SENDER), params, msg, &hpke_seed).unwrap();
    let bytes = env.to_bytes();
    json!({
        "name": format!("envelope_{}", msg.kind().as_str()),
        "kind": msg.kind().byte(),
        "sender": from, "recipient": to,
        "message_id": id, "created_at_ms": T0,
        "hpke_seed": h(&hpke_seed), "ikm_e": h(&ephemeral_ikm(&hpke_seed)),
        "message": msg,
        "payload": h(&msg.encode_payload().unwrap()),
        "header": h(&bytes[..envelope::HEADER_LEN]),
        "enc": h(&bytes[envelope::HEADER_LEN..envelope::HEADER_LEN + envelope::ENC_LEN]),
        "signature": h(&env.signature().0),
        "envelope": h(&bytes),
    })
}

/// Mutations of the first envelope vector and the wire code the recipient must answer.
fn rejections(first: &[u8]) -> Vec<Value> {
    let flip = |i: usize| {
        let mut b = first.to_vec();
        b[i] ^= 1;
        b
    };
    let set = |i: usize, v: u8| {
        let mut b = first.to_vec();
        b[i] = v;
        b
    };
    let cases: Vec<(&str, Vec<u8>, WireErrorCode)> = vec![
        ("other_kind", set(5, 2), WireErrorCode::BadSignature),
        ("unknown_kind", set(5, 0), WireErrorCode::Malformed),
        ("flipped_message_id", flip(6), WireErrorCode::BadSignature),
        ("flipped_created_at", flip(49), WireErrorCode::BadSignature),
        ("flipped_enc", flip(60), WireErrorCode::BadSignature),
        ("flipped_ciphertext", flip(100), WireErrorCode::BadSignature),
        ("flipped_signature", flip(first.len() - 1), WireErrorCode::BadSignature),
        ("flipped_length", flip(53), WireErrorCode::Malformed),
        ("truncated", first[..first.len() - 1].to_vec(), WireErrorCode::Malformed),
        ("trailing_byte", [first, &[0]].concat(), WireErrorCode::Malformed),
        ("version_2", set(4, 2), WireErrorCode::UnsupportedVersion),
        ("coordinator_as_sender", [&first[..22], b"000000", &first[28..]].concat(), WireErrorCode::BadSignature),
        ("invalid_recipient_code", [&first[..28], b"131017", &first[34..]].concat(), WireErrorCode::Malformed),
        ("bad_magic", flip(0), WireErrorCode::Malformed),
    ];
    cases
        .into_iter()
        .map(|(name, b, code)| json!({"name": format!("reject_{name}"), "envelope": h(&b), "error": code}))
        .collect()
}

fn signature_vectors() -> Vec<Value> {
    let national = signer(NATIONAL);
    let reg = SignedRegistry::sign(&national, crate::registry::registry()).unwrap();
    let enr = SignedEnrollment::sign(
        &signer(SENDER),
        Enrollment {
            municipality: code("141003"),
            peer_id: PeerIdBytes::new(vec![0x12; 38]).unwrap(),
            signing_key: signer(SENDER).public_key(),
            encryption_key: decryption(SENDER).public_key(),
            created_at_ms: T0,
        },
    )
    .unwrap();
    let consent = inquiry(&signer(SENDER)).consent;
    let cp = checkpoint(&signer(SENDER));
    let batch = inquiry_batch(&signer(SENDER));
    vec![
        json!({"name": "sig_registry", "context": "vrs-registry-v1", "signer": h(national.public_key().as_bytes()),
               "document": reg, "body": h(&postcard::to_allocvec(&reg.registry).unwrap())}),
        json!({"name": "sig_enrollment", "context": "vrs-enrollment-v1", "signer": h(signer(SENDER).public_key().as_bytes()),
               "document": enr, "body": h(&postcard::to_allocvec(&enr.enrollment).unwrap())}),
        json!({"name": "sig_consent", "context": "vrs-consent-v1", "signer": h(signer(SENDER).public_key().as_bytes()),
               "document": consent, "body": h(&postcard::to_allocvec(&consent.statement).unwrap())}),
        // A batch's statement: its subject digest is SHA-256 of the prefix and `questions`.
        json!({"name": "sig_consent_batch", "context": "vrs-consent-v1", "signer": h(signer(SENDER).public_key().as_bytes()),
               "document": batch.consent, "body": h(&postcard::to_allocvec(&batch.consent.statement).unwrap()),
               "questions": h(&postcard::to_allocvec(&batch.questions).unwrap())}),
        json!({"name": "sig_checkpoint", "context": "vrs-checkpoint-v1", "signer": h(signer(SENDER).public_key().as_bytes()),
               "document": cp, "body": h(&postcard::to_allocvec(&cp.checkpoint).unwrap())}),
    ]
}

fn response_vectors(first_envelope: &[u8]) -> Vec<Value> {
    let reply = EnvelopeResponse::Reply(Box::new(Envelope::from_bytes(first_envelope).unwrap()));
    [
        ("accepted", EnvelopeResponse::Accepted),
        ("queued", EnvelopeResponse::Queued),
        ("error_replayed", EnvelopeResponse::Error(WireErrorCode::Replayed)),
        ("reply", reply),
    ]
    .into_iter()
    .map(|(n, r)| {
        let frame = encode_frame(&r.to_bytes()).unwrap();
        json!({"name": format!("response_{n}"), "frame": h(&frame)})
    })
    .collect()
}

fn build() -> Value {
    let envelopes: Vec<Value> = every_kind().iter().enumerate().map(|(i, m)| envelope_vector(i, m)).collect();
    let first = unhex(&envelopes[0]["envelope"]);
    json!({
        "about": "Test vectors of /vrs/envelope/1; see specs/protocol.md. Generated by protocol/tests/protocol/vectors.rs and checked by it.",
        "keys": [keys_section()],
        "envelopes": envelopes,
        "rejections": rejections(&first),
        "signatures": signature_vectors(),
        "responses": response_vectors(&first),
        "wire_errors": WireErrorCode::all().iter().map(|c| json!({"name": format!("wire_error_{c}"), "code": c, "number": c.number()})).collect::<Vec<_>>(),
    })
}

/// Checks one section's vectors; returns the names it used.
fn check_envelope(v: &Value, keys: &Value) {
    let sender = SigningKey::from_seed(&arr32(&keys["sender_ed25519_seed"])).unwrap();
    let recipient = DecryptionKey::from_bytes(&arr32(&keys["recipient_x25519_secret"])).unwrap();
    let msg: Message = serde_json::from_value(v["message"].clone()).unwrap();
    let from: Address = serde_json::from_value(v["sender"].clone()).unwrap();
    let to: Address = serde_json::from_value(v["recipient"].clone()).unwrap();
    let id: MessageId = serde_json::from_value(v["message_id"].clone()).unwrap();
    let created = v["created_at_ms"].as_u64().unwrap();
    let seed = arr32(&v["hpke_seed"]);
    assert_eq!(h(&ephemeral_ikm(&seed)), v["ikm_e"].as_str().unwrap());
    assert_eq!(h(&msg.encode_payload().unwrap()), v["payload"].as_str().unwrap(), "{}", v["name"]);
    let params = SealParams::new(from, to, recipient.public_key()).message_id(id).created_at_ms(created);
    let env = Envelope::seal_with_seed(&sender, params, &msg, &seed).unwrap();
    let expected = unhex(&v["envelope"]);
    assert_eq!(h(&env.to_bytes()), h(&expected), "{}", v["name"]);
    assert_eq!(env.header().kind.byte() as u64, v["kind"].as_u64().unwrap());
    assert!(expected.starts_with(&unhex(&v["header"])));
    assert_eq!(h(&env.signature().0), v["signature"].as_str().unwrap());
    // And the file's bytes open to the file's message.
    let parsed = Envelope::from_bytes(&expected).unwrap();
    let opened = parsed.open(to, &recipient, &sender.public_key(), &mut ReplayGuard::default(), created).unwrap();
    assert_eq!(opened.message, msg);
}

fn check_rejection(v: &Value, keys: &Value) {
    let sender = SigningKey::from_seed(&arr32(&keys["sender_ed25519_seed"])).unwrap();
    let recipient = DecryptionKey::from_bytes(&arr32(&keys["recipient_x25519_secret"])).unwrap();
    let expected: WireErrorCode = serde_json::from_value(v["error"].clone()).unwrap();
    let code = match Envelope::from_bytes(&unhex(&v["envelope"])) {
        Err(e) => e.wire_code(),
        Ok(env) => {
            let r = env.open(chiyoda(), &recipient, &sender.public_key(), &mut ReplayGuard::default(), T0);
            r.expect_err("a rejection vector opened").wire_code()
        }
    };
    assert_eq!(code, expected, "{}", v["name"]);
}

fn check_signature(v: &Value) {
    let key = SigningPublicKey(arr32(&v["signer"]));
    let doc = &v["document"];
    let (ctx, body, sig) = match v["context"].as_str().unwrap() {
        "vrs-registry-v1" => {
            let d: SignedRegistry = serde_json::from_value(doc.clone()).unwrap();
            d.verify(&key).unwrap();
            (SigContext::Registry, postcard::to_allocvec(&d.registry).unwrap(), d.signature)
        }
        "vrs-enrollment-v1" => {
            let d: SignedEnrollment = serde_json::from_value(doc.clone()).unwrap();
            assert_eq!(d.verify().unwrap().signing_key, key);
            (SigContext::Enrollment, postcard::to_allocvec(&d.enrollment).unwrap(), d.signature)
        }
        "vrs-consent-v1" => {
            let d: SignedConsent = serde_json::from_value(doc.clone()).unwrap();
            if let Some(q) = v.get("questions") {
                let questions: Vec<BatchQuestion> = postcard::from_bytes(&unhex(q)).unwrap();
                assert_eq!(InquiryBatch::questions_digest(&questions), d.statement.subject_digest);
            }
            (SigContext::Consent, postcard::to_allocvec(&d.statement).unwrap(), d.signature)
        }
        "vrs-checkpoint-v1" => {
            let d: SignedCheckpoint = serde_json::from_value(doc.clone()).unwrap();
            d.verify(&key).unwrap();
            (SigContext::Checkpoint, postcard::to_allocvec(&d.checkpoint).unwrap(), d.signature)
        }
        other => panic!("unknown context {other}"),
    };
    assert_eq!(ctx.tag(), v["context"].as_str().unwrap().as_bytes());
    assert_eq!(h(&body), v["body"].as_str().unwrap(), "{}", v["name"]);
    key.verify(ctx, &body, &sig).unwrap();
    // Ed25519 is deterministic: re-signing the body with the vector's key reproduces it.
    let seed = if ctx == SigContext::Registry { NATIONAL } else { SENDER };
    assert_eq!(signer(seed).sign(ctx, &body), sig, "{}", v["name"]);
}

fn check_response(v: &Value) {
    let frame = unhex(&v["frame"]);
    let (body, used) = decode_frame(&frame).unwrap();
    assert_eq!(used, frame.len());
    let r = EnvelopeResponse::from_bytes(body).unwrap();
    assert_eq!(r.to_bytes(), body);
    let kind = v["name"].as_str().unwrap().trim_start_matches("response_");
    let matches = match &r {
        EnvelopeResponse::Accepted => kind == "accepted",
        EnvelopeResponse::Queued => kind == "queued",
        EnvelopeResponse::Error(c) => kind == format!("error_{c}"),
        EnvelopeResponse::Reply(_) => kind == "reply",
    };
    assert!(matches, "{kind} decoded as {r:?}");
}

fn check_wire_error(v: &Value) {
    let c = WireErrorCode::parse(v["code"].as_str().unwrap()).unwrap();
    assert_eq!(u64::from(c.number()), v["number"].as_u64().unwrap());
}

#[test]
fn vectors_file_matches_and_every_vector_is_used() {
    if std::env::var_os("VRS_WRITE_VECTORS").is_some() {
        std::fs::write(FILE, serde_json::to_string_pretty(&build()).unwrap() + "\n").unwrap();
    }
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(FILE).expect("specs/protocol-vectors.json")).unwrap();
    let keys = &file["keys"][0];
    let mut all = BTreeSet::new();
    let mut used = BTreeSet::new();
    for (section, vectors) in file.as_object().unwrap() {
        let Some(vectors) = vectors.as_array() else { continue };
        for v in vectors {
            let name = v["name"].as_str().expect("every vector has a name").to_owned();
            assert!(all.insert(name.clone()), "duplicate vector name {name}");
            match section.as_str() {
                "keys" => {
                    assert_eq!(v["sender_ed25519_public"], json!(h(signer(SENDER).public_key().as_bytes())));
                    let d = DecryptionKey::from_bytes(&arr32(&v["recipient_x25519_secret"])).unwrap();
                    assert_eq!(h(d.public_key().as_bytes()), v["recipient_x25519_public"].as_str().unwrap());
                    assert_eq!(h(&d.key_id().0), v["recipient_key_id"].as_str().unwrap());
                    let n = SigningKey::from_seed(&arr32(&v["national_ed25519_seed"])).unwrap();
                    assert_eq!(h(n.public_key().as_bytes()), v["national_ed25519_public"].as_str().unwrap());
                }
                "envelopes" => check_envelope(v, keys),
                "rejections" => check_rejection(v, keys),
                "signatures" => check_signature(v),
                "responses" => check_response(v),
                "wire_errors" => check_wire_error(v),
                other => panic!("section {other} has no check: add one"),
            }
            used.insert(name);
        }
    }
    assert_eq!(all, used, "vectors in the file that no check used");
    // Every kind and every wire error has a vector.
    for k in Kind::ALL {
        assert!(used.contains(&format!("envelope_{}", k.as_str())), "no vector for {k:?}");
    }
    assert_eq!(file["wire_errors"].as_array().unwrap().len(), WireErrorCode::all().len());
    // The file is exactly what the fixtures produce (no hand edits drifting).
    assert_eq!(file, build(), "specs/protocol-vectors.json is stale: VRS_WRITE_VECTORS=1 to regenerate, then review");
}
