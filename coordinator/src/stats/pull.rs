//! Asking nodes for their figures: one sealed `stats_request` per connected node, down its
//! own connection, answered by a `stats_answer` sealed to the coordinator's registry
//! encryption key (specs/protocol.md §4.2). Several nodes at once, each under a timeout;
//! a node that fails is only "missing" — it never fails the refresh.

use super::Stats;
use crate::db::stats::NodeFigures;
use crate::federation::peers::Member;
use std::time::Duration;
use vrs_link::Channel;
use vrs_protocol::messages::StatsRequest;
use vrs_protocol::{Address, Envelope, EnvelopeResponse, Message, MunicipalityCode, SealParams};

/// Why a node's figures did not arrive (a bounded set: metrics label and log field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missed {
    Disconnected,
    Timeout,
    Refused,
    BadAnswer,
    Seal,
}

impl Missed {
    pub const ALL: [Missed; 5] =
        [Missed::Disconnected, Missed::Timeout, Missed::Refused, Missed::BadAnswer, Missed::Seal];

    pub fn as_str(self) -> &'static str {
        match self {
            Missed::Disconnected => "disconnected",
            Missed::Timeout => "timeout",
            Missed::Refused => "refused",
            Missed::BadAnswer => "bad_answer",
            Missed::Seal => "seal",
        }
    }
}

/// One node's answer with the bytes that crossed the link for it.
#[derive(Debug)]
pub struct Pulled {
    pub figures: NodeFigures,
    pub bytes_sent: u64,
    pub bytes_received: u64,
}

impl Stats {
    /// Asks `code`'s node for its figures and opens its answer.
    pub async fn ask(&self, code: MunicipalityCode, member: &Member, timeout: Duration) -> Result<Pulled, Missed> {
        let request = Message::StatsRequest(StatsRequest { through: None });
        let params = SealParams::new(Address::Coordinator, Address::Node(code), member.entry.encryption_key);
        let envelope = Envelope::seal(&self.keys.signing, params, &request).map_err(|_| Missed::Seal)?;
        let request_id = envelope.header().message_id;
        let bytes = envelope.to_bytes();
        let bytes_sent = bytes.len() as u64;
        let fut = self.fed.client.request(member.peer, Channel::Envelope, bytes);
        let answer = match tokio::time::timeout(timeout, fut).await {
            Err(_) | Ok(Err(vrs_link::LinkError::Timeout)) => return Err(Missed::Timeout),
            Ok(Err(_)) => return Err(Missed::Disconnected),
            Ok(Ok(a)) => a,
        };
        let bytes_received = answer.len() as u64;
        let reply = match EnvelopeResponse::from_bytes(&answer) {
            Ok(EnvelopeResponse::Reply(e)) => e,
            Ok(EnvelopeResponse::Error(c)) => {
                tracing::info!(municipality = %code, code = c.as_str(), "node refused the statistics request");
                return Err(Missed::Refused);
            }
            _ => return Err(Missed::BadAnswer),
        };
        if reply.header().sender != Address::Node(code) {
            return Err(Missed::BadAnswer);
        }
        let opened = {
            let mut guard = self.replay.lock().unwrap_or_else(|e| e.into_inner());
            reply.open(
                Address::Coordinator,
                &self.keys.decryption,
                &member.entry.signing_key,
                &mut guard,
                vrs_protocol::now_ms(),
            )
        };
        let answer = match opened {
            Ok(o) => match o.message {
                Message::StatsAnswer(a) if a.request_id == request_id => a,
                _ => return Err(Missed::BadAnswer),
            },
            Err(e) => {
                tracing::warn!(municipality = %code, error = %e, "statistics answer does not open");
                return Err(Missed::BadAnswer);
            }
        };
        let computed_at_ms = i64::try_from(answer.computed_at_ms).unwrap_or(i64::MAX);
        let figures = NodeFigures { municipality: code, computed_at_ms, received_at_ms: crate::db::now_ms(), answer };
        Ok(Pulled { figures, bytes_sent, bytes_received })
    }
}
