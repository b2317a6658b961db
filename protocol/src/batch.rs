//! Envelope batches (`/vrs/envelope-batch/1`): one request carrying several envelope
//! frames, and one response carrying an answer (or "no answer") for each, in order.
//!
//! A batch only amortises the transport (one stream, one protocol negotiation, one
//! timeout per batch instead of per envelope); each item is exactly what a request on
//! `/vrs/envelope/1` would carry, and each answer exactly its response, so every
//! per-envelope check and every idempotency rule stays per envelope.
//!
//! ```text
//! request body  = count:u16 ‖ count × (len:u32 ‖ frame)
//! response body = count:u16 ‖ count × (00 ‖ len:u32 ‖ answer  |  01)
//! ```
//!
//! Both sit inside an outer length prefix checked against [`MAX_BATCH_BYTES`] /
//! [`MAX_BATCH_RESPONSE_BYTES`] before anything is buffered. Decoders never panic and
//! refuse an empty batch, more than [`MAX_BATCH_ITEMS`] items, an item over
//! `MAX_FRAME_BYTES`, truncation and trailing bytes.

use crate::frame::{FrameError, LENGTH_PREFIX, decode_frame};
use crate::limits::{MAX_BATCH_BYTES, MAX_BATCH_ITEMS, MAX_BATCH_RESPONSE_BYTES, MAX_FRAME_BYTES};

const COUNT_LEN: usize = 2;
const ANSWERED: u8 = 0;
const NOT_ANSWERED: u8 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("a batch holds 1 to {MAX_BATCH_ITEMS} items, not {0}")]
    Count(usize),
    #[error("the batch exceeds its size limit")]
    TooLarge,
    #[error("an item of the batch is malformed: {0}")]
    Item(FrameError),
    #[error("unknown answer tag {0}")]
    Tag(u8),
    #[error("the batch is truncated")]
    Truncated,
    #[error("{0} bytes after the last item")]
    Trailing(usize),
}

/// The encoded size of a request batch holding frames of these lengths, to pack a batch
/// under [`MAX_BATCH_BYTES`] before encoding it.
pub fn batch_request_len(frame_lens: impl IntoIterator<Item = usize>) -> usize {
    COUNT_LEN + frame_lens.into_iter().map(|n| LENGTH_PREFIX + n).sum::<usize>()
}

/// Encodes a request batch. Refuses an empty or over-long batch and one over the limit.
pub fn encode_batch(frames: &[Vec<u8>]) -> Result<Vec<u8>, BatchError> {
    check_count(frames.len())?;
    let len = batch_request_len(frames.iter().map(Vec::len));
    if len > MAX_BATCH_BYTES || frames.iter().any(|f| f.len() > MAX_FRAME_BYTES) {
        return Err(BatchError::TooLarge);
    }
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&(frames.len() as u16).to_be_bytes());
    for f in frames {
        out.extend_from_slice(&(f.len() as u32).to_be_bytes());
        out.extend_from_slice(f);
    }
    Ok(out)
}

/// Decodes a request batch body.
pub fn decode_batch(body: &[u8]) -> Result<Vec<Vec<u8>>, BatchError> {
    if body.len() > MAX_BATCH_BYTES {
        return Err(BatchError::TooLarge);
    }
    let (count, mut rest) = split_count(body)?;
    let mut frames = Vec::with_capacity(count);
    for _ in 0..count {
        let (frame, used) = decode_frame(rest).map_err(item_error)?;
        frames.push(frame.to_vec());
        rest = &rest[used..];
    }
    if !rest.is_empty() {
        return Err(BatchError::Trailing(rest.len()));
    }
    Ok(frames)
}

/// Encodes the answers to a batch, in the request's order; `None` = not answered (the
/// receiver dropped that request). Answers that would take the body past
/// [`MAX_BATCH_RESPONSE_BYTES`] are sent as not answered instead, except the first,
/// which always fits: the requester sees those requests fail and may retry them.
/// Returns the body and how many answers were left out for size.
pub fn encode_batch_answers(answers: &[Option<Vec<u8>>]) -> Result<(Vec<u8>, usize), BatchError> {
    check_count(answers.len())?;
    let mut out = Vec::with_capacity(COUNT_LEN + answers.iter().flatten().map(|a| 5 + a.len()).sum::<usize>());
    out.extend_from_slice(&(answers.len() as u16).to_be_bytes());
    let mut left_out = 0;
    for (i, answer) in answers.iter().enumerate() {
        // What the remaining items need at least (one byte each, "not answered").
        let reserve = answers.len() - i - 1;
        match answer {
            Some(a) if a.len() > MAX_FRAME_BYTES => {
                left_out += 1;
                out.push(NOT_ANSWERED);
            }
            Some(a) if out.len() + 1 + LENGTH_PREFIX + a.len() + reserve <= MAX_BATCH_RESPONSE_BYTES => {
                out.push(ANSWERED);
                out.extend_from_slice(&(a.len() as u32).to_be_bytes());
                out.extend_from_slice(a);
            }
            Some(_) => {
                left_out += 1;
                out.push(NOT_ANSWERED);
            }
            None => out.push(NOT_ANSWERED),
        }
    }
    Ok((out, left_out))
}

/// Decodes a response batch body.
pub fn decode_batch_answers(body: &[u8]) -> Result<Vec<Option<Vec<u8>>>, BatchError> {
    if body.len() > MAX_BATCH_RESPONSE_BYTES {
        return Err(BatchError::TooLarge);
    }
    let (count, mut rest) = split_count(body)?;
    let mut answers = Vec::with_capacity(count);
    for _ in 0..count {
        let (&tag, after) = rest.split_first().ok_or(BatchError::Truncated)?;
        match tag {
            ANSWERED => {
                let (answer, used) = decode_frame(after).map_err(item_error)?;
                answers.push(Some(answer.to_vec()));
                rest = &after[used..];
            }
            NOT_ANSWERED => {
                answers.push(None);
                rest = after;
            }
            other => return Err(BatchError::Tag(other)),
        }
    }
    if !rest.is_empty() {
        return Err(BatchError::Trailing(rest.len()));
    }
    Ok(answers)
}

fn check_count(n: usize) -> Result<(), BatchError> {
    if (1..=MAX_BATCH_ITEMS).contains(&n) { Ok(()) } else { Err(BatchError::Count(n)) }
}

fn split_count(body: &[u8]) -> Result<(usize, &[u8]), BatchError> {
    let (count, rest) = body.split_at_checked(COUNT_LEN).ok_or(BatchError::Truncated)?;
    let count = usize::from(u16::from_be_bytes([count[0], count[1]]));
    check_count(count)?;
    Ok((count, rest))
}

fn item_error(e: FrameError) -> BatchError {
    match e {
        FrameError::Incomplete { .. } => BatchError::Truncated,
        e @ FrameError::TooLarge(_) => BatchError::Item(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_malformed_input() {
        assert_eq!(encode_batch(&[]), Err(BatchError::Count(0)));
        assert_eq!(encode_batch(&vec![vec![1]; MAX_BATCH_ITEMS + 1]), Err(BatchError::Count(MAX_BATCH_ITEMS + 1)));
        assert_eq!(encode_batch(&[vec![0; MAX_BATCH_BYTES]]), Err(BatchError::TooLarge));
        assert_eq!(decode_batch(&[0, 0]), Err(BatchError::Count(0)));
        assert_eq!(decode_batch(&[0]), Err(BatchError::Truncated));
        assert_eq!(decode_batch(&[0, 1, 0, 0, 0, 2, 9]), Err(BatchError::Truncated));
        assert_eq!(decode_batch(&[0, 1, 0, 0, 0, 1, 9, 9]), Err(BatchError::Trailing(1)));
        assert!(matches!(decode_batch(&[0, 1, 0xff, 0xff, 0xff, 0xff]), Err(BatchError::Item(_))));
        assert_eq!(decode_batch_answers(&[0, 1, 7]), Err(BatchError::Tag(7)));
        assert_eq!(decode_batch_answers(&[0, 2, 1]), Err(BatchError::Truncated));
        assert_eq!(decode_batch(&[0, 1, 0, 0, 0, 1, 9]), Ok(vec![vec![9]]));
        assert_eq!(decode_batch_answers(&[0, 2, 1, 0, 0, 0, 0, 1, 5]), Ok(vec![None, Some(vec![5])]));
    }

    #[test]
    fn answers_past_the_response_limit_are_sent_as_not_answered_but_the_first_always_fits() {
        let big = vec![7u8; MAX_FRAME_BYTES];
        let answers = vec![Some(big.clone()), Some(big.clone()), Some(big.clone()), Some(big), Some(vec![1])];
        let (body, left_out) = encode_batch_answers(&answers).unwrap();
        assert!(body.len() <= MAX_BATCH_RESPONSE_BYTES);
        let decoded = decode_batch_answers(&body).unwrap();
        assert_eq!(decoded.len(), 5);
        assert_eq!(decoded[0].as_deref(), answers[0].as_deref());
        assert_eq!(left_out, decoded.iter().filter(|a| a.is_none()).count());
        assert!(left_out >= 1);
        assert_eq!(decoded[4], Some(vec![1]));
    }
}
