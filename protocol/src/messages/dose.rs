//! A dose given away from home, delivered to the person's home node, and its ack.

use super::fields::{FieldError, check_dose_number, check_product, check_text};
use crate::date::CivilDate;
use crate::id16::RecordId;
use crate::ids::{CouponNumber, MunicipalityCode};
use crate::limits::{MAX_LONG_TEXT, MAX_SHORT_TEXT};
use crate::wire_error::WireErrorCode;
use serde::{Deserialize, Serialize};

/// One dose read at a site of another municipality (`given_in`), for the coupon holder's
/// home node. `dose_id` is the site's record id: the home node stores it and treats a
/// second delivery with the same `dose_id` as the same dose (exactly once), whatever the
/// envelope's message id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoseDelivery {
    pub dose_id: RecordId,
    /// The municipality on the coupon: the home node this is addressed to.
    pub coupon_municipality: MunicipalityCode,
    #[serde(with = "super::fields::coupon")]
    pub coupon: CouponNumber,
    pub dose_number: u8,
    pub vaccinated_on: CivilDate,
    pub product: String,
    pub lot: String,
    pub site: String,
    pub given_in: MunicipalityCode,
    /// When the site recorded it (unix ms).
    pub recorded_at_ms: u64,
}

impl DoseDelivery {
    pub fn validate(&self) -> Result<(), FieldError> {
        check_dose_number(self.dose_number)?;
        check_product(&self.product)?;
        check_text("lot", &self.lot, MAX_SHORT_TEXT, true)?;
        check_text("site", &self.site, MAX_LONG_TEXT, true)
    }
}

/// What the home node did with a delivered dose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DoseOutcome {
    /// Matched to a resident and recorded.
    Recorded,
    /// Kept in the unmatched queue (coupon not known yet); it will match later.
    Unmatched,
    /// This `dose_id` was already delivered; nothing changed. The sender treats this
    /// exactly like `Recorded`/`Unmatched`: delivered.
    AlreadyHave,
    /// Refused for good (e.g. `malformed`): the sender must not retry, but flag it.
    Rejected(WireErrorCode),
}

/// The home node's answer to a [`DoseDelivery`]. Once the site's node has it, it keeps no
/// personal data of that person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoseAck {
    pub dose_id: RecordId,
    pub outcome: DoseOutcome,
}
