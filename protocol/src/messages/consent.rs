//! The consent statement that must accompany every inquiry. The asking node signs it with
//! its registry key, so the answering node can check it itself and keep it as evidence in
//! its disclosure log (it names the person only by a digest).

use super::fields::{FieldError, check_text};
use super::inquiry::InquirySubject;
use crate::id16::RecordId;
use crate::ids::MunicipalityCode;
use crate::keys::{SigContext, Signature, SigningKey, SigningPublicKey};
use crate::limits::{MAX_LONG_TEXT, MAX_SHORT_TEXT};
use serde::{Deserialize, Serialize};

/// The legal basis for asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentBasis {
    /// The person consented.
    Consent,
    /// Consent could not practicably be obtained; `reason` must say why.
    ConsentImpracticable,
}

/// What the asking node's staff declared. Binds one inquiry (`inquiry_id`), one pair of
/// nodes and one person (`subject_digest`), so it cannot be reused for another question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentStatement {
    pub inquiry_id: RecordId,
    pub asker: MunicipalityCode,
    pub holder: MunicipalityCode,
    /// [`InquirySubject::digest`] of the person asked about.
    #[serde(with = "crate::serde_hex")]
    pub subject_digest: [u8; 32],
    pub basis: ConsentBasis,
    /// How consent was obtained: `written`, `oral`, ... (free text, short).
    pub method: String,
    /// When consent was obtained (unix ms).
    pub obtained_at_ms: u64,
    /// The asking node's staff user who declared it.
    pub staff_user: String,
    /// Required for `consent_impracticable`.
    pub reason: Option<String>,
}

impl ConsentStatement {
    pub fn validate(&self) -> Result<(), FieldError> {
        check_text("method", &self.method, MAX_SHORT_TEXT, true)?;
        check_text("staff_user", &self.staff_user, MAX_SHORT_TEXT, true)?;
        match (&self.basis, &self.reason) {
            (ConsentBasis::ConsentImpracticable, None) => Err(FieldError("reason")),
            (_, Some(r)) => check_text("reason", r, MAX_LONG_TEXT, self.basis == ConsentBasis::ConsentImpracticable),
            (ConsentBasis::Consent, None) => Ok(()),
        }
    }

    /// The signed bytes: postcard encoding of the statement (deterministic: fixed field
    /// order, no maps).
    pub fn signing_body(&self) -> Vec<u8> {
        postcard::to_allocvec(self).unwrap_or_default()
    }
}

/// A consent statement and the asking node's signature over it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedConsent {
    pub statement: ConsentStatement,
    pub signature: Signature,
}

/// Why the answering node refuses an inquiry's consent. Every variant maps to the wire
/// code `consent_required`: the asker learns that, not which check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsentError {
    #[error("consent statement signature does not verify")]
    BadSignature,
    #[error("consent statement is for another inquiry, node or person")]
    Mismatch,
    #[error("consent obtained in the future")]
    FromTheFuture,
    #[error("consent statement incomplete: {0}")]
    Incomplete(#[from] FieldError),
}

impl ConsentError {
    /// Always `consent_required`: which check failed stays in the holder's log.
    pub fn wire_code(&self) -> crate::WireErrorCode {
        crate::WireErrorCode::ConsentRequired
    }
}

/// Consent may not be dated later than this past the answering node's clock.
pub const CONSENT_CLOCK_SKEW_MS: u64 = 5 * 60 * 1000;

impl SignedConsent {
    pub fn sign(signer: &SigningKey, statement: ConsentStatement) -> Result<Self, FieldError> {
        statement.validate()?;
        let signature = signer.sign(SigContext::Consent, &statement.signing_body());
        Ok(SignedConsent { statement, signature })
    }

    /// The answering node's check: signed by the asker's registry key, complete, and about
    /// exactly this inquiry from `asker` to `holder` about `subject`.
    pub fn verify(
        &self,
        asker_key: &SigningPublicKey,
        expected: &ConsentContext<'_>,
        now_ms: u64,
    ) -> Result<&ConsentStatement, ConsentError> {
        let digest = expected.subject.digest();
        self.verify_digest(asker_key, expected.inquiry_id, expected.asker, expected.holder, &digest, now_ms)
    }

    /// The same check against a subject digest computed by the caller: an
    /// [`crate::messages::InquiryBatch`]'s statement binds the digest of all its questions.
    pub fn verify_digest(
        &self,
        asker_key: &SigningPublicKey,
        inquiry_id: RecordId,
        asker: MunicipalityCode,
        holder: MunicipalityCode,
        subject_digest: &[u8; 32],
        now_ms: u64,
    ) -> Result<&ConsentStatement, ConsentError> {
        let s = &self.statement;
        asker_key
            .verify(SigContext::Consent, &s.signing_body(), &self.signature)
            .map_err(|_| ConsentError::BadSignature)?;
        s.validate()?;
        let same =
            s.inquiry_id == inquiry_id && s.asker == asker && s.holder == holder && s.subject_digest == *subject_digest;
        if !same {
            return Err(ConsentError::Mismatch);
        }
        if s.obtained_at_ms > now_ms.saturating_add(CONSENT_CLOCK_SKEW_MS) {
            return Err(ConsentError::FromTheFuture);
        }
        Ok(s)
    }
}

/// What the answering node knows independently of the statement: the inquiry it got, the
/// envelope's (authenticated) sender, and itself.
#[derive(Debug, Clone, Copy)]
pub struct ConsentContext<'a> {
    pub inquiry_id: RecordId,
    pub asker: MunicipalityCode,
    pub holder: MunicipalityCode,
    pub subject: &'a InquirySubject,
}
