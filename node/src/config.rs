//! Node settings: defaults in code, then `DIR/node.toml`, then `VRS_...` environment
//! variables (`VRS_HTTP__LISTEN=127.0.0.1:9000`). Validated once at start-up.

use crate::municipalities;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub const SETTINGS_FILE: &str = "node.toml";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The municipality this node serves (全国地方公共団体コード).
    pub municipality: String,
    pub database: DatabaseSettings,
    pub http: HttpSettings,
    pub federation: FederationSettings,
    pub import: ImportSettings,
    pub log: LogSettings,
    #[serde(default)]
    pub certificates: CertificateSettings,
    /// API tokens: lifetime, users at most, throttling of wrong tokens.
    #[serde(default)]
    pub auth: vrs_http::AuthSettings,
    #[serde(default)]
    pub web: WebSettings,
    #[serde(default)]
    pub audit: AuditSettings,
    #[serde(default)]
    pub retention: RetentionSettings,
}

/// The staff web pages (`/ui`): how long a browser stays signed in.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSettings {
    /// A session unused this long ends (a tablet left on a desk).
    pub idle_timeout_secs: i64,
    /// A session ends this long after sign-in whatever its use (one working day).
    pub absolute_timeout_secs: i64,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings { idle_timeout_secs: 30 * 60, absolute_timeout_secs: 10 * 3600 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    /// Years a dose is kept after its vaccination date (予防接種法: 5), and other records
    /// after their last change (specs/security.md "Retention").
    #[serde(default = "default_retention_years")]
    pub years: u16,
    /// Seconds between purges (the first runs a minute after start).
    #[serde(default = "default_retention_interval_secs")]
    pub interval_secs: u64,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        RetentionSettings { years: default_retention_years(), interval_secs: default_retention_interval_secs() }
    }
}

fn default_retention_years() -> u16 {
    5
}

fn default_retention_interval_secs() -> u64 {
    86_400
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSettings {
    /// How often the node sends the coordinator a signed checkpoint of its access-log chain
    /// (when the log has grown). Entries after the last checkpoint are protected by the
    /// chain alone until the next one.
    #[serde(default = "default_checkpoint_interval_secs")]
    pub checkpoint_interval_secs: u64,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings { checkpoint_interval_secs: default_checkpoint_interval_secs() }
    }
}

fn default_checkpoint_interval_secs() -> u64 {
    600
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateSettings {
    /// The SMART Health Card `iss`: the public base URL under which verifiers find
    /// `/.well-known/jwks.json`. Default: `http://` + the HTTP listen address (right for a
    /// test federation; a real node sets its public https URL).
    pub issuer: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://PATH` (relative paths are inside the data dir) or `postgres://...`.
    pub url: Secret,
    pub pool_size: u32,
    /// SQLite `synchronous`: `full` survives power loss at each commit; `normal` only a crash.
    pub sqlite_synchronous: String,
    /// SQLite WAL checkpoints for a served node: `background` (a thread of its own, so no
    /// commit waits for one) or `inline` (SQLite's automatic ones, inside a commit).
    #[serde(default = "default_sqlite_checkpoints")]
    pub sqlite_checkpoints: String,
    /// SQLite check of the database file when the node starts: `quick` (one pass over the
    /// pages), `full` (also every index against its table; slower) or `off`.
    #[serde(default = "default_integrity_check")]
    pub integrity_check: String,
}

fn default_integrity_check() -> String {
    "quick".into()
}

fn default_sqlite_checkpoints() -> String {
    "background".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    pub listen: String,
    /// The largest residents CSV accepted in one request.
    pub max_import_bytes: u64,
    /// Seconds to let requests finish after SIGTERM.
    pub shutdown_timeout_secs: u64,
    /// `auto`: TLS unless the listener is on a loopback address; `always`: TLS everywhere.
    #[serde(default)]
    pub tls: vrs_http::transport::TlsMode,
    /// PEM certificate chain for TLS (relative paths are inside the data dir).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_certificate: Option<PathBuf>,
    /// PEM private key of that certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_private_key: Option<PathBuf>,
    /// Serve plaintext on a non-loopback address: only behind a TLS proxy on this host.
    #[serde(default)]
    pub allow_plaintext: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FederationSettings {
    /// The coordinator's `federation.json`, copied into the data dir by `init`/`join`
    /// (relative to the data dir). `serve` joins the federation when the file exists.
    pub file: Option<PathBuf>,
    /// Kept for `init --p2p-listen`; a node only dials out (the coordinator sends its
    /// requests down that connection), so nothing listens here.
    pub p2p_listen: String,
    /// How long a transfer-in inquiry waits for the former municipality's answer before
    /// the desk is told `node_unreachable`.
    #[serde(default = "default_inquiry_timeout_ms")]
    pub inquiry_timeout_ms: u64,
    /// Rows of a bulk batch in flight at once, asked in chunks of up to 256 rows per
    /// former municipality (so 1024 is four chunks).
    #[serde(default = "default_bulk_concurrency")]
    pub bulk_concurrency: usize,
}

fn default_inquiry_timeout_ms() -> u64 {
    5_000
}

/// A chunk's round trip is partly waiting (two commits and four hops), so a few chunks in
/// flight keep both ends busy while one holder's writer commits (benchmarks).
fn default_bulk_concurrency() -> usize {
    1024
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportSettings {
    /// Rows validated and written together; bounds memory and sizes the look-up queries.
    pub batch_rows: usize,
    /// Rejections listed in an answer; `rejected_total` always has the full count.
    pub max_rejections_reported: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// `text` or `json`.
    pub format: String,
    /// A tracing filter, e.g. `info` or `vrs_node=debug,info`.
    pub level: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            municipality: String::new(),
            database: DatabaseSettings {
                url: Secret("sqlite://vrs.sqlite".into()),
                pool_size: 8,
                sqlite_synchronous: "full".into(),
                sqlite_checkpoints: default_sqlite_checkpoints(),
                integrity_check: default_integrity_check(),
            },
            http: HttpSettings {
                listen: "127.0.0.1:8080".into(),
                max_import_bytes: 4 << 30,
                shutdown_timeout_secs: 30,
                tls: Default::default(),
                tls_certificate: None,
                tls_private_key: None,
                allow_plaintext: false,
            },
            federation: FederationSettings {
                file: None,
                p2p_listen: "/ip4/127.0.0.1/tcp/0".into(),
                inquiry_timeout_ms: default_inquiry_timeout_ms(),
                bulk_concurrency: default_bulk_concurrency(),
            },
            import: ImportSettings { batch_rows: 2000, max_rejections_reported: 10_000 },
            log: LogSettings { format: "text".into(), level: "info".into() },
            certificates: CertificateSettings::default(),
            auth: vrs_http::AuthSettings::default(),
            web: WebSettings::default(),
            audit: AuditSettings::default(),
            retention: RetentionSettings::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read settings: {0}")]
    Load(#[from] config::ConfigError),
    #[error("invalid setting {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { field, reason: reason.into() }
}

impl Settings {
    /// Loads the layered settings for the node whose data lives in `data_dir`.
    pub fn load(data_dir: &Path) -> Result<Self, ConfigError> {
        let env: config::Map<String, String> =
            std::env::vars().filter(|(k, _)| k.starts_with("VRS_") && !k.starts_with("VRS_TEST_")).collect();
        let built = config::Config::builder()
            .add_source(config::Config::try_from(&Settings::default())?)
            .add_source(config::File::from(data_dir.join(SETTINGS_FILE)).required(true))
            .add_source(config::Environment::with_prefix("VRS").prefix_separator("_").separator("__").source(Some(env)))
            .build()?;
        let settings: Settings = built.try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let code = vrs_protocol::MunicipalityCode::parse(&self.municipality)
            .map_err(|e| invalid("municipality", e.to_string()))?;
        if municipalities::lookup(code).is_none() {
            return Err(invalid("municipality", "not in the municipality master"));
        }
        self.transport_plan(Path::new(""))?;
        crate::db::DatabaseUrl::parse(self.database.url.expose())
            .map_err(|e| invalid("database.url", e.to_string()))?;
        if !["background", "inline"].contains(&self.database.sqlite_checkpoints.as_str()) {
            return Err(invalid("database.sqlite_checkpoints", "must be background or inline"));
        }
        if !["quick", "full", "off"].contains(&self.database.integrity_check.as_str()) {
            return Err(invalid("database.integrity_check", "must be quick, full or off"));
        }
        if !["full", "normal"].contains(&self.database.sqlite_synchronous.as_str()) {
            return Err(invalid("database.sqlite_synchronous", "must be full or normal"));
        }
        if self.database.pool_size == 0 || self.database.pool_size > 256 {
            return Err(invalid("database.pool_size", "must be 1..=256"));
        }
        if !(1..=20_000).contains(&self.import.batch_rows) {
            return Err(invalid("import.batch_rows", "must be 1..=20000"));
        }
        // Below 100 ms not even a loopback round trip fits; above 60 s a desk has given up.
        if !(100..=60_000).contains(&self.federation.inquiry_timeout_ms) {
            return Err(invalid("federation.inquiry_timeout_ms", "must be 100..=60000"));
        }
        if !(1..=1024).contains(&self.federation.bulk_concurrency) {
            return Err(invalid("federation.bulk_concurrency", "must be 1..=1024"));
        }
        if let Some(iss) = &self.certificates.issuer {
            check_issuer(iss)?;
        }
        if !(10..=86_400).contains(&self.web.idle_timeout_secs) {
            return Err(invalid("web.idle_timeout_secs", "must be 10..=86400"));
        }
        if !(self.web.idle_timeout_secs..=7 * 86_400).contains(&self.web.absolute_timeout_secs) {
            return Err(invalid("web.absolute_timeout_secs", "must be at least the idle timeout and at most 7 days"));
        }
        if !(1..=86_400).contains(&self.audit.checkpoint_interval_secs) {
            return Err(invalid("audit.checkpoint_interval_secs", "must be 1..=86400"));
        }
        // The law asks for five years; fewer would purge what must be kept.
        if !(5..=100).contains(&self.retention.years) {
            return Err(invalid("retention.years", "must be 5..=100 (予防接種法 requires five years)"));
        }
        if !(1..=604_800).contains(&self.retention.interval_secs) {
            return Err(invalid("retention.interval_secs", "must be 1..=604800"));
        }
        if !["text", "json"].contains(&self.log.format.as_str()) {
            return Err(invalid("log.format", "must be text or json"));
        }
        self.auth.validate().map_err(|(field, reason)| invalid(field, reason))?;
        Ok(())
    }

    pub fn http_listen(&self) -> Result<SocketAddr, ConfigError> {
        self.http.listen.parse().map_err(|_| invalid("http.listen", "must be IP:PORT"))
    }

    /// What the HTTP listener serves (TLS unless on loopback; see `vrs_http::transport`).
    pub fn transport_plan(&self, data_dir: &Path) -> Result<vrs_http::transport::Plan, ConfigError> {
        let t = vrs_http::transport::TransportSettings {
            tls: self.http.tls,
            certificate: self.http.tls_certificate.clone(),
            private_key: self.http.tls_private_key.clone(),
            allow_plaintext: self.http.allow_plaintext,
        };
        vrs_http::transport::plan(self.http_listen()?, &t, data_dir).map_err(|e| invalid("http", e.to_string()))
    }

    pub fn set_transport(&mut self, t: vrs_http::transport::TransportSettings) {
        let h = &mut self.http;
        (h.tls, h.tls_certificate, h.tls_private_key, h.allow_plaintext) =
            (t.tls, t.certificate, t.private_key, t.allow_plaintext);
    }

    /// The certificates' `iss` (no trailing slash, as SMART Health Cards require).
    pub fn issuer(&self) -> String {
        self.certificates.issuer.clone().unwrap_or_else(|| {
            let scheme = self.transport_plan(Path::new("")).map_or("http", |p| p.scheme());
            format!("{scheme}://{}", self.http.listen)
        })
    }

    pub fn municipality_code(&self) -> vrs_protocol::MunicipalityCode {
        // validate() has checked it; an unvalidated Settings never reaches the server.
        vrs_protocol::MunicipalityCode::parse(&self.municipality)
            .unwrap_or_else(|_| vrs_protocol::MunicipalityCode::parse("131016").expect("constant is valid"))
    }

    pub fn write(&self, data_dir: &Path) -> std::io::Result<()> {
        let text = toml::to_string_pretty(self).map_err(std::io::Error::other)?;
        let header = "# VRS node settings. Every key can be overridden by VRS_<SECTION>__<KEY>.\n\n";
        std::fs::write(data_dir.join(SETTINGS_FILE), format!("{header}{text}"))
    }
}

fn check_issuer(iss: &str) -> Result<(), ConfigError> {
    let rest = iss.strip_prefix("https://").or_else(|| iss.strip_prefix("http://"));
    let ok = rest.is_some_and(|r| {
        !r.is_empty()
            && !r.ends_with('/')
            && r.len() <= 200
            && r.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'?' | b'#' | b'"' | b'\\'))
    });
    if ok {
        Ok(())
    } else {
        Err(invalid("certificates.issuer", "must be an http(s) URL without a trailing /, query or fragment"))
    }
}

/// A setting that must never be printed (a database URL may carry a password).
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment_layers() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Settings { municipality: "131016".into(), ..Settings::default() };
        s.http.listen = "127.0.0.1:9001".into();
        s.write(dir.path()).unwrap();
        let loaded = Settings::load(dir.path()).unwrap();
        assert_eq!(loaded.http.listen, "127.0.0.1:9001");
        assert_eq!(loaded.municipality, "131016");
    }

    #[test]
    fn invalid_values_are_refused_with_the_field_named() {
        let mut s = Settings { municipality: "131017".into(), ..Settings::default() };
        assert!(s.validate().unwrap_err().to_string().contains("municipality"));
        s.municipality = "131016".into();
        s.http.listen = "nowhere".into();
        assert!(s.validate().unwrap_err().to_string().contains("http.listen"));
        s.http.listen = "127.0.0.1:1".into();
        s.database.url = Secret("mysql://x".into());
        assert!(s.validate().unwrap_err().to_string().contains("database.url"));
        s.database.url = Secret("sqlite://vrs.sqlite".into());
        s.federation.inquiry_timeout_ms = 0;
        assert!(s.validate().unwrap_err().to_string().contains("federation.inquiry_timeout_ms"));
        s.federation.inquiry_timeout_ms = 5_000;
        s.web.idle_timeout_secs = 5;
        assert!(s.validate().unwrap_err().to_string().contains("web.idle_timeout_secs"));
        s.web.idle_timeout_secs = 1800;
        s.web.absolute_timeout_secs = 600;
        assert!(s.validate().unwrap_err().to_string().contains("web.absolute_timeout_secs"), "shorter than idle");
        s.web.absolute_timeout_secs = 36_000;
        // The law keeps records five years: a shorter retention would purge them early.
        s.retention.years = 4;
        assert!(s.validate().unwrap_err().to_string().contains("retention.years"));
        s.retention.years = 5;
        assert!(s.validate().is_ok());
        assert_eq!(s.issuer(), "http://127.0.0.1:1");
        for bad in ["vrs.example", "https://vrs.example/", "https://vrs.example/a?b", "ftp://x", "https://"] {
            s.certificates.issuer = Some(bad.into());
            assert!(s.validate().unwrap_err().to_string().contains("certificates.issuer"), "{bad}");
        }
        s.certificates.issuer = Some("https://vrs.example/131016".into());
        assert!(s.validate().is_ok());
        assert_eq!(s.issuer(), "https://vrs.example/131016");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SETTINGS_FILE), "municipality = \"131016\"\nlisten = \"x\"\n").unwrap();
        assert!(Settings::load(dir.path()).is_err());
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Secret("postgres://u:hunter2@h/db".into());
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
