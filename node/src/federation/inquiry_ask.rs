//! The asking node's side of a transfer-in inquiry: send the sealed request through the
//! coordinator, wait at most the configured time, open the sealed answer.

use super::service::{Federation, SendError};
use std::time::Duration;
use vrs_protocol::messages::{
    BatchQuestion, ConsentBasis, ConsentStatement, InquiryBatch, InquiryRequest, InquiryResult, InquirySubject,
    SignedConsent,
};
use vrs_protocol::{EnvelopeResponse, Message, MunicipalityCode, RecordId, WireErrorCode};

/// Why no answer came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AskError {
    /// Not (or no longer) in the registry, or the coordinator does not know it.
    UnknownMunicipality,
    /// Not connected, timed out, or the coordinator could not reach the node.
    Unreachable,
    /// The former municipality refused the consent statement.
    ConsentRefused,
    /// Any other refusal or an answer that does not open: a fault, not the desk's doing.
    Failed(WireErrorCode),
}

/// What the desk states about the person's consent; this node adds the inquiry and signs.
#[derive(Debug, Clone)]
pub struct ConsentGiven<'a> {
    pub basis: ConsentBasis,
    pub method: &'a str,
    pub obtained_at_ms: u64,
    pub reason: Option<&'a str>,
    /// The desk's user, named in the signed statement.
    pub staff_user: &'a str,
}

/// Signs the consent statement for inquiry `inquiry_id` and asks `to` about `subject`.
pub async fn ask_about(
    federation: &Federation,
    inquiry_id: RecordId,
    to: MunicipalityCode,
    subject: InquirySubject,
    consent: &ConsentGiven<'_>,
    timeout: Duration,
) -> Result<InquiryResult, AskError> {
    let signed = sign(federation, consent, inquiry_id, to, subject.digest())?;
    let request = InquiryRequest { inquiry_id, subject, consent: signed };
    ask(federation, to, request, timeout).await
}

/// Asks `to` all of `questions` (at most `MAX_INQUIRIES_PER_BATCH`, distinct ids) in one
/// sealed envelope under one signed statement binding them all. `Ok` holds one result per
/// question, in order (refusals of single questions mapped as [`ask`] maps them); `Err` is
/// the whole chunk's failure.
pub async fn ask_batch(
    federation: &Federation,
    to: MunicipalityCode,
    questions: Vec<BatchQuestion>,
    consent: &ConsentGiven<'_>,
    timeout: Duration,
) -> Result<Vec<Result<InquiryResult, AskError>>, AskError> {
    let batch_id = RecordId::random().map_err(|_| AskError::Failed(WireErrorCode::Internal))?;
    let signed = sign(federation, consent, batch_id, to, InquiryBatch::questions_digest(&questions))?;
    let batch = InquiryBatch { batch_id, questions, consent: signed };
    let message = Message::InquiryBatch(batch);
    match exchange(federation, to, &message, timeout).await? {
        Message::InquiryBatchAnswer(a) => {
            let Message::InquiryBatch(batch) = &message else { return Err(AskError::Failed(WireErrorCode::Internal)) };
            // One answer per question, in order, or none at all: a row never takes
            // another row's answer.
            if !a.answers(batch) || a.validate().is_err() {
                return Err(AskError::Failed(WireErrorCode::Malformed));
            }
            Ok(a.answers.into_iter().map(|a| settle(a.result)).collect())
        }
        _ => Err(AskError::Failed(WireErrorCode::Malformed)),
    }
}

/// The statement this node signs for one inquiry (`inquiry_id`, `subject_digest` of the
/// person) or for a batch (its id and the digest of its questions).
fn sign(
    federation: &Federation,
    consent: &ConsentGiven<'_>,
    inquiry_id: RecordId,
    to: MunicipalityCode,
    subject_digest: [u8; 32],
) -> Result<SignedConsent, AskError> {
    let statement = ConsentStatement {
        inquiry_id,
        asker: federation.code,
        holder: to,
        subject_digest,
        basis: consent.basis,
        method: consent.method.to_owned(),
        obtained_at_ms: consent.obtained_at_ms,
        staff_user: consent.staff_user.to_owned(),
        reason: consent.reason.map(str::to_owned),
    };
    SignedConsent::sign(&federation.identity().signing, statement).map_err(|e| {
        tracing::error!(error = %e, "cannot sign a consent statement");
        AskError::Failed(WireErrorCode::Internal)
    })
}

/// The word for a result in the access log and the bulk answer.
pub fn outcome_word(result: &Result<InquiryResult, AskError>) -> &'static str {
    match result {
        Ok(InquiryResult::Found(_)) => "found",
        Ok(InquiryResult::NotFound) => "not_found",
        Ok(InquiryResult::Withheld) => "withheld",
        Ok(InquiryResult::Refused(_)) | Err(AskError::Failed(_)) => "failed",
        Err(AskError::UnknownMunicipality) => "unknown_municipality",
        Err(AskError::Unreachable) => "node_unreachable",
        Err(AskError::ConsentRefused) => "consent_refused",
    }
}

/// Sends `request` to `to` and returns its result.
pub async fn ask(
    federation: &Federation,
    to: MunicipalityCode,
    request: InquiryRequest,
    timeout: Duration,
) -> Result<InquiryResult, AskError> {
    let inquiry_id = request.inquiry_id;
    match exchange(federation, to, &Message::InquiryRequest(request), timeout).await? {
        Message::InquiryAnswer(a) if a.inquiry_id == inquiry_id && a.validate().is_ok() => settle(a.result),
        _ => Err(AskError::Failed(WireErrorCode::Malformed)),
    }
}

/// A holder's answer to one question: its refusals become the desk's errors.
fn settle(result: InquiryResult) -> Result<InquiryResult, AskError> {
    match result {
        InquiryResult::Refused(WireErrorCode::ConsentRequired) => Err(AskError::ConsentRefused),
        InquiryResult::Refused(code) => Err(AskError::Failed(code)),
        other => Ok(other),
    }
}

/// Seals `message` to `to`, waits at most `timeout`, and opens the sealed reply.
async fn exchange(
    federation: &Federation,
    to: MunicipalityCode,
    message: &Message,
    timeout: Duration,
) -> Result<Message, AskError> {
    let response = match tokio::time::timeout(timeout, federation.send(to, message)).await {
        Err(_elapsed) => return Err(AskError::Unreachable),
        Ok(Err(SendError::UnknownMunicipality(_))) => return Err(AskError::UnknownMunicipality),
        Ok(Err(SendError::Seal(e))) => {
            tracing::error!(error = %e, "cannot seal an inquiry");
            return Err(AskError::Failed(WireErrorCode::Internal));
        }
        Ok(Err(_)) => return Err(AskError::Unreachable),
        Ok(Ok(r)) => r,
    };
    match response {
        EnvelopeResponse::Reply(envelope) => {
            federation.open_reply(&envelope, &federation.replies).map_err(AskError::Failed)
        }
        EnvelopeResponse::Error(WireErrorCode::ConsentRequired) => Err(AskError::ConsentRefused),
        EnvelopeResponse::Error(WireErrorCode::UnknownRecipient) => Err(AskError::UnknownMunicipality),
        EnvelopeResponse::Error(code) if code.is_transient() => Err(AskError::Unreachable),
        EnvelopeResponse::Error(code) => Err(AskError::Failed(code)),
        // Interactive kinds are never queued or merely accepted: a coordinator doing so
        // gave no answer in time.
        EnvelopeResponse::Accepted | EnvelopeResponse::Queued => Err(AskError::Unreachable),
    }
}
