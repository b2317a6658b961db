//! Coordinator settings: defaults in code, then `DIR/coordinator.toml`, then environment
//! variables `VRS_COORDINATOR__<SECTION>__<KEY>` (e.g. `VRS_COORDINATOR__HTTP__LISTEN`).
//! The prefix is the coordinator's own so that a node's `VRS_...` variables in the same
//! environment never reach these strict (`deny_unknown_fields`) structs.

use crate::layout::{DataDir, SETTINGS_FILE};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use vrs_link::Multiaddr;

pub const ENV_PREFIX: &str = "VRS_COORDINATOR";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub p2p: P2pSettings,
    pub http: HttpSettings,
    pub database: DatabaseSettings,
    pub routing: RoutingSettings,
    pub log: LogSettings,
    /// Absent from files written before statistics existed: then the defaults apply.
    #[serde(default)]
    pub stats: StatsSettings,
    /// API tokens: lifetime, users at most, throttling of wrong tokens.
    #[serde(default)]
    pub auth: vrs_http::AuthSettings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsSettings {
    /// Seconds between scheduled pulls of every node's aggregates; 0 = only on
    /// `POST /api/v1/stats/refresh`.
    pub refresh_interval_secs: u64,
    /// How long one node may take to answer before it counts as missing.
    pub node_timeout_ms: u64,
    /// Nodes asked at once.
    pub max_concurrent: usize,
}

impl Default for StatsSettings {
    fn default() -> Self {
        StatsSettings { refresh_interval_secs: 3600, node_timeout_ms: 8_000, max_concurrent: 512 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct P2pSettings {
    /// libp2p multiaddr to listen on, e.g. `/ip4/0.0.0.0/tcp/4001`.
    pub listen: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    pub listen: String,
    pub workers: usize,
    /// Seconds to let HTTP requests finish after SIGTERM.
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
pub struct DatabaseSettings {
    /// SQLite file; relative paths are inside the data dir.
    pub file: String,
    pub pool_size: u32,
    /// `full` makes every commit (a queued envelope) survive power loss; `normal` only a crash.
    pub sqlite_synchronous: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingSettings {
    /// Inbound requests handled at once; beyond it peers get `rate_limited`.
    pub max_concurrent_requests: usize,
    /// How long a forwarded envelope waits for the recipient. Below the nodes' own request
    /// timeout (10 s), so the sender hears `queued`/`unavailable` before it gives up.
    pub forward_timeout_ms: u64,
    /// How often the registry table is checked for versions made by `enroll`/`revoke`.
    pub registry_poll_ms: u64,
    /// How often queued envelopes are offered again to connected recipients.
    pub queue_retry_ms: u64,
    /// Envelopes read from the queue per round trip to the database.
    pub queue_batch: i64,
    /// Queued envelopes older than this are dropped: the recipient would refuse them as
    /// stale (the protocol's store-and-forward window is 7 days).
    pub queue_max_age_secs: u64,
    /// Routing log rows older than this are deleted.
    pub routing_log_retention_days: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// `text` or `json`.
    pub format: String,
    /// A tracing filter, e.g. `info` or `vrs_coordinator=debug,info`.
    pub level: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            p2p: P2pSettings { listen: "/ip4/127.0.0.1/tcp/4001".into() },
            http: HttpSettings {
                listen: "127.0.0.1:8090".into(),
                workers: 2,
                shutdown_timeout_secs: 10,
                tls: Default::default(),
                tls_certificate: None,
                tls_private_key: None,
                allow_plaintext: false,
            },
            database: DatabaseSettings {
                file: crate::layout::DATABASE_FILE.into(),
                pool_size: 8,
                sqlite_synchronous: "full".into(),
            },
            routing: RoutingSettings {
                max_concurrent_requests: 1024,
                forward_timeout_ms: 5_000,
                registry_poll_ms: 500,
                queue_retry_ms: 2_000,
                queue_batch: 64,
                queue_max_age_secs: 7 * 24 * 3600,
                routing_log_retention_days: 90,
            },
            log: LogSettings { format: "text".into(), level: "info".into() },
            stats: StatsSettings::default(),
            auth: vrs_http::AuthSettings::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read settings: {0}")]
    Load(#[from] config::ConfigError),
    #[error("invalid setting {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("cannot write settings: {0}")]
    Write(String),
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { field, reason: reason.into() }
}

impl Settings {
    /// The layered settings of the coordinator whose data lives in `dir`.
    pub fn load(dir: &DataDir) -> Result<Self, ConfigError> {
        let prefix = format!("{ENV_PREFIX}__");
        let env: config::Map<String, String> = std::env::vars().filter(|(k, _)| k.starts_with(&prefix)).collect();
        Self::load_with_env(dir, env)
    }

    /// [`load`](Self::load) with the environment given (tests; edition 2024 makes
    /// `set_var` unsafe).
    pub fn load_with_env(dir: &DataDir, env: config::Map<String, String>) -> Result<Self, ConfigError> {
        let built = config::Config::builder()
            .add_source(config::Config::try_from(&Settings::default())?)
            .add_source(config::File::from(dir.file(SETTINGS_FILE)).format(config::FileFormat::Toml).required(true))
            .add_source(
                config::Environment::with_prefix(ENV_PREFIX).prefix_separator("__").separator("__").source(Some(env)),
            )
            .build()?;
        let settings: Settings = built.try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.p2p_listen()?;
        self.transport_plan(self.http_listen()?, Path::new(""))?;
        if !(1..=64).contains(&self.http.workers) {
            return Err(invalid("http.workers", "must be 1..=64"));
        }
        if self.database.file.trim().is_empty() {
            return Err(invalid("database.file", "must name a file"));
        }
        if !(2..=64).contains(&self.database.pool_size) {
            return Err(invalid("database.pool_size", "must be 2..=64"));
        }
        if !["full", "normal"].contains(&self.database.sqlite_synchronous.as_str()) {
            return Err(invalid("database.sqlite_synchronous", "must be full or normal"));
        }
        let r = &self.routing;
        if !(1..=100_000).contains(&r.max_concurrent_requests) {
            return Err(invalid("routing.max_concurrent_requests", "must be 1..=100000"));
        }
        if !(100..=60_000).contains(&r.forward_timeout_ms) {
            return Err(invalid("routing.forward_timeout_ms", "must be 100..=60000"));
        }
        if !(50..=60_000).contains(&r.registry_poll_ms) || !(50..=600_000).contains(&r.queue_retry_ms) {
            return Err(invalid("routing.*_ms", "registry_poll_ms 50..=60000, queue_retry_ms 50..=600000"));
        }
        if !(1..=10_000).contains(&r.queue_batch) {
            return Err(invalid("routing.queue_batch", "must be 1..=10000"));
        }
        if !(60..=7 * 24 * 3600).contains(&r.queue_max_age_secs) {
            return Err(invalid("routing.queue_max_age_secs", "must be 60..=604800 (the protocol's window)"));
        }
        if r.routing_log_retention_days == 0 {
            return Err(invalid("routing.routing_log_retention_days", "must be at least 1"));
        }
        let st = &self.stats;
        if st.refresh_interval_secs != 0 && !(10..=7 * 24 * 3600).contains(&st.refresh_interval_secs) {
            return Err(invalid("stats.refresh_interval_secs", "must be 0 (off) or 10..=604800"));
        }
        if !(100..=120_000).contains(&st.node_timeout_ms) {
            return Err(invalid("stats.node_timeout_ms", "must be 100..=120000"));
        }
        if !(1..=10_000).contains(&st.max_concurrent) {
            return Err(invalid("stats.max_concurrent", "must be 1..=10000"));
        }
        if !["text", "json"].contains(&self.log.format.as_str()) {
            return Err(invalid("log.format", "must be text or json"));
        }
        self.auth.validate().map_err(|(field, reason)| invalid(field, reason))?;
        Ok(())
    }

    pub fn p2p_listen(&self) -> Result<Multiaddr, ConfigError> {
        self.p2p.listen.parse().map_err(|_| invalid("p2p.listen", "must be a multiaddr like /ip4/127.0.0.1/tcp/4001"))
    }

    pub fn http_listen(&self) -> Result<SocketAddr, ConfigError> {
        self.http.listen.parse().map_err(|_| invalid("http.listen", "must be IP:PORT"))
    }

    /// What an HTTP listener on `addr` serves (TLS unless on loopback; see `vrs_http::transport`).
    pub fn transport_plan(&self, addr: SocketAddr, dir: &Path) -> Result<vrs_http::transport::Plan, ConfigError> {
        let t = vrs_http::transport::TransportSettings {
            tls: self.http.tls,
            certificate: self.http.tls_certificate.clone(),
            private_key: self.http.tls_private_key.clone(),
            allow_plaintext: self.http.allow_plaintext,
        };
        vrs_http::transport::plan(addr, &t, dir).map_err(|e| invalid("http", e.to_string()))
    }

    pub fn set_transport(&mut self, t: vrs_http::transport::TransportSettings) {
        let h = &mut self.http;
        (h.tls, h.tls_certificate, h.tls_private_key, h.allow_plaintext) =
            (t.tls, t.certificate, t.private_key, t.allow_plaintext);
    }

    pub fn forward_timeout(&self) -> Duration {
        Duration::from_millis(self.routing.forward_timeout_ms)
    }

    pub fn write(&self, dir: &DataDir) -> Result<(), ConfigError> {
        let text = toml::to_string_pretty(self).map_err(|e| ConfigError::Write(e.to_string()))?;
        let header = "# VRS coordinator settings. Every key can be overridden by \
                      VRS_COORDINATOR__<SECTION>__<KEY>.\n\n";
        std::fs::write(dir.file(SETTINGS_FILE), format!("{header}{text}"))
            .map_err(|e| ConfigError::Write(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment_layers() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path());
        let mut s = Settings::default();
        s.http.listen = "127.0.0.1:9001".into();
        s.write(&dir).unwrap();
        assert_eq!(Settings::load_with_env(&dir, Default::default()).unwrap().http.listen, "127.0.0.1:9001");
        let env = config::Map::from([("VRS_COORDINATOR__HTTP__LISTEN".to_owned(), "127.0.0.1:9002".to_owned())]);
        assert_eq!(Settings::load_with_env(&dir, env).unwrap().http.listen, "127.0.0.1:9002");
    }

    #[test]
    fn invalid_values_name_the_field_and_unknown_keys_are_refused() {
        let mut s = Settings::default();
        s.p2p.listen = "tcp:4001".into();
        assert!(s.validate().unwrap_err().to_string().contains("p2p.listen"));
        let mut s = Settings::default();
        s.routing.queue_max_age_secs = 8 * 24 * 3600;
        assert!(s.validate().unwrap_err().to_string().contains("queue_max_age_secs"));
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(SETTINGS_FILE), "[http]\nlisten = \"127.0.0.1:1\"\nport = 3\n").unwrap();
        assert!(Settings::load_with_env(&DataDir::new(tmp.path()), Default::default()).is_err());
    }
}
