//! Many transfer-in inquiries to one holder in one envelope (a bulk batch's chunk). One
//! envelope, one seal and one signature per chunk instead of per question: the crypto, not
//! the database, was what a bulk row cost. One consent statement, signed by the asking
//! node, covers the chunk; it binds every question (its inquiry id and person) through
//! [`InquiryBatch::questions_digest`], so no question can be added, removed or altered.

use super::consent::{ConsentError, SignedConsent};
use super::fields::FieldError;
use super::inquiry::{InquiryAnswer, InquirySubject};
use crate::id16::RecordId;
use crate::ids::MunicipalityCode;
use crate::keys::SigningPublicKey;
use crate::limits::MAX_INQUIRIES_PER_BATCH;
use ring::digest::{SHA256, digest};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// One question of a batch: its own inquiry id (what both access logs and the holder's
/// disclosures name) and the person asked about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchQuestion {
    pub inquiry_id: RecordId,
    pub subject: InquirySubject,
}

/// Up to [`MAX_INQUIRIES_PER_BATCH`] questions under one consent statement. The
/// statement's `inquiry_id` is `batch_id` and its `subject_digest` is
/// [`InquiryBatch::questions_digest`]. The holder must call [`InquiryBatch::verify_consent`]
/// and refuse the whole batch (`consent_required`) if it fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InquiryBatch {
    pub batch_id: RecordId,
    pub questions: Vec<BatchQuestion>,
    pub consent: SignedConsent,
}

impl InquiryBatch {
    /// `SHA-256("vrs-inquiry-batch-v1" || 0x00 || postcard(questions))`. Its own prefix, so
    /// a batch's statement can never pass as a single inquiry's (whose digest is
    /// [`InquirySubject::digest`], prefixed `vrs-inquiry-subject-v1`), nor the reverse.
    pub fn questions_digest(questions: &[BatchQuestion]) -> [u8; 32] {
        let mut input = b"vrs-inquiry-batch-v1\0".to_vec();
        input.extend_from_slice(&postcard::to_allocvec(questions).unwrap_or_default());
        let mut out = [0u8; 32];
        out.copy_from_slice(digest(&SHA256, &input).as_ref());
        out
    }

    /// `asker` must be the envelope's authenticated sender and `asker_key` its registry
    /// signing key; `holder` is the answering node itself.
    pub fn verify_consent(
        &self,
        asker: MunicipalityCode,
        asker_key: &SigningPublicKey,
        holder: MunicipalityCode,
        now_ms: u64,
    ) -> Result<(), ConsentError> {
        let digest = Self::questions_digest(&self.questions);
        self.consent.verify_digest(asker_key, self.batch_id, asker, holder, &digest, now_ms).map(|_| ())
    }

    /// At least one question, at most [`MAX_INQUIRIES_PER_BATCH`], no inquiry id twice (each
    /// question gets one answer, matched by id), and a complete statement.
    pub fn validate(&self) -> Result<(), FieldError> {
        check_count("questions", self.questions.len())?;
        let mut ids = HashSet::with_capacity(self.questions.len());
        if !self.questions.iter().all(|q| ids.insert(q.inquiry_id)) {
            return Err(FieldError("questions"));
        }
        self.consent.statement.validate()
    }
}

/// The holder's answers to a batch: one per question, in the questions' order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InquiryBatchAnswer {
    pub batch_id: RecordId,
    pub answers: Vec<InquiryAnswer>,
}

impl InquiryBatchAnswer {
    pub fn validate(&self) -> Result<(), FieldError> {
        check_count("answers", self.answers.len())?;
        self.answers.iter().try_for_each(InquiryAnswer::validate)
    }

    /// True if this answers `batch` exactly: its id, and one answer per question in order.
    /// The asker accepts nothing else (a row must never get another row's answer).
    pub fn answers(&self, batch: &InquiryBatch) -> bool {
        self.batch_id == batch.batch_id
            && self.answers.len() == batch.questions.len()
            && self.answers.iter().zip(&batch.questions).all(|(a, q)| a.inquiry_id == q.inquiry_id)
    }
}

fn check_count(field: &'static str, n: usize) -> Result<(), FieldError> {
    if n == 0 || n > MAX_INQUIRIES_PER_BATCH { Err(FieldError(field)) } else { Ok(()) }
}
