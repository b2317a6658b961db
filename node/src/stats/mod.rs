//! National statistics, node side: this municipality's dose counts by (date, dose number,
//! product, sex, age band at the vaccination date) and its population denominators
//! (active residents by sex and age band today). Computed on request from the
//! coordinator; only these counts leave the node (specs/protocol.md §4, `stats_answer`).

pub mod queries;

use crate::db::{DbConn, DbError};
use std::collections::BTreeMap;
use vrs_protocol::messages::{AgeBand, DoseCell, PopulationCell, StatsAnswer, StatsRequest};
use vrs_protocol::{CivilDate, MessageId, MunicipalityCode, Sex};

/// Builds the answer to `request` (whose envelope id is `request_id`), with ages counted
/// on `today` for the population.
pub fn answer(
    conn: &mut DbConn,
    own: MunicipalityCode,
    request: &StatsRequest,
    request_id: MessageId,
    today: CivilDate,
) -> Result<StatsAnswer, DbError> {
    let through = request.through.map(CivilDate::iso);
    let doses = dose_cells(queries::doses(conn, own.as_str(), through.as_deref())?);
    let population = population_cells(queries::residents(conn)?, today);
    Ok(StatsAnswer { request_id, computed_at_ms: vrs_protocol::now_ms(), doses, population })
}

type DoseKey = (CivilDate, u8, String, u8, AgeBand);

/// Folds ages into bands. A row that does not read back (a malformed stored date, a
/// product code the wire refuses) is skipped and counted in the log, never sent.
pub fn dose_cells(rows: Vec<queries::DoseGroup>) -> Vec<DoseCell> {
    let mut cells: BTreeMap<DoseKey, u64> = BTreeMap::new();
    let mut skipped = 0u64;
    for r in rows {
        let (Ok(day), Ok(dose), Some(sex)) =
            (CivilDate::parse_iso(&r.day), u8::try_from(r.dose), Sex::from_iso_code(r.sex))
        else {
            skipped += 1;
            continue;
        };
        let band = AgeBand::from_age(u16::try_from(r.age).ok());
        *cells.entry((day, dose, r.product, sex.iso_code(), band)).or_default() += r.n.max(0) as u64;
    }
    if skipped > 0 {
        tracing::warn!(rows = skipped, "dose groups with unreadable fields left out of the statistics");
    }
    let cells: Vec<DoseCell> = cells
        .into_iter()
        .filter_map(|((vaccinated_on, dose_number, product, sex, age_band), count)| {
            let sex = Sex::from_iso_code(i16::from(sex))?;
            Some(DoseCell { vaccinated_on, dose_number, product, sex, age_band, count })
        })
        .collect();
    // The wire refuses dose numbers or product codes outside its rules: drop such cells
    // here (logged) rather than fail the whole answer.
    let before = cells.len();
    let valid: Vec<DoseCell> = cells.into_iter().filter(valid_cell).collect();
    if valid.len() != before {
        tracing::warn!(cells = before - valid.len(), "dose cells with invalid fields left out of the statistics");
    }
    valid
}

fn valid_cell(c: &DoseCell) -> bool {
    let probe = StatsAnswer {
        request_id: MessageId::from_bytes([0; 16]),
        computed_at_ms: 0,
        doses: vec![c.clone()],
        population: vec![],
    };
    probe.validate().is_ok()
}

pub fn population_cells(rows: Vec<queries::ResidentGroup>, today: CivilDate) -> Vec<PopulationCell> {
    let mut cells: BTreeMap<(u8, AgeBand), u64> = BTreeMap::new();
    for r in rows {
        let Some(sex) = Sex::from_iso_code(r.sex) else { continue };
        let age = CivilDate::parse_iso(&r.birth_date).ok().and_then(|b| b.age_on(today));
        *cells.entry((sex.iso_code(), AgeBand::from_age(age))).or_default() += r.n.max(0) as u64;
    }
    cells
        .into_iter()
        .filter_map(|((sex, age_band), count)| {
            Some(PopulationCell { sex: Sex::from_iso_code(i16::from(sex))?, age_band, count })
        })
        .collect()
}
