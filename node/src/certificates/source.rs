//! What a card says about one resident, read from the database: the person's names and
//! birth date, and every recorded (not cancelled) dose, wherever it was given.

use super::card::{CVX_UNSPECIFIED, Dose, Person};
use crate::db::schema::residents;
use crate::db::vaccinations::{VaccinationRow, for_person};
use crate::db::{DbConn, DbError};
use crate::products::ProductMaster;
use crate::vaccinations::Status;
use diesel::prelude::*;
use vrs_protocol::MunicipalityCode;

pub fn person(conn: &mut DbConn, atena: &str) -> Result<Option<Person>, DbError> {
    let row: Option<(String, String, String, String, String)> = residents::table
        .find(atena)
        .select((
            residents::family_name,
            residents::given_name,
            residents::family_kana,
            residents::given_kana,
            residents::birth_date,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(family, given, family_kana, given_kana, birth_date)| Person {
        family,
        given,
        family_kana,
        given_kana,
        birth_date,
    }))
}

pub fn doses(conn: &mut DbConn, atena: &str, products: &ProductMaster) -> Result<Vec<Dose>, DbError> {
    Ok(for_person(conn, atena)?
        .iter()
        .filter(|r| r.status == Status::Recorded.as_str())
        .map(|r| dose(r, products))
        .collect())
}

fn dose(r: &VaccinationRow, products: &ProductMaster) -> Dose {
    let cvx = products.get(&r.product).map(|p| p.cvx.clone()).filter(|c| !c.is_empty());
    Dose {
        date: r.vaccinated_on.clone(),
        cvx: cvx.unwrap_or_else(|| CVX_UNSPECIFIED.to_owned()),
        lot: r.lot.clone(),
        performer: performer(&given_in(r), &r.site),
    }
}

/// Where the dose was given: a delivered dose names it in its source
/// (`federation:<code>`); a dose brought in by an inquiry, and one given here, carry it as
/// the row's municipality.
fn given_in(r: &VaccinationRow) -> String {
    r.source.strip_prefix("federation:").unwrap_or(&r.municipality).to_owned()
}

fn performer(code: &str, site: &str) -> String {
    let name = MunicipalityCode::parse(code)
        .ok()
        .and_then(crate::municipalities::lookup)
        .map_or_else(|| code.to_owned(), |m| m.name.clone());
    if site.is_empty() { name } else { format!("{name} {site}") }
}
