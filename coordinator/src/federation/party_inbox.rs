//! What nodes send the coordinator itself, opened with its party keys (the registry's
//! coordinator entry): audit checkpoints, stored for good, and requests for them back.
//! Each answer is sealed to the node's registry encryption key and signed by the
//! coordinator, like every envelope.
//!
//! A node reseals every attempt, so a checkpoint envelope is never legitimately old: the
//! replay window here is the interactive one (5 minutes) for every kind, which keeps the
//! guard small however many nodes send.

use crate::db::checkpoints::{self, Stored};
use crate::db::{DbError, Pool};
use crate::federation::inbox::{CoordinatorInbox, InboxFuture};
use crate::stats::keys::PartyKeys;
use std::sync::Mutex;
use vrs_protocol::federation::RegistryEntry;
use vrs_protocol::messages::{
    CheckpointAck, CheckpointFetch, CheckpointList, MAX_CHECKPOINTS_PER_LIST, SignedCheckpoint,
};
use vrs_protocol::replay::ReplayPolicy;
use vrs_protocol::{
    Address, Envelope, EnvelopeResponse, Header, Message, MunicipalityCode, ReplayGuard, SealParams, WireErrorCode,
};

pub struct PartyInbox {
    keys: PartyKeys,
    db: Pool,
    replay: Mutex<ReplayGuard>,
}

impl std::fmt::Debug for PartyInbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PartyInbox")
    }
}

impl PartyInbox {
    pub fn new(keys: PartyKeys, db: Pool) -> Self {
        let d = ReplayPolicy::default();
        let policy = ReplayPolicy { store_and_forward_max_age_ms: d.interactive_max_age_ms, ..d };
        PartyInbox { keys, db, replay: Mutex::new(ReplayGuard::new(policy)) }
    }

    async fn answer(&self, from: MunicipalityCode, sender: &RegistryEntry, envelope: &Envelope) -> EnvelopeResponse {
        let opened = {
            let mut guard = self.replay.lock().unwrap_or_else(|e| e.into_inner());
            envelope.open(
                Address::Coordinator,
                &self.keys.decryption,
                &sender.signing_key,
                &mut guard,
                vrs_protocol::now_ms(),
            )
        };
        let message = match opened {
            Ok(o) => o.message,
            Err(e) => return EnvelopeResponse::Error(e.wire_code()),
        };
        let reply = match message {
            Message::Checkpoint(signed) => self.checkpoint(from, sender, signed).await,
            Message::CheckpointFetch(fetch) => self.fetch(from, fetch).await,
            other => {
                tracing::info!(%from, kind = other.kind().as_str(), "kind not taken by the coordinator");
                Err(WireErrorCode::Malformed)
            }
        };
        match reply {
            Ok(message) => self.seal(envelope.header(), sender, &message),
            Err(code) => EnvelopeResponse::Error(code),
        }
    }

    /// Verifies the node's signature on the checkpoint (the envelope's alone is not kept)
    /// and stores it.
    async fn checkpoint(
        &self,
        from: MunicipalityCode,
        sender: &RegistryEntry,
        signed: SignedCheckpoint,
    ) -> Result<Message, WireErrorCode> {
        if signed.checkpoint.municipality != from {
            return Err(WireErrorCode::SenderMismatch);
        }
        signed.verify(&sender.signing_key).map_err(|_| WireErrorCode::BadSignature)?;
        let seq = signed.checkpoint.seq;
        let key = sender.signing_key;
        match self.with_db(move |c| checkpoints::store(c, &signed, &key)).await? {
            Stored::New | Stored::AlreadyHeld => Ok(Message::CheckpointAck(CheckpointAck { seq })),
            Stored::Conflict => {
                tracing::warn!(%from, seq, "a node sent a different checkpoint under a number already held");
                Err(WireErrorCode::Conflict)
            }
        }
    }

    async fn fetch(&self, from: MunicipalityCode, f: CheckpointFetch) -> Result<Message, WireErrorCode> {
        let limit = usize::from(f.limit).min(MAX_CHECKPOINTS_PER_LIST);
        let (checkpoints, more) = self.with_db(move |c| checkpoints::list(c, from, f.after_seq, limit)).await?;
        Ok(Message::CheckpointList(CheckpointList { checkpoints, more }))
    }

    async fn with_db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut diesel::SqliteConnection) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, WireErrorCode> {
        let db = self.db.clone();
        let done = tokio::task::spawn_blocking(move || f(&mut *db.get()?)).await;
        match done {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "checkpoint storage failed");
                Err(WireErrorCode::Unavailable)
            }
            Err(_) => Err(WireErrorCode::Internal),
        }
    }

    fn seal(&self, request: &Header, sender: &RegistryEntry, reply: &Message) -> EnvelopeResponse {
        match Envelope::seal(&self.keys.signing, SealParams::reply_to(request, sender.encryption_key), reply) {
            Ok(sealed) => EnvelopeResponse::Reply(Box::new(sealed)),
            Err(_) => EnvelopeResponse::Error(WireErrorCode::Internal),
        }
    }
}

impl CoordinatorInbox for PartyInbox {
    fn handle<'a>(
        &'a self,
        from: MunicipalityCode,
        sender: &'a RegistryEntry,
        envelope: &'a Envelope,
    ) -> InboxFuture<'a> {
        Box::pin(self.answer(from, sender, envelope))
    }
}
