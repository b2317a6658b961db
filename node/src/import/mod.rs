//! The residents CSV import: one code path behind the HTTP endpoint and the CLI.
//!
//! A parser thread reads, decodes, validates and seals rows in batches; the calling
//! thread writes them inside one transaction. All-or-nothing mode rolls the
//! transaction back if any row was rejected; skip mode commits the valid rows. Either
//! way every row is validated against the database, so both modes report the same
//! rejections. Memory is bounded by the batch size and the channel depth.

pub mod bulk;
pub mod prepare;
pub mod reader;
pub mod sqlite_rows;
pub mod writer;

use crate::crypto::NodeKeys;
use crate::db::schema::imports;
use crate::db::{DbConn, DbError, access_log};
use crate::domain::resident_row::{Rejection, validate};
use diesel::prelude::*;
use prepare::Prepared;
use reader::{Charset, LineGuard, LineTooLong};
use serde::Serialize;
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use vrs_protocol::{Atena, CivilDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    AllOrNothing,
    SkipInvalid,
}

impl ImportMode {
    /// The `on_error` value of the HTTP query and the CLI flag: absent or `abort` is
    /// all-or-nothing, `skip` keeps the valid rows.
    pub fn from_on_error(on_error: Option<&str>) -> Option<Self> {
        match on_error {
            None | Some("abort") => Some(ImportMode::AllOrNothing),
            Some("skip") => Some(ImportMode::SkipInvalid),
            Some(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub mode: ImportMode,
    pub charset: Option<Charset>,
    pub batch_rows: usize,
    pub max_rejections_reported: usize,
    pub actor: String,
    pub role: String,
    pub today: CivilDate,
}

#[derive(Debug, Serialize)]
pub struct ImportReport {
    pub import_id: i64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: Vec<Rejection>,
    pub rejected_total: u64,
    /// False when nothing was written (all-or-nothing with rejections, or a file error).
    pub committed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{}", .0.message)]
    File(Rejection),
}

/// What the parser thread hands to the writer.
enum Batch {
    Rows(Vec<Prepared>, Vec<Rejection>),
    Fatal(Rejection),
}

/// Why the transaction is being rolled back (diesel rolls back on `Err`).
enum Abort {
    Db(DbError),
    Rejected,
    Fatal(Rejection),
}

impl From<diesel::result::Error> for Abort {
    fn from(e: diesel::result::Error) -> Self {
        Abort::Db(e.into())
    }
}

/// Imports `input` into the node's register. `bytes_read` (if given) is advanced as the
/// input is consumed, for progress bars.
pub fn import_residents<R: Read + Send>(
    conn: &mut DbConn,
    keys: &NodeKeys,
    input: R,
    opts: &ImportOptions,
    bytes_read: Option<Arc<AtomicU64>>,
) -> Result<ImportReport, ImportError> {
    let import_id = start_record(conn, opts)?;
    let now = crate::db::now();
    let mut report = ImportReport {
        import_id,
        inserted: 0,
        updated: 0,
        unchanged: 0,
        rejected: Vec::new(),
        rejected_total: 0,
        committed: false,
    };
    // The parser may run a whole PostgreSQL COPY ahead of the writer (~15 MB of rows), so
    // it fills the next COPY while the server takes the last. With 4 batches of 2,000 it
    // stopped half-way, and the server then waited on it: each side ~67 % busy, by turns.
    let in_flight = (bulk::PG_COPY_ROWS / opts.batch_rows.max(1)).max(4);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(in_flight);
    // Written batches go back to the parser, which drops their rows: each row's strings
    // were allocated there, and freeing on the allocating thread is the allocator's fast
    // path (from the writer it was ~6% of that thread, the busier of the two).
    let (spent_tx, spent_rx) = std::sync::mpsc::sync_channel::<Vec<Prepared>>(in_flight);
    let unchecked = match bulk::unchecked_foreign_keys(conn) {
        Ok(unchecked) => unchecked,
        Err(e) => {
            let e = ImportError::Db(e);
            finish_record(conn, opts, &report, Some(&e))?;
            return Err(e);
        }
    };
    let outcome = std::thread::scope(|scope| {
        let parser = std::thread::Builder::new().name("import-parse".into());
        if let Err(e) = parser.spawn_scoped(scope, move || parse(input, keys, opts, bytes_read, tx, spent_rx)) {
            return Err(Abort::Db(DbError::Query(format!("cannot start the import's parser thread: {e}"))));
        }
        conn.transaction::<(), Abort, _>(|conn| {
            let first_load = bulk::begin(conn, import_id).map_err(Abort::Db)?;
            // A first load into PostgreSQL sends each batch as one binary COPY per table:
            // fewer, larger COPYs (a few MB of rows each) cost the server less per row.
            let rows_per_write = match conn {
                DbConn::Postgresql(_) if first_load => bulk::PG_COPY_ROWS,
                _ => 0,
            };
            for batch in Coalesce::new(rx.iter(), rows_per_write) {
                match batch {
                    Batch::Fatal(r) => return Err(Abort::Fatal(r)),
                    Batch::Rows(rows, parse_rejections) => {
                        let mut out = if first_load {
                            bulk::apply_batch(conn, &rows, import_id, now)
                        } else {
                            writer::apply_batch(conn, &rows, import_id, now)
                        }
                        .map_err(Abort::Db)?;
                        report.inserted += out.inserted;
                        report.updated += out.updated;
                        report.unchanged += out.unchanged;
                        let mut rejections = parse_rejections;
                        rejections.append(&mut out.rejections);
                        rejections.sort_by_key(|r| r.line);
                        add_rejections(&mut report, rejections, opts.max_rejections_reported);
                        // Never waits: if the parser has ended or not taken the last ones
                        // back (it may be waiting on this thread), the rows are dropped here.
                        let _ = spent_tx.try_send(rows);
                    }
                }
            }
            if first_load {
                let repeats = bulk::finish(conn).map_err(Abort::Db)?;
                report.inserted -= repeats.len() as u64;
                merge_rejections(&mut report, repeats, opts.max_rejections_reported);
            } else if unchecked {
                bulk::check_foreign_keys(conn).map_err(Abort::Db)?;
            }
            if report.rejected_total > 0 && opts.mode == ImportMode::AllOrNothing {
                return Err(Abort::Rejected);
            }
            // Doses waiting for these coupons (issue 3) are matched in the same transaction.
            crate::vaccinations::matching::match_unmatched(conn).map_err(Abort::Db)?;
            Ok(())
        })
    });
    if let Err(e) = bulk::end(conn) {
        // Only a sorter setting is left behind; the import's own outcome stands.
        tracing::warn!(error = %e, "could not reset the connection after a first load");
    }
    let result = match outcome {
        Ok(()) => {
            report.committed = true;
            Ok(())
        }
        Err(Abort::Rejected) => Ok(()),
        Err(Abort::Fatal(r)) => Err(ImportError::File(r)),
        Err(Abort::Db(e)) => Err(ImportError::Db(e)),
    };
    if !report.committed {
        (report.inserted, report.updated, report.unchanged) = (0, 0, 0);
    }
    finish_record(conn, opts, &report, result.as_ref().err())?;
    result.map(|()| report)
}

/// Joins consecutive row batches from the parser until each holds at least `rows` rows
/// (0: passes them on as they come). A fatal error ends the import, so rows still held
/// are dropped with it.
struct Coalesce<I> {
    batches: I,
    rows: usize,
}

impl<I: Iterator<Item = Batch>> Coalesce<I> {
    fn new(batches: I, rows: usize) -> Self {
        Coalesce { batches, rows }
    }
}

impl<I: Iterator<Item = Batch>> Iterator for Coalesce<I> {
    type Item = Batch;

    fn next(&mut self) -> Option<Batch> {
        let (mut rows, mut rejections) = match self.batches.next()? {
            Batch::Rows(rows, rejections) => (rows, rejections),
            fatal @ Batch::Fatal(_) => return Some(fatal),
        };
        while rows.len() < self.rows {
            match self.batches.next() {
                None => break,
                Some(Batch::Rows(mut more, mut more_rejections)) => {
                    rows.append(&mut more);
                    rejections.append(&mut more_rejections);
                }
                Some(fatal @ Batch::Fatal(_)) => return Some(fatal),
            }
        }
        Some(Batch::Rows(rows, rejections))
    }
}

fn add_rejections(report: &mut ImportReport, rejections: Vec<Rejection>, cap: usize) {
    let mut last_line = report.rejected.last().map(|r| r.line);
    for r in rejections {
        // A row with several bad columns counts once.
        if last_line != Some(r.line) {
            report.rejected_total += 1;
            last_line = Some(r.line);
        }
        if report.rejected.len() < cap {
            report.rejected.push(r);
        }
    }
}

/// Adds rejections found after the rows were streamed (they may fall on any line): each
/// is a row not rejected before, so each counts once.
fn merge_rejections(report: &mut ImportReport, late: Vec<Rejection>, cap: usize) {
    report.rejected_total += late.len() as u64;
    report.rejected.extend(late);
    report.rejected.sort_by_key(|r| r.line);
    report.rejected.truncate(cap);
}

/// The parser thread: CSV records -> validated, sealed rows, in batches.
fn parse<R: Read>(
    input: R,
    keys: &NodeKeys,
    opts: &ImportOptions,
    bytes_read: Option<Arc<AtomicU64>>,
    tx: std::sync::mpsc::SyncSender<Batch>,
    spent: std::sync::mpsc::Receiver<Vec<Prepared>>,
) {
    let fatal = |line: u64, code: &'static str, msg: String| Batch::Fatal(Rejection::new(line, None, code, msg));
    let mut guard = LineGuard::new(input, reader::MAX_LINE_BYTES);
    if let Some(counter) = bytes_read {
        guard.bytes = counter;
    }
    let (charset, body) = match reader::sniff(guard, opts.charset) {
        Ok(x) => x,
        Err(e) => {
            let _ = tx.send(read_error(e));
            return;
        }
    };
    let tracker = reader::NewlineTracker::new(body);
    let newlines = tracker.index.clone();
    let mut csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(tracker);
    let mut record = csv::ByteRecord::new();
    let (mut rows, mut rejections) = (Vec::with_capacity(opts.batch_rows), Vec::new());
    let (mut records, mut data_rows) = (0u64, 0u64);
    let mut nonces = crate::crypto::Nonces::default();
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let _ = tx.send(match e.into_kind() {
                    csv::ErrorKind::Io(io) => read_error(io),
                    other => fatal(records + 1, "invalid_csv", format!("unreadable CSV: {other:?}")),
                });
                return;
            }
        }
        records += 1;
        let line = record.position().map_or(records, |p| newlines.borrow_mut().line_at(p.byte()));
        let decoded: Option<Vec<_>> = record.iter().map(|f| charset.decode(f)).collect();
        let Some(fields) = decoded else {
            rejections.push(Rejection::new(line, None, "invalid_encoding", encoding_message(charset)));
            continue;
        };
        if records == 1 && Atena::parse(fields.first().map_or("", |f| f.trim_start_matches('\u{feff}'))).is_err() {
            continue; // the header row
        }
        data_rows += 1;
        let fields: Vec<&str> = fields.iter().map(|f| f.as_ref()).collect();
        match validate(line, &fields, opts.today) {
            Ok(row) => match prepare::prepare(keys, &mut nonces, row) {
                Ok(p) => rows.push(p),
                Err(e) => {
                    let _ = tx.send(fatal(line, "internal", e.to_string()));
                    return;
                }
            },
            Err(mut errs) => rejections.append(&mut errs),
        }
        if rows.len() >= opts.batch_rows {
            let full = std::mem::replace(&mut rows, recycled(&spent, opts.batch_rows));
            if tx.send(Batch::Rows(full, std::mem::take(&mut rejections))).is_err() {
                return; // the writer stopped; it reports why
            }
        }
    }
    if records == 0 {
        let _ = tx.send(fatal(1, "empty_file", "the file is empty".into()));
    } else if data_rows == 0 && rejections.is_empty() {
        let _ = tx.send(fatal(1, "no_data_rows", "the file has a header but no data rows".into()));
    } else {
        let _ = tx.send(Batch::Rows(rows, rejections));
    }
}

/// An empty batch for the parser to fill: one the writer has finished with, its rows
/// dropped here (any others with it), or else a new one.
fn recycled(spent: &std::sync::mpsc::Receiver<Vec<Prepared>>, capacity: usize) -> Vec<Prepared> {
    let mut next = None;
    for mut batch in spent.try_iter() {
        batch.clear();
        next.get_or_insert(batch);
    }
    next.unwrap_or_else(|| Vec::with_capacity(capacity))
}

fn encoding_message(charset: Charset) -> String {
    match charset {
        Charset::Utf8 => "the row is not valid UTF-8 (the file was read as UTF-8)".into(),
        Charset::ShiftJis => "the row is not valid CP932/Shift_JIS (the file was read as CP932)".into(),
    }
}

fn read_error(e: std::io::Error) -> Batch {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<LineTooLong>()) {
        Some(long) => Batch::Fatal(Rejection::new(
            long.line,
            None,
            "line_too_long",
            format!("line {} is longer than {} bytes; the file was not read further", long.line, long.max),
        )),
        None => Batch::Fatal(Rejection::new(0, None, "read_error", format!("the upload could not be read: {e}"))),
    }
}

fn start_record(conn: &mut DbConn, opts: &ImportOptions) -> Result<i64, DbError> {
    let mode = match opts.mode {
        ImportMode::AllOrNothing => "all_or_nothing",
        ImportMode::SkipInvalid => "skip",
    };
    let id = crate::with_conn!(conn, |c| diesel::insert_into(imports::table)
        .values((
            imports::started_at.eq(crate::db::now()),
            imports::actor.eq(&opts.actor),
            imports::mode.eq(mode),
            imports::outcome.eq("running"),
        ))
        .returning(imports::id)
        .get_result::<i64>(c))?;
    Ok(id)
}

fn finish_record(
    conn: &mut DbConn,
    opts: &ImportOptions,
    r: &ImportReport,
    err: Option<&ImportError>,
) -> Result<(), DbError> {
    let outcome = match (err, r.committed) {
        (Some(_), _) => "failed",
        (None, true) => "committed",
        (None, false) => "rolled_back",
    };
    diesel::update(imports::table.find(r.import_id))
        .set((
            imports::finished_at.eq(crate::db::now()),
            imports::outcome.eq(outcome),
            imports::rows_inserted.eq(r.inserted as i64),
            imports::rows_updated.eq(r.updated as i64),
            imports::rows_unchanged.eq(r.unchanged as i64),
            imports::rows_rejected.eq(r.rejected_total as i64),
        ))
        .execute(conn)?;
    access_log::record(
        conn,
        access_log::Entry {
            actor: &opts.actor,
            role: &opts.role,
            action: "residents.import",
            atena: None,
            detail: Some(format!(
                "import_id={} outcome={outcome} inserted={} updated={} unchanged={} rejected={}",
                r.import_id, r.inserted, r.updated, r.unchanged, r.rejected_total
            )),
        },
    )
}
