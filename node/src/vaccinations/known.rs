//! What deciding a batch of doses needs from the database, read set-wise: the coupons'
//! persons, those persons' doses and register facts, the doses held for unmatched coupons,
//! and the rows already holding the batch's idempotency keys — a few `IN (...)` queries
//! per batch instead of four or five statements per dose (on PostgreSQL each one a round
//! trip). The batch then decides its doses in order against this in memory, and [`add`]s
//! each row it will write, so a later dose of the same batch sees the earlier ones exactly
//! as it would have seen them in the database.
//!
//! [`add`]: Known::add

use crate::db::vaccinations::{self as rows, VaccinationRow};
use crate::db::{DbConn, DbError, residents};
use crate::domain::dose::ValidDose;
use std::collections::HashMap;
use vrs_protocol::MunicipalityCode;

pub use crate::db::vaccinations::PersonFacts as Facts;

#[derive(Debug, Default)]
pub struct Known {
    /// Our coupons that find a person (active, else reissued), coupon number → atena.
    atena_by_coupon: HashMap<String, String>,
    facts: HashMap<String, Facts>,
    /// Each person's doses, oldest first (vaccination date, then dose number), as
    /// `rows::for_person` orders them; cancelled ones included.
    doses: HashMap<String, Vec<VaccinationRow>>,
    /// Doses held without a person, by (municipality, coupon number).
    unmatched: HashMap<(String, String), Vec<VaccinationRow>>,
    /// Rows holding an idempotency key, by (recorded_by, key).
    by_key: HashMap<(String, String), VaccinationRow>,
}

impl Known {
    /// Reads what deciding `doses` (each with the municipality it is recorded in) and
    /// replaying `keys` ((actor, key) pairs) needs.
    pub fn load(
        conn: &mut DbConn,
        doses: &[(MunicipalityCode, &ValidDose)],
        keys: &[(&str, &str)],
    ) -> Result<Known, DbError> {
        let mut known = Known::default();
        let ours: Vec<&str> =
            doses.iter().filter(|(own, d)| d.ocr.municipality == *own).map(|(_, d)| d.ocr.coupon.as_str()).collect();
        known.atena_by_coupon = residents::find_by_coupons(conn, &ours)?;
        let mut atenas: Vec<&str> = known.atena_by_coupon.values().map(String::as_str).collect();
        atenas.sort_unstable();
        atenas.dedup();
        known.facts = rows::persons_facts(conn, &atenas)?.into_iter().collect();
        for row in rows::for_persons(conn, &atenas)? {
            if let Some(a) = row.atena.clone() {
                known.doses.entry(a).or_default().push(row);
            }
        }
        let unmatched: Vec<&str> = doses
            .iter()
            .filter(|(own, d)| known.atena(*own, d).is_none())
            .map(|(_, d)| d.ocr.coupon.as_str())
            .collect();
        for row in rows::unmatched_for_coupons(conn, &unmatched)? {
            known.unmatched.entry((row.municipality.clone(), row.coupon_number.clone())).or_default().push(row);
        }
        let actors: Vec<&str> = keys.iter().map(|(a, _)| *a).collect();
        let key_values: Vec<&str> = keys.iter().map(|(_, k)| *k).collect();
        for row in rows::by_idempotency_keys(conn, &actors, &key_values)? {
            if let Some(k) = row.idempotency_key.clone() {
                known.by_key.insert((row.recorded_by.clone(), k), row);
            }
        }
        Ok(known)
    }

    /// The person a dose's coupon names, when the coupon is `own`'s and registered.
    pub fn atena(&self, own: MunicipalityCode, d: &ValidDose) -> Option<&str> {
        if d.ocr.municipality != own {
            return None;
        }
        self.atena_by_coupon.get(d.ocr.coupon.as_str()).map(String::as_str)
    }

    pub fn facts(&self, atena: &str) -> Option<&Facts> {
        self.facts.get(atena)
    }

    /// The person's doses, oldest first.
    pub fn doses(&self, atena: &str) -> &[VaccinationRow] {
        self.doses.get(atena).map_or(&[], Vec::as_slice)
    }

    /// Doses held without a person for this coupon.
    pub fn unmatched(&self, d: &ValidDose) -> &[VaccinationRow] {
        let key = (d.ocr.municipality.as_str().to_owned(), d.ocr.coupon.as_str().to_owned());
        self.unmatched.get(&key).map_or(&[], Vec::as_slice)
    }

    /// The row recorded earlier by `actor` under `key`, if any.
    pub fn by_key(&self, actor: &str, key: &str) -> Option<&VaccinationRow> {
        self.by_key.get(&(actor.to_owned(), key.to_owned()))
    }

    /// A row the batch is about to write: the doses after it in the batch see it.
    pub fn add(&mut self, row: &VaccinationRow) {
        match &row.atena {
            Some(a) => {
                let held = self.doses.entry(a.clone()).or_default();
                // After every row that sorts before or equal to it, as a later insert would.
                let at = held.partition_point(|r| {
                    (r.vaccinated_on.as_str(), r.dose_number) <= (row.vaccinated_on.as_str(), row.dose_number)
                });
                held.insert(at, row.clone());
            }
            None => {
                let key = (row.municipality.clone(), row.coupon_number.clone());
                self.unmatched.entry(key).or_default().push(row.clone());
            }
        }
        if let Some(k) = &row.idempotency_key {
            self.by_key.insert((row.recorded_by.clone(), k.clone()), row.clone());
        }
    }
}
