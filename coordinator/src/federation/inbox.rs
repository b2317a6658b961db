//! Envelopes addressed to the coordinator itself (`000000`): statistics answers and audit
//! checkpoints arrive here once those features exist. The router is written against this
//! trait so that they plug in without touching the routing path.

use std::future::Future;
use std::pin::Pin;
use vrs_protocol::{Envelope, EnvelopeResponse, MunicipalityCode, WireErrorCode};

pub type InboxFuture<'a> = Pin<Box<dyn Future<Output = EnvelopeResponse> + Send + 'a>>;

pub trait CoordinatorInbox: Send + Sync {
    /// `envelope` has been verified: its sender is `from`, authenticated and enrolled.
    fn handle<'a>(&'a self, from: MunicipalityCode, envelope: &'a Envelope) -> InboxFuture<'a>;
}

/// Until statistics and checkpoints are built: `unavailable` ("not now, retry later"),
/// so a node that already sends a checkpoint keeps it and succeeds once they are.
#[derive(Debug, Default)]
pub struct NoInbox;

impl CoordinatorInbox for NoInbox {
    fn handle<'a>(&'a self, from: MunicipalityCode, envelope: &'a Envelope) -> InboxFuture<'a> {
        let kind = envelope.header().kind;
        Box::pin(async move {
            tracing::info!(%from, kind = kind.as_str(), "envelope for the coordinator; no handler yet");
            EnvelopeResponse::Error(WireErrorCode::Unavailable)
        })
    }
}
