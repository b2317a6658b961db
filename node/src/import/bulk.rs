//! The first load of an empty register: the secondary indexes (on PostgreSQL also the
//! my_numbers key and foreign key) are dropped inside the import's transaction, the rows
//! appended, and the indexes built once at the end by
//! sorting — SQLite and PostgreSQL both build an index from sorted input several times
//! faster than they maintain it under millions of random-order inserts (1M rows: 17 s
//! of index upkeep against 5 s of building; see specs/benchmarks.md).
//!
//! Duplicates inside the file are then found set-wise instead of row by row: a repeated
//! 個別宛名番号 by the primary key as rows arrive; a repeated 券番号 or マイナンバー when its
//! unique index is built. A failed build (a bad file) falls back to listing the repeats,
//! removing every occurrence after the first line, and building again. Coupons are
//! settled before My Numbers, so a row removed for its coupon no longer holds its My
//! Number, as in the row-by-row path.
//!
//! Nothing here commits: the caller's transaction makes it all or nothing, and a
//! rollback restores the dropped indexes with everything else.

use super::prepare::Prepared;
use super::sqlite_rows::{MyNumberRows, ROWS, ResidentRows, TAIL_ROWS};
use super::writer::{Outcome, first_registration_flag, new_my_number, new_resident};
use crate::db::schema::{my_numbers, residents};
use crate::db::{DbConn, DbError};
use crate::domain::resident_row::{Rejection, ResidentStatus};
use crate::with_conn;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, Binary, Text};

/// The indexes the migrations create on the two tables a first load fills. A test checks
/// that a bulk load leaves exactly the migrations' schema behind.
const UNIQUE_COUPON: &str = "CREATE UNIQUE INDEX residents_coupon ON residents (coupon_number)";
const UNIQUE_MY_NUMBER: &str = "CREATE UNIQUE INDEX my_numbers_lookup ON my_numbers (lookup_hash)";
const BIRTH_KANA: &str = "CREATE INDEX residents_birth_kana ON residents (birth_date, family_kana)";
const DROPPED: [&str; 3] = ["residents_coupon", "my_numbers_lookup", "residents_birth_kana"];
/// Worker threads for SQLite's sorter while it builds the indexes (the parser thread is
/// idle by then, so both cores sort).
const SORT_THREADS: u32 = 2;
/// SQLite's `cache_size` while the indexes are built (negative: KiB), which also sizes its
/// sorter's in-memory runs: 8 MB runs let the worker threads share each sort. With the
/// connection's 64 MB each index of a 1 M-row load fit one run, sorted on one thread; in
/// the sqlite3 CLI the three builds took 5.5–6.0 s of CPU instead of 6.8–7.0 s.
const SORT_BUFFER: i64 = -8192;
/// Rows per binary COPY on PostgreSQL (the writer joins the parser's batches up to this):
/// 500 COPYs of 2,000 rows, each in a savepoint, cost the server ~15% more than one COPY
/// of the same 1 M rows; 20,000 rows (~15 MB of prepared rows) make it 50 per table.
pub const PG_COPY_ROWS: usize = 20_000;
/// PostgreSQL's name for the migration's `my_numbers.atena REFERENCES residents (atena)`.
const MY_NUMBERS_FK: &str = "my_numbers_atena_fkey";
/// PostgreSQL's name for the migration's `my_numbers.atena PRIMARY KEY`.
const MY_NUMBERS_KEY: &str = "my_numbers_pkey";

/// Serialises imports (each holds the write lock from its first statement), then says
/// whether the register is empty; if so, drops the secondary indexes for a bulk load.
pub fn begin(conn: &mut DbConn, import_id: i64) -> Result<bool, DbError> {
    match conn {
        // SQLite: a first write takes the database's write lock for the whole transaction,
        // so no other writer can slip in between the check below and the load.
        DbConn::Sqlite(c) => {
            diesel::sql_query("UPDATE imports SET outcome = 'running' WHERE id = ?")
                .bind::<BigInt, _>(import_id)
                .execute(c)?;
        }
        DbConn::Postgresql(c) => {
            diesel::sql_query("LOCK TABLE residents IN SHARE ROW EXCLUSIVE MODE").execute(c)?;
            // Index builds sort in memory up to this limit (the default, 64 MB, spills to disk).
            diesel::sql_query("SET LOCAL maintenance_work_mem = '256MB'").execute(c)?;
        }
    }
    let any = with_conn!(conn, |c| diesel::select(diesel::dsl::exists(residents::table.select(residents::atena)))
        .get_result::<bool>(c))?;
    if any {
        return Ok(false);
    }
    for index in DROPPED {
        diesel::sql_query(format!("DROP INDEX {index}")).execute(conn)?;
    }
    if let DbConn::Sqlite(c) = conn {
        // The index builds at the end are sorts; SQLite's sorter can split them over worker
        // threads (off by default). Only for this load: see [`end`].
        diesel::sql_query(format!("PRAGMA threads = {SORT_THREADS}")).execute(c)?;
    }
    if let DbConn::Postgresql(c) = conn {
        // PostgreSQL checks a foreign key with a trigger per row; checked once at the end
        // instead (SQLite's check is a look-up of a page just written, and its constraints
        // cannot be dropped).
        diesel::sql_query(format!("ALTER TABLE my_numbers DROP CONSTRAINT {MY_NUMBERS_FK}")).execute(c)?;
        // The my_numbers key too: its rows come only from residents the load kept, whose
        // own key refuses a repeated atena, so it cannot be broken. Kept up by every COPY
        // it doubled their time (1M rows: 1.6-2.1 s against 0.73 s, and 0.40 s to build).
        diesel::sql_query(format!("ALTER TABLE my_numbers DROP CONSTRAINT {MY_NUMBERS_KEY}")).execute(c)?;
    }
    Ok(true)
}

/// SQLite, before the import's transaction (SQLite ignores the pragma inside one): when
/// the register is empty, turns the connection's foreign-key checks off for the load, and
/// says so. SQLite checks `my_numbers.atena REFERENCES residents` by opening a cursor on
/// residents for every row, 1.1 s of a 1 M-row load (specs/benchmarks.md); a first load
/// writes a My Number row only for a resident the same batch just wrote, so the check
/// could never fail there. PostgreSQL drops and re-adds the constraint instead ([`begin`]).
pub fn unchecked_foreign_keys(conn: &mut DbConn) -> Result<bool, DbError> {
    let DbConn::Sqlite(c) = conn else { return Ok(false) };
    let any = diesel::select(diesel::dsl::exists(residents::table.select(residents::atena))).get_result::<bool>(c)?;
    if any {
        return Ok(false);
    }
    diesel::sql_query("PRAGMA foreign_keys = OFF").execute(c)?;
    Ok(true)
}

/// Checks every foreign key of the database: for an import whose checks were turned off
/// ([`unchecked_foreign_keys`]) but which, another import having filled the register in
/// between, did not run as a first load. An error rolls the import back.
pub fn check_foreign_keys(conn: &mut DbConn) -> Result<(), DbError> {
    #[derive(QueryableByName)]
    struct Violation {
        #[diesel(sql_type = Text)]
        table: String,
    }
    let DbConn::Sqlite(c) = conn else { return Ok(()) };
    let broken: Vec<Violation> = diesel::sql_query("PRAGMA foreign_key_check").load(c)?;
    match broken.first() {
        None => Ok(()),
        Some(v) => Err(DbError::Query(format!("the import would break a reference from table {}", v.table))),
    }
}

/// Puts back the connection settings [`unchecked_foreign_keys`] and [`begin`] changed for
/// a first load (the connection returns to the pool afterwards). Called after the import's
/// transaction, however it ended.
pub fn end(conn: &mut DbConn) -> Result<(), DbError> {
    if let DbConn::Sqlite(c) = conn {
        diesel::sql_query("PRAGMA threads = 0").execute(c)?;
        diesel::sql_query("PRAGMA foreign_keys = ON").execute(c)?;
    }
    Ok(())
}

/// Appends one batch. Only a repeated 個別宛名番号 and a flag on a first registration are
/// decided here; repeated coupons and My Numbers are settled by [`finish`].
pub fn apply_batch(conn: &mut DbConn, batch: &[Prepared], import_id: i64, now: i64) -> Result<Outcome, DbError> {
    let mut out = Outcome::default();
    let mut fresh = Vec::with_capacity(batch.len());
    for p in batch {
        if p.row.status == ResidentStatus::Active {
            fresh.push(p);
        } else {
            out.rejections.push(first_registration_flag(p.row.line));
        }
    }
    let inserted = insert_residents(conn, &fresh, import_id, now)?;
    let mut kept = Vec::with_capacity(fresh.len());
    for (p, written) in fresh.into_iter().zip(inserted) {
        match written {
            Written::Yes => kept.push(p),
            Written::RepeatOf(first) => out.rejections.push(Rejection::new(
                p.row.line,
                Some(0),
                "duplicate_atena",
                format!("個別宛名番号 appears twice in this file (also on line {first})"),
            )),
        }
    }
    insert_my_numbers(conn, &kept)?;
    out.inserted = kept.len() as u64;
    Ok(out)
}

/// Whether a row was written, or skipped because an earlier line of the file holds its
/// 個別宛名番号 (that line's number).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Written {
    Yes,
    RepeatOf(i64),
}

/// Writes the rows whose 個別宛名番号 is new, in file order, and says for each row whether
/// it was written.
fn insert_residents(conn: &mut DbConn, rows: &[&Prepared], import_id: i64, now: i64) -> Result<Vec<Written>, DbError> {
    match conn {
        DbConn::Sqlite(c) => {
            let mut written = Vec::with_capacity(rows.len());
            let rest = resident_statements::<ROWS>(c, rows, import_id, now, &mut written)?;
            let rest = resident_statements::<TAIL_ROWS>(c, rest, import_id, now, &mut written)?;
            resident_statements::<1>(c, rest, import_id, now, &mut written)?;
            Ok(written)
        }
        DbConn::Postgresql(c) => {
            // Binary COPY is ~3x a batched INSERT, but one repeated atena fails all of it:
            // a batch that fails falls back to INSERT .. ON CONFLICT DO NOTHING.
            let values: Vec<_> = rows.iter().map(|p| new_resident(p, import_id, now)).collect();
            match c.transaction(|c| diesel::copy_from(residents::table).from_insertable(&values).execute(c)) {
                Ok(_) => return Ok(vec![Written::Yes; rows.len()]),
                Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {}
                Err(e) => return Err(e.into()),
            }
            let mut written = std::collections::HashSet::new();
            for chunk in rows.chunks(1000) {
                let values: Vec<_> = chunk.iter().map(|p| new_resident(p, import_id, now)).collect();
                let atenas: Vec<String> = diesel::insert_into(residents::table)
                    .values(&values)
                    .on_conflict_do_nothing()
                    .returning(residents::atena)
                    .get_results(c)?;
                written.extend(atenas);
            }
            // A file repeating an atena inside one chunk: the first line wins, as on SQLite.
            let mut seen = std::collections::HashSet::new();
            rows.iter()
                .map(|p| {
                    let a = p.row.atena.as_str();
                    if written.contains(a) && seen.insert(a) {
                        return Ok(Written::Yes);
                    }
                    let first: i64 = residents::table.find(a).select(residents::import_line).get_result(c)?;
                    Ok(Written::RepeatOf(first))
                })
                .collect()
        }
    }
}

/// Writes as many statements of `N` rows as `rows` fills, noting each row's outcome in
/// `written`; returns the rows left over.
fn resident_statements<'a, const N: usize>(
    c: &mut SqliteConnection,
    rows: &'a [&'a Prepared],
    import_id: i64,
    now: i64,
    written: &mut Vec<Written>,
) -> Result<&'a [&'a Prepared], DbError> {
    let mut chunks = rows.chunks_exact(N);
    for chunk in &mut chunks {
        let chunk: &[&Prepared; N] = chunk.try_into().map_err(|_| chunk_error())?;
        let n = ResidentRows::new(chunk, import_id, now).execute(c)?;
        written.extend(sqlite_outcomes(c, chunk, n)?);
    }
    Ok(chunks.remainder())
}

/// As [`resident_statements`], for the My Number rows.
fn my_number_statements<'a, const N: usize>(
    c: &mut SqliteConnection,
    rows: &'a [&'a Prepared],
) -> Result<&'a [&'a Prepared], DbError> {
    let mut chunks = rows.chunks_exact(N);
    for chunk in &mut chunks {
        let chunk: &[&Prepared; N] = chunk.try_into().map_err(|_| chunk_error())?;
        MyNumberRows::new(chunk).execute(c)?;
    }
    Ok(chunks.remainder())
}

/// Which rows of a multi-row `INSERT .. ON CONFLICT DO NOTHING` that wrote `n` of them
/// were written. All of them, but for a file repeating a 個別宛名番号: then the table is
/// asked, and a row was written exactly when the stored row carries its line.
fn sqlite_outcomes(c: &mut SqliteConnection, rows: &[&Prepared], n: usize) -> Result<Vec<Written>, DbError> {
    if n == rows.len() {
        return Ok(vec![Written::Yes; rows.len()]);
    }
    let atenas: Vec<&str> = rows.iter().map(|p| p.row.atena.as_str()).collect();
    let lines: std::collections::HashMap<String, i64> = residents::table
        .filter(residents::atena.eq_any(&atenas))
        .select((residents::atena, residents::import_line))
        .load::<(String, i64)>(c)?
        .into_iter()
        .collect();
    rows.iter()
        .map(|p| match lines.get(p.row.atena.as_str()) {
            Some(&line) if line == p.row.line as i64 => Ok(Written::Yes),
            Some(&line) => Ok(Written::RepeatOf(line)),
            None => Err(DbError::Query("a row of the first load is missing after its insert".into())),
        })
        .collect()
}

fn chunk_error() -> DbError {
    DbError::Query("a chunk of the first load has the wrong length".into())
}

fn insert_my_numbers(conn: &mut DbConn, rows: &[&Prepared]) -> Result<(), DbError> {
    match conn {
        DbConn::Sqlite(c) => {
            let holders: Vec<&Prepared> = rows.iter().copied().filter(|p| p.my_number.is_some()).collect();
            let rest = my_number_statements::<ROWS>(c, &holders)?;
            let rest = my_number_statements::<TAIL_ROWS>(c, rest)?;
            my_number_statements::<1>(c, rest)?;
        }
        DbConn::Postgresql(c) => {
            let values: Vec<_> = rows.iter().filter_map(|p| new_my_number(p)).collect();
            diesel::copy_from(my_numbers::table).from_insertable(&values).execute(c)?;
        }
    }
    Ok(())
}

/// Builds the indexes, removing rows that repeat an earlier line's coupon or My Number.
/// Returns those rows' rejections (sorted by line).
pub fn finish(conn: &mut DbConn) -> Result<Vec<Rejection>, DbError> {
    let started = std::time::Instant::now();
    // SQLite sorts an index's keys on the calling thread while they fit its sorter buffer
    // (sized from cache_size); a smaller buffer for the builds splits each sort into runs
    // that the sorter's worker threads sort on both cores, then merges them.
    let page_cache = match conn {
        DbConn::Sqlite(c) => {
            let pages = diesel::sql_query("PRAGMA cache_size").get_result::<CacheSize>(c)?.cache_size;
            diesel::sql_query(format!("PRAGMA cache_size = {SORT_BUFFER}")).execute(c)?;
            Some(pages)
        }
        DbConn::Postgresql(_) => None,
    };
    let built = build_all(conn);
    // Put the page cache back whether or not the builds succeeded; their error comes first.
    let restored = match (page_cache, &mut *conn) {
        (Some(pages), DbConn::Sqlite(c)) => diesel::sql_query(format!("PRAGMA cache_size = {pages}")).execute(c),
        _ => Ok(0),
    };
    let mut rejections = built?;
    restored?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), repeats = rejections.len(), "first load: indexes built");
    rejections.sort_by_key(|r| r.line);
    Ok(rejections)
}

#[derive(QueryableByName)]
struct CacheSize {
    #[diesel(sql_type = BigInt)]
    cache_size: i64,
}

fn build_all(conn: &mut DbConn) -> Result<Vec<Rejection>, DbError> {
    let mut rejections = Vec::new();
    if let DbConn::Postgresql(c) = conn {
        // First: the repeats below are removed by atena.
        diesel::sql_query(format!("ALTER TABLE my_numbers ADD CONSTRAINT {MY_NUMBERS_KEY} PRIMARY KEY (atena)"))
            .execute(c)?;
    }
    if !try_build(conn, UNIQUE_COUPON)? {
        let repeats: Vec<CouponRepeat> = diesel::sql_query(
            "SELECT r.coupon_number AS key, r.atena, r.import_line FROM residents r \
             WHERE r.coupon_number IN (SELECT coupon_number FROM residents GROUP BY coupon_number HAVING count(*) > 1) \
             ORDER BY r.coupon_number, r.import_line",
        )
        .load(conn)?;
        let repeats: Vec<Repeat> = repeats.into_iter().map(|r| (r.key.into_bytes(), r.atena, r.import_line)).collect();
        remove_repeats(conn, &repeats, 8, "duplicate_coupon", "券番号", &mut rejections)?;
        build(conn, UNIQUE_COUPON)?;
    }
    if !try_build(conn, UNIQUE_MY_NUMBER)? {
        let repeats: Vec<MyNumberRepeat> = diesel::sql_query(
            "SELECT m.lookup_hash AS key, r.atena, r.import_line FROM my_numbers m JOIN residents r ON r.atena = m.atena \
             WHERE m.lookup_hash IN (SELECT lookup_hash FROM my_numbers GROUP BY lookup_hash HAVING count(*) > 1) \
             ORDER BY m.lookup_hash, r.import_line",
        )
        .load(conn)?;
        let repeats: Vec<Repeat> = repeats.into_iter().map(|r| (r.key, r.atena, r.import_line)).collect();
        remove_repeats(conn, &repeats, 1, "duplicate_my_number", "マイナンバー", &mut rejections)?;
        build(conn, UNIQUE_MY_NUMBER)?;
    }
    build(conn, BIRTH_KANA)?;
    if let DbConn::Postgresql(c) = conn {
        diesel::sql_query(format!(
            "ALTER TABLE my_numbers ADD CONSTRAINT {MY_NUMBERS_FK} FOREIGN KEY (atena) REFERENCES residents (atena)"
        ))
        .execute(c)?;
    }
    Ok(rejections)
}

#[derive(QueryableByName)]
struct CouponRepeat {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = Text)]
    atena: String,
    #[diesel(sql_type = BigInt)]
    import_line: i64,
}

#[derive(QueryableByName)]
struct MyNumberRepeat {
    #[diesel(sql_type = Binary)]
    key: Vec<u8>,
    #[diesel(sql_type = Text)]
    atena: String,
    #[diesel(sql_type = BigInt)]
    import_line: i64,
}

/// One row holding a repeated value: (the value, its atena, its line), ordered by value
/// then line, so the first of each run is the line that keeps it.
type Repeat = (Vec<u8>, String, i64);

fn remove_repeats(
    conn: &mut DbConn,
    repeats: &[Repeat],
    column: usize,
    code: &'static str,
    label: &str,
    rejections: &mut Vec<Rejection>,
) -> Result<(), DbError> {
    let mut doomed = Vec::new();
    let mut first: Option<(&[u8], i64)> = None;
    for (key, atena, line) in repeats {
        match first {
            Some((k, first_line)) if k == key.as_slice() => {
                rejections.push(Rejection::new(
                    *line as u64,
                    Some(column),
                    code,
                    format!("{label} appears twice in this file (also on line {first_line})"),
                ));
                doomed.push(atena.as_str());
            }
            _ => first = Some((key, *line)),
        }
    }
    for chunk in doomed.chunks(500) {
        with_conn!(conn, |c| diesel::delete(my_numbers::table.filter(my_numbers::atena.eq_any(chunk))).execute(c))?;
        with_conn!(conn, |c| diesel::delete(residents::table.filter(residents::atena.eq_any(chunk))).execute(c))?;
    }
    Ok(())
}

/// Builds an index inside a savepoint; false if the data breaks its uniqueness.
fn try_build(conn: &mut DbConn, create: &str) -> Result<bool, DbError> {
    match conn.transaction(|c| diesel::sql_query(create).execute(c)) {
        Ok(_) => Ok(true),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

fn build(conn: &mut DbConn, create: &str) -> Result<(), DbError> {
    diesel::sql_query(create).execute(conn)?;
    Ok(())
}
