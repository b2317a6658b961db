//! Dose rows: insert, the look-ups recording needs (by idempotency key, by person, by
//! coupon), the staff views, and the change history.

use super::schema::{residents, vaccination_changes, vaccinations};
use super::{DbConn, DbError};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = vaccinations)]
pub struct VaccinationRow {
    pub id: String,
    pub municipality: String,
    pub coupon_number: String,
    pub coupon_type: i16,
    pub dose_number: i16,
    pub atena: Option<String>,
    pub vaccinated_on: String,
    pub product: String,
    pub lot: String,
    pub site: String,
    pub doctor: String,
    pub status: String,
    pub review: String,
    pub warnings: String,
    pub source: String,
    pub recorded_by: String,
    pub idempotency_key: Option<String>,
    pub request_digest: Vec<u8>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What staff see of a dose (`GET /api/v1/vaccinations/{id}`, a resident's doses).
#[derive(Debug, Clone, Serialize)]
pub struct VaccinationView {
    pub id: String,
    pub status: String,
    pub review: String,
    pub warnings: serde_json::Value,
    pub ocr_line: String,
    pub municipality: String,
    pub dose: i16,
    pub atena: Option<String>,
    pub vaccinated_on: String,
    pub product: String,
    pub lot: String,
    pub site: String,
    pub doctor: String,
    pub source: String,
    pub recorded_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl VaccinationRow {
    pub fn view(&self) -> VaccinationView {
        VaccinationView {
            id: self.id.clone(),
            status: self.status.clone(),
            review: self.review.clone(),
            warnings: serde_json::from_str(&self.warnings).unwrap_or(serde_json::Value::Array(Vec::new())),
            ocr_line: format!("{}{}{}{}", self.coupon_type, self.dose_number, self.municipality, self.coupon_number),
            municipality: self.municipality.clone(),
            dose: self.dose_number,
            atena: self.atena.clone(),
            vaccinated_on: self.vaccinated_on.clone(),
            product: self.product.clone(),
            lot: self.lot.clone(),
            site: self.site.clone(),
            doctor: self.doctor.clone(),
            source: self.source.clone(),
            recorded_by: self.recorded_by.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

pub fn insert(conn: &mut DbConn, row: &VaccinationRow) -> Result<(), DbError> {
    diesel::insert_into(vaccinations::table).values(row).execute(conn)?;
    Ok(())
}

/// Inserts rows in order: on SQLite one cached single-row statement each (its fastest
/// path: no parse per call, no round trip to save), on PostgreSQL multi-row statements,
/// one round trip per 500 rows instead of one per row.
pub fn insert_many(conn: &mut DbConn, rows: &[VaccinationRow]) -> Result<(), DbError> {
    match conn {
        DbConn::Sqlite(c) => {
            for r in rows {
                diesel::insert_into(vaccinations::table).values(r).execute(c)?;
            }
        }
        // 20 columns a row: 500 rows stay far below PostgreSQL's 65,535 bind parameters.
        DbConn::Postgresql(c) => {
            for chunk in rows.chunks(500) {
                diesel::insert_into(vaccinations::table).values(chunk).execute(c)?;
            }
        }
    }
    Ok(())
}

pub fn by_id(conn: &mut DbConn, id: &str) -> Result<Option<VaccinationRow>, DbError> {
    Ok(vaccinations::table.find(id).select(VaccinationRow::as_select()).first(conn).optional()?)
}

/// The rows holding any of `keys` recorded by any of `actors` (callers match the pairs):
/// the idempotency look-up of a batch of doses, one query on the unique index.
pub fn by_idempotency_keys(conn: &mut DbConn, actors: &[&str], keys: &[&str]) -> Result<Vec<VaccinationRow>, DbError> {
    if actors.is_empty() || keys.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vaccinations::table
        .filter(vaccinations::recorded_by.eq_any(actors))
        .filter(vaccinations::idempotency_key.eq_any(keys))
        .select(VaccinationRow::as_select())
        .load(conn)?)
}

/// [`for_person`] for many persons at once: every dose of each, oldest first per person.
pub fn for_persons(conn: &mut DbConn, atenas: &[&str]) -> Result<Vec<VaccinationRow>, DbError> {
    if atenas.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vaccinations::table
        .filter(vaccinations::atena.eq_any(atenas))
        .order((vaccinations::vaccinated_on, vaccinations::dose_number))
        .select(VaccinationRow::as_select())
        .load(conn)?)
}

/// The doses read from any of `coupons` that are not matched to a person here; callers
/// match the municipality.
pub fn unmatched_for_coupons(conn: &mut DbConn, coupons: &[&str]) -> Result<Vec<VaccinationRow>, DbError> {
    if coupons.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vaccinations::table
        .filter(vaccinations::coupon_number.eq_any(coupons))
        .filter(vaccinations::atena.is_null())
        .select(VaccinationRow::as_select())
        .load(conn)?)
}

/// A person's doses, oldest first, cancelled ones included (callers filter).
pub fn for_person(conn: &mut DbConn, atena: &str) -> Result<Vec<VaccinationRow>, DbError> {
    Ok(vaccinations::table
        .filter(vaccinations::atena.eq(atena))
        .order((vaccinations::vaccinated_on, vaccinations::dose_number))
        .select(VaccinationRow::as_select())
        .load(conn)?)
}

/// The review and unmatched queues: doses by status (or `needs_review`), oldest first,
/// paged by `after` (the last id of the previous page, with its created_at).
pub fn list(
    conn: &mut DbConn,
    status: &str,
    limit: i64,
    after: Option<(i64, String)>,
) -> Result<Vec<VaccinationRow>, DbError> {
    let mut q = vaccinations::table.select(VaccinationRow::as_select()).into_boxed();
    q = if status == "needs_review" {
        q.filter(vaccinations::review.eq("needs_review")).filter(vaccinations::status.ne("cancelled"))
    } else {
        q.filter(vaccinations::status.eq(status.to_owned()))
    };
    if let Some((at, id)) = after {
        q = q.filter(vaccinations::created_at.gt(at).or(vaccinations::created_at.eq(at).and(vaccinations::id.gt(id))));
    }
    Ok(q.order((vaccinations::created_at, vaccinations::id)).limit(limit).load(conn)?)
}

/// Birth date, status code and last update of a resident, for the rules.
pub fn person_facts(conn: &mut DbConn, atena: &str) -> Result<Option<PersonFacts>, DbError> {
    Ok(residents::table
        .find(atena)
        .select((residents::birth_date, residents::status, residents::updated_at))
        .first(conn)
        .optional()?)
}

/// A resident's birth date, status code and last update, as the dose rules read them.
pub type PersonFacts = (String, i16, i64);

/// [`person_facts`] for many residents at once: (atena, facts) for each one found.
pub fn persons_facts(conn: &mut DbConn, atenas: &[&str]) -> Result<Vec<(String, PersonFacts)>, DbError> {
    if atenas.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, String, i16, i64)> = residents::table
        .filter(residents::atena.eq_any(atenas))
        .select((residents::atena, residents::birth_date, residents::status, residents::updated_at))
        .load(conn)?;
    Ok(rows.into_iter().map(|(a, b, s, u)| (a, (b, s, u))).collect())
}

pub fn record_change(
    conn: &mut DbConn,
    id: &str,
    actor: &str,
    action: &str,
    reason: &str,
    old_values: &serde_json::Value,
) -> Result<(), DbError> {
    diesel::insert_into(vaccination_changes::table)
        .values((
            vaccination_changes::vaccination_id.eq(id),
            vaccination_changes::at.eq(super::now()),
            vaccination_changes::actor.eq(actor),
            vaccination_changes::action.eq(action),
            vaccination_changes::reason.eq(reason),
            vaccination_changes::old_values.eq(old_values.to_string()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Serialize, Queryable)]
pub struct ChangeView {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub reason: String,
    pub old_values: String,
}

pub fn changes(conn: &mut DbConn, id: &str) -> Result<Vec<ChangeView>, DbError> {
    Ok(vaccination_changes::table
        .filter(vaccination_changes::vaccination_id.eq(id))
        .order(vaccination_changes::id)
        .select((
            vaccination_changes::at,
            vaccination_changes::actor,
            vaccination_changes::action,
            vaccination_changes::reason,
            vaccination_changes::old_values,
        ))
        .load(conn)?)
}

/// Writes back a row's mutable fields (corrections, matching, review, cancellation).
pub fn update(conn: &mut DbConn, row: &VaccinationRow) -> Result<(), DbError> {
    diesel::update(vaccinations::table.find(&row.id))
        .set((
            vaccinations::dose_number.eq(row.dose_number),
            vaccinations::atena.eq(&row.atena),
            vaccinations::vaccinated_on.eq(&row.vaccinated_on),
            vaccinations::product.eq(&row.product),
            vaccinations::lot.eq(&row.lot),
            vaccinations::site.eq(&row.site),
            vaccinations::doctor.eq(&row.doctor),
            vaccinations::status.eq(&row.status),
            vaccinations::review.eq(&row.review),
            vaccinations::warnings.eq(&row.warnings),
            vaccinations::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Serialises the transactions that decide doses from what they read (the dose writer,
/// CSV uploads, delivered and prior doses, corrections, purges), taken before the
/// transaction reads anything.
///
/// SQLite: a deferred transaction that reads, then writes after another writer committed,
/// fails with SQLITE_BUSY_SNAPSHOT at once (the busy timeout does not apply); a write as
/// the first statement waits its turn instead.
///
/// PostgreSQL: under READ COMMITTED two such transactions could both read "no dose yet"
/// and both insert the same dose (there is no unique key for "the same dose", a rule
/// decides it), so they queue on one transaction-scoped advisory lock, released at
/// commit or rollback.
pub fn take_write_lock(conn: &mut DbConn) -> Result<(), DbError> {
    use diesel::connection::SimpleConnection;
    match conn {
        // A delete of nothing, as a statement diesel keeps prepared: a batch_execute was
        // compiled anew for every batch of the dose writer.
        DbConn::Sqlite(c) => {
            diesel::delete(super::schema::outbox::table.filter(super::schema::outbox::message_id.eq(""))).execute(c)?;
        }
        DbConn::Postgresql(c) => c.batch_execute(&format!("SELECT pg_advisory_xact_lock({DOSE_WRITE_LOCK})"))?,
    }
    Ok(())
}

/// The advisory lock key of [`take_write_lock`] on PostgreSQL: "vrsdoses" in ASCII, so it
/// cannot meet another application's small integer keys by chance.
const DOSE_WRITE_LOCK: i64 = 0x7672_7364_6f73_6573;

/// The doses `actor` recorded since `since` (Unix seconds), newest first: a site's day.
pub fn recorded_by_since(
    conn: &mut DbConn,
    actor: &str,
    since: i64,
    limit: i64,
) -> Result<Vec<VaccinationRow>, DbError> {
    Ok(vaccinations::table
        .filter(vaccinations::recorded_by.eq(actor))
        .filter(vaccinations::created_at.ge(since))
        .order((vaccinations::created_at.desc(), vaccinations::id.desc()))
        .limit(limit)
        .select(VaccinationRow::as_select())
        .load(conn)?)
}
