//! Frames on a request-response stream: a 4-byte big-endian length, then the bytes. The
//! length is checked before anything is allocated, so a peer cannot make us buffer more
//! than [`MAX_FRAME_BYTES`].

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::StreamProtocol;
use std::io;
use vrs_protocol::{batch, limits};

/// The largest frame either side accepts: the protocol's own envelope limit.
pub const MAX_FRAME_BYTES: usize = vrs_protocol::limits::MAX_FRAME_BYTES;

/// Frames up to this size are written with their length prefix in one write.
const COALESCE_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, Default)]
pub struct FrameCodec;

async fn read_frame<T: AsyncRead + Unpin + Send>(io: &mut T) -> io::Result<Vec<u8>> {
    read_bounded(io, MAX_FRAME_BYTES).await
}

/// Reads one length-prefixed body of at most `limit` bytes.
async fn read_bounded<T: AsyncRead + Unpin + Send>(io: &mut T, limit: usize) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    io.read_exact(&mut len).await?;
    let len = u32::from_be_bytes(len) as usize;
    if len > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of {len} bytes exceeds the limit of {limit}"),
        ));
    }
    let mut buf = vec![0u8; len];
    io.read_exact(&mut buf).await?;
    Ok(buf)
}

async fn write_frame<T: AsyncWrite + Unpin + Send>(io: &mut T, frame: &[u8]) -> io::Result<()> {
    write_bounded(io, frame, MAX_FRAME_BYTES).await
}

async fn write_bounded<T: AsyncWrite + Unpin + Send>(io: &mut T, frame: &[u8], limit: usize) -> io::Result<()> {
    if frame.len() > limit {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "frame exceeds the size limit"));
    }
    let len = (frame.len() as u32).to_be_bytes();
    if frame.len() <= COALESCE_BYTES {
        // One write, so that the length and the body leave in one yamux frame (and one
        // TLS record) instead of two.
        io.write_all(&[len.as_slice(), frame].concat()).await?;
    } else {
        // A large frame (a registry of ~300 KB, 1,741 of them in a connect storm) is not
        // copied: the extra frame header is nothing beside it, the copy is not.
        io.write_all(&len).await?;
        io.write_all(frame).await?;
    }
    io.close().await
}

impl libp2p::request_response::Codec for FrameCodec {
    type Protocol = StreamProtocol;
    type Request = Vec<u8>;
    type Response = Vec<u8>;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Vec<u8>>
    where
        T: AsyncRead + Unpin + Send,
    {
        read_frame(io).await
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Vec<u8>>
    where
        T: AsyncRead + Unpin + Send,
    {
        read_frame(io).await
    }

    async fn write_request<T>(&mut self, _: &StreamProtocol, io: &mut T, frame: Vec<u8>) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_frame(io, &frame).await
    }

    async fn write_response<T>(&mut self, _: &StreamProtocol, io: &mut T, frame: Vec<u8>) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_frame(io, &frame).await
    }
}

/// `/vrs/envelope-batch/1`: a batch of envelope frames, answered by one answer per frame
/// (`vrs_protocol::batch`). Each side checks the outer length against the batch limits
/// before reading, and the items against the frame limit while decoding.
#[derive(Debug, Clone, Copy, Default)]
pub struct BatchCodec;

fn invalid(e: batch::BatchError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

impl libp2p::request_response::Codec for BatchCodec {
    type Protocol = StreamProtocol;
    type Request = Vec<Vec<u8>>;
    type Response = Vec<Option<Vec<u8>>>;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Self::Request>
    where
        T: AsyncRead + Unpin + Send,
    {
        batch::decode_batch(&read_bounded(io, limits::MAX_BATCH_BYTES).await?).map_err(invalid)
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Self::Response>
    where
        T: AsyncRead + Unpin + Send,
    {
        batch::decode_batch_answers(&read_bounded(io, limits::MAX_BATCH_RESPONSE_BYTES).await?).map_err(invalid)
    }

    async fn write_request<T>(&mut self, _: &StreamProtocol, io: &mut T, frames: Self::Request) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        let body = batch::encode_batch(&frames).map_err(invalid)?;
        write_bounded(io, &body, limits::MAX_BATCH_BYTES).await
    }

    async fn write_response<T>(&mut self, _: &StreamProtocol, io: &mut T, answers: Self::Response) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        let (body, left_out) = batch::encode_batch_answers(&answers).map_err(invalid)?;
        if left_out > 0 {
            tracing::warn!(left_out, "batch answers over the size limit sent as not answered");
        }
        write_bounded(io, &body, limits::MAX_BATCH_RESPONSE_BYTES).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use futures::io::Cursor;

    #[test]
    fn a_frame_round_trips_and_an_oversized_length_is_refused_before_allocating() {
        let mut buf = Vec::new();
        block_on(write_frame(&mut Cursor::new(&mut buf), b"hello")).unwrap();
        assert_eq!(&buf[..4], &5u32.to_be_bytes());
        assert_eq!(block_on(read_frame(&mut Cursor::new(buf))).unwrap(), b"hello");

        let huge = (MAX_FRAME_BYTES as u32 + 1).to_be_bytes();
        let err = block_on(read_frame(&mut Cursor::new(huge.to_vec()))).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        let truncated = [0, 0, 0, 9, b'a'];
        assert_eq!(
            block_on(read_frame(&mut Cursor::new(truncated.to_vec()))).unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
    }
}
