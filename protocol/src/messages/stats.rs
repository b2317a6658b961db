//! Aggregate counts for national statistics: the coordinator asks, each node answers with
//! counts only. No cell identifies a person; small-cell suppression is the coordinator's
//! job when it publishes (it needs exact counts to add them up).

use super::fields::{FieldError, check_dose_number, check_product};
use crate::date::CivilDate;
use crate::id16::MessageId;
use crate::ids::Sex;
use serde::{Deserialize, Serialize};

/// Ask a node for its aggregates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsRequest {
    /// Count doses given up to and including this date; `None` = everything.
    pub through: Option<CivilDate>,
}

/// A 5-year age band at the vaccination date (lower bound 0, 5, ..., 100 = "100 and
/// over"), or unknown. The open-data bands "-64" / "65-" are unions of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct AgeBand(u8);

impl AgeBand {
    pub const UNKNOWN: AgeBand = AgeBand(u8::MAX);
    const TOP: u16 = 100;

    pub fn from_age(age: Option<u16>) -> AgeBand {
        match age {
            Some(a) => AgeBand((a.min(Self::TOP) / 5 * 5) as u8),
            None => Self::UNKNOWN,
        }
    }

    /// The band's lower bound in years, `None` when unknown.
    pub fn lower(self) -> Option<u8> {
        (self != Self::UNKNOWN).then_some(self.0)
    }

    /// The open-data band: `"-64"`, `"65-"` or `"UNK"`.
    pub fn open_data(self) -> &'static str {
        match self.lower() {
            None => "UNK",
            Some(l) if l < 65 => "-64",
            Some(_) => "65-",
        }
    }
}

impl TryFrom<u8> for AgeBand {
    type Error = FieldError;
    fn try_from(n: u8) -> Result<Self, FieldError> {
        let ok = n == u8::MAX || (n <= AgeBand::TOP as u8 && n.is_multiple_of(5));
        if ok { Ok(AgeBand(n)) } else { Err(FieldError("age_band")) }
    }
}

impl From<AgeBand> for u8 {
    fn from(b: AgeBand) -> u8 {
        b.0
    }
}

/// Doses given on one date, by dose number, product, sex and age band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoseCell {
    pub vaccinated_on: CivilDate,
    pub dose_number: u8,
    pub product: String,
    #[serde(with = "super::fields::sex")]
    pub sex: Sex,
    pub age_band: AgeBand,
    pub count: u64,
}

/// Registered active residents (the denominator), by sex and age band today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PopulationCell {
    #[serde(with = "super::fields::sex")]
    pub sex: Sex,
    pub age_band: AgeBand,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsAnswer {
    /// The message id of the [`StatsRequest`] envelope this answers.
    pub request_id: MessageId,
    /// When the node computed these counts (unix ms): the `as_of` of its figures.
    pub computed_at_ms: u64,
    pub doses: Vec<DoseCell>,
    pub population: Vec<PopulationCell>,
}

impl StatsAnswer {
    pub fn validate(&self) -> Result<(), FieldError> {
        for c in &self.doses {
            check_dose_number(c.dose_number)?;
            check_product(&c.product)?;
        }
        Ok(())
    }
}
