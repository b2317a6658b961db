//! Envelopes addressed to the coordinator itself (`000000`): a node's audit checkpoints
//! and its requests for them back (`party_inbox`). Statistics answers do not come here:
//! they are replies to the coordinator's own requests. The router is written against this
//! trait so that what the coordinator takes plugs in without touching the routing path.

use std::future::Future;
use std::pin::Pin;
use vrs_protocol::federation::RegistryEntry;
use vrs_protocol::{Envelope, EnvelopeResponse, MunicipalityCode, WireErrorCode};

pub type InboxFuture<'a> = Pin<Box<dyn Future<Output = EnvelopeResponse> + Send + 'a>>;

pub trait CoordinatorInbox: Send + Sync {
    /// `envelope`'s signature has been verified: its sender is `from`, authenticated and
    /// enrolled with the registry keys in `sender`.
    fn handle<'a>(
        &'a self,
        from: MunicipalityCode,
        sender: &'a RegistryEntry,
        envelope: &'a Envelope,
    ) -> InboxFuture<'a>;
}

/// Takes nothing: `unavailable` ("not now, retry later"). For tests of the routing alone.
#[derive(Debug, Default)]
pub struct NoInbox;

impl CoordinatorInbox for NoInbox {
    fn handle<'a>(
        &'a self,
        from: MunicipalityCode,
        _sender: &'a RegistryEntry,
        envelope: &'a Envelope,
    ) -> InboxFuture<'a> {
        let kind = envelope.header().kind;
        Box::pin(async move {
            tracing::info!(%from, kind = kind.as_str(), "envelope for the coordinator; no handler");
            EnvelopeResponse::Error(WireErrorCode::Unavailable)
        })
    }
}
