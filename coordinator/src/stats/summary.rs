//! The national figures, folded from every node's last answer: by date, dose, product,
//! sex, age band, prefecture (from the municipality master) and municipality, plus the
//! population denominators. Rebuilt from the store after each refresh, so the store is
//! the one source of truth and a restart serves the same numbers.

use crate::db::stats::NodeFigures;
use std::collections::BTreeMap;
use vrs_protocol::messages::AgeBand;
use vrs_protocol::{CivilDate, MunicipalityCode};

/// Dose numbers 1..=9 (the coupon's 回数 digit), index `dose - 1`.
pub const DOSES: usize = 9;
pub type ByDose = [u64; DOSES];

/// A line of the public open data: (date, prefecture, gender, open-data age, dose).
/// Prefectures are their JIS number (13 = 東京都) in the maps: 3.5 million cells per
/// national refresh go through these, and a `String` key would be cloned for each.
pub type OpenKey = (CivilDate, u8, &'static str, &'static str, u8);

#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub total: u64,
    pub by_dose: ByDose,
    pub by_date: BTreeMap<CivilDate, ByDose>,
    pub by_prefecture: BTreeMap<u8, ByDose>,
    pub by_municipality: BTreeMap<MunicipalityCode, ByDose>,
    pub by_product: BTreeMap<String, u64>,
    pub by_sex: BTreeMap<&'static str, u64>,
    pub by_age_band: BTreeMap<AgeBand, ByDose>,
    pub population_total: u64,
    pub population_by_age_band: BTreeMap<AgeBand, u64>,
    pub population_by_sex: BTreeMap<&'static str, u64>,
    pub population_by_prefecture: BTreeMap<u8, u64>,
    pub open: BTreeMap<OpenKey, u64>,
    /// Nodes whose figures are in here, with their as_of (unix ms).
    pub included: BTreeMap<MunicipalityCode, i64>,
    /// When the coordinator received each node's figures (unix ms, its own clock).
    pub received: BTreeMap<MunicipalityCode, i64>,
}

impl Summary {
    /// Adds one node's figures. A municipality missing from the master (cannot happen
    /// for an enrolled node) is counted nationally under prefecture 0.
    pub fn add(&mut self, f: &NodeFigures) {
        let pref: u8 =
            crate::municipalities::lookup(f.municipality).and_then(|m| m.prefecture.parse().ok()).unwrap_or(0);
        self.included.insert(f.municipality, f.computed_at_ms);
        self.received.insert(f.municipality, f.received_at_ms);
        for c in &f.answer.doses {
            let i = usize::from(c.dose_number.clamp(1, DOSES as u8)) - 1;
            let n = c.count;
            self.total += n;
            self.by_dose[i] += n;
            self.by_date.entry(c.vaccinated_on).or_default()[i] += n;
            self.by_prefecture.entry(pref).or_default()[i] += n;
            self.by_municipality.entry(f.municipality).or_default()[i] += n;
            match self.by_product.get_mut(&c.product) {
                Some(total) => *total += n,
                None => {
                    self.by_product.insert(c.product.clone(), n);
                }
            }
            *self.by_sex.entry(c.sex.letter()).or_default() += n;
            self.by_age_band.entry(c.age_band).or_default()[i] += n;
            let key = (c.vaccinated_on, pref, c.sex.letter(), c.age_band.open_data(), c.dose_number);
            *self.open.entry(key).or_default() += n;
        }
        for p in &f.answer.population {
            self.population_total += p.count;
            *self.population_by_age_band.entry(p.age_band).or_default() += p.count;
            *self.population_by_sex.entry(p.sex.letter()).or_default() += p.count;
            *self.population_by_prefecture.entry(pref).or_default() += p.count;
        }
    }

    /// The highest dose number with any dose (0 when there are none).
    pub fn max_dose(&self) -> usize {
        self.by_dose.iter().rposition(|n| *n > 0).map_or(0, |i| i + 1)
    }
}

/// A prefecture number as the API and the files write it: `"01"` … `"47"`.
pub fn pref_code(p: u8) -> String {
    format!("{p:02}")
}

/// "0-4", "5-9", ..., "95-99", "100-", "UNK": how bands are written in JSON and CSV.
pub fn band_label(b: AgeBand) -> String {
    match b.lower() {
        None => "UNK".into(),
        Some(100) => "100-".into(),
        Some(l) => format!("{l}-{}", l + 4),
    }
}
