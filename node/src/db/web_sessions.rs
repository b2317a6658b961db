//! Browser sessions of the web pages (`ui::session` decides; this file stores). Rows are
//! keyed by the SHA-256 of the cookie's token, never the token itself.

use super::schema::{users, web_sessions};
use super::users::{Role, User};
use super::{DbConn, DbError};
use diesel::prelude::*;

/// A live session's user and when the session was last used.
#[derive(Debug, Clone)]
pub struct Live {
    pub user: User,
    pub last_seen_at: i64,
}

pub fn create(
    conn: &mut DbConn,
    token_hash: &[u8],
    user_id: i64,
    method: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), DbError> {
    diesel::insert_into(web_sessions::table)
        .values((
            web_sessions::token_hash.eq(token_hash),
            web_sessions::user_id.eq(user_id),
            web_sessions::method.eq(method),
            web_sessions::created_at.eq(now),
            web_sessions::last_seen_at.eq(now),
            web_sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The session's user when the session is neither past `expires_at` nor idle since
/// `idle_since`, and the user is enabled.
pub fn find_live(conn: &mut DbConn, token_hash: &[u8], now: i64, idle_since: i64) -> Result<Option<Live>, DbError> {
    let row: Option<(i64, String, String, i64)> = web_sessions::table
        .inner_join(users::table)
        .filter(web_sessions::token_hash.eq(token_hash))
        .filter(web_sessions::expires_at.gt(now))
        .filter(web_sessions::last_seen_at.gt(idle_since))
        .filter(users::disabled_at.is_null())
        .select((users::id, users::name, users::role, web_sessions::last_seen_at))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(id, name, role, last_seen_at)| {
        Some(Live { user: User { id, name, role: Role::parse(&role)? }, last_seen_at })
    }))
}

pub fn touch(conn: &mut DbConn, token_hash: &[u8], now: i64) -> Result<(), DbError> {
    diesel::update(web_sessions::table.find(token_hash)).set(web_sessions::last_seen_at.eq(now)).execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, token_hash: &[u8]) -> Result<(), DbError> {
    diesel::delete(web_sessions::table.find(token_hash)).execute(conn)?;
    Ok(())
}

pub fn delete_for_user(conn: &mut DbConn, user_id: i64) -> Result<usize, DbError> {
    Ok(diesel::delete(web_sessions::table.filter(web_sessions::user_id.eq(user_id))).execute(conn)?)
}

/// Removes sessions that can no longer be used (run at each sign-in; cheap with few rows).
pub fn purge_dead(conn: &mut DbConn, now: i64, idle_since: i64) -> Result<usize, DbError> {
    Ok(diesel::delete(
        web_sessions::table.filter(web_sessions::expires_at.le(now).or(web_sessions::last_seen_at.le(idle_since))),
    )
    .execute(conn)?)
}
