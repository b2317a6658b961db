//! Delivers the outbox: each dose for another municipality is sealed to that node's key
//! and sent through the coordinator until the home node acknowledges it. Every attempt
//! reseals (a fresh message id); the home node keys on the dose's own id, so however many
//! attempts arrive, it holds the dose once. A sweep sends up to [`SENDS_AT_ONCE`] doses at
//! once, which the link carries to the coordinator in batches.

use super::service::{Federation, SendError};
use crate::db::outbox::{self, DueMessage, OutboxPayload};
use crate::db::{DbError, Pool};
use futures_util::StreamExt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use vrs_protocol::messages::{DoseAck, DoseDelivery, DoseOutcome};
use vrs_protocol::{
    CivilDate, EnvelopeResponse, Message, MunicipalityCode, OcrLine, RecordId, ReplayGuard, WireErrorCode,
};

/// How often the outbox is looked at when nothing wakes the sender sooner.
const SWEEP: Duration = Duration::from_millis(500);
/// Deliveries in flight at once from one sweep.
const SENDS_AT_ONCE: usize = 64;
/// Longest pause between attempts for one message.
const MAX_BACKOFF_SECS: i64 = 60;

#[derive(Clone)]
pub struct OutboxSender {
    federation: Arc<Federation>,
    db: Pool,
    replay: Arc<Mutex<ReplayGuard>>,
    wake: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for OutboxSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OutboxSender")
    }
}

/// What one attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Acknowledged,
    /// The coordinator holds it for the home node (or it could not be sent): try again later.
    Pending,
    Refused,
}

impl OutboxSender {
    pub fn new(federation: Arc<Federation>, db: Pool) -> Self {
        OutboxSender {
            federation,
            db,
            replay: Arc::new(Mutex::new(ReplayGuard::default())),
            wake: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Runs until the runtime stops.
    pub async fn run(self) {
        loop {
            if self.federation.is_connected()
                && let Err(e) = self.sweep().await
            {
                tracing::warn!(error = %e, "outbox sweep failed");
            }
            let _ = tokio::time::timeout(SWEEP, self.wake.notified()).await;
        }
    }

    /// Asks the sender to look at the outbox now (a dose was just queued).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    async fn sweep(&self) -> Result<(), DbError> {
        let db = self.db.clone();
        let due = tokio::task::spawn_blocking(move || outbox::due(&mut *db.get()?, crate::db::now(), 200))
            .await
            .map_err(|e| DbError::Query(e.to_string()))??;
        // Several attempts at once: the link sends what is waiting for the coordinator as
        // one batch (vrs-link), instead of one round trip per dose. Each attempt still
        // writes its own outcome; a failed write does not stop the others.
        let outcomes: Vec<_> = futures_util::stream::iter(due)
            .map(|message| self.attempt(message))
            .buffer_unordered(SENDS_AT_ONCE)
            .collect()
            .await;
        outcomes.into_iter().try_for_each(|o| o.map(drop))
    }

    /// One delivery attempt, with its outcome written to the outbox.
    pub async fn attempt(&self, m: DueMessage) -> Result<Attempt, DbError> {
        let outcome = match delivery(&m) {
            Some((target, delivery)) => self.send(target, delivery).await,
            None => Err(WireErrorCode::Malformed),
        };
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.get()?;
            match outcome {
                Ok(Attempt::Acknowledged) => {
                    outbox::acknowledged(&mut conn, &m.vaccination_id)?;
                    Ok(Attempt::Acknowledged)
                }
                Ok(other) => {
                    let wait = (1i64 << m.attempts.clamp(0, 6)).min(MAX_BACKOFF_SECS);
                    outbox::retry_later(&mut conn, &m.message_id, "sent", crate::db::now() + wait)?;
                    Ok(other)
                }
                Err(code) => {
                    tracing::warn!(message_id = %m.message_id, code = code.as_str(), "dose refused by its home node");
                    outbox::refused(&mut conn, &m.message_id, code.as_str())?;
                    Ok(Attempt::Refused)
                }
            }
        })
        .await
        .map_err(|e| DbError::Query(e.to_string()))?
    }

    async fn send(&self, target: MunicipalityCode, delivery: DoseDelivery) -> Result<Attempt, WireErrorCode> {
        let dose_id = delivery.dose_id;
        match self.federation.send(target, &Message::DoseDelivery(delivery)).await {
            Ok(EnvelopeResponse::Reply(envelope)) => match self.federation.open_reply(&envelope, &self.replay) {
                Ok(Message::DoseAck(ack)) if ack.dose_id == dose_id => ack_outcome(ack),
                _ => Ok(Attempt::Pending),
            },
            Ok(EnvelopeResponse::Accepted) => Ok(Attempt::Acknowledged),
            Ok(EnvelopeResponse::Queued) => Ok(Attempt::Pending),
            // An earlier attempt with this id got through: delivered.
            Ok(EnvelopeResponse::Error(WireErrorCode::Replayed)) => Ok(Attempt::Acknowledged),
            Ok(EnvelopeResponse::Error(code)) if code.is_transient() => Ok(Attempt::Pending),
            Ok(EnvelopeResponse::Error(WireErrorCode::UnknownRecipient)) => Ok(Attempt::Pending),
            Ok(EnvelopeResponse::Error(code)) => Err(code),
            Err(SendError::Seal(_)) => Err(WireErrorCode::Internal),
            Err(_) => Ok(Attempt::Pending),
        }
    }
}

/// What an ack means for the outbox.
pub fn ack_outcome(ack: DoseAck) -> Result<Attempt, WireErrorCode> {
    match ack.outcome {
        DoseOutcome::Recorded | DoseOutcome::Unmatched | DoseOutcome::AlreadyHave => Ok(Attempt::Acknowledged),
        DoseOutcome::Rejected(code) => Err(code),
    }
}

/// The wire message for an outbox row (`None` if the row cannot be read back, which only
/// a damaged database could cause).
fn delivery(m: &DueMessage) -> Option<(MunicipalityCode, DoseDelivery)> {
    let p: OutboxPayload = serde_json::from_str(&m.payload).ok()?;
    let ocr = OcrLine::parse(&p.ocr_line).ok()?;
    let target = MunicipalityCode::parse(&m.target_municipality).ok()?;
    Some((
        target,
        DoseDelivery {
            dose_id: RecordId::parse(&p.vaccination_id)?,
            coupon_municipality: ocr.municipality,
            coupon: ocr.coupon,
            dose_number: ocr.dose,
            vaccinated_on: CivilDate::parse_iso(&p.vaccinated_on).ok()?,
            product: p.product,
            lot: p.lot,
            site: p.site,
            given_in: MunicipalityCode::parse(&p.given_in).ok()?,
            recorded_at_ms: vrs_protocol::now_ms(),
        },
    ))
}
