//! `POST /api/v1/vaccinations/import`: a municipal system's file of doses
//! (specs/vaccinations-csv.md), with the residents import's semantics: all-or-nothing
//! unless `on_error=skip`, every bad row named by line and column, and re-uploading the
//! same file changes nothing (a row whose dose is already held identically is
//! `unchanged`). The decoding pieces (charset sniffing, physical line numbers) are the
//! residents import's own.

use super::record::{Context, RecordError, Submission, digest, record_many};
use crate::db::{DbConn, DbError, vaccinations as rows};
use crate::domain::dose::ValidDose;
use crate::domain::dose_row::{self, COLUMNS};
use crate::domain::resident_row::Rejection;
use crate::import::ImportMode;
use crate::import::reader::{self, Charset};
use diesel::Connection;
use serde::Serialize;
use std::collections::BTreeMap;
use vrs_protocol::CivilDate;

#[derive(Debug, Default, Serialize)]
pub struct BatchReport {
    pub batch_id: String,
    pub inserted: u64,
    pub unchanged: u64,
    /// New records by status (`needs_review` counted apart from `recorded`).
    pub by_status: BTreeMap<&'static str, u64>,
    pub rejected: Vec<Rejection>,
    pub rejected_total: u64,
    #[serde(skip)]
    pub committed: bool,
    #[serde(skip)]
    pub outcomes: Vec<super::record::Outcome>,
}

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("{}", .0.message)]
    File(Rejection),
    #[error(transparent)]
    Db(#[from] DbError),
}

pub struct BatchOptions<'a> {
    pub ctx: Context<'a>,
    pub mode: ImportMode,
    pub charset: Option<Charset>,
    pub today: CivilDate,
    pub max_rejections_reported: usize,
}

/// Parses the whole upload (bounded by the HTTP body limit), then writes it in one transaction.
pub fn import_doses(conn: &mut DbConn, bytes: &[u8], opts: &BatchOptions<'_>) -> Result<BatchReport, BatchError> {
    let mut report = BatchReport { batch_id: super::new_id(), ..BatchReport::default() };
    let (valid, mut rejections) = parse(bytes, opts)?;
    let source = format!("batch:{}", report.batch_id);
    let ctx = Context { source: &source, ..opts.ctx };
    let written = conn.transaction::<_, DbError, _>(|c| {
        rows::take_write_lock(c)?;
        for chunk in valid.chunks(CHUNK) {
            let subs: Vec<Submission> =
                chunk.iter().map(|(_, dose)| Submission { dose: dose.clone(), idempotency_key: None }).collect();
            let jobs: Vec<(Context<'_>, &Submission)> = subs.iter().map(|s| (ctx, s)).collect();
            // Written before the loop below reads: a duplicate of an earlier row of the same
            // chunk names a row `by_id` finds.
            let results = record_many(c, &jobs)?;
            for ((line, dose), result) in chunk.iter().zip(results) {
                match result {
                    Ok(o) => {
                        report.inserted += 1;
                        let label = if o.needs_review { "needs_review" } else { o.status.as_str() };
                        *report.by_status.entry(label).or_default() += 1;
                        report.outcomes.push(o);
                    }
                    Err(RecordError::Duplicate { id }) => {
                        let same = rows::by_id(c, &id)?.is_some_and(|r| r.request_digest == digest(dose));
                        if same {
                            report.unchanged += 1;
                        } else {
                            rejections.push(Rejection {
                                line: *line,
                                column: Some(COLUMNS[0]),
                                error: "duplicate",
                                message: format!(
                                    "this dose (coupon, dose number, date) is already recorded as {id} with other details"
                                ),
                            });
                        }
                    }
                    Err(RecordError::KeyReused) => {}
                    Err(RecordError::Db(e)) => return Err(e),
                }
            }
        }
        if !rejections.is_empty() && opts.mode == ImportMode::AllOrNothing {
            return Err(DbError::Query(ROLLBACK.into()));
        }
        Ok(())
    });
    match written {
        Ok(()) => report.committed = true,
        Err(DbError::Query(m)) if m == ROLLBACK => {}
        Err(e) => return Err(e.into()),
    }
    if !report.committed {
        (report.inserted, report.unchanged, report.by_status, report.outcomes) = (0, 0, BTreeMap::new(), Vec::new());
    }
    rejections.sort_by_key(|r| r.line);
    report.rejected_total = rejections.len() as u64;
    rejections.truncate(opts.max_rejections_reported);
    report.rejected = rejections;
    Ok(report)
}

/// Rows decided and written together: the site writer's batch size, so a large file costs a
/// few set-wise reads and one access-log claim per chunk rather than per row.
const CHUNK: usize = 256;

/// Marks the deliberate rollback of an all-or-nothing upload with rejected rows.
const ROLLBACK: &str = "rejected rows: rolled back";

type Parsed = (Vec<(u64, ValidDose)>, Vec<Rejection>);

fn parse(bytes: &[u8], opts: &BatchOptions<'_>) -> Result<Parsed, BatchError> {
    let file_error = |line, error, message: String| BatchError::File(Rejection { line, column: None, error, message });
    let (charset, body) = reader::sniff(bytes, opts.charset).map_err(|e| file_error(0, "read_error", e.to_string()))?;
    let tracker = reader::NewlineTracker::new(body);
    let newlines = tracker.index.clone();
    let mut csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(tracker);
    let mut record = csv::ByteRecord::new();
    let (mut valid, mut rejections) = (Vec::new(), Vec::new());
    let mut records = 0u64;
    let known = |c| crate::municipalities::lookup(c).is_some();
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(file_error(records + 1, "invalid_csv", format!("unreadable CSV: {:?}", e.kind()))),
        }
        records += 1;
        let line = record.position().map_or(records, |p| newlines.borrow_mut().line_at(p.byte()));
        let decoded: Option<Vec<_>> = record.iter().map(|f| charset.decode(f)).collect();
        let Some(fields) = decoded else {
            let message = format!("the row is not valid {charset:?} text");
            rejections.push(Rejection { line, column: None, error: "invalid_encoding", message });
            continue;
        };
        if records == 1 && dose_row::is_header(fields.first().map_or("", |f| f.as_ref())) {
            continue;
        }
        let fields: Vec<&str> = fields.iter().map(|f| f.as_ref()).collect();
        if fields.len() == 1 && fields[0].trim().is_empty() {
            continue; // a blank line
        }
        match dose_row::parse_row(line, &fields, opts.today, opts.ctx.products, known) {
            Ok(dose) => valid.push((line, dose)),
            Err(r) => rejections.push(r),
        }
    }
    if valid.is_empty() && rejections.is_empty() {
        return Err(file_error(1, "no_data_rows", "the file has no data rows".into()));
    }
    Ok((valid, rejections))
}
