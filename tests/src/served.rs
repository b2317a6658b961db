//! A `serve` process of one of the project's binaries: its output appended to a log file
//! in its data dir, healthy once `/health` answers, stopped with SIGTERM when dropped.

use super::{binary, run};
use anyhow::bail;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const START_WITHIN: Duration = Duration::from_secs(30);

pub struct Served {
    bin: &'static str,
    log: &'static str,
    data_dir: PathBuf,
    url: String,
    /// Polls `/health` (an HTTPS client for a server that serves TLS).
    client: reqwest::blocking::Client,
    child: Child,
}

impl Served {
    /// `BIN serve --data-dir DIR`, waiting until `URL/health` answers.
    pub fn start(bin: &'static str, log: &'static str, data_dir: &Path, url: &str) -> anyhow::Result<Self> {
        let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(2)).build()?;
        Self::start_with_client(bin, log, data_dir, url, client)
    }

    /// As [`start`](Self::start), polling `/health` with `client` (e.g. one that trusts
    /// the server's test certificate).
    pub fn start_with_client(
        bin: &'static str,
        log: &'static str,
        data_dir: &Path,
        url: &str,
        client: reqwest::blocking::Client,
    ) -> anyhow::Result<Self> {
        let child = spawn(bin, log, data_dir)?;
        let mut served = Served { bin, log, data_dir: data_dir.to_owned(), url: url.to_owned(), client, child };
        served.wait_healthy()?;
        Ok(served)
    }

    fn wait_healthy(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + START_WITHIN;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                bail!("{} exited with {status}; see {}", self.bin, self.data_dir.join(self.log).display());
            }
            if self.client.get(format!("{}/health", self.url)).send().is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("{} did not become healthy; see {}", self.bin, self.data_dir.join(self.log).display())
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL (no chance to flush or finish anything), then waits.
    pub fn kill_hard(&mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    /// Starts `serve` again on the same data dir after a stop or a kill.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.child = spawn(self.bin, self.log, &self.data_dir)?;
        self.wait_healthy()
    }

    /// SIGTERM, then waits for the exit; returns its status.
    pub fn stop(&mut self) -> anyhow::Result<ExitStatus> {
        run(Command::new("kill").args(["-TERM", &self.child.id().to_string()]))?;
        Ok(self.child.wait()?)
    }
}

fn spawn(bin: &str, log: &str, data_dir: &Path) -> anyhow::Result<Child> {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(data_dir.join(log))?;
    Ok(Command::new(binary(bin)?)
        .arg("serve")
        .arg("--data-dir")
        .arg(data_dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()?)
}

impl Drop for Served {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.stop();
        }
    }
}
