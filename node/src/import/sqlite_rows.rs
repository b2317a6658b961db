//! The first load's INSERTs on SQLite: `N` rows per statement, each statement shape a type
//! of its own with a static query id, so diesel renders and prepares it once per connection
//! and afterwards only binds and steps it. A single-row statement per row paid SQLite's
//! per-statement work (opening the table's cursors, reset) and diesel's per-execution work
//! (cache look-up, bind collection) once for every row; here once per `N` rows.

use super::prepare::Prepared;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Binary, SmallInt, Text};
use diesel::sqlite::Sqlite;
use diesel::{QueryResult, RunQueryDsl};

/// Rows per statement: 13 columns per resident make 1,664 parameters, far below SQLite's
/// limit of 32,766. The writer thread's CPU for 1 M rows (then 14 columns), three rounds
/// each: 64 rows 3.56-3.66 s, 128 rows 2.85-3.39 s, 256 rows 3.31-3.36 s, 512 rows
/// 3.45-3.69 s.
pub const ROWS: usize = 128;
/// The rows of a batch after its last statement of [`ROWS`] go in statements of this
/// many, the last few one by one: at most 7 + 15 statements for a batch's tail.
pub const TAIL_ROWS: usize = 16;

/// The first row's parameters are numbered 1–12 in column order: import_id is the 10th,
/// the time (created_at, and updated_at after it) the 12th.
const IMPORT_ID_AGAIN: &str = ", ?10, ";
const NOW_AGAIN: &str = ", ?12";

/// `INSERT INTO residents .. VALUES (..) x N ON CONFLICT DO NOTHING`: a row whose
/// 個別宛名番号 is already in the table is skipped (the caller finds out which).
pub struct ResidentRows<'a, const N: usize> {
    rows: &'a [&'a Prepared; N],
    import_id: i64,
    now: i64,
    /// Per row: sex, status (SQLite binds references, so the converted values live here).
    codes: [(i16, i16, i64); N],
}

impl<'a, const N: usize> ResidentRows<'a, N> {
    pub fn new(rows: &'a [&'a Prepared; N], import_id: i64, now: i64) -> Self {
        let codes = std::array::from_fn(|i| {
            let r = &rows[i].row;
            (i16::from(r.sex.iso_code()), r.status as i16, r.line as i64)
        });
        ResidentRows { rows, import_id, now, codes }
    }
}

/// The query id of [`ResidentRows`]: one cached statement per `N`.
pub struct ResidentRowsId<const N: usize>;

impl<const N: usize> QueryId for ResidentRows<'_, N> {
    type QueryId = ResidentRowsId<N>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<const N: usize> QueryFragment<Sqlite> for ResidentRows<'_, N> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql(
            "INSERT INTO residents (atena, family_name, given_name, family_kana, given_kana, birth_date, sex, \
             status, coupon_number, import_id, import_line, created_at, updated_at) VALUES ",
        );
        for (i, (p, (sex, status, line))) in self.rows.iter().zip(&self.codes).enumerate() {
            out.push_sql(if i == 0 { "(" } else { ", (" });
            let r = &p.row;
            out.push_bind_param::<Text, str>(r.atena.as_str())?;
            for text in [&r.family_name, &r.given_name, &r.family_kana, &r.given_kana, &p.birth_iso] {
                out.push_sql(", ");
                out.push_bind_param::<Text, str>(text)?;
            }
            out.push_sql(", ");
            out.push_bind_param::<SmallInt, i16>(sex)?;
            out.push_sql(", ");
            out.push_bind_param::<SmallInt, i16>(status)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, str>(r.coupon.as_str())?;
            // import_id and the two times are the same for every row: bound once, in the
            // first row, and named by number in the others (a plain `?` after them takes
            // the number after the highest used so far, so the numbering stays in step
            // with diesel's list of binds).
            if i == 0 {
                out.push_sql(", ");
                out.push_bind_param::<BigInt, i64>(&self.import_id)?;
                out.push_sql(", ");
                out.push_bind_param::<BigInt, i64>(line)?;
                out.push_sql(", ");
                out.push_bind_param::<BigInt, i64>(&self.now)?;
                out.push_sql(NOW_AGAIN);
            } else {
                out.push_sql(IMPORT_ID_AGAIN);
                out.push_bind_param::<BigInt, i64>(line)?;
                out.push_sql(NOW_AGAIN);
                out.push_sql(NOW_AGAIN);
            }
            out.push_sql(")");
        }
        out.push_sql(" ON CONFLICT DO NOTHING");
        Ok(())
    }
}

impl<const N: usize, Conn> RunQueryDsl<Conn> for ResidentRows<'_, N> {}

/// `INSERT INTO my_numbers .. VALUES (..) x N` for rows that hold a My Number.
pub struct MyNumberRows<'a, const N: usize> {
    rows: &'a [&'a Prepared; N],
}

impl<'a, const N: usize> MyNumberRows<'a, N> {
    /// Every row must hold a sealed My Number (the caller filters); one without is an
    /// error, never a row written with NULLs.
    pub fn new(rows: &'a [&'a Prepared; N]) -> Self {
        MyNumberRows { rows }
    }
}

pub struct MyNumberRowsId<const N: usize>;

impl<const N: usize> QueryId for MyNumberRows<'_, N> {
    type QueryId = MyNumberRowsId<N>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<const N: usize> QueryFragment<Sqlite> for MyNumberRows<'_, N> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql("INSERT INTO my_numbers (atena, lookup_hash, sealed) VALUES ");
        for (i, p) in self.rows.iter().enumerate() {
            let Some(m) = &p.my_number else {
                return Err(diesel::result::Error::QueryBuilderError(
                    "a row without a My Number was queued for my_numbers".into(),
                ));
            };
            out.push_sql(if i == 0 { "(" } else { ", (" });
            out.push_bind_param::<Text, str>(p.row.atena.as_str())?;
            out.push_sql(", ");
            out.push_bind_param::<Binary, [u8]>(&m.lookup)?;
            out.push_sql(", ");
            out.push_bind_param::<Binary, [u8]>(&m.sealed)?;
            out.push_sql(")");
        }
        Ok(())
    }
}

impl<const N: usize, Conn> RunQueryDsl<Conn> for MyNumberRows<'_, N> {}
