//! End-to-end transport: real `vrs-node` and `vrs-coordinator` processes bound to a
//! non-loopback address (`0.0.0.0`, every interface) refuse to start plaintext unless the
//! operator says so, serve HTTPS with the configured certificate (checked by a bare
//! rustls client: TLS 1.3, the certificate verified), answer nothing to plaintext on
//! that port, and every response carries the security headers, HSTS included.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use vrs_tests::tls::{TestCertificate, answers_plaintext, own_interface_address, raw_get};
use vrs_tests::{Served, binary, free_port, run};

const HEADERS: [&str; 7] = [
    "cache-control",
    "content-security-policy",
    "x-frame-options",
    "x-content-type-options",
    "referrer-policy",
    "permissions-policy",
    "strict-transport-security",
];

fn certificate(dir: &Path) -> TestCertificate {
    let mut ips = vec!["127.0.0.1".parse().unwrap()];
    ips.extend(own_interface_address());
    TestCertificate::create(dir, &ips).unwrap()
}

fn init_node(dir: &Path, listen: &str, extra: &[&str]) -> std::process::Output {
    Command::new(binary("vrs-node").unwrap())
        .args(["init", "--municipality", "131016", "--http-listen", listen])
        .args(extra)
        .arg("--data-dir")
        .arg(dir)
        .output()
        .unwrap()
}

fn one_line_failure(out: &std::process::Output, needle: &str) {
    assert!(!out.status.success(), "expected a refusal");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains(needle), "{needle:?} not in {err}");
}

/// The output of a command expected to stop at once; one that serves instead is killed
/// after 30 s (and the test fails on its exit status).
fn output_within(cmd: &mut Command) -> std::process::Output {
    let child = cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let pid = child.id();
    let (done, waited) = std::sync::mpsc::sync_channel(1);
    std::thread::spawn(move || {
        if waited.recv_timeout(std::time::Duration::from_secs(30)).is_err() {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
    });
    let out = child.wait_with_output().unwrap();
    let _ = done.send(());
    out
}

/// Every address the listener on `0.0.0.0:port` can be reached at from here.
fn reachable(port: u16) -> Vec<(SocketAddr, String)> {
    let mut out = vec![(SocketAddr::from(([127, 0, 0, 1], port)), "127.0.0.1".to_owned())];
    if let Some(ip) = own_interface_address() {
        out.push((SocketAddr::new(ip, port), ip.to_string()));
    }
    out
}

fn assert_security_headers(answer: &vrs_tests::tls::RawAnswer, what: &str) {
    for name in HEADERS {
        assert!(answer.header(name).is_some(), "{name} missing on {what}: {:?}", answer.headers);
    }
    assert_eq!(answer.header("x-frame-options"), Some("DENY"));
}

#[test]
fn a_node_on_a_public_address_serves_https_or_refuses_to_start() {
    let root = tempfile::tempdir().unwrap();
    let port = free_port().unwrap();
    let listen = format!("0.0.0.0:{port}");

    // No certificate, no permission: init refuses, and so does serve when the address
    // comes from the environment instead.
    one_line_failure(&init_node(&root.path().join("bare"), &listen, &[]), "refusing to serve plaintext");
    let moved = root.path().join("moved");
    let out = init_node(&moved, "127.0.0.1:0", &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut serve = Command::new(binary("vrs-node").unwrap());
    serve.args(["serve", "--data-dir"]).arg(&moved).env("VRS_HTTP__LISTEN", &listen);
    let serve = output_within(&mut serve);
    one_line_failure(&serve, "refusing to serve plaintext");

    // With the operator's explicit permission it serves plaintext, and says so loudly.
    let open_dir = root.path().join("open");
    let out = init_node(&open_dir, &listen, &["--allow-plaintext"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut open = Served::start("vrs-node", "node.log", &open_dir, &format!("http://127.0.0.1:{port}")).unwrap();
    assert!(answers_plaintext(SocketAddr::from(([127, 0, 0, 1], port))));
    open.stop().unwrap();
    let log = std::fs::read_to_string(open_dir.join("node.log")).unwrap();
    assert!(log.contains("SERVING PLAINTEXT HTTP ON A NON-LOOPBACK ADDRESS"), "{log}");

    // With a certificate: HTTPS on every interface, nothing for plaintext.
    let dir = root.path().join("tls");
    let cert = certificate(&root.path().join("pki"));
    let (c, k) = (cert.certificate.to_str().unwrap(), cert.private_key.to_str().unwrap());
    let out = init_node(&dir, &listen, &["--tls-certificate", c, "--tls-private-key", k]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = run(Command::new(binary("vrs-node").unwrap())
        .args(["user", "add", "--name", "clerk", "--role", "staff", "--data-dir"])
        .arg(&dir))
    .unwrap();
    let url = format!("https://localhost:{port}");
    let mut node = Served::start_with_client("vrs-node", "node.log", &dir, &url, cert.client().unwrap()).unwrap();
    for (addr, name) in reachable(port) {
        let answer = raw_get(addr, &name, &cert, "/health").unwrap();
        assert_eq!(answer.protocol, rustls::ProtocolVersion::TLSv1_3, "{addr}");
        assert_eq!(answer.status, 200, "{addr}");
        assert_security_headers(&answer, &format!("/health at {addr}"));
        assert!(!answers_plaintext(addr), "plaintext answered on the TLS port at {addr}");
    }
    let answer = raw_get(reachable(port)[0].0, "localhost", &cert, "/api/v1/residents/1").unwrap();
    assert_eq!(answer.status, 401);
    assert_security_headers(&answer, "a 401");
    let client = cert.client().unwrap();
    let res = client.get(format!("{url}/api/v1/residents/1")).bearer_auth(token.trim()).send().unwrap();
    assert_eq!(res.status(), 404, "a token works over HTTPS");
    // The certificates' issuer defaults to the https URL now.
    let jwks = client.get(format!("{url}/.well-known/jwks.json")).send().unwrap();
    assert_eq!(jwks.status(), 200);
    assert!(node.stop().unwrap().success());
}

#[test]
fn a_coordinator_on_a_public_address_serves_https_or_refuses_to_start() {
    let root = tempfile::tempdir().unwrap();
    let bin = binary("vrs-coordinator").unwrap();
    let port = free_port().unwrap();
    let init = |dir: &Path, extra: &[&str]| {
        Command::new(&bin)
            .args(["init", "--http-listen", &format!("0.0.0.0:{port}")])
            .args(["--p2p-listen", &format!("/ip4/127.0.0.1/tcp/{}", free_port().unwrap())])
            .args(extra)
            .arg("--data-dir")
            .arg(dir)
            .output()
            .unwrap()
    };
    one_line_failure(&init(&root.path().join("bare"), &[]), "refusing to serve plaintext");
    // ... and serve, when the public address comes from the environment.
    let moved = root.path().join("moved");
    let out = Command::new(&bin)
        .args(["init", "--http-listen", "127.0.0.1:0"])
        .args(["--p2p-listen", &format!("/ip4/127.0.0.1/tcp/{}", free_port().unwrap())])
        .arg("--data-dir")
        .arg(&moved)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut serve = Command::new(&bin);
    serve.args(["serve", "--data-dir"]).arg(&moved).env("VRS_COORDINATOR__HTTP__LISTEN", format!("0.0.0.0:{port}"));
    let serve = output_within(&mut serve);
    one_line_failure(&serve, "refusing to serve plaintext");

    let dir = root.path().join("c");
    let cert = certificate(&root.path().join("pki"));
    let (c, k) = (cert.certificate.to_str().unwrap(), cert.private_key.to_str().unwrap());
    let out = init(&dir, &["--tls-certificate", c, "--tls-private-key", k]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let url = format!("https://localhost:{port}");
    let mut served =
        Served::start_with_client("vrs-coordinator", "coordinator.log", &dir, &url, cert.client().unwrap()).unwrap();
    for (addr, name) in reachable(port) {
        for path in ["/health", "/api/v1/stats", "/opendata/prefecture.ndjson", "/dashboard", "/nowhere"] {
            let answer = raw_get(addr, &name, &cert, path).unwrap();
            assert_eq!(answer.protocol, rustls::ProtocolVersion::TLSv1_3);
            assert_security_headers(&answer, &format!("{path} at {addr}"));
        }
        assert!(!answers_plaintext(addr), "plaintext answered on the TLS port at {addr}");
    }
    assert!(served.stop().unwrap().success());
}
