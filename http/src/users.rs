//! The `user` subcommands of both binaries: `add` (prints the new token alone on stdout),
//! `list`, `revoke-token` and `renew-token`. Each server stores users in its own schema
//! behind [`UserStore`]; the rules (names, roles, lifetimes, the cap, what is printed)
//! live here once.

use crate::settings::{AuthSettings, MAX_LIFETIME_DAYS};
use crate::token::{self, Issued};
use clap::Subcommand;
use std::io::Write;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; prints the new API token alone on stdout.
    Add {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        name: String,
        /// Node: admin, staff, site, auditor or monitoring (reads /metrics only).
        /// Coordinator: national or monitoring.
        #[arg(long)]
        role: String,
        /// Days the token stays valid (default: auth.token_lifetime_days).
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    /// List the users: name, role, created, expires, state (never a token).
    List {
        #[arg(long)]
        data_dir: PathBuf,
    },
    /// Revoke a user's token at once (requests with it are refused from then on).
    RevokeToken {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        name: String,
    },
    /// Give a user a new token (the old one stops working); prints it alone on stdout.
    RenewToken {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        name: String,
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
}

impl UserCommand {
    pub fn data_dir(&self) -> &std::path::Path {
        match self {
            UserCommand::Add { data_dir, .. }
            | UserCommand::List { data_dir }
            | UserCommand::RevokeToken { data_dir, .. }
            | UserCommand::RenewToken { data_dir, .. } => data_dir,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("--name must be 1 to 100 printable characters")]
    InvalidName,
    #[error("--role must be {0}")]
    InvalidRole(String),
    #[error("--expires-in-days must be 1..=3650")]
    InvalidLifetime,
    #[error("a user named {0:?} already exists")]
    Exists(String),
    #[error("no user named {0:?}")]
    NoSuchUser(String),
    #[error(
        "{max} users already hold a live token (auth.max_users = {max}); revoke one with `user revoke-token` \
         or raise auth.max_users"
    )]
    Limit { max: u32 },
    #[error("{0}")]
    Store(String),
}

/// A user to insert, or a new token for an existing one. Times are Unix seconds.
#[derive(Debug)]
pub struct TokenGrant<'a> {
    pub name: &'a str,
    pub role: &'a str,
    pub token_hash: [u8; 32],
    pub now: i64,
    pub expires_at: i64,
    /// Who did it, for the server's own records (`cli:$USER`).
    pub actor: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub name: String,
    pub role: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked: bool,
}

/// The rows of one server's users table, inside one transaction (see [`UserStore`]).
pub trait UserRows {
    /// Users whose token is not revoked. On PostgreSQL, lock the table first, so that two
    /// transactions cannot both see room for one.
    fn live_users(&mut self) -> Result<u32, UserError>;
    /// `None` when there is no such user, else whether its token is revoked.
    fn revoked(&mut self, name: &str) -> Result<Option<bool>, UserError>;
    /// Inserts a user; [`UserError::Exists`] if the name is taken.
    fn insert(&mut self, grant: &TokenGrant<'_>) -> Result<(), UserError>;
    /// Sets `grant.name`'s token and expiry and lifts a revocation.
    fn set_token(&mut self, grant: &TokenGrant<'_>) -> Result<(), UserError>;
    /// Revokes `name`'s token as of `now`; false when there is no such user.
    fn set_revoked(&mut self, name: &str, now: i64) -> Result<bool, UserError>;
    fn list(&mut self) -> Result<Vec<UserSummary>, UserError>;
    /// Records a change where the server keeps its trail (the node: its access log).
    fn record(&mut self, actor: &str, action: &str, detail: &str) -> Result<(), UserError>;
}

/// Users as one server stores them: its roles, and transactions over its rows.
pub trait UserStore {
    /// The roles this server knows, e.g. `["admin", "staff", "site", "auditor"]`.
    fn roles(&self) -> &'static [&'static str];
    /// Runs `f` in one transaction: committed when it returns `Ok`, rolled back otherwise.
    fn transaction(&mut self, f: &mut dyn FnMut(&mut dyn UserRows) -> Result<(), UserError>) -> Result<(), UserError>;
}

/// Adds a user, refused when `max_live` users already hold a live token.
pub fn add(store: &mut impl UserStore, g: &TokenGrant<'_>, max_live: u32) -> Result<(), UserError> {
    store.transaction(&mut |rows| {
        check_room(rows, max_live)?;
        rows.insert(g)?;
        rows.record(g.actor, "user.add", &format!("{} ({})", g.name, g.role))
    })
}

/// Gives `g.name` a new token; reviving a revoked user needs room under the cap.
pub fn renew(store: &mut impl UserStore, g: &TokenGrant<'_>, max_live: u32) -> Result<(), UserError> {
    store.transaction(&mut |rows| {
        match rows.revoked(g.name)? {
            None => return Err(UserError::NoSuchUser(g.name.into())),
            Some(true) => check_room(rows, max_live)?,
            Some(false) => {}
        }
        rows.set_token(g)?;
        rows.record(g.actor, "user.token_renewed", g.name)
    })
}

pub fn revoke(store: &mut impl UserStore, name: &str, now: i64, actor: &str) -> Result<(), UserError> {
    store.transaction(&mut |rows| {
        if !rows.set_revoked(name, now)? {
            return Err(UserError::NoSuchUser(name.into()));
        }
        rows.record(actor, "user.token_revoked", name)
    })
}

pub fn list(store: &mut impl UserStore) -> Result<Vec<UserSummary>, UserError> {
    let mut users = Vec::new();
    store.transaction(&mut |rows| {
        users = rows.list()?;
        Ok(())
    })?;
    Ok(users)
}

fn check_room(rows: &mut dyn UserRows, max_live: u32) -> Result<(), UserError> {
    if rows.live_users()? >= max_live { Err(UserError::Limit { max: max_live }) } else { Ok(()) }
}

/// Runs one `user` subcommand against `store`; tokens go to `out` alone, notes to stderr.
pub fn run(
    cmd: UserCommand,
    store: &mut impl UserStore,
    settings: &AuthSettings,
    actor: &str,
    out: &mut impl Write,
) -> Result<(), UserError> {
    let now = token::unix_now();
    let days = |d: Option<u32>| match d.unwrap_or(settings.token_lifetime_days) {
        d @ 1..=MAX_LIFETIME_DAYS => Ok(d),
        _ => Err(UserError::InvalidLifetime),
    };
    match cmd {
        UserCommand::Add { name, role, expires_in_days, .. } => {
            check_name(&name)?;
            let role = store
                .roles()
                .iter()
                .find(|r| **r == role)
                .ok_or_else(|| UserError::InvalidRole(store.roles().join(", ")))?;
            let expires_at = token::expires_at(now, days(expires_in_days)?);
            let issued = issue()?;
            let grant = TokenGrant { name: &name, role, token_hash: issued.hash, now, expires_at, actor };
            add(store, &grant, settings.max_users)?;
            print_token(out, &issued, expires_at)
        }
        UserCommand::RenewToken { name, expires_in_days, .. } => {
            let expires_at = token::expires_at(now, days(expires_in_days)?);
            let issued = issue()?;
            let grant = TokenGrant { name: &name, role: "", token_hash: issued.hash, now, expires_at, actor };
            renew(store, &grant, settings.max_users)?;
            print_token(out, &issued, expires_at)
        }
        UserCommand::RevokeToken { name, .. } => {
            revoke(store, &name, now, actor)?;
            eprintln!("the token of {name:?} is revoked");
            Ok(())
        }
        UserCommand::List { .. } => {
            let io = |e: std::io::Error| UserError::Store(e.to_string());
            writeln!(out, "{:<24} {:<10} {:<10} {:<10} state", "name", "role", "created", "expires").map_err(io)?;
            for u in list(store)? {
                let state = if u.revoked {
                    "revoked"
                } else if u.expires_at <= now {
                    "expired"
                } else {
                    "active"
                };
                let (created, expires) = (token::utc_date(u.created_at), token::utc_date(u.expires_at));
                writeln!(out, "{:<24} {:<10} {created:<10} {expires:<10} {state}", u.name, u.role).map_err(io)?;
            }
            Ok(())
        }
    }
}

/// 1 to 100 characters, none of them a control character.
pub fn check_name(name: &str) -> Result<(), UserError> {
    let ok = !name.trim().is_empty() && name.chars().count() <= 100 && !name.chars().any(char::is_control);
    if ok { Ok(()) } else { Err(UserError::InvalidName) }
}

fn issue() -> Result<Issued, UserError> {
    token::issue().map_err(|e| UserError::Store(e.to_string()))
}

fn print_token(out: &mut impl Write, issued: &Issued, expires_at: i64) -> Result<(), UserError> {
    writeln!(out, "{}", issued.token).map_err(|e| UserError::Store(e.to_string()))?;
    eprintln!("the token is valid until {} (UTC)", token::utc_date(expires_at));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Rows in memory; a transaction works on a copy and keeps it only on success.
    #[derive(Default, Clone)]
    struct Memory(BTreeMap<String, (UserSummary, [u8; 32])>);

    impl UserRows for Memory {
        fn live_users(&mut self) -> Result<u32, UserError> {
            Ok(self.0.values().filter(|(u, _)| !u.revoked).count() as u32)
        }
        fn revoked(&mut self, name: &str) -> Result<Option<bool>, UserError> {
            Ok(self.0.get(name).map(|(u, _)| u.revoked))
        }
        fn insert(&mut self, g: &TokenGrant<'_>) -> Result<(), UserError> {
            if self.0.contains_key(g.name) {
                return Err(UserError::Exists(g.name.into()));
            }
            let u = UserSummary {
                name: g.name.into(),
                role: g.role.into(),
                created_at: g.now,
                expires_at: g.expires_at,
                revoked: false,
            };
            self.0.insert(g.name.into(), (u, g.token_hash));
            Ok(())
        }
        fn set_token(&mut self, g: &TokenGrant<'_>) -> Result<(), UserError> {
            let (u, hash) = self.0.get_mut(g.name).ok_or_else(|| UserError::NoSuchUser(g.name.into()))?;
            (u.revoked, u.expires_at, *hash) = (false, g.expires_at, g.token_hash);
            Ok(())
        }
        fn set_revoked(&mut self, name: &str, _: i64) -> Result<bool, UserError> {
            Ok(self.0.get_mut(name).map(|(u, _)| u.revoked = true).is_some())
        }
        fn list(&mut self) -> Result<Vec<UserSummary>, UserError> {
            Ok(self.0.values().map(|(u, _)| u.clone()).collect())
        }
        fn record(&mut self, _: &str, _: &str, _: &str) -> Result<(), UserError> {
            Ok(())
        }
    }

    impl UserStore for Memory {
        fn roles(&self) -> &'static [&'static str] {
            &["staff", "site"]
        }
        fn transaction(
            &mut self,
            f: &mut dyn FnMut(&mut dyn UserRows) -> Result<(), UserError>,
        ) -> Result<(), UserError> {
            let mut copy = self.clone();
            f(&mut copy)?;
            *self = copy;
            Ok(())
        }
    }

    fn add(store: &mut Memory, settings: &AuthSettings, name: &str, role: &str) -> Result<String, UserError> {
        let mut out = Vec::new();
        let cmd =
            UserCommand::Add { data_dir: "d".into(), name: name.into(), role: role.into(), expires_in_days: None };
        run(cmd, store, settings, "test", &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn add_prints_the_token_alone_and_stores_only_its_hash() {
        let mut store = Memory::default();
        let out = add(&mut store, &AuthSettings::default(), "clerk", "staff").unwrap();
        let token = out.trim();
        assert_eq!(out, format!("{token}\n"));
        let (u, hash) = &store.0["clerk"];
        assert_eq!(*hash, token::hash(token));
        assert_eq!(u.expires_at - u.created_at, 90 * 86_400);
    }

    #[test]
    fn names_roles_and_lifetimes_are_checked() {
        let mut store = Memory::default();
        let s = AuthSettings::default();
        assert!(matches!(add(&mut store, &s, " ", "staff"), Err(UserError::InvalidName)));
        assert!(matches!(add(&mut store, &s, "a\nb", "staff"), Err(UserError::InvalidName)));
        let e = add(&mut store, &s, "x", "root").unwrap_err();
        assert_eq!(e.to_string(), "--role must be staff, site");
        let cmd =
            UserCommand::Add { data_dir: "d".into(), name: "x".into(), role: "site".into(), expires_in_days: Some(0) };
        assert!(matches!(run(cmd, &mut store, &s, "t", &mut Vec::new()), Err(UserError::InvalidLifetime)));
        assert!(store.0.is_empty());
    }

    #[test]
    fn the_cap_counts_live_tokens_and_revoking_frees_a_place() {
        let mut store = Memory::default();
        let s = AuthSettings { max_users: 2, ..AuthSettings::default() };
        add(&mut store, &s, "a", "staff").unwrap();
        add(&mut store, &s, "b", "site").unwrap();
        let e = add(&mut store, &s, "c", "site").unwrap_err();
        assert!(e.to_string().contains("auth.max_users = 2"), "{e}");
        run(UserCommand::RevokeToken { data_dir: "d".into(), name: "a".into() }, &mut store, &s, "t", &mut Vec::new())
            .unwrap();
        add(&mut store, &s, "c", "site").unwrap();
        // Renewing the revoked user would make three live tokens.
        let renew = UserCommand::RenewToken { data_dir: "d".into(), name: "a".into(), expires_in_days: Some(7) };
        assert!(matches!(run(renew, &mut store, &s, "t", &mut Vec::new()), Err(UserError::Limit { max: 2 })));
        let mut out = Vec::new();
        run(UserCommand::List { data_dir: "d".into() }, &mut store, &s, "t", &mut out).unwrap();
        let listing = String::from_utf8(out).unwrap();
        assert!(listing.lines().any(|l| l.starts_with("a ") && l.ends_with("revoked")), "{listing}");
        assert!(listing.lines().any(|l| l.starts_with("c ") && l.ends_with("active")), "{listing}");
    }
}
