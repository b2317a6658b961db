//! The command line: init, enroll, revoke, user add — files written, refusals, exit codes.

use crate::support::*;
use vrs_coordinator::{db, registry};
use vrs_protocol::{MunicipalityCode, SignedRegistry};

fn current_registry(c: &Coordinator) -> SignedRegistry {
    let pool = db::open(&c.database(), "normal", 2).unwrap();
    let signed = registry::current(&mut pool.get().unwrap()).unwrap();
    signed.verify(&c.federation.registry_key).unwrap();
    signed
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_failed_with(out: &std::process::Output, needle: &str) {
    assert!(!out.status.success(), "expected a failure");
    let err = stderr(out);
    assert_eq!(err.trim_end().lines().count(), 1, "one line on stderr: {err}");
    assert!(err.contains(needle), "{needle:?} not in {err:?}");
}

#[test]
fn init_writes_a_federation_file_keys_and_registry_version_1() {
    let c = Coordinator::init();
    let f = &c.federation;
    let peer = c.peer_id();
    assert!(f.coordinator_address.ends_with(&format!("/p2p/{peer}")), "{}", f.coordinator_address);
    assert!(f.coordinator_address.starts_with("/ip4/127.0.0.1/tcp/"));
    let identity = vrs_link::load_or_create_identity(&c.path().join("keys/p2p.key")).unwrap();
    assert_eq!(identity.public().to_peer_id(), peer);
    for key in ["keys/registry.key", "keys/signing.key", "keys/decryption.key", "coordinator.toml"] {
        assert!(c.path().join(key).exists(), "{key} missing");
    }
    let registry_key = vrs_protocol::SigningKey::read_file(&c.path().join("keys/registry.key")).unwrap();
    assert_eq!(registry_key.public_key(), f.registry_key);
    let signed = current_registry(&c);
    assert_eq!(signed.registry.version, 1);
    assert!(signed.registry.nodes.is_empty());
    assert_eq!(signed.registry.coordinator.peer_id, f.coordinator_peer_id);

    let again = bin()
        .args(["init", "--p2p-listen", "/ip4/127.0.0.1/tcp/4999", "--http-listen", "127.0.0.1:1", "--data-dir"])
        .arg(c.path())
        .output()
        .unwrap();
    assert_failed_with(&again, "already initialised");
}

#[test]
fn init_refuses_an_address_nodes_cannot_dial() {
    let dir = tempfile::tempdir().unwrap();
    for (addr, why) in [("/ip4/127.0.0.1/tcp/0", "fixed TCP port"), ("/ip4/0.0.0.0/tcp/4001", "--public-address")] {
        let out = bin()
            .args(["init", "--p2p-listen", addr, "--http-listen", "127.0.0.1:8090", "--data-dir"])
            .arg(dir.path().join("x"))
            .output()
            .unwrap();
        assert_failed_with(&out, why);
    }
}

#[test]
fn enroll_admits_a_verified_node_and_refuses_tampering_and_unknown_codes() {
    let c = Coordinator::init();
    let chiyoda = FakeNode::new("131016");
    let out = c.enroll(&chiyoda);
    assert!(out.status.success(), "{}", stderr(&out));
    let signed = current_registry(&c);
    assert_eq!(signed.registry.version, 2);
    let entry = signed.registry.node(chiyoda.code).unwrap();
    assert_eq!(entry.signing_key, chiyoda.signing.public_key());
    assert_eq!(entry.peer_id.as_bytes(), chiyoda.peer_id().to_bytes());

    // Tampered: another code under Chiyoda's signature.
    let yokohama = FakeNode::new("141003");
    let tampered = yokohama.enrollment_json().replace("\"141003\"", "\"011002\"");
    let file = c.path().join("tampered.json");
    std::fs::write(&file, tampered).unwrap();
    assert_failed_with(&c.enroll_file(&file), "signature");

    // 東京都 passes the check digit but is not a municipality; a ward is not a node.
    assert_failed_with(&c.enroll(&FakeNode::new("130001")), "not a municipality");
    assert_failed_with(&c.enroll(&FakeNode::new("141011")), "ward");
    std::fs::write(&file, "{\"not\": \"an enrollment\"}").unwrap();
    assert_failed_with(&c.enroll_file(&file), "not an enrollment");
    assert_eq!(current_registry(&c).registry.version, 2, "refusals write no version");
}

#[test]
fn re_enrolling_a_code_replaces_its_keys_and_a_peer_serves_one_code() {
    let c = Coordinator::init();
    let first = FakeNode::new("131016");
    assert!(c.enroll(&first).status.success());
    let second = FakeNode::new("131016");
    let out = c.enroll(&second);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("re-enrolled"));
    let signed = current_registry(&c);
    assert_eq!(signed.registry.nodes.len(), 1);
    assert_eq!(signed.registry.nodes[0].signing_key, second.signing.public_key());

    // The same peer claiming a second municipality is refused.
    let mut impostor = FakeNode::new("141003");
    impostor.keypair = second.keypair.clone();
    assert_failed_with(&c.enroll(&impostor), "already enrolled for 131016");
}

#[test]
fn revoke_signs_a_new_version_without_the_code() {
    let c = Coordinator::init();
    assert!(c.enroll(&FakeNode::new("131016")).status.success());
    assert!(c.enroll(&FakeNode::new("141003")).status.success());
    let out = c.revoke("131016");
    assert!(out.status.success(), "{}", stderr(&out));
    let signed = current_registry(&c);
    assert_eq!(signed.registry.version, 4);
    let codes: Vec<MunicipalityCode> = signed.registry.nodes.iter().map(|e| e.municipality).collect();
    assert_eq!(codes, vec![MunicipalityCode::parse("141003").unwrap()]);
    assert_failed_with(&c.revoke("131016"), "not enrolled");
    assert_failed_with(&c.revoke("131017"), "--municipality");
}

#[test]
fn user_add_prints_the_token_alone_and_refuses_other_roles() {
    let c = Coordinator::init();
    let token = c.national_token();
    assert!(token.starts_with("vrs_") && token.len() == 68, "{token}");
    let out =
        bin().args(["user", "add", "--name", "x", "--role", "admin", "--data-dir"]).arg(c.path()).output().unwrap();
    assert_failed_with(&out, "--role");
    let out = bin().args(["user", "add", "--name", "x", "--role", "national", "--data-dir", "/nonexistent"]).output();
    assert_failed_with(&out.unwrap(), "not a coordinator data dir");
}

#[test]
fn user_tokens_are_listed_revoked_renewed_and_capped() {
    let c = Coordinator::init();
    let user = |args: &[&str]| bin().arg("user").args(args).arg("--data-dir").arg(c.path()).output().unwrap();
    for i in 0..10 {
        assert!(user(&["add", "--name", &format!("office{i}"), "--role", "national"]).status.success());
    }
    assert_failed_with(&user(&["add", "--name", "office10", "--role", "national"]), "auth.max_users = 10");
    assert!(user(&["revoke-token", "--name", "office0"]).status.success());
    assert_failed_with(&user(&["revoke-token", "--name", "nobody"]), "no user named");
    let listing = String::from_utf8(user(&["list"]).stdout).unwrap();
    assert!(listing.lines().any(|l| l.starts_with("office0 ") && l.ends_with("revoked")), "{listing}");
    let out = user(&["renew-token", "--name", "office1", "--expires-in-days", "7"]);
    let token = String::from_utf8(out.stdout).unwrap();
    assert!(token.trim().starts_with("vrs_") && token.lines().count() == 1, "{token}");
}
