//! `enrollment.json`: what a node hands the coordinator to be admitted. Self-signed with
//! the node's signing key, which proves the node holds that key (not that it is the
//! municipality: the operator running `vrs-coordinator enroll` vouches for that).

use super::peer_id::PeerIdBytes;
use crate::ids::MunicipalityCode;
use crate::keys::{RecipientKey, SigContext, Signature, SigningKey, SigningPublicKey};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    pub municipality: MunicipalityCode,
    pub peer_id: PeerIdBytes,
    pub signing_key: SigningPublicKey,
    pub encryption_key: RecipientKey,
    pub created_at_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedEnrollment {
    pub enrollment: Enrollment,
    pub signature: Signature,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnrollmentError {
    #[error("the signing key given is not the key that signs")]
    KeyMismatch,
    #[error("enrollment signature does not verify")]
    BadSignature,
}

impl SignedEnrollment {
    /// Builds and signs the enrollment; `enrollment.signing_key` must be `signer`'s.
    pub fn sign(signer: &SigningKey, enrollment: Enrollment) -> Result<Self, EnrollmentError> {
        if enrollment.signing_key != signer.public_key() {
            return Err(EnrollmentError::KeyMismatch);
        }
        let signature = signer.sign(SigContext::Enrollment, &body(&enrollment));
        Ok(SignedEnrollment { enrollment, signature })
    }

    /// Checks the self-signature with the key the document names.
    pub fn verify(&self) -> Result<&Enrollment, EnrollmentError> {
        let e = &self.enrollment;
        e.signing_key
            .verify(SigContext::Enrollment, &body(e), &self.signature)
            .map_err(|_| EnrollmentError::BadSignature)?;
        Ok(e)
    }
}

/// Postcard of the enrollment: the signing input body, whatever format carries it.
pub(crate) fn body(e: &Enrollment) -> Vec<u8> {
    postcard::to_allocvec(e).unwrap_or_default()
}
