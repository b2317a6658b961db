//! Envelope requests to one peer travel in batches (`/vrs/envelope-batch/1`) when several
//! are waiting, so that a stream, its protocol negotiation and its timeout serve many
//! envelopes instead of one each. The application still sends and answers one frame at
//! a time; this module only groups them.
//!
//! Outbound: each peer has a queue and at most `max_in_flight` envelope requests (single
//! or batch) outstanding. While a slot is free, everything waiting goes out at once: one
//! frame on `/vrs/envelope/1` as before, several as one batch. When all slots are busy,
//! frames wait and the next free slot takes them all (up to the batch limits). Under
//! light load nothing waits; under heavy load batches grow by themselves (group commit).
//!
//! Inbound: a batch becomes one [`Event::Request`](crate::Event) per frame, each with its
//! own responder; the answers are collected here and sent back together, in order, once
//! every responder has answered or been dropped (a dropped one is "not answered", which
//! its requester sees as a failed request, as with a single request left unanswered).

use crate::client::Command;
use libp2p::PeerId;
use libp2p::request_response::ResponseChannel;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use tokio::sync::{mpsc, oneshot};
use vrs_protocol::batch::batch_request_len;
use vrs_protocol::frame::LENGTH_PREFIX;
use vrs_protocol::limits::{MAX_BATCH_BYTES, MAX_BATCH_ITEMS};

/// The answers to one batch, in order; `None` = not answered.
pub(crate) type BatchAnswers = Vec<Option<Vec<u8>>>;

/// Where the answer to one outbound request goes.
pub(crate) type AnswerSender = oneshot::Sender<Result<Vec<u8>, crate::LinkError>>;

/// One envelope request waiting to go out.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub frame: Vec<u8>,
    pub reply: AnswerSender,
}

#[derive(Debug, Default)]
struct PeerQueue {
    waiting: VecDeque<Outgoing>,
    in_flight: usize,
}

/// The outbound side: per-peer queues of envelope requests.
#[derive(Debug)]
pub(crate) struct Outbound {
    peers: HashMap<PeerId, PeerQueue>,
    max_in_flight: usize,
    /// Peers whose queue or slots changed since the last [`Outbound::take_dirty`].
    dirty: Vec<PeerId>,
}

impl Outbound {
    pub fn new(max_in_flight: usize) -> Self {
        Outbound { peers: HashMap::new(), max_in_flight: max_in_flight.max(1), dirty: Vec::new() }
    }

    pub fn push(&mut self, peer: PeerId, out: Outgoing) {
        self.peers.entry(peer).or_default().waiting.push_back(out);
        self.dirty.push(peer);
    }

    /// Puts requests back at the head of the queue (a batch the peer could not take).
    pub fn push_front(&mut self, peer: PeerId, outs: Vec<Outgoing>) {
        let q = self.peers.entry(peer).or_default();
        for out in outs.into_iter().rev() {
            q.waiting.push_front(out);
        }
        self.dirty.push(peer);
    }

    /// A request or batch to `peer` has ended (answered or failed): its slot is free.
    pub fn finished(&mut self, peer: &PeerId) {
        if let Some(q) = self.peers.get_mut(peer) {
            q.in_flight = q.in_flight.saturating_sub(1);
            if q.in_flight == 0 && q.waiting.is_empty() {
                self.peers.remove(peer);
            } else {
                self.dirty.push(*peer);
            }
        }
    }

    /// Peers that may have something to send now (each once).
    pub fn take_dirty(&mut self) -> Vec<PeerId> {
        let mut dirty = std::mem::take(&mut self.dirty);
        if dirty.len() > 1 {
            dirty.sort_unstable();
            dirty.dedup();
        }
        dirty
    }

    /// Takes the next request or batch for `peer` and counts it in flight; `None` if
    /// nothing waits or no slot is free. Requests whose caller has given up are
    /// dropped unsent. `batch` false: one request at a time (the peer has no batches).
    pub fn take(&mut self, peer: &PeerId, batch: bool) -> Option<Vec<Outgoing>> {
        let q = self.peers.get_mut(peer)?;
        q.waiting.retain(|o| !o.reply.is_closed());
        if q.waiting.is_empty() || q.in_flight >= self.max_in_flight {
            return None;
        }
        let mut items = Vec::new();
        let mut size = batch_request_len([]);
        while let Some(next) = q.waiting.front() {
            let grown = size + LENGTH_PREFIX + next.frame.len();
            let fits = items.is_empty() || (batch && items.len() < MAX_BATCH_ITEMS && grown <= MAX_BATCH_BYTES);
            if !fits {
                break;
            }
            size = grown;
            items.extend(q.waiting.pop_front());
        }
        q.in_flight += 1;
        Some(items)
    }

    /// Drops `peer`'s waiting requests, answering each with `error`.
    pub fn fail_waiting(&mut self, peer: &PeerId, error: &crate::LinkError) {
        if let Some(q) = self.peers.get_mut(peer) {
            for out in q.waiting.drain(..) {
                let _ = out.reply.send(Err(error.clone()));
            }
            if q.in_flight == 0 {
                self.peers.remove(peer);
            }
        }
    }
}

/// The inbound side of one batch: the answers so far, and the channel to send them on
/// once the last responder is gone.
pub(crate) struct InboundBatch {
    answers: Mutex<BatchAnswers>,
    response: Mutex<Option<ResponseChannel<BatchAnswers>>>,
    commands: mpsc::WeakSender<Command>,
}

impl std::fmt::Debug for InboundBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InboundBatch")
    }
}

impl InboundBatch {
    pub fn new(len: usize, response: ResponseChannel<BatchAnswers>, commands: mpsc::WeakSender<Command>) -> Self {
        InboundBatch { answers: Mutex::new(vec![None; len]), response: Mutex::new(Some(response)), commands }
    }

    pub fn answer(&self, index: usize, frame: Vec<u8>) {
        let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = answers.get_mut(index) {
            *slot = Some(frame);
        }
    }
}

impl Drop for InboundBatch {
    /// Every responder of the batch has answered or been dropped: send the answers.
    fn drop(&mut self) {
        let Some(response) = self.response.get_mut().unwrap_or_else(|e| e.into_inner()).take() else { return };
        let answers = std::mem::take(self.answers.get_mut().unwrap_or_else(|e| e.into_inner()));
        let Some(commands) = self.commands.upgrade() else { return };
        match commands.try_send(Command::RespondBatch { response, answers }) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(command)) => match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    runtime.spawn(async move {
                        let _ = commands.send(command).await;
                    });
                }
                Err(_) => tracing::debug!("batch answers not sent: no runtime"),
            },
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }
}
