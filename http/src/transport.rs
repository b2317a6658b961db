//! What the HTTP listener serves: TLS (rustls) whenever it is not bound to loopback, or
//! when told to always; plaintext on a non-loopback address only when the operator said so
//! (`http.allow_plaintext`, e.g. behind a TLS-terminating proxy on the same host), and then
//! with a loud warning. The decision is a pure function of the address and the settings,
//! so it is tested for every kind of address without binding one.

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS unless the listener is on a loopback address.
    #[default]
    Auto,
    /// TLS on every address, loopback included.
    Always,
}

/// The transport part of a server's `[http]` settings. Relative paths are inside the data dir.
#[derive(Debug, Clone, Default)]
pub struct TransportSettings {
    pub tls: TlsMode,
    /// PEM: the server certificate first, then its chain.
    pub certificate: Option<PathBuf>,
    /// PEM: PKCS#8, PKCS#1 or SEC1 private key of the certificate.
    pub private_key: Option<PathBuf>,
    pub allow_plaintext: bool,
}

/// The `init` flags of both binaries that fill the transport settings.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct TlsArgs {
    /// PEM certificate chain for HTTPS (needed unless --http-listen is a loopback address).
    #[arg(long, requires = "tls_private_key")]
    pub tls_certificate: Option<PathBuf>,
    /// PEM private key of --tls-certificate.
    #[arg(long, requires = "tls_certificate")]
    pub tls_private_key: Option<PathBuf>,
    /// Serve plaintext HTTP on a non-loopback address (only behind a TLS proxy on this host).
    #[arg(long)]
    pub allow_plaintext: bool,
}

impl TlsArgs {
    /// The settings these flags ask for, with the files made absolute (the settings file
    /// resolves relative paths against the data dir, not the operator's working dir).
    pub fn settings(&self) -> std::io::Result<TransportSettings> {
        let absolute = |p: &Option<PathBuf>| p.as_deref().map(std::path::absolute).transpose();
        Ok(TransportSettings {
            tls: TlsMode::Auto,
            certificate: absolute(&self.tls_certificate)?,
            private_key: absolute(&self.tls_private_key)?,
            allow_plaintext: self.allow_plaintext,
        })
    }
}

/// What the listener will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Plaintext on loopback: only this machine can connect.
    PlainLoopback,
    /// Plaintext on a reachable address, because `allow_plaintext` said so.
    PlainByOperator,
    Tls {
        certificate: PathBuf,
        private_key: PathBuf,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error(
        "refusing to serve plaintext HTTP on {0}, which is not a loopback address: set http.tls_certificate and \
         http.tls_private_key (PEM files), or http.allow_plaintext = true if a TLS proxy on this host fronts it"
    )]
    PlaintextRefused(SocketAddr),
    #[error("http.tls = \"always\" needs http.tls_certificate and http.tls_private_key")]
    MissingCertificate,
    #[error("cannot use the TLS certificate or key: {0}")]
    BadCertificate(String),
}

/// Whether `ip` can only be reached from this machine. `0.0.0.0`/`::` listen on every
/// interface, so they are not.
pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

/// Decides what a listener on `addr` serves; `data_dir` anchors relative paths.
pub fn plan(addr: SocketAddr, s: &TransportSettings, data_dir: &Path) -> Result<Plan, TransportError> {
    let files = match (&s.certificate, &s.private_key) {
        (Some(c), Some(k)) => Some((data_dir.join(c), data_dir.join(k))),
        (None, None) => None,
        _ => {
            return Err(TransportError::BadCertificate(
                "set both http.tls_certificate and http.tls_private_key".into(),
            ));
        }
    };
    match (files, s.tls, is_loopback(addr.ip())) {
        (Some((certificate, private_key)), _, _) => Ok(Plan::Tls { certificate, private_key }),
        (None, TlsMode::Always, _) => Err(TransportError::MissingCertificate),
        (None, TlsMode::Auto, true) => Ok(Plan::PlainLoopback),
        (None, TlsMode::Auto, false) if s.allow_plaintext => Ok(Plan::PlainByOperator),
        (None, TlsMode::Auto, false) => Err(TransportError::PlaintextRefused(addr)),
    }
}

impl Plan {
    pub fn is_tls(&self) -> bool {
        matches!(self, Plan::Tls { .. })
    }

    /// `https` or `http`, for URLs the server gives out about itself.
    pub fn scheme(&self) -> &'static str {
        if self.is_tls() { "https" } else { "http" }
    }

    /// Loads the certificate for a TLS plan (`None` for plaintext) and says loudly when
    /// plaintext is served on a reachable address.
    pub fn load(&self, addr: SocketAddr) -> Result<Option<Arc<ServerConfig>>, TransportError> {
        match self {
            Plan::PlainLoopback => Ok(None),
            Plan::PlainByOperator => {
                tracing::warn!(
                    %addr,
                    "SERVING PLAINTEXT HTTP ON A NON-LOOPBACK ADDRESS (http.allow_plaintext = true): tokens and \
                     personal data cross the network unencrypted unless a TLS proxy on this host fronts this port"
                );
                Ok(None)
            }
            Plan::Tls { certificate, private_key } => {
                server_config(certificate, private_key).map(|c| Some(Arc::new(c)))
            }
        }
    }
}

/// A rustls server configuration (TLS 1.3 and 1.2, ring's provider) from PEM files.
pub fn server_config(certificate: &Path, private_key: &Path) -> Result<ServerConfig, TransportError> {
    let bad =
        |what: &Path, e: &dyn std::fmt::Display| TransportError::BadCertificate(format!("{}: {e}", what.display()));
    let chain = CertificateDer::pem_file_iter(certificate)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| bad(certificate, &e))?;
    if chain.is_empty() {
        return Err(bad(certificate, &"no CERTIFICATE block"));
    }
    let key = PrivateKeyDer::from_pem_file(private_key).map_err(|e| bad(private_key, &e))?;
    warn_if_readable_by_others(private_key);
    // The provider is named: with libp2p's aws-lc-rs also compiled in, rustls cannot pick one.
    ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(certificate, &e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| bad(private_key, &e))
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0) {
        tracing::warn!(path = %path.display(), "the TLS private key is readable by other users; chmod 600 it");
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn with_files() -> TransportSettings {
        TransportSettings { certificate: Some("c.pem".into()), private_key: Some("k.pem".into()), ..Default::default() }
    }

    #[test]
    fn loopback_is_only_the_loopback_ranges() {
        for lo in ["127.0.0.1:1", "127.0.0.2:1", "127.255.255.254:1", "[::1]:1", "[::ffff:127.0.0.1]:1"] {
            assert!(is_loopback(addr(lo).ip()), "{lo}");
        }
        for public in ["0.0.0.0:1", "[::]:1", "192.168.1.10:1", "10.0.0.1:1", "203.0.113.5:1", "[2001:db8::1]:1"] {
            assert!(!is_loopback(addr(public).ip()), "{public}");
        }
    }

    #[test]
    fn plaintext_only_on_loopback_unless_the_operator_allows_it() {
        let dir = Path::new("/data");
        let plain = TransportSettings::default();
        assert_eq!(plan(addr("127.0.0.1:8080"), &plain, dir).unwrap(), Plan::PlainLoopback);
        for public in ["0.0.0.0:8080", "192.0.2.1:8080", "[::]:8080"] {
            let e = plan(addr(public), &plain, dir).unwrap_err();
            assert!(e.to_string().contains("refusing to serve plaintext"), "{e}");
            let allowed = TransportSettings { allow_plaintext: true, ..Default::default() };
            assert_eq!(plan(addr(public), &allowed, dir).unwrap(), Plan::PlainByOperator);
        }
    }

    #[test]
    fn a_certificate_means_tls_everywhere_and_always_needs_one() {
        let dir = Path::new("/data");
        let expected = Plan::Tls { certificate: "/data/c.pem".into(), private_key: "/data/k.pem".into() };
        assert_eq!(plan(addr("127.0.0.1:1"), &with_files(), dir).unwrap(), expected);
        assert_eq!(plan(addr("0.0.0.0:1"), &with_files(), dir).unwrap(), expected);
        let allowed = TransportSettings { allow_plaintext: true, ..with_files() };
        assert!(plan(addr("0.0.0.0:1"), &allowed, dir).unwrap().is_tls(), "a certificate wins over the permission");
        let always = TransportSettings { tls: TlsMode::Always, ..Default::default() };
        assert!(matches!(plan(addr("127.0.0.1:1"), &always, dir), Err(TransportError::MissingCertificate)));
        let half = TransportSettings { certificate: Some("c.pem".into()), ..Default::default() };
        assert!(matches!(plan(addr("127.0.0.1:1"), &half, dir), Err(TransportError::BadCertificate(_))));
    }

    #[test]
    fn unusable_files_are_refused_with_the_file_named() {
        let dir = std::env::temp_dir().join(format!("vrs-http-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (cert, key) = (dir.join("c.pem"), dir.join("k.pem"));
        std::fs::write(&cert, "not a certificate").unwrap();
        std::fs::write(&key, "not a key").unwrap();
        let e = server_config(&cert, &key).unwrap_err().to_string();
        assert!(e.contains("c.pem"), "{e}");
        let e = server_config(&dir.join("missing.pem"), &key).unwrap_err().to_string();
        assert!(e.contains("missing.pem"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
