//! Transfer-in inquiries: the new municipality asks the former one about a person's doses.

use super::consent::{ConsentContext, ConsentError, SignedConsent};
use super::fields::{FieldError, check_dose_number, check_product, check_text};
use crate::date::CivilDate;
use crate::id16::RecordId;
use crate::ids::{CouponNumber, MunicipalityCode, MyNumber, Sex};
use crate::keys::SigningPublicKey;
use crate::limits::{MAX_DOSES_PER_PERSON, MAX_SHORT_TEXT};
use crate::wire_error::WireErrorCode;
use ring::digest::{SHA256, digest};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Whom the inquiry is about.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InquirySubject {
    MyNumber(#[serde(with = "super::fields::my_number")] MyNumber),
    Coupon {
        #[serde(with = "super::fields::coupon")]
        coupon: CouponNumber,
        birth_date: CivilDate,
    },
}

impl InquirySubject {
    /// `SHA-256("vrs-inquiry-subject-v1" || 0x00 || postcard(subject))`: binds a consent
    /// statement to one person without writing the identifier into it.
    pub fn digest(&self) -> [u8; 32] {
        let mut input = b"vrs-inquiry-subject-v1\0".to_vec();
        input.extend_from_slice(&postcard::to_allocvec(self).unwrap_or_default());
        let mut out = [0u8; 32];
        out.copy_from_slice(digest(&SHA256, &input).as_ref());
        out
    }
}

/// Masks the birth date; `MyNumber`'s own Debug masks it.
impl fmt::Debug for InquirySubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InquirySubject::MyNumber(n) => write!(f, "MyNumber({})", n.masked()),
            InquirySubject::Coupon { coupon, .. } => write!(f, "Coupon({coupon}, birth_date: ****-**-**)"),
        }
    }
}

/// An inquiry. The answering node must call [`InquiryRequest::verify_consent`] and refuse
/// (`consent_required`) if it fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InquiryRequest {
    pub inquiry_id: RecordId,
    pub subject: InquirySubject,
    pub consent: SignedConsent,
}

impl InquiryRequest {
    /// `asker` must be the envelope's authenticated sender and `asker_key` its registry
    /// signing key; `holder` is the answering node itself.
    pub fn verify_consent(
        &self,
        asker: MunicipalityCode,
        asker_key: &SigningPublicKey,
        holder: MunicipalityCode,
        now_ms: u64,
    ) -> Result<(), ConsentError> {
        let ctx = ConsentContext { inquiry_id: self.inquiry_id, asker, holder, subject: &self.subject };
        self.consent.verify(asker_key, &ctx, now_ms).map(|_| ())
    }
}

/// The person as the desk needs to confirm them: nothing more.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonSummary {
    pub family_kana: String,
    pub given_kana: String,
    pub birth_date: CivilDate,
    #[serde(with = "super::fields::sex")]
    pub sex: Sex,
}

/// Names and birth date never print.
impl fmt::Debug for PersonSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonSummary(sex: {}, name and birth date withheld)", self.sex.letter())
    }
}

/// A dose as the former municipality holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorDose {
    pub dose_number: u8,
    pub vaccinated_on: CivilDate,
    pub product: String,
    pub lot: String,
    /// Where it was given.
    pub given_in: MunicipalityCode,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundPerson {
    pub person: PersonSummary,
    pub doses: Vec<PriorDose>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InquiryResult {
    Found(FoundPerson),
    NotFound,
    /// A protected person (DV support measures): put in the holder's review queue.
    Withheld,
    /// Refused, e.g. `consent_required`.
    Refused(WireErrorCode),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InquiryAnswer {
    pub inquiry_id: RecordId,
    pub result: InquiryResult,
}

impl InquiryRequest {
    pub fn validate(&self) -> Result<(), FieldError> {
        self.consent.statement.validate()
    }
}

impl InquiryAnswer {
    pub fn validate(&self) -> Result<(), FieldError> {
        let InquiryResult::Found(found) = &self.result else { return Ok(()) };
        let p = &found.person;
        check_text("family_kana", &p.family_kana, MAX_SHORT_TEXT, false)?;
        check_text("given_kana", &p.given_kana, MAX_SHORT_TEXT, false)?;
        if found.doses.len() > MAX_DOSES_PER_PERSON {
            return Err(FieldError("doses"));
        }
        for d in &found.doses {
            check_dose_number(d.dose_number)?;
            check_product(&d.product)?;
            check_text("lot", &d.lot, MAX_SHORT_TEXT, true)?;
        }
        Ok(())
    }
}
