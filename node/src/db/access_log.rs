//! The access log: who read or wrote which person's data, when, and how. It records the
//! atena (the municipality's own reference) and never a My Number, name or birth date.

use super::schema::access_log;
use super::{DbConn, DbError};
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

pub fn record(conn: &mut DbConn, e: Entry<'_>) -> Result<(), DbError> {
    diesel::insert_into(access_log::table)
        .values((
            access_log::at.eq(super::now()),
            access_log::actor.eq(e.actor),
            access_log::role.eq(e.role),
            access_log::action.eq(e.action),
            access_log::atena.eq(e.atena),
            access_log::detail.eq(e.detail),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether the log has an `action` about `atena` (e.g. a certificate was ever issued).
pub fn has_action(conn: &mut DbConn, atena: &str, action: &str) -> Result<bool, DbError> {
    let q = access_log::table.filter(access_log::atena.eq(atena)).filter(access_log::action.eq(action));
    Ok(diesel::select(diesel::dsl::exists(q)).get_result(conn)?)
}

#[derive(Debug, Serialize, Queryable)]
pub struct LogRow {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub atena: Option<String>,
    pub detail: Option<String>,
}

pub fn newest(conn: &mut DbConn, limit: i64, before_id: Option<i64>) -> Result<Vec<LogRow>, DbError> {
    let mut q = access_log::table.into_boxed();
    if let Some(b) = before_id {
        q = q.filter(access_log::id.lt(b));
    }
    Ok(q.order(access_log::id.desc()).limit(limit).load(conn)?)
}
