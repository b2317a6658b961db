//! API users of the coordinator (role `national`) and their tokens: only a token's SHA-256
//! is stored (see `vrs_http::token`); a token expires and can be revoked. The rules of the
//! `user` subcommands live in `vrs_http::users`; this is their storage here (times in ms).

use super::DbError;
use super::schema::users;
use diesel::prelude::*;
use vrs_http::TokenState;
use vrs_http::users::{TokenGrant, UserError, UserRows, UserStore, UserSummary};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Statistics and federation status only.
    National,
    /// Reads `/metrics` only (Prometheus on a non-loopback listener).
    Monitoring,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "national" => Some(Role::National),
            "monitoring" => Some(Role::Monitoring),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::National => "national",
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

/// What the coordinator holds for a presented token (revoked tokens are unknown).
pub fn by_token(conn: &mut SqliteConnection, token: &str) -> Result<TokenState<User>, DbError> {
    let row: Option<(i64, String, String, i64)> = users::table
        .filter(users::token_hash.eq(vrs_http::token::hash(token).to_vec()))
        .filter(users::disabled_at_ms.is_null())
        .select((users::id, users::name, users::role, users::expires_at_ms))
        .first(conn)
        .optional()?;
    let row = row.and_then(|(id, name, role, exp)| Some((User { id, name, role: Role::parse(&role)? }, exp / 1000)));
    Ok(TokenState::from_row(row, vrs_http::token::unix_now()))
}

/// The coordinator's users as a [`UserStore`] (times in ms here, seconds in the trait).
pub struct Users<'a>(pub &'a mut SqliteConnection);

impl UserStore for Users<'_> {
    fn roles(&self) -> &'static [&'static str] {
        &["national", "monitoring"]
    }

    fn transaction(&mut self, f: &mut dyn FnMut(&mut dyn UserRows) -> Result<(), UserError>) -> Result<(), UserError> {
        self.0.transaction(|c| f(&mut Rows(c)).map_err(TxError)).map_err(|TxError(e)| e)
    }
}

/// The users table inside one transaction. SQLite in WAL mode: a transaction that read the
/// count and then writes fails if another writer committed in between, so the cap holds.
struct Rows<'a>(&'a mut SqliteConnection);

impl UserRows for Rows<'_> {
    fn live_users(&mut self) -> Result<u32, UserError> {
        let live: i64 =
            users::table.filter(users::disabled_at_ms.is_null()).count().get_result(self.0).map_err(store_error)?;
        Ok(u32::try_from(live).unwrap_or(u32::MAX))
    }

    fn revoked(&mut self, name: &str) -> Result<Option<bool>, UserError> {
        let row: Option<Option<i64>> = users::table
            .filter(users::name.eq(name))
            .select(users::disabled_at_ms)
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
                users::created_at_ms.eq(g.now.saturating_mul(1000)),
                users::expires_at_ms.eq(g.expires_at.saturating_mul(1000)),
            ))
            .execute(self.0)
            .map(drop)
            .map_err(|e| match e {
                diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                    UserError::Exists(g.name.into())
                }
                other => store_error(other),
            })
    }

    fn set_token(&mut self, g: &TokenGrant<'_>) -> Result<(), UserError> {
        diesel::update(users::table.filter(users::name.eq(g.name)))
            .set((
                users::token_hash.eq(g.token_hash.to_vec()),
                users::expires_at_ms.eq(g.expires_at.saturating_mul(1000)),
                users::disabled_at_ms.eq(None::<i64>),
            ))
            .execute(self.0)
            .map(drop)
            .map_err(store_error)
    }

    fn set_revoked(&mut self, name: &str, now: i64) -> Result<bool, UserError> {
        let n = diesel::update(users::table.filter(users::name.eq(name)))
            .set(users::disabled_at_ms.eq(Some(now.saturating_mul(1000))))
            .execute(self.0)
            .map_err(store_error)?;
        Ok(n > 0)
    }

    fn list(&mut self) -> Result<Vec<UserSummary>, UserError> {
        let rows: Vec<(String, String, i64, i64, Option<i64>)> = users::table
            .order(users::name)
            .select((users::name, users::role, users::created_at_ms, users::expires_at_ms, users::disabled_at_ms))
            .load(self.0)
            .map_err(store_error)?;
        Ok(rows
            .into_iter()
            .map(|(name, role, created, expires, disabled)| UserSummary {
                name,
                role,
                created_at: created / 1000,
                expires_at: expires / 1000,
                revoked: disabled.is_some(),
            })
            .collect())
    }

    /// The coordinator keeps no access log; its own log has the change (names of
    /// operator accounts only, nothing personal).
    fn record(&mut self, actor: &str, action: &str, detail: &str) -> Result<(), UserError> {
        tracing::info!(actor, action, detail, "user change");
        Ok(())
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
