//! The two GROUP BY queries behind a statistics answer. Plain SQL that SQLite and
//! PostgreSQL both run (`substr`, `CAST(.. AS INTEGER)`, `COALESCE`, ordinal GROUP BY);
//! only the placeholder syntax differs, so each backend gets its own string. Nothing per
//! person leaves these functions: every row is a count.

use crate::db::{DbConn, DbError};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, SmallInt, Text};

/// Doses of one (date, dose number, product, sex, age in years) cell. `age` is -1 when
/// the dose has no matched resident (unmatched queue) or a birth date after the dose.
#[derive(Debug, QueryableByName)]
pub struct DoseGroup {
    #[diesel(sql_type = Text)]
    pub day: String,
    #[diesel(sql_type = SmallInt)]
    pub dose: i16,
    #[diesel(sql_type = Text)]
    pub product: String,
    #[diesel(sql_type = SmallInt)]
    pub sex: i16,
    #[diesel(sql_type = Integer)]
    pub age: i32,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Active residents of one (birth date, sex): ages are computed in Rust from the birth
/// date, with the same rule as everywhere else (`CivilDate::age_on`).
#[derive(Debug, QueryableByName)]
pub struct ResidentGroup {
    #[diesel(sql_type = Text)]
    pub birth_date: String,
    #[diesel(sql_type = SmallInt)]
    pub sex: i16,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Completed years between the birth date and the vaccination date, in SQL: the year
/// difference, minus one before the birthday (compared as 'MM-DD' text, which is how
/// `CivilDate::age_on` compares (month, day)).
const AGE: &str = "CAST(substr(v.vaccinated_on, 1, 4) AS INTEGER) - CAST(substr(r.birth_date, 1, 4) AS INTEGER) \
     - CASE WHEN substr(v.vaccinated_on, 6, 5) < substr(r.birth_date, 6, 5) THEN 1 ELSE 0 END";

/// Counted doses: this municipality's coupons (a dose given here for another municipality
/// is counted by its home node once delivered), recorded or waiting for their resident.
fn doses_sql(pg: bool, through: bool) -> String {
    let (p1, p2) = if pg { ("$1", "$2") } else { ("?", "?") };
    let through = if through { format!(" AND v.vaccinated_on <= {p2}") } else { String::new() };
    format!(
        "SELECT v.vaccinated_on AS day, v.dose_number AS dose, v.product AS product, \
         CAST(COALESCE(r.sex, 0) AS SMALLINT) AS sex, \
         CAST(CASE WHEN r.birth_date IS NULL THEN -1 ELSE {AGE} END AS INTEGER) AS age, COUNT(*) AS n \
         FROM vaccinations v LEFT JOIN residents r ON r.atena = v.atena \
         WHERE v.municipality = {p1} AND v.status IN ('recorded', 'unmatched'){through} \
         GROUP BY 1, 2, 3, 4, 5"
    )
}

pub fn doses(conn: &mut DbConn, own: &str, through: Option<&str>) -> Result<Vec<DoseGroup>, DbError> {
    let rows = match conn {
        DbConn::Sqlite(c) => {
            let q = diesel::sql_query(doses_sql(false, through.is_some())).bind::<Text, _>(own);
            match through {
                Some(t) => q.bind::<Text, _>(t).load(c)?,
                None => q.load(c)?,
            }
        }
        DbConn::Postgresql(c) => {
            let q = diesel::sql_query(doses_sql(true, through.is_some())).bind::<Text, _>(own);
            match through {
                Some(t) => q.bind::<Text, _>(t).load(c)?,
                None => q.load(c)?,
            }
        }
    };
    Ok(rows)
}

/// Registered active residents (status 0) by birth date and sex.
pub fn residents(conn: &mut DbConn) -> Result<Vec<ResidentGroup>, DbError> {
    const SQL: &str = "SELECT birth_date, sex, COUNT(*) AS n FROM residents WHERE status = 0 GROUP BY 1, 2";
    Ok(crate::with_conn!(conn, |c| diesel::sql_query(SQL).load(c))?)
}
