//! Length-prefixed frames for request-response streams: a 4-byte big-endian length, then
//! that many bytes. The length is checked against the limit before anything is buffered,
//! so a peer cannot make us allocate more than [`MAX_FRAME_BYTES`].

use crate::limits::MAX_FRAME_BYTES;

pub const LENGTH_PREFIX: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frame of {0} bytes exceeds the limit")]
    TooLarge(usize),
    #[error("frame incomplete: {needed} more bytes needed")]
    Incomplete { needed: usize },
}

/// Prefixes `body` with its length. Refuses bodies over the limit.
pub fn encode_frame(body: &[u8]) -> Result<Vec<u8>, FrameError> {
    if body.len() > MAX_FRAME_BYTES {
        return Err(FrameError::TooLarge(body.len()));
    }
    let mut v = Vec::with_capacity(LENGTH_PREFIX + body.len());
    v.extend_from_slice(&(body.len() as u32).to_be_bytes());
    v.extend_from_slice(body);
    Ok(v)
}

/// For streaming readers: the body length announced by a prefix, or `TooLarge`. Read the
/// 4 bytes, call this, then read exactly that many bytes.
pub fn frame_body_len(prefix: [u8; LENGTH_PREFIX]) -> Result<usize, FrameError> {
    let n = u32::from_be_bytes(prefix) as usize;
    if n > MAX_FRAME_BYTES { Err(FrameError::TooLarge(n)) } else { Ok(n) }
}

/// Splits the first frame off `buf`: `(body, bytes consumed)`. Never panics.
pub fn decode_frame(buf: &[u8]) -> Result<(&[u8], usize), FrameError> {
    let prefix: [u8; LENGTH_PREFIX] = match buf.get(..LENGTH_PREFIX) {
        Some(p) => p.try_into().map_err(|_| FrameError::Incomplete { needed: LENGTH_PREFIX })?,
        None => return Err(FrameError::Incomplete { needed: LENGTH_PREFIX - buf.len() }),
    };
    let n = frame_body_len(prefix)?;
    let end = LENGTH_PREFIX + n;
    match buf.get(LENGTH_PREFIX..end) {
        Some(body) => Ok((body, end)),
        None => Err(FrameError::Incomplete { needed: end - buf.len() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn limits_and_partial_input() {
        assert_eq!(decode_frame(&[0, 0]), Err(FrameError::Incomplete { needed: 2 }));
        assert_eq!(decode_frame(&[0, 0, 0, 3, 9]), Err(FrameError::Incomplete { needed: 2 }));
        assert!(matches!(decode_frame(&[0xff, 0xff, 0xff, 0xff]), Err(FrameError::TooLarge(_))));
        assert_eq!(decode_frame(&[0, 0, 0, 0]), Ok((&[][..], 4)));
        assert!(encode_frame(&vec![0; MAX_FRAME_BYTES + 1]).is_err());
    }

    proptest! {
        #[test]
        fn round_trip(body in proptest::collection::vec(any::<u8>(), 0..2000), tail in proptest::collection::vec(any::<u8>(), 0..20)) {
            let mut f = encode_frame(&body).unwrap();
            let n = f.len();
            f.extend_from_slice(&tail);
            let (b, used) = decode_frame(&f).unwrap();
            prop_assert_eq!(b, &body[..]);
            prop_assert_eq!(used, n);
        }

        #[test]
        fn decode_never_panics(buf in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode_frame(&buf);
        }
    }
}
