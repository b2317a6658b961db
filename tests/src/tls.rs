//! TLS for the end-to-end tests: a fresh self-signed certificate per test, an HTTPS client
//! that trusts only it, and a bare rustls client that reports what the handshake agreed.

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// A self-signed certificate for `localhost` and the given IP addresses, written as PEM.
#[derive(Debug, Clone)]
pub struct TestCertificate {
    pub certificate: PathBuf,
    pub private_key: PathBuf,
    pub pem: String,
}

impl TestCertificate {
    pub fn create(dir: &Path, ips: &[std::net::IpAddr]) -> anyhow::Result<Self> {
        let mut names = vec!["localhost".to_owned()];
        names.extend(ips.iter().map(|ip| ip.to_string()));
        let key = rcgen::generate_simple_self_signed(names)?;
        std::fs::create_dir_all(dir)?;
        let (certificate, private_key) = (dir.join("tls-cert.pem"), dir.join("tls-key.pem"));
        let pem = key.cert.pem();
        std::fs::write(&certificate, &pem)?;
        std::fs::write(&private_key, key.key_pair.serialize_pem())?;
        Ok(TestCertificate { certificate, private_key, pem })
    }

    /// A blocking HTTPS client that trusts this certificate and nothing else.
    pub fn client(&self) -> anyhow::Result<reqwest::blocking::Client> {
        Ok(reqwest::blocking::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(self.pem.as_bytes())?)
            .timeout(Duration::from_secs(30))
            .build()?)
    }

    fn client_config(&self) -> anyhow::Result<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(self.pem.as_bytes()) {
            roots.add(cert?)?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Ok(rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth())
    }
}

/// One `GET` over a bare rustls connection, and what the handshake agreed.
#[derive(Debug)]
pub struct RawAnswer {
    pub protocol: rustls::ProtocolVersion,
    pub status: u16,
    /// Header names in lower case, with their values.
    pub headers: Vec<(String, String)>,
}

impl RawAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Connects to `addr`, verifies the server as `server_name` against `cert`, sends
/// `GET path` (HTTP/1.1, connection close) and reads the answer's head.
pub fn raw_get(addr: SocketAddr, server_name: &str, cert: &TestCertificate, path: &str) -> anyhow::Result<RawAnswer> {
    let name = ServerName::try_from(server_name.to_owned())?;
    let conn = rustls::ClientConnection::new(Arc::new(cert.client_config()?), name)?;
    let tcp = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    write!(tls, "GET {path} HTTP/1.1\r\nHost: {server_name}\r\nConnection: close\r\n\r\n")?;
    tls.flush()?;
    let protocol = tls.conn.protocol_version().context("no protocol version after the handshake")?;
    let mut text = Vec::new();
    // A server that closes without close_notify ends the read with an error after the data.
    let _ = tls.read_to_end(&mut text);
    let text = String::from_utf8_lossy(&text);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split_whitespace().nth(1)).context("no status line")?.parse()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok(RawAnswer { protocol, status, headers })
}

/// Sends a plaintext HTTP request to `addr`; true if an HTTP answer came back.
pub fn answers_plaintext(addr: SocketAddr) -> bool {
    let Ok(mut tcp) = TcpStream::connect_timeout(&addr, Duration::from_secs(5)) else { return false };
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
    if tcp.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").is_err() {
        return false;
    }
    let mut buf = Vec::new();
    let _ = tcp.read_to_end(&mut buf);
    buf.starts_with(b"HTTP/")
}

/// This machine's own address on its default route, if it has one that is not loopback
/// (a container may have none): a listener on `0.0.0.0` is reachable there too.
pub fn own_interface_address() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    // No packet is sent: connecting a UDP socket only picks the route and source address.
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}
