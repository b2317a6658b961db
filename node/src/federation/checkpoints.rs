//! Sends the coordinator a signed checkpoint of the access-log chain every
//! `audit.checkpoint_interval_secs` while the log grows, keeps each until the coordinator
//! confirms it, and fetches the coordinator's copies back (`audit verify`; and on start,
//! so that a node restored from a backup numbers on after what the coordinator holds).

use super::service::{Federation, SendError};
use crate::audit::checkpoint::{self, CheckpointError};
use crate::db::{DbError, Pool, audit_checkpoints};
use std::sync::Arc;
use std::time::Duration;
use vrs_protocol::Message;
use vrs_protocol::WireErrorCode;
use vrs_protocol::messages::{
    CheckpointAck, CheckpointFetch, CheckpointList, MAX_CHECKPOINTS_PER_LIST, SignedCheckpoint,
};

#[derive(Debug)]
pub struct CheckpointSender {
    federation: Arc<Federation>,
    db: Pool,
    every: Duration,
}

#[derive(Debug, thiserror::Error)]
enum RoundError {
    #[error(transparent)]
    Send(#[from] SendError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("the coordinator answered with another message")]
    Unexpected,
}

impl CheckpointSender {
    pub fn new(federation: Arc<Federation>, db: Pool, every: Duration) -> Self {
        CheckpointSender { federation, db, every }
    }

    /// Runs until the runtime stops.
    pub async fn run(self) {
        let mut synced = false;
        loop {
            tokio::time::sleep(self.every).await;
            if !self.federation.is_connected() {
                continue;
            }
            if let Err(e) = self.round(&mut synced).await {
                tracing::warn!(error = %e, "audit checkpoint not delivered; retrying next time");
            }
        }
    }

    async fn round(&self, synced: &mut bool) -> Result<(), RoundError> {
        let own = self.federation.code;
        if !*synced {
            let after = self.blocking(move |c| audit_checkpoints::last(c, own)).await?;
            let theirs = fetch_all(&self.federation, after.map_or(0, |l| l.signed.checkpoint.seq)).await?;
            let acked = crate::db::now();
            self.blocking(move |c| theirs.iter().try_for_each(|s| audit_checkpoints::insert(c, s, Some(acked))))
                .await?;
            *synced = true;
        }
        let identity = self.federation.identity();
        let made = self.blocking(move |c| Ok(checkpoint::make(c, own, &identity.signing, vrs_protocol::now_ms())));
        match made.await? {
            Ok(Some(cp)) => {
                tracing::info!(seq = cp.checkpoint.seq, entries = cp.checkpoint.entries, "audit checkpoint made")
            }
            Ok(None) => {}
            // Signing over a log that does not add up would bless the change: it is the
            // auditor's to look at. Checkpoints made before still go out.
            Err(CheckpointError::Tampered { from, to }) => {
                tracing::error!(
                    from,
                    to,
                    "the access log does not add up; no checkpoint signed (run vrs-node audit verify)"
                );
            }
            Err(CheckpointError::Db(e)) => return Err(e.into()),
        }
        for pending in self.blocking(move |c| audit_checkpoints::unacknowledged(c, own)).await? {
            let seq = pending.signed.checkpoint.seq;
            match self.federation.ask_coordinator(&Message::Checkpoint(pending.signed)).await {
                Ok(Message::CheckpointAck(CheckpointAck { seq: s })) if s == seq => {
                    self.blocking(move |c| audit_checkpoints::acknowledge(c, seq)).await?;
                }
                Ok(_) => return Err(RoundError::Unexpected),
                Err(SendError::Refused(WireErrorCode::Conflict)) => {
                    // The coordinator holds another checkpoint under this number (this
                    // database was restored): number on after what it holds.
                    tracing::warn!(seq, "the coordinator holds another checkpoint under this number; renumbering");
                    self.blocking(move |c| audit_checkpoints::discard(c, seq)).await?;
                    *synced = false;
                    return Ok(());
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut crate::db::DbConn) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, DbError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&mut *db.get()?)).await.map_err(|e| DbError::Query(e.to_string()))?
    }
}

/// Every checkpoint the coordinator holds of this node numbered after `after`, a page at a time.
pub async fn fetch_all(federation: &Federation, mut after: u64) -> Result<Vec<SignedCheckpoint>, SendError> {
    let mut all = Vec::new();
    loop {
        let limit = u16::try_from(MAX_CHECKPOINTS_PER_LIST).unwrap_or(u16::MAX);
        let answer =
            federation.ask_coordinator(&Message::CheckpointFetch(CheckpointFetch { after_seq: after, limit })).await?;
        let Message::CheckpointList(CheckpointList { checkpoints, more }) = answer else {
            return Err(SendError::BadAnswer);
        };
        let Some(last) = checkpoints.last().map(|c| c.checkpoint.seq) else { break };
        if last <= after {
            return Err(SendError::BadAnswer);
        }
        after = last;
        all.extend(checkpoints);
        if !more {
            break;
        }
    }
    Ok(all)
}
