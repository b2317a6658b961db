//! `/vrs/envelope-stream/1`: envelopes on one long-lived stream per direction and
//! connection, instead of a new yamux stream, protocol negotiation and request-response
//! timeout per request (or per batch).
//!
//! Each side opens one outbound stream when a connection is established and sends its
//! own envelope requests on it; it answers the peer's requests on the stream the peer
//! opened. Every frame is `u32 length ‖ kind ‖ u64 id ‖ body` (specs/protocol.md §6.2):
//! kind 0 a request (body = one `/vrs/envelope/1` request body), 1 its answer, 2 "not
//! answered" (the receiver dropped it, as a single request's stream closing unanswered).
//! Answers may come in any order; the id matches them.
//!
//! The streams are driven by tasks of their own (a reader and a writer each), outside the
//! swarm: a request goes from [`Client::request`](crate::Client::request) straight to the
//! writer, and an answer from the [`Responder`](crate::Responder) straight to the peer's
//! writer; frames waiting together leave in one write. Timeouts are the caller's
//! (tokio's timer, already armed by `Client::request`), so nothing here arms a timer per
//! request. A peer whose software does not speak the protocol is sent envelopes on
//! `/vrs/envelope/1` and `/vrs/envelope-batch/1` as before.

use crate::batching::AnswerSender;
use crate::client::LinkError;
use crate::codec::MAX_FRAME_BYTES;
use futures::io::{BufReader, ReadHalf, WriteHalf};
use futures::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use libp2p::core::transport::PortUse;
use libp2p::core::upgrade::ReadyUpgrade;
use libp2p::core::{Endpoint, Multiaddr};
use libp2p::swarm::handler::{ConnectionEvent, DialUpgradeError, FullyNegotiatedInbound, FullyNegotiatedOutbound};
use libp2p::swarm::{
    ConnectionDenied, ConnectionHandler, ConnectionHandlerEvent, ConnectionId, FromSwarm, NetworkBehaviour,
    SubstreamProtocol, THandlerInEvent, ToSwarm,
};
use libp2p::{PeerId, Stream, StreamProtocol};
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Context, Poll};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use tokio::time::Instant;
use vrs_protocol::ENVELOPE_STREAM_PROTOCOL;

const PROTOCOL: StreamProtocol = StreamProtocol::new(ENVELOPE_STREAM_PROTOCOL);

const REQUEST: u8 = 0;
const ANSWER: u8 = 1;
const NOT_ANSWERED: u8 = 2;
/// Kind and id, after the length.
const TAG: usize = 1 + 8;
/// Frames waiting together are written in one go up to about this many bytes.
const WRITE_CHUNK: usize = 64 * 1024;
/// Read buffer per stream (two per connection, 1,741 connections at the coordinator):
/// an envelope is ~0.5 KB; a longer frame is read past the buffer.
const READ_BUFFER: usize = 2048;
/// Our requests queued on one stream and not yet written; more fail at once (a peer
/// that stops reading must not make us buffer without bound).
const MAX_OUTSTANDING: usize = 4096;

/// A frame waiting for the writer, with the permit that bounds the queue (released once
/// the frame is written).
type Queued = (Vec<u8>, Option<OwnedSemaphorePermit>);

/// A stream the handler of a connection negotiated.
#[derive(Debug)]
pub(crate) enum Opened {
    /// Ours: our requests go out on it, their answers come back.
    Outbound(Stream),
    /// The peer's: its requests come in, our answers go back.
    Inbound(Stream),
}

#[derive(Debug)]
pub(crate) struct StreamOpened {
    pub peer: PeerId,
    pub opened: Opened,
}

/// Opens our stream on every connection and accepts the peer's.
#[derive(Debug, Default)]
pub(crate) struct Behaviour {
    opened: VecDeque<StreamOpened>,
}

impl NetworkBehaviour for Behaviour {
    type ConnectionHandler = Handler;
    type ToSwarm = StreamOpened;

    fn handle_established_inbound_connection(
        &mut self,
        _: ConnectionId,
        _: PeerId,
        _: &Multiaddr,
        _: &Multiaddr,
    ) -> Result<Handler, ConnectionDenied> {
        Ok(Handler::default())
    }

    fn handle_established_outbound_connection(
        &mut self,
        _: ConnectionId,
        _: PeerId,
        _: &Multiaddr,
        _: Endpoint,
        _: PortUse,
    ) -> Result<Handler, ConnectionDenied> {
        Ok(Handler::default())
    }

    fn on_swarm_event(&mut self, _: FromSwarm) {}

    fn on_connection_handler_event(&mut self, peer: PeerId, _: ConnectionId, opened: Opened) {
        self.opened.push_back(StreamOpened { peer, opened });
    }

    fn poll(&mut self, _: &mut Context<'_>) -> Poll<ToSwarm<StreamOpened, THandlerInEvent<Self>>> {
        match self.opened.pop_front() {
            Some(e) => Poll::Ready(ToSwarm::GenerateEvent(e)),
            None => Poll::Pending,
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Handler {
    requested: bool,
    opened: VecDeque<Opened>,
}

impl ConnectionHandler for Handler {
    type FromBehaviour = Infallible;
    type ToBehaviour = Opened;
    type InboundProtocol = ReadyUpgrade<StreamProtocol>;
    type OutboundProtocol = ReadyUpgrade<StreamProtocol>;
    type InboundOpenInfo = ();
    type OutboundOpenInfo = ();

    fn listen_protocol(&self) -> SubstreamProtocol<Self::InboundProtocol, ()> {
        SubstreamProtocol::new(ReadyUpgrade::new(PROTOCOL), ())
    }

    fn poll(&mut self, _: &mut Context<'_>) -> Poll<ConnectionHandlerEvent<Self::OutboundProtocol, (), Opened>> {
        if let Some(opened) = self.opened.pop_front() {
            return Poll::Ready(ConnectionHandlerEvent::NotifyBehaviour(opened));
        }
        if !self.requested {
            self.requested = true;
            let protocol = SubstreamProtocol::new(ReadyUpgrade::new(PROTOCOL), ());
            return Poll::Ready(ConnectionHandlerEvent::OutboundSubstreamRequest { protocol });
        }
        Poll::Pending
    }

    fn on_behaviour_event(&mut self, event: Infallible) {
        match event {}
    }

    fn on_connection_event(&mut self, event: ConnectionEvent<'_, Self::InboundProtocol, Self::OutboundProtocol>) {
        match event {
            ConnectionEvent::FullyNegotiatedInbound(FullyNegotiatedInbound { protocol, .. }) => {
                self.opened.push_back(Opened::Inbound(protocol));
            }
            ConnectionEvent::FullyNegotiatedOutbound(FullyNegotiatedOutbound { protocol, .. }) => {
                self.opened.push_back(Opened::Outbound(protocol));
            }
            // An older peer: its envelopes keep to request-response.
            ConnectionEvent::DialUpgradeError(DialUpgradeError { error, .. }) => {
                tracing::debug!(error = ?error, "no envelope stream on this connection");
            }
            _ => {}
        }
    }
}

/// Our outbound streams by peer (the newest connection's), shared with every [`Client`](crate::Client).
#[derive(Debug, Default)]
pub(crate) struct Streams {
    by_peer: RwLock<HashMap<PeerId, Arc<OutStream>>>,
}

impl Streams {
    pub fn get(&self, peer: &PeerId) -> Option<Arc<OutStream>> {
        self.by_peer.read().unwrap_or_else(|e| e.into_inner()).get(peer).cloned()
    }

    fn insert(&self, peer: PeerId, out: Arc<OutStream>) {
        self.by_peer.write().unwrap_or_else(|e| e.into_inner()).insert(peer, out);
    }

    /// Forgets `out` if it is still the stream used for `peer`.
    fn remove(&self, peer: &PeerId, out: &Arc<OutStream>) {
        let mut map = self.by_peer.write().unwrap_or_else(|e| e.into_inner());
        if map.get(peer).is_some_and(|o| Arc::ptr_eq(o, out)) {
            map.remove(peer);
        }
    }

    /// The peer has no connection left.
    pub fn forget(&self, peer: &PeerId) {
        if let Some(out) = self.by_peer.write().unwrap_or_else(|e| e.into_inner()).remove(peer) {
            out.close();
        }
    }
}

/// The sending side of our stream to one peer.
#[derive(Debug)]
pub(crate) struct OutStream {
    writer: mpsc::Sender<Queued>,
    slots: Arc<Semaphore>,
    pending: Mutex<HashMap<u64, AnswerSender>>,
    next_id: AtomicU64,
    closed: AtomicBool,
}

impl OutStream {
    fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<u64, AnswerSender>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends one envelope request and waits for its answer until `deadline`.
    pub async fn request(&self, frame: &[u8], deadline: Instant) -> Result<Vec<u8>, LinkError> {
        if frame.len() > MAX_FRAME_BYTES {
            return Err(LinkError::Io("frame exceeds the size limit".into()));
        }
        let Ok(slot) = self.slots.clone().try_acquire_owned() else {
            return Err(LinkError::Io("too many envelopes waiting for this peer".into()));
        };
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (reply, rx) = oneshot::channel();
        self.pending().insert(id, reply);
        // Checked after the insert: a stream closing now either sees our entry (and fails
        // it) or we see it closed.
        if self.closed.load(Ordering::SeqCst) || self.writer.try_send((encode(REQUEST, id, frame), Some(slot))).is_err()
        {
            self.pending().remove(&id);
            return Err(LinkError::ConnectionClosed);
        }
        match tokio::time::timeout_at(deadline, rx).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => Err(LinkError::ConnectionClosed),
            Err(_) => {
                self.pending().remove(&id);
                Err(LinkError::Timeout)
            }
        }
    }

    /// Fails every request waiting for an answer; no new one is sent.
    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let waiting: Vec<AnswerSender> = self.pending().drain().map(|(_, r)| r).collect();
        for reply in waiting {
            let _ = reply.send(Err(LinkError::ConnectionClosed));
        }
    }
}

/// Answers one request that came in on a peer's stream. Dropped unanswered, it tells
/// the peer "not answered" (its request fails, as a single request's closed stream would).
pub(crate) struct StreamReply {
    id: u64,
    writer: Option<mpsc::Sender<Queued>>,
    /// Held until the answer is written, so unwritten answers count against the limit.
    permit: Option<OwnedSemaphorePermit>,
}

impl std::fmt::Debug for StreamReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StreamReply({})", self.id)
    }
}

impl StreamReply {
    pub fn answer(mut self, frame: &[u8]) -> Result<(), LinkError> {
        let Some(writer) = self.writer.take() else { return Err(LinkError::Shutdown) };
        let permit = self.permit.take();
        if frame.len() > MAX_FRAME_BYTES {
            let _ = writer.try_send((encode(NOT_ANSWERED, self.id, &[]), permit));
            return Err(LinkError::Io("answer exceeds the size limit".into()));
        }
        writer.try_send((encode(ANSWER, self.id, frame), permit)).map_err(|_| LinkError::ConnectionClosed)
    }
}

impl Drop for StreamReply {
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take() {
            let _ = writer.try_send((encode(NOT_ANSWERED, self.id, &[]), self.permit.take()));
        }
    }
}

fn encode(kind: u8, id: u64, body: &[u8]) -> Vec<u8> {
    // The caller checked body ≤ MAX_FRAME_BYTES, far below u32::MAX.
    let len = u32::try_from(TAG + body.len()).unwrap_or(u32::MAX);
    let mut frame = Vec::with_capacity(4 + TAG + body.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.push(kind);
    frame.extend_from_slice(&id.to_be_bytes());
    frame.extend_from_slice(body);
    frame
}

/// Reads one tagged frame; the length is checked before anything is allocated.
async fn read_tagged<T: AsyncRead + Unpin>(io: &mut T) -> io::Result<(u8, u64, Vec<u8>)> {
    let mut len = [0u8; 4];
    io.read_exact(&mut len).await?;
    let len = u32::from_be_bytes(len) as usize;
    if !(TAG..=TAG + MAX_FRAME_BYTES).contains(&len) {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("stream frame of {len} bytes")));
    }
    let mut tag = [0u8; TAG];
    io.read_exact(&mut tag).await?;
    let mut id = [0u8; 8];
    id.copy_from_slice(&tag[1..]);
    let mut body = vec![0u8; len - TAG];
    io.read_exact(&mut body).await?;
    Ok((tag[0], u64::from_be_bytes(id), body))
}

/// Writes what is queued, several frames per write when they wait together.
async fn write_loop(mut io: WriteHalf<Stream>, mut rx: mpsc::Receiver<Queued>) {
    let mut buf = Vec::new();
    let mut permits = Vec::new();
    while let Some((first, permit)) = rx.recv().await {
        permits.push(permit);
        let result = match rx.try_recv() {
            Err(_) => io.write_all(&first).await,
            Ok((second, permit)) => {
                permits.push(permit);
                buf.clear();
                buf.extend_from_slice(&first);
                buf.extend_from_slice(&second);
                while buf.len() < WRITE_CHUNK {
                    let Ok((next, permit)) = rx.try_recv() else { break };
                    permits.push(permit);
                    buf.extend_from_slice(&next);
                }
                io.write_all(&buf).await
            }
        };
        if result.is_err() || io.flush().await.is_err() {
            break;
        }
        permits.clear();
    }
    let _ = io.close().await;
}

/// Starts the tasks of our new outbound stream to `peer` and makes it the one used.
pub(crate) fn start_outbound(streams: &Arc<Streams>, peer: PeerId, stream: Stream) {
    let (read, write) = stream.split();
    // Every queued frame holds one of MAX_OUTSTANDING slots: the channel never fills.
    let (writer, rx) = mpsc::channel(MAX_OUTSTANDING);
    let out = Arc::new(OutStream {
        writer,
        slots: Arc::new(Semaphore::new(MAX_OUTSTANDING)),
        pending: Mutex::new(HashMap::new()),
        next_id: AtomicU64::new(0),
        closed: AtomicBool::new(false),
    });
    tokio::spawn(write_loop(write, rx));
    streams.insert(peer, out.clone());
    tokio::spawn(read_answers(read, out, streams.clone(), peer));
}

async fn read_answers(read: ReadHalf<Stream>, out: Arc<OutStream>, streams: Arc<Streams>, peer: PeerId) {
    let mut io = BufReader::with_capacity(READ_BUFFER, read);
    loop {
        let (kind, id, body) = match read_tagged(&mut io).await {
            Ok(frame) => frame,
            Err(e) => {
                tracing::debug!(%peer, error = %e, "envelope stream ended");
                break;
            }
        };
        let answer = match kind {
            ANSWER => Ok(body),
            NOT_ANSWERED => Err(LinkError::Io("the peer did not answer".into())),
            _ => {
                tracing::debug!(%peer, kind, "unexpected frame on our envelope stream; closing it");
                break;
            }
        };
        // An unknown id is an answer its requester stopped waiting for.
        if let Some(reply) = out.pending().remove(&id) {
            let _ = reply.send(answer);
        }
    }
    streams.remove(&peer, &out);
    out.close();
}

/// Reads the peer's requests from its stream and hands each to the application, at most
/// `limit` unanswered at a time (then it stops reading: the peer's writes wait).
pub(crate) fn start_inbound(
    peer: PeerId,
    stream: Stream,
    events: mpsc::Sender<crate::Event>,
    limit: usize,
    alive: Arc<()>,
) {
    let (read, write) = stream.split();
    let limit = limit.max(1);
    // Every queued answer holds one of `limit` permits: the channel never fills.
    let (writer, rx) = mpsc::channel(limit);
    tokio::spawn(write_loop(write, rx));
    tokio::spawn(async move {
        let _alive = alive;
        let permits = Arc::new(Semaphore::new(limit));
        let mut io = BufReader::with_capacity(READ_BUFFER, read);
        loop {
            let Ok(permit) = permits.clone().acquire_owned().await else { break };
            let (kind, id, frame) = match read_tagged(&mut io).await {
                Ok(f) => f,
                Err(e) => {
                    tracing::debug!(%peer, error = %e, "peer's envelope stream ended");
                    break;
                }
            };
            if kind != REQUEST {
                tracing::debug!(%peer, kind, "unexpected frame on the peer's envelope stream; closing it");
                break;
            }
            let reply = StreamReply { id, writer: Some(writer.clone()), permit: Some(permit) };
            let responder = crate::Responder(crate::client::Reply::Stream(reply));
            let event = crate::Event::Request { peer, channel: crate::Channel::Envelope, frame, responder };
            if events.send(event).await.is_err() {
                break;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use futures::io::Cursor;

    #[test]
    fn a_tagged_frame_round_trips_and_bad_lengths_are_refused_before_allocating() {
        let frame = encode(ANSWER, 7, b"hello");
        assert_eq!(block_on(read_tagged(&mut Cursor::new(frame))).unwrap(), (ANSWER, 7, b"hello".to_vec()));
        for len in [0u32, (TAG - 1) as u32, (TAG + MAX_FRAME_BYTES + 1) as u32, u32::MAX] {
            let err = block_on(read_tagged(&mut Cursor::new(len.to_be_bytes().to_vec()))).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "length {len}");
        }
        let mut truncated = encode(REQUEST, 1, b"body");
        truncated.truncate(truncated.len() - 1);
        assert_eq!(
            block_on(read_tagged(&mut Cursor::new(truncated))).unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
    }

    proptest::proptest! {
        /// Frames written back to back read back one by one, unchanged and in order.
        #[test]
        fn frames_round_trip_in_order(
            frames in proptest::collection::vec((0u8..3, proptest::num::u64::ANY,
                proptest::collection::vec(proptest::num::u8::ANY, 0..2048)), 1..8),
        ) {
            let bytes: Vec<u8> = frames.iter().flat_map(|(kind, id, body)| encode(*kind, *id, body)).collect();
            let mut io = Cursor::new(bytes);
            for frame in &frames {
                let read = block_on(read_tagged(&mut io)).unwrap();
                proptest::prop_assert_eq!(&read, frame);
            }
            proptest::prop_assert_eq!(
                block_on(read_tagged(&mut io)).unwrap_err().kind(),
                io::ErrorKind::UnexpectedEof
            );
        }

        /// Whatever a peer sends, reading it is a frame or an error, never a panic, and a
        /// frame never holds more than the stream's limit.
        #[test]
        fn any_bytes_read_as_a_frame_or_an_error(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..4096)) {
            if let Ok((_, _, body)) = block_on(read_tagged(&mut Cursor::new(bytes))) {
                proptest::prop_assert!(body.len() <= MAX_FRAME_BYTES);
            }
        }
    }
}
