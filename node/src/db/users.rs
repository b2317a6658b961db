//! API users and their tokens. Only a token's SHA-256 is stored (see `vrs_http::token`);
//! a token expires (`expires_at`) and can be revoked (`disabled_at`). The rules of the
//! `user` subcommands live in `vrs_http::users`; this is their storage on the node, where
//! every change is also written to the access log.

use super::schema::users;
use super::{DbConn, DbError, access_log};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use vrs_http::users::{TokenGrant, UserError, UserRows, UserStore, UserSummary};
use vrs_http::{AuthSettings, TokenState};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Staff,
    Site,
    Auditor,
    /// Reads `/metrics` only (Prometheus on a non-loopback listener); refused everywhere else.
    Monitoring,
}

pub const ROLES: [&str; 5] = ["admin", "staff", "site", "auditor", "monitoring"];

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "staff" => Some(Role::Staff),
            "site" => Some(Role::Site),
            "auditor" => Some(Role::Auditor),
            "monitoring" => Some(Role::Monitoring),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Site => "site",
            Role::Auditor => "auditor",
            Role::Monitoring => "monitoring",
        }
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
}

/// What the node holds for a presented token (revoked tokens are unknown).
pub fn by_token(conn: &mut DbConn, token: &str) -> Result<TokenState<User>, DbError> {
    let row: Option<(i64, String, String, i64)> = users::table
        .filter(users::token_hash.eq(vrs_http::token::hash(token).to_vec()))
        .filter(users::disabled_at.is_null())
        .select((users::id, users::name, users::role, users::expires_at))
        .first(conn)
        .optional()?;
    let row = row.and_then(|(id, name, role, exp)| Some((User { id, name, role: Role::parse(&role)? }, exp)));
    Ok(TokenState::from_row(row, super::now()))
}

/// Creates a user with the default lifetime and cap and returns its token (tests, benches).
/// Adds a user under the node's `[auth]` settings (token lifetime, user cap) and returns
/// the new token.
pub fn add(conn: &mut DbConn, name: &str, role: Role, auth: &AuthSettings) -> Result<String, UserError> {
    let mut out = Vec::new();
    let cmd = vrs_http::users::UserCommand::Add {
        data_dir: Default::default(),
        name: name.into(),
        role: role.as_str().into(),
        expires_in_days: None,
    };
    vrs_http::users::run(cmd, &mut Users(conn), auth, "internal", &mut out)?;
    Ok(String::from_utf8_lossy(&out).trim().to_owned())
}

/// The node's users as a [`UserStore`].
pub struct Users<'a>(pub &'a mut DbConn);

impl UserStore for Users<'_> {
    fn roles(&self) -> &'static [&'static str] {
        &ROLES
    }

    fn transaction(&mut self, f: &mut dyn FnMut(&mut dyn UserRows) -> Result<(), UserError>) -> Result<(), UserError> {
        self.0.transaction(|c| f(&mut Rows(c)).map_err(TxError)).map_err(|TxError(e)| e)
    }
}

/// The users table inside one transaction.
struct Rows<'a>(&'a mut DbConn);

impl UserRows for Rows<'_> {
    fn live_users(&mut self) -> Result<u32, UserError> {
        // PostgreSQL reads committed rows per statement: without the lock two concurrent
        // adds could both see room for one. (SQLite's WAL snapshot makes the later writer
        // fail instead.)
        if matches!(self.0, DbConn::Postgresql(_)) {
            self.0.batch_execute("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE").map_err(store_error)?;
        }
        let live: i64 =
            users::table.filter(users::disabled_at.is_null()).count().get_result(self.0).map_err(store_error)?;
        Ok(u32::try_from(live).unwrap_or(u32::MAX))
    }

    fn revoked(&mut self, name: &str) -> Result<Option<bool>, UserError> {
        let row: Option<Option<i64>> = users::table
            .filter(users::name.eq(name))
            .select(users::disabled_at)
            .first(self.0)
            .optional()
            .map_err(store_error)?;
        Ok(row.map(|disabled| disabled.is_some()))
    }

    fn insert(&mut self, g: &TokenGrant<'_>) -> Result<(), UserError> {
        diesel::insert_into(users::table)
            .values((
                users::name.eq(g.name),
                users::role.eq(g.role),
                users::token_hash.eq(g.token_hash.to_vec()),
                users::created_at.eq(g.now),
                users::expires_at.eq(g.expires_at),
            ))
            .execute(self.0)
            .map(drop)
            .map_err(|e| insert_error(e, g.name))
    }

    fn set_token(&mut self, g: &TokenGrant<'_>) -> Result<(), UserError> {
        diesel::update(users::table.filter(users::name.eq(g.name)))
            .set((
                users::token_hash.eq(g.token_hash.to_vec()),
                users::expires_at.eq(g.expires_at),
                users::disabled_at.eq(None::<i64>),
            ))
            .execute(self.0)
            .map(drop)
            .map_err(store_error)
    }

    fn set_revoked(&mut self, name: &str, now: i64) -> Result<bool, UserError> {
        let n = diesel::update(users::table.filter(users::name.eq(name)))
            .set(users::disabled_at.eq(Some(now)))
            .execute(self.0)
            .map_err(store_error)?;
        Ok(n > 0)
    }

    fn list(&mut self) -> Result<Vec<UserSummary>, UserError> {
        let rows: Vec<(String, String, i64, i64, Option<i64>)> = users::table
            .order(users::name)
            .select((users::name, users::role, users::created_at, users::expires_at, users::disabled_at))
            .load(self.0)
            .map_err(store_error)?;
        Ok(rows
            .into_iter()
            .map(|(name, role, created_at, expires_at, disabled)| UserSummary {
                name,
                role,
                created_at,
                expires_at,
                revoked: disabled.is_some(),
            })
            .collect())
    }

    fn record(&mut self, actor: &str, action: &str, detail: &str) -> Result<(), UserError> {
        let entry = access_log::Entry { actor, role: "admin", action, atena: None, detail: Some(detail.to_owned()) };
        access_log::record(self.0, entry).map_err(|e| UserError::Store(e.to_string()))
    }
}

fn insert_error(e: diesel::result::Error, name: &str) -> UserError {
    match e {
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
            UserError::Exists(name.into())
        }
        other => store_error(other),
    }
}

fn store_error(e: diesel::result::Error) -> UserError {
    UserError::Store(DbError::from(e).to_string())
}

/// A [`UserError`] that a diesel transaction can also build from its own errors.
struct TxError(UserError);

impl From<diesel::result::Error> for TxError {
    fn from(e: diesel::result::Error) -> Self {
        TxError(store_error(e))
    }
}
