//! The local federation launcher and the harness of the end-to-end tests: a real
//! `vrs-coordinator` and real `vrs-node` processes on loopback ports, each with its own
//! data dir (and the nodes with generated residents), set up with the operator commands.

mod coordinator;
pub mod desk;
pub mod fedbench;
pub mod inquirybench;
pub mod leaks;
pub mod load;
mod served;
pub mod suite;
pub mod tls;
pub mod webdriver;
pub use coordinator::{CoordinatorProcess, LocalFederation};
pub use served::Served;

use anyhow::{Context, bail};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The three municipalities of the demo federation.
pub const DEMO_MUNICIPALITIES: [(&str, &str); 3] = [("131016", "千代田区"), ("141003", "横浜市"), ("011002", "札幌市")];

/// Finds a binary built beside this one (target/<profile>/), for tests and the launcher.
pub fn binary(name: &str) -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let mut dir = exe.parent().context("no parent dir")?;
    // Test binaries live in target/<profile>/deps.
    if dir.ends_with("deps") {
        dir = dir.parent().context("no parent dir")?;
    }
    let path = dir.join(name);
    if !path.exists() {
        bail!("{} not found: build it first (cargo build --workspace --bins)", path.display());
    }
    Ok(path)
}

pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Runs a command to completion; its stdout on success, a one-line error otherwise.
pub fn run(cmd: &mut Command) -> anyhow::Result<String> {
    let out = cmd.stdin(Stdio::null()).output().with_context(|| format!("cannot start {cmd:?}"))?;
    if !out.status.success() {
        bail!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8(out.stdout)?)
}

/// Sets `[section] key = value` (TOML syntax) in a node's `node.toml`.
pub fn set_setting(data_dir: &Path, section: &str, key: &str, value: &str) -> anyhow::Result<()> {
    let path = data_dir.join("node.toml");
    let mut doc: toml::Table = std::fs::read_to_string(&path)?.parse()?;
    let value: toml::Value = format!("v = {value}").parse::<toml::Table>()?.remove("v").context("a TOML value")?;
    let table = doc.entry(section).or_insert_with(|| toml::Value::Table(toml::Table::new()));
    table.as_table_mut().context("a settings section")?.insert(key.to_owned(), value);
    std::fs::write(&path, toml::to_string(&doc)?)?;
    Ok(())
}

/// Runs SQL on a node's SQLite database with the `sqlite3` CLI (what an operator with
/// shell access could do); its output, trimmed.
pub fn sqlite(data_dir: &Path, sql: &str) -> anyhow::Result<String> {
    sqlite_file(&data_dir.join("vrs.sqlite"), sql)
}

/// As [`sqlite`], on any SQLite file (the coordinator's `coordinator.sqlite`).
pub fn sqlite_file(file: &Path, sql: &str) -> anyhow::Result<String> {
    Ok(run(Command::new("sqlite3").arg(file).arg(sql))?.trim().to_owned())
}

/// Polls `done` every 250 ms until it is true; panics naming `what` after `within`.
pub fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "timed out: {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// A running `vrs-node serve`, stopped with SIGTERM when dropped.
pub struct NodeProcess {
    pub municipality: String,
    pub url: String,
    pub data_dir: PathBuf,
    pub staff_token: String,
    served: Served,
}

impl NodeProcess {
    /// init + user add + demo residents + serve, and waits until /health answers.
    pub fn start(root: &Path, municipality: &str, residents: u64, database_url: Option<&str>) -> anyhow::Result<Self> {
        Self::start_with(root, municipality, residents, database_url, None)
    }

    /// As [`start`](Self::start); with a coordinator, the node is initialised with its
    /// federation.json and enrolled before it starts serving.
    pub fn start_with(
        root: &Path,
        municipality: &str,
        residents: u64,
        database_url: Option<&str>,
        coordinator: Option<&CoordinatorProcess>,
    ) -> anyhow::Result<Self> {
        Self::start_tuned(root, municipality, residents, database_url, coordinator, &[])
    }

    /// As [`start_with`](Self::start_with), with settings changed in `node.toml` before
    /// the node first serves: `(section, key, value)`, the value in TOML syntax.
    pub fn start_tuned(
        root: &Path,
        municipality: &str,
        residents: u64,
        database_url: Option<&str>,
        coordinator: Option<&CoordinatorProcess>,
        settings: &[(&str, &str, &str)],
    ) -> anyhow::Result<Self> {
        let node = binary("vrs-node")?;
        let data_dir = root.join(municipality);
        let port = free_port()?;
        let listen = format!("127.0.0.1:{port}");
        let mut init = Command::new(&node);
        init.args(["init", "--municipality", municipality, "--http-listen", &listen]).arg("--data-dir").arg(&data_dir);
        if let Some(url) = database_url {
            init.args(["--database-url", url]);
        }
        if let Some(c) = coordinator {
            init.arg("--federation").arg(c.federation_file());
        }
        run(&mut init)?;
        for (section, key, value) in settings {
            set_setting(&data_dir, section, key, value)?;
        }
        if let Some(c) = coordinator {
            c.enroll(&data_dir.join("enrollment.json"))?;
        }
        let staff_token = run(Command::new(&node)
            .args(["user", "add", "--name", "staff", "--role", "staff"])
            .arg("--data-dir")
            .arg(&data_dir))?
        .trim()
        .to_owned();
        if residents > 0 {
            let csv = data_dir.join("demo-residents.csv");
            run(Command::new(&node)
                .args(["demo-data", "--municipality", municipality, "--count", &residents.to_string()])
                .arg("--out")
                .arg(&csv))?;
            run(Command::new(&node).args(["import", "residents"]).arg("--data-dir").arg(&data_dir).arg(&csv))?;
        }
        let url = format!("http://{listen}");
        let served = Served::start("vrs-node", "node.log", &data_dir, &url)?;
        Ok(NodeProcess { municipality: municipality.to_owned(), url, data_dir, staff_token, served })
    }

    /// Starts `serve` on a data dir initialised by hand (no users, no residents).
    pub fn attach_serve(data_dir: &Path, municipality: &str, port: u16) -> anyhow::Result<Self> {
        let url = format!("http://127.0.0.1:{port}");
        let served = Served::start("vrs-node", "node.log", data_dir, &url)?;
        Ok(NodeProcess {
            municipality: municipality.to_owned(),
            url,
            data_dir: data_dir.to_owned(),
            staff_token: String::new(),
            served,
        })
    }

    /// The node's `/health` answer.
    pub fn health(&self) -> anyhow::Result<serde_json::Value> {
        let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(2)).build()?;
        Ok(client.get(format!("{}/health", self.url)).send()?.json()?)
    }

    /// Waits until `/health` says the coordinator link is up.
    pub fn wait_connected(&self, within: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if self.health().is_ok_and(|h| h["coordinator"] == "connected") {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("node {} did not connect to the coordinator; see {}/node.log", self.municipality, self.data_dir.display())
    }

    /// Kills the node with SIGKILL (no chance to flush or finish anything) and waits.
    pub fn kill_hard(&mut self) -> anyhow::Result<()> {
        self.served.kill_hard()
    }

    /// Starts `serve` again on the same data dir and port after a stop or a kill.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.served.restart()
    }

    /// The serving process's id (e.g. to pause it with SIGSTOP).
    pub fn pid(&self) -> u32 {
        self.served.pid()
    }

    /// Sends SIGTERM and waits for a clean exit; returns the exit status.
    pub fn stop(&mut self) -> anyhow::Result<std::process::ExitStatus> {
        self.served.stop()
    }
}
