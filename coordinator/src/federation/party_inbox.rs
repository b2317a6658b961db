//! What nodes send the coordinator itself, opened with its party keys (the registry's
//! coordinator entry): audit checkpoints, stored for good, and requests for them back;
//! key rotations, which publish a registry version with the node's new keys.
//! Each answer is sealed to the node's registry encryption key and signed by the
//! coordinator, like every envelope.
//!
//! A node reseals every attempt, so a checkpoint envelope is never legitimately old: the
//! replay window here is the interactive one (5 minutes) for every kind, which keeps the
//! guard small however many nodes send.

use crate::db::checkpoints::{self, Stored};
use crate::db::{DbError, Pool};
use crate::federation::inbox::{CoordinatorInbox, InboxFuture};
use crate::registry::{self, RegistryChangeError};
use crate::stats::keys::PartyKeys;
use std::sync::{Arc, Mutex};
use vrs_protocol::federation::RegistryEntry;
use vrs_protocol::messages::{
    CheckpointAck, CheckpointFetch, CheckpointList, KeyRotation, KeyRotationAck, MAX_CHECKPOINTS_PER_LIST,
    SignedCheckpoint,
};
use vrs_protocol::replay::ReplayPolicy;
use vrs_protocol::{
    Address, Envelope, EnvelopeResponse, Header, Message, MunicipalityCode, RecipientKey, ReplayGuard, SealParams,
    SigningKey, WireErrorCode,
};

pub struct PartyInbox {
    keys: PartyKeys,
    /// Signs the registry versions a key rotation publishes.
    national: Arc<SigningKey>,
    db: Pool,
    replay: Mutex<ReplayGuard>,
}

impl std::fmt::Debug for PartyInbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PartyInbox")
    }
}

impl PartyInbox {
    pub fn new(keys: PartyKeys, national: SigningKey, db: Pool) -> Self {
        let d = ReplayPolicy::default();
        let policy = ReplayPolicy { store_and_forward_max_age_ms: d.interactive_max_age_ms, ..d };
        PartyInbox { keys, national: Arc::new(national), db, replay: Mutex::new(ReplayGuard::new(policy)) }
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
        // The answer to a key rotation goes to the new key: opening it proves the node has it.
        let mut reply_key = sender.encryption_key;
        let reply = match message {
            Message::Checkpoint(signed) => self.checkpoint(from, sender, signed).await,
            Message::CheckpointFetch(fetch) => self.fetch(from, fetch).await,
            Message::KeyRotation(r) => {
                reply_key = r.enrollment.enrollment.encryption_key;
                self.rotate(from, r).await
            }
            other => {
                tracing::info!(%from, kind = other.kind().as_str(), "kind not taken by the coordinator");
                Err(WireErrorCode::Malformed)
            }
        };
        match reply {
            Ok(message) => self.seal(envelope.header(), reply_key, &message),
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

    async fn rotate(&self, from: MunicipalityCode, r: KeyRotation) -> Result<Message, WireErrorCode> {
        let national = self.national.clone();
        let json = serde_json::to_string_pretty(&r.enrollment).map_err(|_| WireErrorCode::Internal)?;
        let db = self.db.clone();
        let done = tokio::task::spawn_blocking(move || {
            let mut conn = db.get().map_err(|e| RegistryChangeError::Db(e.into()))?;
            registry::rotate(&mut conn, &national, from, &r.enrollment, &json)
        })
        .await
        .map_err(|_| WireErrorCode::Internal)?;
        match done {
            Ok(version) => {
                tracing::info!(%from, version, "node keys rotated");
                Ok(Message::KeyRotationAck(KeyRotationAck { version }))
            }
            Err(e) => {
                tracing::warn!(%from, error = %e, "key rotation refused");
                Err(match e {
                    RegistryChangeError::BadEnrollment(_) => WireErrorCode::BadSignature,
                    RegistryChangeError::NotEnrolled(_) => WireErrorCode::NotEnrolled,
                    RegistryChangeError::Db(_) => WireErrorCode::Unavailable,
                    RegistryChangeError::Sign(_) | RegistryChangeError::NoRegistry => WireErrorCode::Internal,
                    _ => WireErrorCode::Malformed,
                })
            }
        }
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

    fn seal(&self, request: &Header, to: RecipientKey, reply: &Message) -> EnvelopeResponse {
        match Envelope::seal(&self.keys.signing, SealParams::reply_to(request, to), reply) {
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
