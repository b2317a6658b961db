//! The access log: who read or wrote which person's data, when, and how. It records the
//! atena (the municipality's own reference) and never a My Number, name or birth date.
//!
//! Entries form a hash chain (`crate::audit::chain`). An append claims its positions by
//! updating the one head row first: on SQLite that statement takes the database's write
//! lock, on PostgreSQL a row lock, either held to the end of the appending transaction, so
//! concurrent appenders queue and the chain stays linear whoever writes (the dose writer,
//! an import, a bulk inquiry, a handler). Appends run inside the caller's transaction when
//! there is one, so an entry commits or rolls back with what it records.

use super::schema::{access_log, access_log_chain};
use super::{DbConn, DbError};
use crate::audit::chain::{self, Fields};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor: &'a str,
    pub role: &'a str,
    pub action: &'a str,
    pub atena: Option<&'a str>,
    pub detail: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = access_log, treat_none_as_default_value = false)]
struct NewEntry<'a> {
    at: i64,
    actor: &'a str,
    role: &'a str,
    action: &'a str,
    atena: Option<&'a str>,
    detail: Option<&'a str>,
    seq: i64,
    hash: Vec<u8>,
}

/// Appends one entry to the chain.
pub fn record(conn: &mut DbConn, e: Entry<'_>) -> Result<(), DbError> {
    record_all(conn, std::slice::from_ref(&e))
}

/// Appends entries in order, with one claim on the head for all of them (the bulk paths
/// log hundreds at once).
pub fn record_all(conn: &mut DbConn, entries: &[Entry<'_>]) -> Result<(), DbError> {
    if entries.is_empty() {
        return Ok(());
    }
    // Inside a transaction already (the writers' batches): a savepoint would only add two
    // statements SQLite compiles anew every time, and any error here rolls back the
    // caller's transaction with it.
    if in_transaction(conn) { append(conn, entries) } else { conn.transaction(|c| append(c, entries)) }
}

fn in_transaction(conn: &mut DbConn) -> bool {
    use diesel::connection::{TransactionManager, TransactionManagerStatus};
    match <DbConn as Connection>::TransactionManager::transaction_manager_status_mut(conn) {
        TransactionManagerStatus::Valid(s) => s.transaction_depth().is_some(),
        // diesel refuses any transaction on a broken manager, with its own error.
        TransactionManagerStatus::InError => false,
    }
}

fn append(c: &mut DbConn, entries: &[Entry<'_>]) -> Result<(), DbError> {
    let n = i64::try_from(entries.len()).map_err(|_| DbError::Query("too many log entries at once".into()))?;
    let (top, mut hash) = claim(c, n)?;
    let at = super::now();
    let mut rows = Vec::with_capacity(entries.len());
    for (seq, e) in (top - n + 1..).zip(entries) {
        let mut row = NewEntry {
            at,
            actor: e.actor,
            role: e.role,
            action: e.action,
            atena: e.atena,
            detail: e.detail.as_deref(),
            seq,
            hash: Vec::new(),
        };
        hash = chain::link(&hash, &row.fields()?);
        row.hash = hash.to_vec();
        rows.push(row);
    }
    insert(c, &rows)?;
    diesel::update(access_log_chain::table.find(1i16)).set(access_log_chain::head_hash.eq(hash.to_vec())).execute(c)?;
    Ok(())
}

/// Moves the head on by `n` positions and returns the new top position with the hash of
/// the entry before the claimed ones. The update is the transaction's first touch of the
/// chain, so it is what waits for another appender to commit.
fn claim(conn: &mut DbConn, n: i64) -> Result<(i64, [u8; 32]), DbError> {
    use access_log_chain::dsl as h;
    let head = h::access_log_chain.find(1i16);
    let (top, prev): (i64, Vec<u8>) = match conn {
        // diesel never caches a SQLite statement with RETURNING, so one would be compiled
        // for every entry (a fifth of the dose writer's time in `perf`): an update and a
        // read, both cached, inside the same transaction instead.
        DbConn::Sqlite(c) => {
            diesel::update(head).set(h::head_seq.eq(h::head_seq + n)).execute(c)?;
            head.select((h::head_seq, h::head_hash)).first(c)?
        }
        DbConn::Postgresql(c) => diesel::update(head)
            .set(h::head_seq.eq(h::head_seq + n))
            .returning((h::head_seq, h::head_hash))
            .get_result(c)?,
    };
    Ok((top, hash32(&prev)?))
}

fn insert(conn: &mut DbConn, rows: &[NewEntry<'_>]) -> Result<(), DbError> {
    match conn {
        // One prepared single-row statement per row is SQLite's fastest path.
        DbConn::Sqlite(c) => {
            for r in rows {
                diesel::insert_into(access_log::table).values(r).execute(c)?;
            }
        }
        DbConn::Postgresql(c) => {
            for chunk in rows.chunks(1000) {
                diesel::insert_into(access_log::table).values(chunk).execute(c)?;
            }
        }
    }
    Ok(())
}

impl NewEntry<'_> {
    fn fields(&self) -> Result<Fields<'_>, DbError> {
        let seq =
            u64::try_from(self.seq).map_err(|_| DbError::Query("the access-log chain head is negative".into()))?;
        let (actor, role, action) = (self.actor, self.role, self.action);
        Ok(Fields { seq, at: self.at, actor, role, action, atena: self.atena, detail: self.detail })
    }
}

pub(crate) fn hash32(b: &[u8]) -> Result<[u8; 32], DbError> {
    b.try_into().map_err(|_| DbError::Query("an access-log chain hash is not 32 bytes".into()))
}

/// Whether the log has an `action` about `atena` (e.g. a certificate was ever issued).
pub fn has_action(conn: &mut DbConn, atena: &str, action: &str) -> Result<bool, DbError> {
    let q = access_log::table.filter(access_log::atena.eq(atena)).filter(access_log::action.eq(action));
    Ok(diesel::select(diesel::dsl::exists(q)).get_result(conn)?)
}

/// One stored entry: what `GET /api/v1/audit` shows (the hash stays inside), and what
/// verification reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable, Selectable)]
#[diesel(table_name = access_log)]
pub struct LogRow {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub atena: Option<String>,
    pub detail: Option<String>,
    /// The entry's chain position (absent only on a row that did not come through the node).
    pub seq: Option<i64>,
    #[serde(skip)]
    pub hash: Option<Vec<u8>>,
}

impl LogRow {
    /// The chained fields, at position `seq` (the stored one, or where it should be).
    pub fn fields(&self, seq: u64) -> Fields<'_> {
        Fields {
            seq,
            at: self.at,
            actor: &self.actor,
            role: &self.role,
            action: &self.action,
            atena: self.atena.as_deref(),
            detail: self.detail.as_deref(),
        }
    }
}

pub fn newest(conn: &mut DbConn, limit: i64, before_id: Option<i64>) -> Result<Vec<LogRow>, DbError> {
    let mut q = access_log::table.select(LogRow::as_select()).into_boxed();
    if let Some(b) = before_id {
        q = q.filter(access_log::id.lt(b));
    }
    Ok(q.order(access_log::id.desc()).limit(limit).load(conn)?)
}
