//! Staff passwords for the web pages, set by an admin (`vrs-node user password`, the users
//! page). Stored as argon2id PHC strings (the RustCrypto `argon2` crate, OWASP's minimum
//! parameters: 19 MiB, 2 passes): unlike an API token, a password a person chose has
//! little entropy, so a copy of the database must make guessing slow.

use super::schema::{user_passwords, users};
use super::users::{Role, User};
use super::{DbConn, DbError};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use diesel::prelude::*;
use ring::rand::{SecureRandom, SystemRandom};

pub const MIN_CHARS: usize = 12;
/// Bounds the work of one sign-in (argon2 reads the whole password).
pub const MAX_CHARS: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("a password must be at least {MIN_CHARS} characters")]
    TooShort,
    #[error("a password must be at most {MAX_CHARS} characters")]
    TooLong,
    #[error("a password may not contain control characters")]
    ControlCharacters,
    #[error("a password may not be the user name")]
    SameAsName,
    #[error("the password could not be hashed: {0}")]
    Hash(String),
}

impl PasswordError {
    /// A stable code for the pages' message catalogue.
    pub fn code(&self) -> &'static str {
        match self {
            PasswordError::TooShort => "password_too_short",
            PasswordError::TooLong => "password_too_long",
            PasswordError::ControlCharacters => "password_control_characters",
            PasswordError::SameAsName => "password_same_as_name",
            PasswordError::Hash(_) => "internal",
        }
    }
}

/// Length bounds (NIST SP 800-63B: length, not composition rules).
pub fn check_policy(name: &str, password: &str) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if n < MIN_CHARS {
        return Err(PasswordError::TooShort);
    }
    if n > MAX_CHARS {
        return Err(PasswordError::TooLong);
    }
    if password.chars().any(char::is_control) {
        return Err(PasswordError::ControlCharacters);
    }
    if password.trim().eq_ignore_ascii_case(name.trim()) {
        return Err(PasswordError::SameAsName);
    }
    Ok(())
}

/// An argon2id PHC string with a fresh 16-byte salt.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    let mut salt = [0u8; 16];
    SystemRandom::new().fill(&mut salt).map_err(|_| PasswordError::Hash("no system randomness".into()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// True when `password` matches `phc` (constant-time comparison inside the crate).
pub fn verify(phc: &str, password: &str) -> bool {
    if password.chars().count() > MAX_CHARS {
        return false;
    }
    PasswordHash::new(phc).is_ok_and(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Spends the time of one verification, for a user name that does not exist, so that the
/// answer's timing does not tell which names do.
pub fn verify_nobody(password: &str) {
    let _ = hash(password.get(..MAX_CHARS.min(password.len())).unwrap_or_default());
}

/// Sets (or replaces) the user's password and ends their browser sessions.
pub fn set(conn: &mut DbConn, user_id: i64, phc: &str, set_by: &str) -> Result<(), DbError> {
    conn.transaction(|c| {
        diesel::delete(user_passwords::table.find(user_id)).execute(c)?;
        diesel::insert_into(user_passwords::table)
            .values((
                user_passwords::user_id.eq(user_id),
                user_passwords::hash.eq(phc),
                user_passwords::set_at.eq(super::now()),
                user_passwords::set_by.eq(set_by),
            ))
            .execute(c)?;
        super::web_sessions::delete_for_user(c, user_id)?;
        Ok(())
    })
}

/// The enabled user of this name and their password hash, if they have one.
pub fn for_sign_in(conn: &mut DbConn, name: &str) -> Result<Option<(User, String)>, DbError> {
    let row: Option<(i64, String, String, String)> = users::table
        .inner_join(user_passwords::table)
        .filter(users::name.eq(name))
        .filter(users::disabled_at.is_null())
        .select((users::id, users::name, users::role, user_passwords::hash))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(id, name, role, hash)| Some((User { id, name, role: Role::parse(&role)? }, hash))))
}

/// One row of the admin's user list.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub created_at: i64,
    pub disabled: bool,
    pub password_set_at: Option<i64>,
}

type AccountRow = (i64, String, String, i64, Option<i64>, Option<i64>);

pub fn accounts(conn: &mut DbConn) -> Result<Vec<Account>, DbError> {
    let rows: Vec<AccountRow> = users::table
        .left_join(user_passwords::table)
        .order(users::name)
        .select((
            users::id,
            users::name,
            users::role,
            users::created_at,
            users::disabled_at,
            user_passwords::set_at.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, role, created_at, disabled_at, password_set_at)| Account {
            id,
            name,
            role,
            created_at,
            disabled: disabled_at.is_some(),
            password_set_at,
        })
        .collect())
}

/// The user called `name` (enabled or not), for the CLI.
pub fn user_id_by_name(conn: &mut DbConn, name: &str) -> Result<Option<i64>, DbError> {
    Ok(users::table.filter(users::name.eq(name)).select(users::id).first(conn).optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_bounds() {
        assert_eq!(check_policy("clerk", "short"), Err(PasswordError::TooShort));
        assert_eq!(check_policy("clerk", &"x".repeat(129)), Err(PasswordError::TooLong));
        assert_eq!(check_policy("clerk", "twelve chars\n"), Err(PasswordError::ControlCharacters));
        assert_eq!(check_policy("clerk-chiyoda", "Clerk-Chiyoda"), Err(PasswordError::SameAsName));
        assert_eq!(check_policy("clerk", "千代田区の接種会場で使う"), Ok(()));
    }

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let a = hash("correct horse battery").unwrap();
        let b = hash("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b);
        assert!(verify(&a, "correct horse battery"));
        assert!(!verify(&a, "correct horse batterY"));
        assert!(!verify("not a phc string", "correct horse battery"));
    }
}
