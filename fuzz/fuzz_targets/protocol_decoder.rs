//! Everything the federation decodes from a peer: the first byte picks the decoder, the
//! rest is its input. No input panics; whatever decodes encodes back (byte for byte where
//! the layout is fixed); a payload that decodes also survives a real seal and open.
//!
//! 0: a length-prefixed frame holding an envelope        (`/vrs/envelope/1` request)
//! 1: an envelope batch request body, each item an envelope (`/vrs/envelope-batch/1`)
//! 2: an envelope batch response body
//! 3: an envelope response                                (accepted / queued / reply / error)
//! 4: a message payload of kind `data[1]` (what a signed, decrypted envelope carries:
//!    an enrolled but malicious node controls these bytes entirely)
#![no_main]

use libfuzzer_sys::fuzz_target;
use vrs_protocol::batch::{decode_batch, decode_batch_answers, encode_batch, encode_batch_answers};
use vrs_protocol::{
    Address, DecryptionKey, Envelope, EnvelopeResponse, Kind, Message, MunicipalityCode, ReplayGuard, SealParams,
    SigningKey, decode_frame,
};

fuzz_target!(|data: &[u8]| {
    let Some((&which, input)) = data.split_first() else { return };
    match which % 5 {
        0 => frame_and_envelope(input),
        1 => {
            if let Ok(frames) = decode_batch(input) {
                assert_eq!(encode_batch(&frames).as_deref(), Ok(input));
                frames.iter().for_each(|f| envelope(f));
            }
        }
        2 => {
            if let Ok(answers) = decode_batch_answers(input) {
                assert_eq!(encode_batch_answers(&answers).map(|(b, _)| b).as_deref(), Ok(input));
            }
        }
        3 => {
            if let Ok(response) = EnvelopeResponse::from_bytes(input) {
                assert_eq!(response.to_bytes(), input);
            }
        }
        _ => payload(input),
    }
});

fn frame_and_envelope(input: &[u8]) {
    let Ok((body, used)) = decode_frame(input) else { return };
    assert!(used <= input.len() && body.len() + 4 == used);
    envelope(body);
}

fn envelope(body: &[u8]) {
    if let Ok(envelope) = Envelope::from_bytes(body) {
        assert_eq!(envelope.to_bytes(), body, "an envelope's layout has one encoding");
        // Without the sender's key nothing opens: a forged envelope is refused.
        let _ = envelope.verify_sender(&signer().public_key());
    }
}

fn payload(input: &[u8]) {
    let Some((&kind, bytes)) = input.split_first() else { return };
    let Some(kind) = Kind::from_byte(kind) else { return };
    let Ok(message) = Message::decode_payload(kind, bytes) else { return };
    let encoded = message.encode_payload().expect("a decoded message encodes");
    assert_eq!(Message::decode_payload(kind, &encoded).as_ref(), Ok(&message));
    // Seal it to a node and open it there: the same message comes out.
    let (from, to) = (node("141003"), node("131016"));
    let key = DecryptionKey::from_bytes(&[2; 32]).expect("fixed key");
    let now = 1_767_225_600_000;
    let params = SealParams::new(from, to, key.public_key()).created_at_ms(now);
    let envelope = Envelope::seal(&signer(), params, &message).expect("a valid message seals");
    let back = Envelope::from_bytes(&envelope.to_bytes()).expect("a sealed envelope parses");
    let opened = back.open(to, &key, &signer().public_key(), &mut ReplayGuard::default(), now).expect("it opens");
    assert_eq!(opened.message, message);
}

fn signer() -> SigningKey {
    SigningKey::from_seed(&[1; 32]).expect("fixed seed")
}

fn node(code: &str) -> Address {
    Address::Node(MunicipalityCode::parse(code).expect("a valid code"))
}
