//! API users. Tokens are 256-bit random strings shown once; only their SHA-256 is stored
//! (a slow KDF adds nothing for a secret with 256 bits of entropy).

use super::schema::users;
use super::{DbConn, DbError};
use diesel::prelude::*;
use ring::rand::{SecureRandom, SystemRandom};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Staff,
    Site,
    Auditor,
    /// Reads `/metrics` only (Prometheus on a non-loopback listener); refused everywhere else.
    Monitoring,
}

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

pub fn token_hash(token: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, token.as_bytes()).as_ref().to_vec()
}

/// Creates a user and returns the token, which is never stored.
pub fn add(conn: &mut DbConn, name: &str, role: Role) -> Result<String, DbError> {
    let mut raw = [0u8; 32];
    SystemRandom::new().fill(&mut raw).map_err(|_| DbError::Query("random generator failed".into()))?;
    let token = format!("vrs_{}", hex::encode(raw));
    diesel::insert_into(users::table)
        .values((
            users::name.eq(name),
            users::role.eq(role.as_str()),
            users::token_hash.eq(token_hash(&token)),
            users::created_at.eq(super::now()),
        ))
        .execute(conn)
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                DbError::Query(format!("a user named {name:?} already exists"))
            }
            other => other.into(),
        })?;
    Ok(token)
}

pub fn by_token(conn: &mut DbConn, token: &str) -> Result<Option<User>, DbError> {
    let row: Option<(i64, String, String)> = users::table
        .filter(users::token_hash.eq(token_hash(token)))
        .filter(users::disabled_at.is_null())
        .select((users::id, users::name, users::role))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(id, name, role)| Some(User { id, name, role: Role::parse(&role)? })))
}
