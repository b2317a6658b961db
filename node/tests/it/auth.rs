//! API tokens on a served node: they expire, can be revoked and renewed (the old token
//! dies with it), the users with a live token are capped, and wrong tokens are throttled
//! per client address with 429 + Retry-After, before any look-up.

use crate::http_api::TestNode;
use crate::on_both_backends;
use crate::support::*;
use diesel::prelude::*;
use reqwest::blocking::Client;
use std::net::IpAddr;
use vrs_http::AuthSettings;
use vrs_http::users::{UserCommand, UserError, run};
use vrs_node::db::users::Users;

fn user_cmd(db: &TestDb, cmd: UserCommand, settings: &AuthSettings) -> Result<String, UserError> {
    let mut out = Vec::new();
    run(cmd, &mut Users(&mut db.conn()), settings, "cli:tester", &mut out)?;
    Ok(String::from_utf8(out).unwrap().trim().to_owned())
}

fn add(db: &TestDb, name: &str, settings: &AuthSettings) -> Result<String, UserError> {
    let cmd = UserCommand::Add { data_dir: ".".into(), name: name.into(), role: "staff".into(), expires_in_days: None };
    user_cmd(db, cmd, settings)
}

fn set_expiry(db: &TestDb, name: &str, at: i64) {
    let sql = format!("UPDATE users SET expires_at = {at} WHERE name = '{name}'");
    diesel::sql_query(sql).execute(&mut db.raw()).unwrap();
}

on_both_backends! {
    fn tokens_expire_and_are_revoked_and_renewed(db) {
        let node = TestNode::start(db);
        let path = "/api/v1/residents/1";
        assert_eq!(node.get(path, Some(&node.staff)).0, 404, "a live token reaches the handler");

        set_expiry(&node.db, "clerk", vrs_http::token::unix_now() - 1);
        let (status, body) = node.get(path, Some(&node.staff));
        assert_eq!((status, body["error"].as_str()), (401, Some("token_expired")), "{body}");

        let renew = UserCommand::RenewToken { data_dir: ".".into(), name: "clerk".into(), expires_in_days: Some(30) };
        let fresh = user_cmd(&node.db, renew, &AuthSettings::default()).unwrap();
        assert_ne!(fresh, node.staff);
        assert_eq!(node.get(path, Some(&fresh)).0, 404);
        assert_eq!(node.get(path, Some(&node.staff)).1["error"], "unauthorized", "the old token died with renewal");

        let revoke = UserCommand::RevokeToken { data_dir: ".".into(), name: "clerk".into() };
        user_cmd(&node.db, revoke, &AuthSettings::default()).unwrap();
        let (status, body) = node.get(path, Some(&fresh));
        assert_eq!((status, body["error"].as_str()), (401, Some("unauthorized")));
        let revoke = UserCommand::RevokeToken { data_dir: ".".into(), name: "nobody".into() };
        assert!(matches!(user_cmd(&node.db, revoke, &AuthSettings::default()), Err(UserError::NoSuchUser(_))));

        let (_, log) = node.get("/api/v1/audit", Some(&node.auditor));
        let actions: Vec<&str> = log.as_array().unwrap().iter().filter_map(|r| r["action"].as_str()).collect();
        for action in ["user.add", "user.token_renewed", "user.token_revoked"] {
            assert!(actions.contains(&action), "{action} missing from the access log: {actions:?}");
        }
        // Only the hash is stored: no row holds the token itself.
        let raw: Vec<u8> = vrs_node::db::schema::users::table
            .filter(vrs_node::db::schema::users::name.eq("clerk"))
            .select(vrs_node::db::schema::users::token_hash)
            .first(&mut node.db.conn())
            .unwrap();
        assert_eq!(raw, vrs_http::token::hash(&fresh).to_vec());
    }

    fn live_users_are_capped_even_when_added_at_once(db) {
        let settings = AuthSettings { max_users: 5, ..AuthSettings::default() };
        let db = std::sync::Arc::new(db);
        let results: Vec<Result<String, UserError>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let (db, settings) = (db.clone(), settings.clone());
                    s.spawn(move || add(&db, &format!("user{i}"), &settings))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let added = results.iter().filter(|r| r.is_ok()).count();
        let live: i64 = vrs_node::db::schema::users::table.count().get_result(&mut db.conn()).unwrap();
        assert_eq!(live as usize, added, "{results:?}");
        assert!(added <= 5, "the cap was exceeded: {results:?}");
        // Filled up one by one, the sixth is refused with the setting named ...
        for i in 0..10 {
            let _ = add(&db, &format!("more{i}"), &settings);
        }
        let e = add(&db, "extra", &settings).unwrap_err();
        assert!(e.to_string().contains("auth.max_users = 5"), "{e}");
        // ... and revoking one makes room.
        let name = user_cmd(&db, UserCommand::List { data_dir: ".".into() }, &settings).unwrap();
        let first = name.lines().nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
        user_cmd(&db, UserCommand::RevokeToken { data_dir: ".".into(), name: first.clone() }, &settings).unwrap();
        add(&db, "extra", &settings).unwrap();
        let renew = UserCommand::RenewToken { data_dir: ".".into(), name: first, expires_in_days: None };
        assert!(matches!(user_cmd(&db, renew, &settings), Err(UserError::Limit { max: 5 })));
    }
}

fn client_from(ip: &str) -> Client {
    Client::builder().local_address(ip.parse::<IpAddr>().unwrap()).build().unwrap()
}

#[test]
fn wrong_tokens_are_throttled_per_client_address() {
    let node = TestNode::start(TestDb::new(Backend::Sqlite));
    let url = format!("{}/api/v1/residents/1", node.base);
    let (attacker, neighbour) = (client_from("127.0.0.1"), client_from("127.0.0.2"));
    let wrong = format!("vrs_{}", "0".repeat(64));
    for i in 0..10 {
        let res = attacker.get(&url).bearer_auth(&wrong).send().unwrap();
        assert_eq!(res.status(), 401, "attempt {i}");
    }
    let res = attacker.get(&url).bearer_auth(&wrong).send().unwrap();
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=6).contains(&wait), "Retry-After {wait}");
    let body: serde_json::Value = res.json().unwrap();
    assert_eq!(body["error"], "too_many_attempts");
    // While blocked, even the right token gets no answer about itself from that address.
    assert_eq!(attacker.get(&url).bearer_auth(&node.staff).send().unwrap().status(), 429);
    // Another address is not affected, and neither are calls without a token.
    assert_eq!(neighbour.get(&url).bearer_auth(&node.staff).send().unwrap().status(), 404);
    assert_eq!(attacker.get(format!("{}/health", node.base)).send().unwrap().status(), 200);
}
