//! What this node does with messages other nodes send it through the coordinator.

use super::inquiry_answer::{self, Verified};
use super::outbox_sender::ack_outcome;
use super::service::InboundHandler;
use crate::api::state::AppState;
use crate::db::group_commit::GroupCommit;
use crate::db::{Pool, outbox};
use crate::products::ProductMaster;
use crate::vaccinations::delivered;
use std::sync::Arc;
use vrs_protocol::messages::{DoseAck, InquiryAnswer, InquiryBatchAnswer};
use vrs_protocol::{Message, MunicipalityCode, SigningPublicKey, WireErrorCode};

pub struct NodeInbound {
    db: Pool,
    own: MunicipalityCode,
    products: Arc<ProductMaster>,
    answers: GroupCommit<Verified, Vec<InquiryAnswer>>,
}

impl NodeInbound {
    pub fn new(state: &AppState, own: MunicipalityCode) -> std::io::Result<Self> {
        let answers = inquiry_answer::start_answering(state.db.clone(), state.keys.clone(), own)?;
        Ok(NodeInbound { db: state.db.clone(), own, products: state.products.clone(), answers })
    }
}

impl NodeInbound {
    /// Answers verified questions through the group-committing writer (committed first).
    fn answer(&self, verified: Verified) -> Result<Vec<InquiryAnswer>, WireErrorCode> {
        self.answers.submit_blocking(verified).map_err(|e| {
            tracing::error!(error = %e, "an inquiry could not be answered");
            WireErrorCode::Internal
        })
    }
}

impl InboundHandler for NodeInbound {
    fn handle(
        &self,
        sender: MunicipalityCode,
        sender_key: &SigningPublicKey,
        message: Message,
    ) -> Result<Option<Message>, WireErrorCode> {
        let mut conn = self.db.get().map_err(|_| WireErrorCode::Unavailable)?;
        match message {
            Message::DoseDelivery(d) => {
                let outcome = delivered::receive(&mut conn, self.own, &self.products, sender, &d).map_err(|e| {
                    tracing::error!(error = %e, "a delivered dose could not be stored");
                    WireErrorCode::Unavailable
                })?;
                Ok(Some(Message::DoseAck(DoseAck { dose_id: d.dose_id, outcome })))
            }
            // The ack of a delivery the coordinator held while the home node was away.
            Message::DoseAck(ack) => {
                let id = ack.dose_id.to_string();
                match ack_outcome(ack) {
                    Ok(_) => outbox::acknowledged(&mut conn, &id).map(|_| None).map_err(|_| WireErrorCode::Unavailable),
                    Err(code) => {
                        tracing::warn!(code = code.as_str(), "a queued dose was refused by its home node");
                        Ok(None)
                    }
                }
            }
            Message::InquiryRequest(request) => {
                let now = vrs_protocol::now_ms();
                if let Err(code) = inquiry_answer::check_consent(&request, sender, sender_key, self.own, now) {
                    let _ = inquiry_answer::log_refusal(&mut conn, sender, &[request.inquiry_id], None)
                        .map_err(|e| tracing::error!(error = %e, "cannot log a refused inquiry"));
                    return Err(code);
                }
                drop(conn); // the writer uses its own connection
                let mut answers = self.answer(Verified::single(sender, request))?;
                let answer = answers.pop().ok_or(WireErrorCode::Internal)?;
                Ok(Some(Message::InquiryAnswer(answer)))
            }
            Message::InquiryBatch(batch) => {
                let now = vrs_protocol::now_ms();
                if let Err(code) = inquiry_answer::check_batch_consent(&batch, sender, sender_key, self.own, now) {
                    let ids: Vec<_> = batch.questions.iter().map(|q| q.inquiry_id).collect();
                    let _ = inquiry_answer::log_refusal(&mut conn, sender, &ids, Some(batch.batch_id))
                        .map_err(|e| tracing::error!(error = %e, "cannot log a refused inquiry batch"));
                    return Err(code);
                }
                drop(conn);
                let batch_id = batch.batch_id;
                let answers = self.answer(Verified::batch(sender, batch))?;
                Ok(Some(Message::InquiryBatchAnswer(InquiryBatchAnswer { batch_id, answers })))
            }
            // Kinds other issues handle (statistics, checkpoints) are refused as
            // unavailable until then, so a sender keeps them rather than losing them.
            other => {
                tracing::info!(%sender, kind = other.kind().as_str(), "federation message kind not handled");
                Err(WireErrorCode::Unavailable)
            }
        }
    }

    fn handle_from_coordinator(
        &self,
        request_id: vrs_protocol::MessageId,
        message: Message,
    ) -> Result<Option<Message>, WireErrorCode> {
        match message {
            Message::StatsRequest(request) => {
                let mut conn = self.db.get().map_err(|_| WireErrorCode::Unavailable)?;
                crate::stats::answer(&mut conn, self.own, &request, request_id, crate::today())
                    .map(|a| Some(Message::StatsAnswer(a)))
                    .map_err(|e| {
                        tracing::error!(error = %e, "statistics could not be computed");
                        WireErrorCode::Internal
                    })
            }
            other => {
                tracing::info!(kind = other.kind().as_str(), "message kind not taken from the coordinator");
                Err(WireErrorCode::Unavailable)
            }
        }
    }
}
