//! Property tests of the envelope batch codec (`/vrs/envelope-batch/1`): round trips,
//! refusal of truncated, extended and over-long input, and no panic on any input.

use proptest::prelude::*;
use vrs_protocol::batch::{
    BatchError, batch_request_len, decode_batch, decode_batch_answers, encode_batch, encode_batch_answers,
};
use vrs_protocol::limits::MAX_BATCH_ITEMS;

fn frames() -> impl Strategy<Value = Vec<Vec<u8>>> {
    proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..600), 1..40)
}

fn answers() -> impl Strategy<Value = Vec<Option<Vec<u8>>>> {
    proptest::collection::vec(proptest::option::of(proptest::collection::vec(any::<u8>(), 0..600)), 1..40)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_request_batch_round_trips(frames in frames()) {
        let body = encode_batch(&frames).unwrap();
        prop_assert_eq!(body.len(), batch_request_len(frames.iter().map(Vec::len)));
        prop_assert_eq!(decode_batch(&body).unwrap(), frames);
    }

    #[test]
    fn an_answer_batch_round_trips(answers in answers()) {
        let (body, left_out) = encode_batch_answers(&answers).unwrap();
        prop_assert_eq!(left_out, 0);
        prop_assert_eq!(decode_batch_answers(&body).unwrap(), answers);
    }

    #[test]
    fn truncated_or_extended_batches_are_refused(frames in frames(), answers in answers(), cut in any::<prop::sample::Index>(), extra in any::<u8>()) {
        let body = encode_batch(&frames).unwrap();
        prop_assert!(decode_batch(&body[..cut.index(body.len())]).is_err());
        let mut longer = body.clone();
        longer.push(extra);
        prop_assert!(decode_batch(&longer).is_err());

        let (body, _) = encode_batch_answers(&answers).unwrap();
        prop_assert!(decode_batch_answers(&body[..cut.index(body.len())]).is_err());
        let mut longer = body.clone();
        longer.push(extra);
        prop_assert!(decode_batch_answers(&longer).is_err());
    }

    #[test]
    fn batch_decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_batch(&bytes);
        let _ = decode_batch_answers(&bytes);
    }
}

#[test]
fn a_batch_holds_one_to_the_limit_of_items() {
    assert_eq!(encode_batch(&[]), Err(BatchError::Count(0)));
    assert!(encode_batch(&vec![vec![7u8; 3]; MAX_BATCH_ITEMS]).is_ok());
    let over = vec![vec![7u8; 3]; MAX_BATCH_ITEMS + 1];
    assert_eq!(encode_batch(&over), Err(BatchError::Count(MAX_BATCH_ITEMS + 1)));
    assert_eq!(encode_batch_answers(&vec![None; MAX_BATCH_ITEMS + 1]), Err(BatchError::Count(MAX_BATCH_ITEMS + 1)));
    // A count over the limit is refused before any item is read.
    let mut body = ((MAX_BATCH_ITEMS + 1) as u16).to_be_bytes().to_vec();
    body.extend(std::iter::repeat_n(0u8, 4 * (MAX_BATCH_ITEMS + 1)));
    assert_eq!(decode_batch(&body), Err(BatchError::Count(MAX_BATCH_ITEMS + 1)));
}
