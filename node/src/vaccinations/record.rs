//! Recording one dose inside the caller's transaction: idempotent replay, then the home
//! municipality decides: ours and matched (rules run), ours and unknown (unmatched
//! queue), or another's (outbox). The same dose twice is a duplicate, never two doses.

use super::known::{Facts, Known};
use super::{Status, new_id};
use crate::db::outbox::{self, OutboxPayload};
use crate::db::vaccinations::{self as rows, VaccinationRow};
use crate::db::{DbConn, DbError, access_log};
use crate::domain::dose::ValidDose;
use crate::domain::dose_rules::{self, NewDose, Person, PriorDose, Verdict};
use crate::domain::resident_row::ResidentStatus;
use crate::products::ProductMaster;
use serde_json::{Value, json};
use vrs_protocol::{CivilDate, MunicipalityCode};

/// Who is recording, for whom, from where.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub own: MunicipalityCode,
    pub products: &'a ProductMaster,
    pub actor: &'a str,
    pub role: &'a str,
    /// `api`, or `batch:<uuid>` for a CSV upload.
    pub source: &'a str,
}

#[derive(Debug, Clone)]
pub struct Submission {
    pub dose: ValidDose,
    /// The client's `Idempotency-Key`: a retry with the same key gets the first answer.
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub id: String,
    pub status: Status,
    /// `[{code, message}]`, empty when no rule fired.
    pub warnings: Value,
    pub needs_review: bool,
    /// True when this answer repeats an earlier one (same idempotency key).
    pub replayed: bool,
    /// Rule codes that fired now (empty on a replay), for metrics.
    pub rules_fired: Vec<&'static str>,
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("this dose is already recorded for this person")]
    Duplicate { id: String },
    #[error("the Idempotency-Key was used before for a different dose")]
    KeyReused,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for RecordError {
    fn from(e: diesel::result::Error) -> Self {
        RecordError::Db(e.into())
    }
}

/// SHA-256 of the dose's fields: tells a retried request from a reused key.
pub fn digest(d: &ValidDose) -> Vec<u8> {
    let text =
        [d.ocr.to_digits(), d.vaccinated_on.iso(), d.product.clone(), d.lot.clone(), d.site.clone(), d.doctor.clone()]
            .join("\u{1f}");
    ring::digest::digest(&ring::digest::SHA256, text.as_bytes()).as_ref().to_vec()
}

/// Records one dose: [`record_many`] with one job.
pub fn record_one(conn: &mut DbConn, ctx: &Context<'_>, sub: &Submission) -> Result<Outcome, RecordError> {
    record_many(conn, &[(*ctx, sub)])?
        .pop()
        .unwrap_or_else(|| Err(RecordError::Db(DbError::Query("a recorded dose gave no result".into()))))
}

/// Records doses in order inside the caller's transaction, one result per job: what the
/// batch needs is read set-wise first ([`Known`]), each dose is decided in memory against
/// it (a later dose sees the earlier ones, so the same person twice in one batch is a
/// duplicate or a second dose exactly as in two batches), then the rows are written
/// together and logged with one claim on the access-log chain. A refused dose (duplicate,
/// reused key) is its job's answer; a database error fails the whole call.
pub fn record_many(
    conn: &mut DbConn,
    jobs: &[(Context<'_>, &Submission)],
) -> Result<Vec<Result<Outcome, RecordError>>, DbError> {
    let doses: Vec<(MunicipalityCode, &ValidDose)> = jobs.iter().map(|(c, s)| (c.own, &s.dose)).collect();
    let keys: Vec<(&str, &str)> =
        jobs.iter().filter_map(|(c, s)| Some((c.actor, s.idempotency_key.as_deref()?))).collect();
    let mut known = Known::load(conn, &doses, &keys)?;
    let mut results = Vec::with_capacity(jobs.len());
    // The rows to write, and for each the job's context and status.
    let mut new_rows: Vec<VaccinationRow> = Vec::with_capacity(jobs.len());
    let mut by: Vec<(&Context<'_>, Status)> = Vec::with_capacity(jobs.len());
    for (ctx, sub) in jobs {
        match decide_job(&known, ctx, sub) {
            Ok(Step::Write(outcome, row)) => {
                known.add(&row);
                new_rows.push(*row);
                by.push((ctx, outcome.status));
                results.push(Ok(outcome));
            }
            Ok(Step::Replay(outcome)) => results.push(Ok(outcome)),
            Err(e) => results.push(Err(e)),
        }
    }
    rows::insert_many(conn, &new_rows)?;
    for (row, (ctx, status)) in new_rows.iter().zip(&by) {
        if *status == Status::Queued {
            outbox::enqueue(conn, &super::random_id(), &row.municipality, &payload(row, ctx.own))?;
        }
    }
    let entries: Vec<access_log::Entry<'_>> = new_rows
        .iter()
        .zip(&by)
        .map(|(row, (ctx, _))| access_log::Entry {
            actor: ctx.actor,
            role: ctx.role,
            action: "vaccination.record",
            atena: row.atena.as_deref(),
            detail: Some(format!("id={} status={} source={}", row.id, row.status, row.source)),
        })
        .collect();
    access_log::record_all(conn, &entries)?;
    Ok(results)
}

/// What one job of a batch comes to.
enum Step {
    /// A new row to write, with its answer (boxed: a row is five times an answer's size).
    Write(Outcome, Box<VaccinationRow>),
    /// The same key and dose as an earlier request: its answer again, nothing written.
    Replay(Outcome),
}

/// One job against what is known so far (nothing is read or written here).
fn decide_job(known: &Known, ctx: &Context<'_>, sub: &Submission) -> Result<Step, RecordError> {
    let digest = digest(&sub.dose);
    if let Some(key) = &sub.idempotency_key
        && let Some(prior) = known.by_key(ctx.actor, key)
    {
        return if prior.request_digest == digest {
            Ok(Step::Replay(replay(prior)))
        } else {
            Err(RecordError::KeyReused)
        };
    }
    let d = &sub.dose;
    let Decision { atena, status, warnings } = decide_known(known, ctx.own, ctx.products, d)?;
    let now = crate::db::now();
    let row = VaccinationRow {
        id: new_id(),
        municipality: d.ocr.municipality.as_str().to_owned(),
        coupon_number: d.ocr.coupon.as_str().to_owned(),
        coupon_type: i16::from(d.ocr.coupon_type),
        dose_number: i16::from(d.ocr.dose),
        atena,
        vaccinated_on: d.vaccinated_on.iso(),
        product: d.product.clone(),
        lot: d.lot.clone(),
        site: d.site.clone(),
        doctor: d.doctor.clone(),
        status: status.as_str().to_owned(),
        review: if warnings.is_empty() { "none" } else { "needs_review" }.to_owned(),
        warnings: json!(warnings).to_string(),
        source: ctx.source.to_owned(),
        recorded_by: ctx.actor.to_owned(),
        idempotency_key: sub.idempotency_key.clone(),
        request_digest: digest,
        created_at: now,
        updated_at: now,
    };
    let outcome = Outcome {
        id: row.id.clone(),
        status,
        needs_review: !warnings.is_empty(),
        rules_fired: warnings.iter().map(|w| w.code).collect(),
        warnings: json!(warnings),
        replayed: false,
    };
    Ok(Step::Write(outcome, Box::new(row)))
}

/// Where a dose goes and what the rules say of it, before anything is written.
#[derive(Debug, Clone)]
pub struct Decision {
    /// The person, when the coupon is ours and registered.
    pub atena: Option<String>,
    pub status: Status,
    pub warnings: Vec<dose_rules::Warning>,
}

/// Decides a dose: ours and matched (the rules run), ours and unknown (unmatched queue),
/// or another municipality's (outbox). Reads only; [`record_one`] writes what this says,
/// and the site menu shows it on its confirmation step.
pub fn decide(
    conn: &mut DbConn,
    own: MunicipalityCode,
    products: &ProductMaster,
    d: &ValidDose,
) -> Result<Decision, RecordError> {
    let known = Known::load(conn, &[(own, d)], &[])?;
    decide_known(&known, own, products, d)
}

/// [`decide`] against what a batch has read and written so far.
fn decide_known(
    known: &Known,
    own: MunicipalityCode,
    products: &ProductMaster,
    d: &ValidDose,
) -> Result<Decision, RecordError> {
    let ours = d.ocr.municipality == own;
    let atena = known.atena(own, d).map(str::to_owned);
    let (status, warnings) = match &atena {
        Some(a) => (Status::Recorded, judge(products, d, known.doses(a), known.facts(a), None)?),
        None => {
            // Not ours to judge (or nobody to judge yet): only the same dose twice is caught now.
            if let Some(same) = known.unmatched(d).iter().find(|r| {
                r.status != Status::Cancelled.as_str()
                    && r.dose_number == i16::from(d.ocr.dose)
                    && r.vaccinated_on == d.vaccinated_on.iso()
            }) {
                return Err(RecordError::Duplicate { id: same.id.clone() });
            }
            (if ours { Status::Unmatched } else { Status::Queued }, Vec::new())
        }
    };
    Ok(Decision { atena, status, warnings })
}

/// The dose a stored row describes (for re-running the rules on it).
pub fn dose_of(row: &VaccinationRow) -> Option<ValidDose> {
    Some(ValidDose {
        ocr: vrs_protocol::OcrLine::parse(&row.view().ocr_line).ok()?,
        vaccinated_on: CivilDate::parse_iso(&row.vaccinated_on).ok()?,
        product: row.product.clone(),
        lot: row.lot.clone(),
        site: row.site.clone(),
        doctor: row.doctor.clone(),
    })
}

fn replay(prior: &VaccinationRow) -> Outcome {
    let view = prior.view();
    Outcome {
        id: view.id,
        status: Status::parse(&view.status).unwrap_or(Status::Recorded),
        needs_review: view.review == "needs_review",
        warnings: view.warnings,
        replayed: true,
        rules_fired: Vec::new(),
    }
}

fn payload(row: &VaccinationRow, own: MunicipalityCode) -> OutboxPayload {
    let v = row.view();
    OutboxPayload {
        vaccination_id: v.id,
        given_in: own.as_str().to_owned(),
        ocr_line: v.ocr_line,
        vaccinated_on: v.vaccinated_on,
        product: v.product,
        lot: v.lot,
        site: v.site,
        doctor: v.doctor,
    }
}

/// Runs the rules for a dose of a registered person against the doses already held
/// (leaving out `exclude`: the record itself when re-evaluating it).
pub fn evaluate(
    conn: &mut DbConn,
    products: &ProductMaster,
    d: &ValidDose,
    atena: &str,
    exclude: Option<&str>,
) -> Result<Vec<dose_rules::Warning>, RecordError> {
    let held = rows::for_person(conn, atena)?;
    let facts = rows::person_facts(conn, atena)?;
    judge(products, d, &held, facts.as_ref(), exclude)
}

/// The rules for a dose of a registered person, given the person's doses (oldest first,
/// cancelled ones included) and register facts: the one place they are applied, whether
/// the inputs were read for this dose alone or for a batch.
fn judge(
    products: &ProductMaster,
    d: &ValidDose,
    held: &[VaccinationRow],
    facts: Option<&Facts>,
    exclude: Option<&str>,
) -> Result<Vec<dose_rules::Warning>, RecordError> {
    let history: Vec<PriorDose<'_>> = held
        .iter()
        .filter(|r| r.status != Status::Cancelled.as_str() && Some(r.id.as_str()) != exclude)
        .filter_map(|r| {
            Some(PriorDose {
                id: &r.id,
                dose: u8::try_from(r.dose_number).ok()?,
                on: CivilDate::parse_iso(&r.vaccinated_on).ok()?,
                min_interval_days: products.get(&r.product).map_or(0, |p| p.min_interval_days),
            })
        })
        .collect();
    let person = facts.and_then(|(birth, status, updated_at)| {
        Some(Person {
            birth_date: CivilDate::parse_iso(birth).ok()?,
            status: ResidentStatus::from_code(*status)?,
            status_since: CivilDate::from_unix_days((updated_at + 9 * 3600).div_euclid(86_400))?,
        })
    });
    let Some(product) = products.get(&d.product) else {
        return Ok(Vec::new()); // validated before; a product removed since is not a reason to fail
    };
    match dose_rules::check(NewDose { dose: d.ocr.dose, on: d.vaccinated_on, product }, person.as_ref(), &history) {
        Verdict::Duplicate(id) => Err(RecordError::Duplicate { id }),
        Verdict::Accept(w) => Ok(w),
    }
}
